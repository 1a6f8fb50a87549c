"""Read-only that really is (issue 19, point 5): a tenant that is not writable (a canceled subscription, a
payment past its grace period, an ended trial, an archived client; billing.entitlements) may still read,
export and pay, and nothing else.

Enforced in one place for every request: the guard every tenant view carries (tenants.guards) asks
`refuse_writes` before any view under /t/<slug>/ runs a request that is not GET or HEAD; what a reader still
needs is the explicit allow-list `ALLOWED` below, each with its reason. A job for a tenant that has become
read-only by the time it runs changes nothing (`job_refused`; the kinds in `JOBS_ALLOWED` still run), and
the `koers` commands that change a tenant refuse unless the platform operator overrides (saas/cli.py).

Decided on purpose: SCIM deprovisioning keeps working (ending access is a safety action; creating is refused, see
ALLOWED); respondents cannot answer an open survey of a read-only tenant (answering is a change); the daily close
of what is due (saas.deadlines) still closes waves and rounds on their date, as promised to the respondents, and
their comparison job is then refused like any other; `koers scim-token` works (deprovisioning needs a token).

The refusal is a page with status 403 that says why (and, for an administrator, where to pay), or an
RFC 9457 problem for a JSON request; the SCIM API answers its own error document with the same status.
"""
from __future__ import annotations

from flask import g, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from billing.entitlements import MESSAGES, ReadOnly, tenant_entitlement
from saas.kernel.db import session
from saas.kernel.errors import json_problem, problem, wants_json
from tenants.models import Role, Tenant

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# What still works on a read-only tenant, by endpoint, and why. tests/test_read_only.py posts to every other
# state-changing route of the route map and checks each is refused and nothing in the database changed.
ALLOWED: dict[str, str] = {
    "billing.checkout": "paying is how a read-only organisation becomes writable again",
    "billing.portal": "Stripe's portal is where an open invoice is paid or the card replaced",
    "reports.request_pdf": "a report as PDF is an export of what was already released",
    "exit.start": "the exit archive is an export: the one thing an ending organisation must still be able to do",
    "exit.download": "handing over the exit archive changes nothing but the archive's one-time download",
    "privacy.erase_member": "erasing a person is their legal right (GDPR art. 17), whatever the billing",
    "privacy.erase_departed": "erasing a person who left is their legal right (GDPR art. 17), whatever the billing",
    "programme.mark_read": "marking one's notifications read is part of reading them",
    "programme.inbox": "a person may always choose which e-mails Koers sends them (fewer mails, nothing new)",
    "respond.preview_step": "a preview stores nothing: the draft lives in the session and is dropped",
    "sso.login": "signing in with the organisation's identity provider is how its people get to read",
    "tenant.remove_member": "ending someone's access is a safety action, never held back by billing",
    "tenant.revoke_invitation": "withdrawing an invitation ends access that was offered: a safety action",
    "kiosk.revoke": "revoking a kiosk tablet ends the access it has: a safety action",
    "provisioning.token": "a fresh SCIM token lets the identity provider deprovision people (a safety action)",
    # SCIM (the identity provider's API): deprovisioning must keep working, because ending access is a
    # safety action; creating users or groups is refused. Providers deprovision by DELETE as well as by
    # PATCH/PUT (active false, members removed); the body is not inspected, so a PATCH may also reactivate
    # someone, which on a read-only tenant gives that person reading and nothing more.
    "scim.delete_user": "deprovisioning a person ends their access: a safety action",
    "scim.delete_group": "removing a group ends the roles it gave: a safety action",
    "scim.patch_user": "identity providers deactivate a person by PATCH (active false): deprovisioning",
    "scim.replace_user": "identity providers deactivate a person by PUT (active false): deprovisioning",
    "scim.patch_group": "identity providers remove members from a group by PATCH: deprovisioning",
    "scim.replace_group": "identity providers replace a group's members by PUT: deprovisioning",
    "scim.search_users": "a search is a read sent as POST (RFC 7644 §3.4.3)",
    "scim.search_groups": "a search is a read sent as POST (RFC 7644 §3.4.3)",
    "scim.search_everything": "a search is a read sent as POST (RFC 7644 §3.4.3)",
    "scim.unknown": "an unknown SCIM path answers 404 and changes nothing",
}

# Jobs that still run for a read-only tenant (by their path): they export, or protect respondents.
JOBS_ALLOWED: dict[str, str] = {
    "saas.reports.jobs.render_report_pdf": "renders a released report as PDF: an export",
    "saas.exit.jobs.build_export": "builds the exit archive: an export",
    "saas.surveys.jobs.mix_pool": "mixes waiting answers into the pool, which protects respondents' anonymity",
    "saas.leadership.jobs.mix_pulse_pool": "mixes waiting answers into the pool: protects anonymity",
    "saas.leadership.jobs.mix_feedback_pool": "mixes waiting answers into the pool: protects anonymity",
    "saas.administration.jobs.notify_invitation_accepted": "only tells the inviter about a joining that happened",
}

REFUSED_TITLE = _l("This organisation is read-only")


def refuse_writes(tenant) -> None:
    """Raise ReadOnly when this request would change a read-only tenant (the guard calls it before the view)."""
    if request.method in SAFE_METHODS or request.endpoint in ALLOWED:
        return
    reason = read_only_reason(session(), tenant)
    if reason is not None:
        raise ReadOnly(reason)


def read_only_reason(db, tenant) -> str | None:
    """None when the tenant may change things; otherwise the message that says why not."""
    entitlement = tenant_entitlement(db, tenant)
    if entitlement.writable:
        return None
    return str(MESSAGES.get(entitlement.state, ReadOnly.default_message))


def job_refused(db, tenant_id: int, job_path: str) -> str | None:
    """Why a tenant job must not run now (its tenant is read-only), or None."""
    if job_path in JOBS_ALLOWED:
        return None
    tenant = db.get(Tenant, tenant_id)
    return None if tenant is None else read_only_reason(db, tenant)


def refusal(error: ReadOnly):
    """The answer to a refused request: a JSON problem for an API client, else a page (403 both). Outside a
    tenant (a consultancy that may add no clients) the ordinary refusal, with its own message."""
    s = g.get("db_session")
    if s is not None:
        s.rollback()
    if g.get("tenant") is None:
        return problem(error.status, error.message)
    membership = g.get("membership")
    is_admin = membership is not None and Role.ADMIN in membership.roles
    if wants_json():
        return json_problem(403, error.message, **({"billing": _billing_url()} if is_admin else {}))
    return render_template("billing/read_only.html", title=REFUSED_TITLE, detail=error.message,
                           billing_url=_billing_url() if is_admin else None), 403


def _billing_url() -> str:
    return url_for("billing.page")
