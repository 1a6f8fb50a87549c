"""How long a tenant keeps personal data, and the daily job that removes what is older (GDPR art. 5(1)(e)).

The admin sets three periods within limits (`LIMITS`); what has no sensible period of its own follows a
fixed rule. `retention_periods(db, tenant)` is what applies, for the settings page and the privacy statement.

- People who left (their membership ended: removed by an admin, deactivated by SCIM, a client ended):
  30–730 days, default 90. At least 30, so that a mistaken removal or a provider's glitch can be undone
  with the person's history intact; at most two years, the usual time within which an employment dispute
  about the programme is raised. After it, the person is erased from the tenant (saas.privacy.people.erase),
  and their account too when no other tenant has them.
- Invitations to join that ended (accepted, withdrawn or expired): their address and token, 7–365 days,
  default 30: long enough for an admin to see who never joined and invite again.
- Attachments of decided pitches: 90–1825 days, default 365 after the decision. The decision and the texts
  stay; files (often with names, CVs, quotes) are only needed while the decision is carried out.
- Sign-in records (sign-ins, failed sign-ins, sign-outs on the tenant's audit trail): 30–730 days, default
  180: long enough to trace an incident noticed late (BIO2 8.15), short enough not to become a record of
  everyone's working hours. They form a chain of their own on the trail, pruned from its oldest end with an
  anchor in the main chain (saas.kernel.audit.prune_sign_ins), so the trail still verifies. The platform's
  sign-in records (password sign-ins, which belong to an account, not a tenant) are kept
  `PLATFORM_SIGN_IN_DAYS`.
- Fixed: survey, pulse and 360 invitation tokens are scrubbed when their round closes (the close does it),
  drafts of survey answers go when the wave closes (the close does it; this job catches any left);
  a delivered mail loses its text and recipient at delivery (saas.kernel.outbox) and its subject, which may
  name someone, here once a day has passed; a mail that could not be delivered loses all of them after a week. That rule is the platform's (one pass over every mail, logged in
  the platform's trail); a tenant's mails carry its id, so its exit archive and deletion take them too.
- Anonymous results and released figures are never touched: they hold no personal data.

The job (`enforce_due`) runs on the worker's sweeper and `koers enforce-retention`; each tenant at most once
a day (the platform's mail rule on the first run of a day), in a transaction of its own, writing what it removed (counts per kind) to the tenant's audit trail as
`retention.removed`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from saas.auth.models import User
from saas.kernel import audit
from saas.kernel.errors import DomainError
from saas.kernel.outbox import OutboundMail
from saas.pitches.models import Pitch, PitchAttachment
from saas.privacy import people
from saas.privacy.models import Departure, RetentionPolicy
from saas.surveys.models import SurveyInvitation, Wave
from tenants.models import Invitation, Membership, Tenant
from tenants.scoping import cross_tenant, set_scope

log = logging.getLogger(__name__)
RETENTION = audit.Actor("retention")


@dataclass(frozen=True)
class Limit:
    key: str
    low: int
    high: int
    default: int
    label: object
    why: object


LIMITS = (
    Limit("left_days", 30, 730, 90, _l("Personal data of people who left"),
          _l("At least 30 days, so that a mistaken removal can be undone; at most two years.")),
    Limit("invitations_days", 7, 365, 30, _l("Addresses of invitations that ended"),
          _l("Accepted, withdrawn or expired invitations to join: their address and link.")),
    Limit("attachments_days", 90, 1825, 365, _l("Attachments of decided pitches"),
          _l("Counted from the decision; the decision and the texts stay.")),
    Limit("signins_days", 30, 730, 180, _l("Sign-in records"),
          _l("Sign-ins and failed sign-ins through this organisation's single sign-on, on the audit trail.")),
)
# Password sign-ins belong to an account, which may be in several organisations: the platform keeps their records
# this long (BIO2 8.15 asks for a period that lets an incident be traced; six months is the usual one).
PLATFORM_SIGN_IN_DAYS = 180
FAILED_MAIL_DAYS = 7  # a mail that could not be delivered keeps its recipient and text this long, then loses them
DEFAULTS = {limit.key: limit.default for limit in LIMITS}


class OutOfRange(DomainError):
    pass


@dataclass(frozen=True)
class Period:
    key: str
    label: object
    days: int | None  # None: a fixed rule, said in `rule`
    rule: object = ""


def policy(db, tenant: Tenant | None) -> dict:
    """The tenant's periods in days, by key (the defaults where the admin set none; all of them for None, the
    platform's own statement)."""
    row = db.scalar(select(RetentionPolicy).where(RetentionPolicy.tenant_id == tenant.id)) if tenant else None
    return {key: getattr(row, key) if row else default for key, default in DEFAULTS.items()}


def retention_periods(db, tenant: Tenant | None) -> list[Period]:
    """What applies in `tenant`, in the order a privacy statement lists it: the admin's periods, then the fixed
    rules."""
    days = policy(db, tenant)
    return [Period(limit.key, limit.label, days[limit.key]) for limit in LIMITS] + [
        Period("survey_drafts", _l("Unsent drafts of survey answers"), None, _l("removed when the survey closes")),
        Period("mail", _l("E-mails sent"), None, _l("text and recipient once delivered, the subject a day later")),
        Period("anonymous_results", _l("Anonymous results and released figures"), None,
               _l("kept: they hold no personal data")),
    ]


def set_periods(db, tenant: Tenant, **days: int) -> RetentionPolicy:
    """The admin's periods; each within its limits (a refusal names its field). Logged in the audit trail."""
    for limit in LIMITS:
        value = days[limit.key]
        if value is None or not limit.low <= value <= limit.high:
            raise OutOfRange(_l("Choose between %(low)s and %(high)s days.", low=limit.low, high=limit.high),
                             field=limit.key)
    row = db.scalar(select(RetentionPolicy).where(RetentionPolicy.tenant_id == tenant.id))
    before = policy(db, tenant)
    if row is None:
        row = RetentionPolicy(tenant_id=tenant.id, **DEFAULTS)
        db.add(row)
    for limit in LIMITS:
        setattr(row, limit.key, days[limit.key])
    db.flush()
    changed = {key: {"from": before[key], "to": days[key]} for key in DEFAULTS if before[key] != days[key]}
    if changed:
        audit.record(db, "settings.retention", tenant_id=tenant.id, obj=row, detail=changed)
    return row


def enforce(db, tenant: Tenant, today: date) -> dict:
    """Remove in `tenant` (the session is scoped to it) what its periods say is due on `today`; returns the
    counts per kind and writes them to the audit trail when anything went."""
    days = policy(db, tenant)
    removed = {"people": 0, "invitations": 0, "attachments": 0, "survey_drafts": 0, "sign_ins": 0}
    for user_id in _people_due(db, _start_of(today - timedelta(days=days["left_days"]))):
        user = db.get(User, user_id)
        if user is None:  # the account went already (erased elsewhere): what is left here of them
            people.forget_departed(db, tenant, user_id, actor=RETENTION, origin="job", reason="retention")
        else:
            people.erase(db, tenant, user, actor=RETENTION, origin="job", reason="retention")
        removed["people"] += 1
    ended = _start_of(today - timedelta(days=days["invitations_days"]))
    removed["invitations"] = db.execute(delete(Invitation).where(
        ((Invitation.accepted_at.is_not(None)) & (Invitation.accepted_at < ended))
        | ((Invitation.revoked_at.is_not(None)) & (Invitation.revoked_at < ended))
        | ((Invitation.accepted_at.is_(None)) & (Invitation.revoked_at.is_(None)) & (Invitation.expires_at < ended))
    ).execution_options(synchronize_session=False)).rowcount
    decided = _start_of(today - timedelta(days=days["attachments_days"]))
    removed["attachments"] = db.execute(delete(PitchAttachment).where(PitchAttachment.pitch_id.in_(
        select(Pitch.id).where(Pitch.status == "decided", Pitch.decided_at < decided)))
        .execution_options(synchronize_session=False)).rowcount
    removed["survey_drafts"] = db.execute(update(SurveyInvitation).where(
        SurveyInvitation.draft.is_not(None),
        SurveyInvitation.wave_id.in_(select(Wave.id).where(Wave.status == "closed")))
        .values(draft=None).execution_options(synchronize_session=False)).rowcount
    removed["sign_ins"] = audit.prune_sign_ins(db, _start_of(today - timedelta(days=days["signins_days"])),
                                               tenant_id=tenant.id, actor=RETENTION, origin="job")
    if any(removed.values()):
        audit.record(db, "retention.removed", tenant_id=tenant.id, actor=RETENTION, origin="job",
                     detail={"on": today.isoformat(), "removed": removed, "periods": days})
    return removed


def enforce_due(Session, today: date) -> dict:
    """The daily job: every tenant not yet done today, each in its own transaction with its policy row locked
    (two sweepers at once do a tenant once); then the platform's mail rule. Returns the totals per kind."""
    # A tenant younger than the shortest period has nothing due yet (a closed wave's drafts went at its close),
    # so it is not visited (nor marked done) until then.
    young = _start_of(today - timedelta(days=min(limit.low for limit in LIMITS)))
    with Session() as db, cross_tenant(db):  # one cheap query on every sweep: which tenants are not done today
        tenant_ids = list(db.scalars(
            select(Tenant.id).outerjoin(RetentionPolicy, RetentionPolicy.tenant_id == Tenant.id)
            .where((RetentionPolicy.last_enforced_on.is_(None)) | (RetentionPolicy.last_enforced_on < today),
                   Tenant.created_at < young)
            .order_by(Tenant.id)))
    totals: dict[str, int] = {}
    if not tenant_ids:
        return totals
    for tenant_id in tenant_ids:
        for kind, count in _enforce_one(Session, tenant_id, today).items():
            totals[kind] = totals.get(kind, 0) + count
    with Session() as db:
        for kind, count in scrub_mail(db, today).items():
            totals[kind] = totals.get(kind, 0) + count
        db.commit()
    return totals


def scrub_mail(db, today: date) -> dict:
    """Mails delivered before yesterday lose their subject (their text and recipient went at delivery; any left
    go too), and so do mails that could not be delivered, `FAILED_MAIL_DAYS` after they were written; the platform's sign-in records older than `PLATFORM_SIGN_IN_DAYS` go. Logged in the platform's
    trail when anything went."""
    delivered = (OutboundMail.status == "sent") & (OutboundMail.sent_at < _start_of(today - timedelta(days=1)))
    # a mail that could not be delivered: a week for an operator to see why, then it goes the same way
    undeliverable = (OutboundMail.status == "failed") & (
        OutboundMail.created_at < _start_of(today - timedelta(days=FAILED_MAIL_DAYS)))
    mails = db.execute(update(OutboundMail).where(
        delivered | undeliverable,
        (OutboundMail.subject != "") | (OutboundMail.body != "") | (OutboundMail.recipient != ""))
        .values(subject="", body="", html_body="", recipient="").execution_options(synchronize_session=False)).rowcount
    sign_ins = audit.prune_sign_ins(db, _start_of(today - timedelta(days=PLATFORM_SIGN_IN_DAYS)), platform=True,
                                    actor=RETENTION, origin="job")
    if mails or sign_ins:
        audit.record(db, "retention.removed", platform=True, actor=RETENTION, origin="job",
                     detail={"on": today.isoformat(), "removed": {"mails": mails, "sign_ins": sign_ins}})
    return {"mails": mails, "sign_ins": sign_ins}


def _enforce_one(Session, tenant_id: int, today: date) -> dict:
    with Session() as db:
        set_scope(db, tenant_id=tenant_id)
        row = db.scalar(select(RetentionPolicy).where(RetentionPolicy.tenant_id == tenant_id).with_for_update())
        if row is None:
            row = RetentionPolicy(tenant_id=tenant_id, **DEFAULTS)
            db.add(row)
            db.flush()
        elif row.last_enforced_on is not None and row.last_enforced_on >= today:
            return {}
        try:
            removed = enforce(db, db.get(Tenant, tenant_id), today)
        except DomainError as error:  # e.g. a departed person who is the only admin again: tried tomorrow
            db.rollback()
            log.warning("retention in tenant %d not applied today: %s", tenant_id, error.message)
            return {}
        row.last_enforced_on = today
        db.commit()
    if any(removed.values()):
        log.info("retention in tenant %d removed %s", tenant_id, removed)
    return removed


@dataclass(frozen=True)
class Waiting:
    departure: Departure
    name: str | None  # None: the account went already (erased from its last other organisation)
    erased_on: date


def people_waiting(db, tenant: Tenant) -> list[Waiting]:
    """The people who left and have not come back, with the day the daily job will erase them (the retention
    page lists them, so that an admin can erase someone sooner on their request)."""
    days = policy(db, tenant)["left_days"]
    departures = list(db.scalars(select(Departure).where(Departure.user_id.not_in(select(Membership.user_id)))
                                 .order_by(Departure.left_at, Departure.id)))
    names = dict(db.execute(select(User.id, User.name).where(User.id.in_({d.user_id for d in departures}))).all())
    latest = {d.user_id: d for d in departures}  # ordered by time: the last departure of each person wins
    return [Waiting(d, names.get(d.user_id), _aware(d.left_at).date() + timedelta(days=days + 1))
            for d in latest.values()]


def _people_due(db, before: datetime) -> list[int]:
    """Accounts whose last departure from this tenant is older than `before` and who have not come back."""
    back = select(Membership.user_id)
    rows = db.execute(select(Departure.user_id, Departure.left_at).where(Departure.user_id.not_in(back))).all()
    latest: dict[int, datetime] = {}
    for user_id, left_at in rows:
        left_at = _aware(left_at)
        latest[user_id] = max(latest.get(user_id, left_at), left_at)
    return sorted(user_id for user_id, left_at in latest.items() if left_at < before)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite gives back naive UTC


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)
