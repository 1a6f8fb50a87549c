"""Which changes the audit trail records (issue 19, point 1; BIO2 8.15): each kind of change done as a user
does it (the pages, the SCIM API, the command line) or as a job does it (the service), and the entry it
leaves: action, actor, object, result, origin. Then the trail's pages: the admin's filters and JSON lines
export, the works council's view of the entries that concern anonymity. And what it never records: anything
about answering a survey."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from saas.kernel import audit
from saas.kernel.audit import AuditEntry, PlatformAuditEntry
from tenants.models import Membership, Tenant
from tests.helpers import PASSWORD, link_in, signed_in, works_council
from tests import test_respond
from tests.test_respond import Respondent, _json_answers, answer_everything

survey = test_respond.survey  # the fixture: an open wave asking everything, with personal links

FIELDS = ("action", "actor", "actor_id", "object_type", "object_id", "result", "origin", "detail", "seq", "hash")


def trail(make, tenant=None, action: str | None = None) -> list[dict]:
    """A tenant's entries (the platform's without a tenant), oldest first, as plain dicts."""
    model = PlatformAuditEntry if tenant is None else AuditEntry
    with make.session(tenant.id if tenant is not None else None) as db:
        query = select(model).order_by(model.seq)
        if action:
            query = query.where(model.action == action)
        return [{name: getattr(entry, name) for name in FIELDS} for entry in db.scalars(query)]


def last(make, tenant, action: str) -> dict:
    entries = trail(make, tenant, action)
    assert entries, f"no {action} entry"
    return entries[-1]


def admin_membership_id(make, tenant) -> int:
    with make.session(tenant.id) as db:
        return db.scalar(select(Membership.id).where(Membership.user.has(email=tenant.admin_email)))


@pytest.fixture
def oost(make):
    return make.tenant("oost")


# ---- members, roles and invitations (the admin's pages) --------------------------------------------

@pytest.mark.smoke
def test_roles_changed_refused_for_the_last_admin_and_a_member_removed(app, make, oost):
    colleague = make.member(oost, "colleague@oost.example")
    admin = signed_in(app, oost.admin_email)

    assert admin.submit(f"/t/oost/admin/members/{colleague}", {"roles": ["member", "sponsor"],
                                                                "legacy_org_id": ""}).status_code == 302
    entry = last(make, oost, "membership.roles")
    assert (entry["actor"], entry["object_type"], entry["object_id"], entry["result"]) == \
        (oost.admin_email, "memberships", str(colleague), "ok")
    assert entry["origin"].startswith("web ") and entry["detail"]["roles"] == {"from": ["member"],
                                                                               "to": ["member", "sponsor"]}

    own = admin_membership_id(make, oost)
    refused = admin.submit(f"/t/oost/admin/members/{own}", {"roles": ["member"], "legacy_org_id": ""})
    assert refused.status_code == 200 and "at least one administrator" in refused.get_data(as_text=True)
    entry = last(make, oost, "membership.roles")
    assert (entry["result"], entry["object_id"], entry["actor"]) == ("refused", str(own), oost.admin_email)
    with make.session(oost.id) as db:  # the change itself was not kept
        assert "admin" in db.get(Membership, own).roles

    response = admin.submit(f"/t/oost/admin/members/{colleague}/remove", {"action": "remove", "confirmed": "yes"})
    assert response.status_code == 302
    entry = last(make, oost, "membership.removed")
    assert (entry["object_id"], entry["result"], entry["detail"]["roles"]) == (str(colleague), "ok",
                                                                               ["member", "sponsor"])
    with make.session(oost.id) as db:
        assert audit.verify(db, tenant_id=oost.id).intact


@pytest.mark.smoke
def test_invitations_sent_revoked_and_accepted(app, make, oost):
    admin = signed_in(app, oost.admin_email)
    for email in ("nina@oost.example", "otto@oost.example"):
        admin.submit("/t/oost/admin/invitations", {"email": email, "roles": ["member"], "legacy_org_id": ""})
    sent = trail(make, oost, "invitation.sent")
    assert [e["actor"] for e in sent] == [oost.admin_email] * 2 and sent[0]["object_type"] == "invitations"

    first = sent[0]["object_id"]
    admin.submit(f"/t/oost/admin/invitations/{first}/revoke", {"action": "revoke", "confirmed": "yes"})
    assert last(make, oost, "invitation.revoked")["object_id"] == first

    otto = app.test_client()  # accepts with a new account, from the link in the mail
    response = otto.submit(link_in(make.mails_to("otto@oost.example")[-1].body),
                           {"new-name": "Otto", "new-password": PASSWORD})
    assert response.status_code == 302
    accepted = last(make, oost, "invitation.accepted")
    joined = last(make, oost, "membership.added")
    assert accepted["object_id"] == sent[1]["object_id"] and accepted["actor"] == "otto@oost.example"
    assert joined["actor"] == "otto@oost.example" and joined["detail"]["roles"] == ["member"]


# ---- settings --------------------------------------------------------------------------------------

@pytest.mark.smoke
def test_settings_k_language_country_consent_two_factor_and_house_style(app, make, oost):
    admin = signed_in(app, oost.admin_email)
    response = admin.submit("/t/oost/settings", {"name": "Gemeente Oost", "country": "BE", "language": "nl",
                                                 "min_group_size": "7"})
    assert response.status_code == 302
    assert last(make, oost, "settings.k")["detail"] == {"from": 5, "to": 7}
    assert last(make, oost, "settings.country")["detail"] == {"from": "NL", "to": "BE"}
    assert last(make, oost, "settings.language")["detail"] == {"from": "en", "to": "nl"}
    assert last(make, oost, "settings.name")["detail"]["to"] == "Gemeente Oost"

    make.member(oost, "council@oost.example", roles=("works_council",))
    signed_in(app, "council@oost.example").submit("/t/oost/consent", {"required": "off"})  # on for NL at first
    admin.submit("/t/oost/consent", {"required": "on"})
    off, on = trail(make, oost, "settings.consent_required")
    assert (off["detail"], off["actor"], off["object_type"]) == ({"from": True, "to": False}, "council@oost.example",
                                                                 "tenants")
    assert (on["detail"], on["actor"]) == ({"from": False, "to": True}, oost.admin_email)

    assert admin.submit("/t/oost/settings/house-style", {"colour": "#0B5A7A"}, page="/t/oost/settings",
                        content_type="multipart/form-data").status_code == 302
    style = last(make, oost, "settings.house_style")
    assert style["detail"]["colour"]["from"] is None and style["detail"]["colour"]["to"].lower() == "#0b5a7a"

    admin.submit("/t/oost/settings/two-factor", {"required": "y"}, page="/t/oost/settings")
    assert last(make, oost, "settings.two_factor")["detail"] == {"from": False, "to": True}


@pytest.mark.smoke
def test_single_sign_on_settings_and_a_sign_in_through_it(app, make, oost):
    from saas.sso import service as sso

    with make.session(oost.id) as db:
        sso.save(db, display_name="Oost ID", issuer="https://id.oost.example", client_id="koers", new_secret="s3cret",
                 scopes="openid email", email_claim="email", legacy_org_claim="", role_claim="", role_map="",
                 allowed_domains="", trust_email=False, jit=True, enabled=True, sso_required=False,
                 break_glass_user_id=None, secret_key="test")
    entry = last(make, oost, "settings.sso")
    assert entry["detail"]["client_secret"] == "new" and "s3cret" not in json.dumps(entry["detail"])
    assert entry["detail"]["issuer"] == {"from": None, "to": "https://id.oost.example"}

    with make.session(oost.id) as db:
        user, _ask = sso.sign_in(db, sso.connection(db), {"sub": "p-1", "email": "pia@oost.example",
                                                          "email_verified": True})
        pia = user.id
    here, account = last(make, oost, "signin"), last(make, None, "signin")
    assert (here["actor"], here["actor_id"], here["detail"]) == ("pia@oost.example", pia, {"method": "oidc"})
    assert account["detail"] == {"method": "oidc", "tenant_id": oost.id} and account["object_id"] == str(pia)
    assert last(make, oost, "membership.added")["detail"]["by"] == "single sign-on"


@pytest.mark.smoke
def test_a_refused_single_sign_on_is_on_the_tenants_trail(app, make, oost, monkeypatch):
    from saas.sso import oidc, service as sso

    with make.session(oost.id) as db:
        sso.save(db, display_name="Oost ID", issuer="https://id.oost.example", client_id="koers", new_secret="s3cret",
                 scopes="openid email", email_claim="email", legacy_org_claim="", role_claim="", role_map="",
                 allowed_domains="oost.example", trust_email=False, jit=True, enabled=True, sso_required=False,
                 break_glass_user_id=None, secret_key="test")
    # the provider vouches for someone of another domain (its token checks are tests/test_sso.py's business)
    monkeypatch.setattr(oidc, "finish", lambda *args: {"sub": "e-1", "email": "eve@elsewhere.example",
                                                       "email_verified": True})
    response = app.test_client().get("/t/oost/sso/callback?code=c&state=s")
    assert response.status_code == 302
    failed = last(make, oost, "signin.failed")
    assert (failed["result"], failed["detail"], failed["object_type"]) == (
        "failed", {"method": "oidc", "reason": "DomainNotAllowed"}, "oidc_connections")
    assert trail(make, oost, "membership.added")[-1]["detail"].get("by") != "single sign-on"  # nobody joined


# ---- SCIM (the identity provider's API) and the command line ----------------------------------------

@pytest.mark.smoke
def test_scim_adds_and_deactivates_a_member_and_the_token_rotation_by_the_operator(app, make, oost):
    from saas.cli import main

    result = app.test_cli_runner().invoke(main, ["scim-token", "--tenant", "oost"])
    assert result.exit_code == 0, result.output
    rotated = last(make, oost, "settings.scim_token")
    assert rotated["origin"] == "cli" and rotated["actor"].startswith("operator ")
    assert result.output.strip() not in json.dumps(rotated["detail"])

    idp = app.test_client()
    headers = {"Authorization": f"Bearer {result.output.strip()}"}
    created = idp.post("/t/oost/scim/v2/Users", headers=headers, json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "sam@oost.example", "active": True,
        "emails": [{"primary": True, "value": "sam@oost.example"}]})
    assert created.status_code == 201, created.get_json()
    added = last(make, oost, "membership.added")
    assert added["actor"] == "SCIM" and added["origin"].startswith("scim")

    person = created.get_json()["id"]
    patched = idp.patch(f"/t/oost/scim/v2/Users/{person}", headers=headers, json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": False}}]})
    assert patched.status_code == 200, patched.get_json()
    gone = last(make, oost, "membership.deactivated")
    assert (gone["actor"], gone["object_id"], gone["result"]) == ("SCIM", added["object_id"], "ok")


# ---- consent, launches and closes, releases and exports ----------------------------------------------

def test_consent_launch_close_release_and_export_of_a_wave(app, make, survey):
    tenant = survey
    consent = last(make, tenant, "consent.recorded")
    assert consent["object_type"] == "survey_waves" and consent["object_id"] == str(tenant.wave_id)
    assert consent["detail"]["k"] == 6
    assert last(make, tenant, "wave.opened")["detail"] == {"k": 6}

    api = app.test_client()
    for person in ("anna", "bram", "carmen", "dirk", "eva", "femke"):
        api.post(f"/t/oost/survey/{tenant.tokens[person]}/answers.json", json={"answers": _json_answers(tenant)})
    admin = signed_in(app, tenant.admin_email)
    response = admin.submit(f"/t/oost/waves/{tenant.wave_id}/close", {"confirm": "y"},
                            page=f"/t/oost/waves/{tenant.wave_id}")
    assert response.status_code == 302
    closed = last(make, tenant, "wave.closed")
    assert (closed["actor"], closed["object_id"]) == (tenant.admin_email, str(tenant.wave_id))
    released = last(make, tenant, "report.released")  # by the release job, after the close
    assert released["object_type"] == "survey_waves" and released["detail"]["final"] is True
    assert released["detail"]["answers"] == 6  # (by "system" in the worker; here the job runs in the request)

    assert admin.get(f"/t/oost/reports/waves/{tenant.wave_id}.csv").status_code == 200
    assert admin.get(f"/t/oost/reports/waves/{tenant.wave_id}").status_code == 200  # a reading: access log only
    [exported] = trail(make, tenant, "report.exported")
    assert (exported["actor"], exported["object_id"], exported["detail"]["format"]) == \
        (tenant.admin_email, str(tenant.wave_id), "csv")


@pytest.mark.smoke
def test_pulse_checks_360_rounds_and_expectation_rounds_opened_and_closed(app, make, oost):
    from saas.leadership import feedback, promises, pulses
    from saas.programme import service as programme
    from saas.strategy import expectations, pillars

    manager = make.member(oost, "manager@oost.example", roles=("management",))
    peers = [make.member(oost, f"peer{i}@oost.example") for i in range(3)]
    today = date.today()
    with make.session(oost.id) as db:
        tenant = db.get(Tenant, oost.id)
        prog = programme.create_programme(db, name="Samen", goal="", starts_on=today, ends_on=today + timedelta(days=300))
        boss = db.get(Membership, manager)
        promises.add_promise(db, prog, boss, "We listen before we decide.")
        pulse = pulses.plan_round(db, tenant, prog, name="Pulse 1", opens_on=today, closes_on=today + timedelta(days=7))
        pulses.record_consent(db, pulse, by=works_council(db), decided_on=today, decision="Agreed.")
        pulses.open_round(db, tenant, pulse, today, send_mail=False)
        entries = db.scalar(select(func.count()).select_from(AuditEntry))
        for _membership, token in pulses.invite(db, pulse, [db.get(Membership, i) for i in peers]):
            pulses.submit(db, tenant, pulse, pulses.invitation_for_token(db, token), {str(pulse.promise_ids[0]): 4}, {},
                          today)
        assert db.scalar(select(func.count()).select_from(AuditEntry)) == entries  # answering: never on the trail
        pulses.close_round(db, pulse)
        round_ = feedback.start_round(db, tenant, prog, boss, coach_id=None, manager_id=None, peer_ids=peers,
                                      report_ids=[], closes_on=today + timedelta(days=7), today=today, send_mail=False)
        feedback.close_round(db, round_)
        pillar = pillars.save_pillar(db, prog, None, title="Trust", meaning="", examples="")
        expectation_round = expectations.save_round(db, pillar, None, title="Trust round", held_on=today,
                                                    invitation="")
        expectations.set_status(db, expectation_round, "closed", today)
        expectations.save_summary(db, expectation_round, "We agree.", publish=True, today=today)
        ids = {"pulse": str(pulse.id), "feedback": str(round_.id), "expectations": str(expectation_round.id)}
    assert [e["object_id"] for e in trail(make, oost, "pulse.opened") + trail(make, oost, "pulse.closed")] == \
        [ids["pulse"]] * 2
    consent = last(make, oost, "consent.recorded")
    assert (consent["object_type"], consent["object_id"]) == ("pulse_rounds", ids["pulse"])
    assert last(make, oost, "feedback.started")["detail"] == {"raters": 3}
    assert last(make, oost, "feedback.closed")["object_id"] == ids["feedback"]
    assert [e["action"] for e in trail(make, oost) if e["object_type"] == "expectation_rounds"] == \
        ["expectations.opened", "report.released", "expectations.closed", "expectations.published"]
    assert {(e["object_type"], e["object_id"]) for e in trail(make, oost, "report.released")} == {
        ("pulse_rounds", ids["pulse"]), ("feedback_rounds", ids["feedback"]),
        ("expectation_rounds", ids["expectations"])}
    assert all(e["actor"] == "system" and e["origin"] == "job" for e in trail(make, oost, "pulse.opened"))


# ---- billing (webhooks and jobs cross tenants: each tenant is named) --------------------------------

@pytest.mark.smoke
def test_a_billing_state_change_is_on_the_trail_of_the_tenant_it_pays_for(app, make, oost):
    from billing import service as billing
    from saas.auth.service import find_user
    from saas.kernel.db import utcnow

    with make.session(oost.id) as db:
        account = billing.organisation_account(db, db.get(Tenant, oost.id), find_user(db, oost.admin_email),
                                               app.config["KOERS"])
    with make.session(platform=True) as db:  # a webhook's session: the platform role, no tenant in scope
        account = db.get(type(account), account.id)
        subscription = {"id": "sub_1", "customer": "cus_1", "status": "active",
                        "items": {"data": [{"price": {"id": "price_1"}, "quantity": 1}]}}
        billing.reconcile(db, account, subscription, now=utcnow())
        billing.reconcile(db, account, {**subscription, "status": "past_due"}, now=utcnow())
    changes = trail(make, oost, "billing.status")
    assert [(e["detail"]["from"], e["detail"]["to"]) for e in changes] == [(None, "active"), ("active", "past_due")]
    assert changes[0]["actor"] == "Stripe" and changes[0]["object_type"] == "billing_accounts"


# ---- signing in and out (the platform's trail: accounts are global) ----------------------------------

@pytest.mark.smoke
def test_sign_ins_failed_sign_ins_sign_outs_and_password_resets(app, make):
    make.user("ada@example.org")
    client = app.test_client()
    refused = client.submit("/login", {"email": "ada@example.org", "password": "not her password"})
    assert refused.status_code == 200
    failed = last(make, None, "signin.failed")
    assert (failed["actor"], failed["result"], failed["detail"]) == ("ada@example.org", "failed",
                                                                     {"reason": "password"})
    client.login("ada@example.org")
    signin = last(make, None, "signin")
    assert signin["actor"] == "ada@example.org" and signin["actor_id"] and signin["origin"].startswith("web")
    client.submit("/logout", page="/account")
    assert last(make, None, "signout")["actor"] == "ada@example.org"

    client.submit("/password/forgot", {"email": "ada@example.org"})
    assert last(make, None, "password.reset_requested")["object_id"] == str(signin["actor_id"])
    reset_link = link_in(make.mails_to("ada@example.org")[-1].body)
    assert client.submit(reset_link, {"password": "a new long password", "confirm": "a new long password"}) \
        .status_code == 302
    assert last(make, None, "password.reset")["actor"] == "ada@example.org"
    with make.session() as db:
        assert audit.verify(db, platform=True).intact


@pytest.mark.smoke
def test_two_factor_enrolment_a_wrong_code_and_the_operators_reset(app, make):
    import pyotp

    from saas.auth import twofactor
    from saas.auth.service import find_user
    from saas.cli import main

    make.user("bea@example.org")
    with make.session() as db:
        user = find_user(db, "bea@example.org")
        row = twofactor.start_enrolment(db, user, "test-secret-key")
        secret = twofactor.pending_secret(db, user, "test-secret-key")
        twofactor.confirm_enrolment(db, user, pyotp.TOTP(secret).now(), "test-secret-key")
        assert row is not None
    assert last(make, None, "twofactor.enabled")["object_id"] == str(user.id)

    client = app.test_client()
    client.submit("/login", {"email": "bea@example.org", "password": PASSWORD})
    client.submit("/login/code", {"code": "000000"})
    failed = last(make, None, "signin.failed")
    assert (failed["actor"], failed["detail"]) == ("bea@example.org", {"reason": "second factor"})

    result = app.test_cli_runner().invoke(main, ["reset-two-factor", "bea@example.org"])
    assert result.exit_code == 0, result.output
    reset = last(make, None, "twofactor.reset")
    assert reset["origin"] == "cli" and reset["actor"].startswith("operator ") and reset["object_id"] == str(user.id)


# ---- the platform's operators ---------------------------------------------------------------------------

def test_a_platform_admin_retrying_a_tenants_job_is_on_that_tenants_trail(app, make, oost):
    from saas.kernel.jobs import dispatch
    from tests.test_jobs import _make_platform_admin

    with app.app_context():
        run_id = dispatch("saas.administration.jobs.notify_invitation_accepted", oost.id, "not-a-membership-id")
    make.user("operator@koers.example")
    _make_platform_admin(make, "operator@koers.example")
    operator = signed_in(app, "operator@koers.example")
    assert operator.submit(f"/platform/jobs/{run_id}/retry", page="/platform/jobs").status_code == 302
    entry = last(make, oost, "platform.job_retried")
    assert (entry["actor"], entry["object_type"], entry["object_id"]) == ("operator@koers.example", "job_runs", run_id)


# ---- every download is on the trail (from the route map) ---------------------------------------------

# Files people uploaded, handed back as they were: reading one takes away nothing the organisation's data made.
UPLOADED_FILES = {
    "pitches.download": "a pitch's attachment, as its team uploaded it",
    "leadership.download_evidence": "a promise's evidence document, as it was uploaded",
    "surveys.consent_document": "the works council's signed decision, as it was uploaded",
    "leadership.pulse_consent_document": "the works council's signed decision for a pulse check",
}
DATA_FILE = re.compile(r"\.(csv|xlsx|json|jsonl|pdf|svg|png|zip)$")  # a route named like a file hands one out
NO_DATA = {"twofactor.qr": "the QR code of one's own two-factor key, shown once on one's own page",
           "surveys.answer_codes_poster": "the survey's public short address and its QR code, for a canteen wall"}
# What the crawl must find (so that a world that lost an object cannot make it pass by finding nothing).
DOWNLOADS = {"reports.wave_csv", "reports.wave_xlsx", "reports.wave_json", "reports.chart_svg", "reports.chart_png",
             "reports.download", "comparison.chart_svg", "comparison.chart_png", "reports.access_log_csv",
             "reports.access_log_xlsx", "audit.export", "worklog.export_csv", "worklog.export_xlsx",
             "worklog.export_pdf", "privacy_account.download", "reports.board_pack"}


def test_every_download_writes_an_audit_entry(app, make):
    """Every GET route of a module that hands out files is asked for, by an admin who holds every role, with the
    world's objects; each answer that is a download (Content-Disposition: attachment) must have added an entry
    to the tenant's or the platform's trail, unless it hands back a file someone uploaded (UPLOADED_FILES)."""
    import inspect
    import sys

    from saas.administration.service import change_membership
    from tests.test_isolation import _url_values
    from tests.world import populate

    from saas.surveys.models import Wave

    tenant = make.tenant("files")
    objects = populate(app, make, tenant)
    with make.session(tenant.id) as db:  # the closed wave the comparison was made of: its report has charts
        objects["wave_id"] = db.scalar(select(Wave.id).where(Wave.status == "closed"))
    with make.session(tenant.id) as db:
        change_membership(db, db.get(Membership, admin_membership_id(make, tenant)), legacy_org_id=None,
                          roles=["admin", "management", "sponsor", "member", "works_council"])
    admin = signed_in(app, tenant.admin_email)

    def entries():
        return len(trail(make, tenant)) + len(trail(make, None))

    def hands_out_files(rule) -> bool:
        source = inspect.getsource(sys.modules[app.view_functions[rule.endpoint].__module__])
        return "GET" in rule.methods and re.search(r"attachment\(|Content-Disposition", source) is not None

    urls = app.url_map.bind("localhost")
    found, unaudited = set(), []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("scim.") or not hands_out_files(rule):
            continue
        before = entries()
        response = admin.get(urls.build(rule.endpoint, _url_values(rule, "files", objects)))
        attached = response.headers.get("Content-Disposition", "").startswith("attachment")
        if not (attached or (response.status_code == 200 and DATA_FILE.search(rule.rule))) or rule.endpoint in NO_DATA:
            continue
        found.add(rule.endpoint)
        if entries() == before and rule.endpoint not in UPLOADED_FILES:
            unaudited.append(rule.rule)
    assert not unaudited, f"downloads with no audit entry: {unaudited}"
    assert DOWNLOADS <= found, DOWNLOADS - found
    exported = {(e["detail"]["format"], e["detail"].get("chart"), e["detail"].get("of"))
                for e in trail(make, tenant, "report.exported")}
    assert {("svg", "entropy", None), ("png", "entropy", "comparison"), ("csv", None, None)} <= exported
    assert last(make, tenant, "access_log.exported")["detail"]["format"] == "xlsx"
    assert last(make, tenant, "worklog.exported")["object_type"] == "teams"


def test_a_marked_refusal_that_no_view_catches_is_on_the_trail(app, make):
    """A JSON API (or any view) that lets a refusal of the domain reach the global error handler: the refusal
    is written to the trail there, after the rollback."""
    from saas.kernel.db import session
    from saas.kernel.errors import DomainError

    def refuse():
        session().execute(select(1))  # the request's session, as every view has one
        raise audit.refused(DomainError(), "platform.refused_for_the_test", platform=True)

    app.add_url_rule("/test-refusal.json", "test_refusal", refuse)
    response = app.test_client().get("/test-refusal.json")
    assert response.status_code == 400 and response.is_json
    entry = last(make, None, "platform.refused_for_the_test")
    assert (entry["result"], entry["actor"]) == ("refused", "anonymous")


# ---- what is never recorded -------------------------------------------------------------------------

def test_answering_a_survey_writes_no_audit_entry(app, make, survey):
    def counts():
        with make.session(survey.id) as db:
            return (db.scalar(select(func.count()).select_from(AuditEntry)),
                    db.scalar(select(func.count()).select_from(PlatformAuditEntry)))

    before = counts()
    person = Respondent(app)  # through the pages, with a draft saved on the way
    person.open(f"/t/oost/survey/{survey.tokens['anna']}")
    answer_everything(person, survey)
    api = app.test_client()  # and as JSON, until k answers are mixed into the results
    for who in ("bram", "carmen", "dirk", "eva", "femke"):
        assert api.post(f"/t/oost/survey/{survey.tokens[who]}/answers.json",
                        json={"answers": _json_answers(survey)}).status_code == 201
    assert counts() == before


# ---- the pages -------------------------------------------------------------------------------------------

@pytest.fixture
def recorded(app, make, oost):
    """A trail with a bit of everything: roles changed and refused, k changed, a consent requirement."""
    colleague = make.member(oost, "colleague@oost.example")
    make.member(oost, "council@oost.example", roles=("works_council",))
    admin = signed_in(app, oost.admin_email)
    admin.submit(f"/t/oost/admin/members/{colleague}", {"roles": ["member", "sponsor"], "legacy_org_id": ""})
    admin.submit(f"/t/oost/admin/members/{admin_membership_id(make, oost)}", {"roles": ["member"],
                                                                               "legacy_org_id": ""})
    admin.submit("/t/oost/settings", {"name": oost.name, "country": "NL", "language": "en", "min_group_size": "8"})
    return admin


@pytest.mark.smoke
def test_the_admin_filters_the_trail_and_exports_it_as_json_lines_each_with_its_hash(app, make, oost, recorded):
    admin = recorded
    rows = admin.text("/t/oost/admin/audit").split("<tbody>")[1]
    assert "Members and roles: roles" in rows and "Minimum group size (k)" in rows and "refused" in rows
    assert "5 → 8" in rows and "roles: member → member, sponsor" in rows  # what changed, in a line
    assert "(Colleague)" in rows  # the person whose roles changed, by the name they have now

    only_refused = admin.text("/t/oost/admin/audit?result=refused").split("<tbody>")[1]
    assert "refused" in only_refused and "Minimum group size (k)" not in only_refused
    by_kind = admin.text("/t/oost/admin/audit?kind=settings").split("<tbody>")[1]
    assert "Minimum group size (k)" in by_kind and "Members and roles" not in by_kind
    nobody = admin.text(f"/t/oost/admin/audit?q=someone-else&since={date.today().isoformat()}")
    assert "Nothing matches these filters." in nobody
    assert admin.get("/t/oost/admin/audit?since=2026-13-45").status_code == 400
    assert admin.get("/t/oost/admin/audit?kind=nonsense").status_code == 400
    assert admin.get("/t/oost/admin/audit?object_id=%27%20or%201=1").status_code == 400
    assert admin.get("/t/oost/admin/audit?page=99").status_code == 200

    response = admin.get("/t/oost/admin/audit.jsonl?kind=membership")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('.jsonl"')
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert lines and {line["action"].split(".")[0] for line in lines} == {"membership"}
    assert [line["seq"] for line in lines] == sorted(line["seq"] for line in lines)
    for line in lines:  # what an auditor does: recompute each fingerprint from the line itself
        fields = {key: value for key, value in line.items() if key not in ("hash", "prev_hash")}
        fields["prev"] = line["prev_hash"]
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert __import__("hashlib").sha256(canonical.encode()).hexdigest() == line["hash"]
    assert last(make, oost, "audit.exported")["detail"]["lines"] == len(lines)


@pytest.mark.smoke
def test_the_works_council_sees_only_the_entries_that_concern_anonymity(app, make, oost, recorded):
    council = signed_in(app, "council@oost.example")
    rows = council.text("/t/oost/admin/audit").split("<tbody>")[1]
    assert "Minimum group size (k)" in rows and "Members and roles" not in rows and "refused" not in rows
    assert council.get("/t/oost/admin/audit?kind=membership").status_code == 400  # not a kind offered to them
    lines = council.get("/t/oost/admin/audit.jsonl").get_data(as_text=True).splitlines()
    assert lines and {json.loads(line)["action"] for line in lines} <= set(audit.ANONYMITY_ACTIONS)
    member = signed_in(app, "colleague@oost.example")
    assert member.get("/t/oost/admin/audit").status_code == 403
    assert member.get("/t/oost/admin/audit.jsonl").status_code == 403
