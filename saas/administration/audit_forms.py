"""The audit trail's filters, read from the URL (GET, no script): a period, who, what kind, which object,
with what result. The works council is offered only the kinds that concern anonymity."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SearchField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp, ValidationError

from saas.kernel import audit, formatting
from saas.kernel.forms import DayField, sensible_date
from saas.kernel.listing import ListForm, words

# What each kind of entry is called on the page (the first part of an action: "membership.roles" is a
# "membership" entry). Kinds other features add later are shown by their own name until they are named here.
KINDS = {
    "tenant": _l("Organisation: created, exported, contract end"), "settings": _l("Settings"), "membership": _l("Members and roles"),
    "invitation": _l("Invitations"), "legacy_org": _l("Legacy organisations"), "consent": _l("Works council consent"),
    "wave": _l("Survey waves"), "pulse": _l("Pulse checks"), "feedback": _l("360-degree feedback rounds"),
    "expectations": _l("Expectation rounds"), "workshop": _l("Workshop evaluations"),
    "report": _l("Reports released and exported"), "billing": _l("Billing"), "signin": _l("Sign-ins"),
    "platform": _l("Platform administration"), "audit": _l("Audit trail: exported, sign-in records removed"),
    "access_log": _l("Report access log exported"), "benchmark": _l("Benchmark across tenants"), "worklog": _l("Work logs exported"),
    "retention": _l("Retention: what the daily job removed"), "person": _l("Personal data downloaded or erased"),
    "figure": _l("Figures cited by action plans and promises"),
}
ANONYMITY_KINDS = {
    "settings.k": _l("Minimum group size (k)"), "settings.country": _l("Country"),
    "settings.consent_required": _l("Works council consent required"), "consent.recorded": _l("Consent recorded"),
    "report.released": _l("Report released"), "report.exported": _l("Report exported"),
    "settings.benchmark": _l("Taking part in the benchmark"),
    "benchmark.contributed": _l("Released figures contributed to a sector norm"),
}
RESULTS = {audit.OK: _l("done"), audit.REFUSED: _l("refused"), audit.FAILED: _l("failed")}
OBJECTS = {
    "tenants": _l("organisation"), "memberships": _l("membership"), "invitations": _l("invitation"),
    "legacy_organisations": _l("legacy organisation"), "survey_waves": _l("survey wave"),
    "pulse_rounds": _l("pulse check"), "feedback_rounds": _l("360-degree feedback round"),
    "expectation_rounds": _l("expectation round"), "workshops": _l("workshop"), "users": _l("account"),
    "oidc_connections": _l("single sign-on"), "scim_tokens": _l("SCIM token"), "scim_group_mappings": _l("SCIM group"),
    "billing_accounts": _l("billing account"), "job_runs": _l("background job"), "teams": _l("team"),
    "audit_trail": _l("audit trail"),
    "action_plans": _l("action plan"), "leadership_promises": _l("leadership promise"),
    "figure_citations": _l("cited figure"),
}


class AuditTrailForm(ListForm):
    q = SearchField(_l("Who (name or e-mail address)"), validators=[Optional(), Length(max=100, message=_l(
        "Search with at most %(max)d characters.", max=100))])
    kind = SelectField(_l("What"), default="", validate_choice=True)
    object_type = SelectField(_l("Object"), default="", validate_choice=True)
    object_id = StringField(_l("Object number"), validators=[Optional(), Length(max=64, message=_l("At most %(max)d characters.")), Regexp(
        r"^[A-Za-z0-9_-]+$", message=_l("An object number has only letters, digits, hyphens and underscores."))])
    result = SelectField(_l("Result"), default="", validate_choice=True)
    since = DayField(_l("From"), validators=[Optional(), sensible_date], render_kw={"placeholder": "yyyy-mm-dd"})
    until = DayField(_l("Up to and including"), validators=[Optional(), sensible_date],
                     render_kw={"placeholder": "yyyy-mm-dd"})

    def offer(self, *, anonymity_only: bool) -> "AuditTrailForm":
        kinds = ANONYMITY_KINDS if anonymity_only else KINDS
        self.kind.choices = [("", _l("Everything"))] + list(kinds.items())
        self.object_type.choices = [("", _l("Any object"))] + list(OBJECTS.items())
        self.result.choices = [("", _l("Any result"))] + list(RESULTS.items())
        self.anonymity_only = anonymity_only
        return self

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end of the period comes before its start."))

    def criteria(self, tenant) -> audit.Criteria:
        """What the form asks for; its days are the tenant's (from midnight to midnight in its time zone)."""
        until = self.until.data
        return audit.Criteria(
            since=formatting.start_of(self.since.data, tenant) if self.since.data else None,
            until=formatting.start_of(until.fromordinal(until.toordinal() + 1), tenant) if until else None,
            actor=words(self.q.data), kind=self.kind.data or "", object_type=self.object_type.data or "",
            object_id=(self.object_id.data or "").strip(), result=self.result.data or "",
            anonymity=self.anonymity_only)
