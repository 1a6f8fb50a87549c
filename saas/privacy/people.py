"""A person's rights (GDPR art. 15, 17, 20): their own data as one JSON file, and their erasure from a tenant.

The export gathers what Koers holds about the person by their account and memberships. Survey, pulse-check
and 360 answers are not in it and cannot be: they are stored without any link to who gave them (DESIGN.md §3),
so nobody can find which answers are someone's. The file says so.

The erasure removes the person from one tenant: their membership (and with it their roles, team places,
invitations to answer, sign-ups and private goals, as a removal does), the tenant's copies of who they are
(the SCIM user and its group places, the single sign-on identity, invitations to their address, names written
beside recorded consents, notifications about them) and, when no other tenant has them, the account itself with
its second factor. What they wrote for a team (pitch texts, work-log entries, actions, evidence) stays, under
"a former member": the row points at a membership that no longer exists, as after any removal. Anonymous
answers are untouched: they were never theirs in any table.

Two logs are kept as they are, on purpose: the audit trail and the access log of reports. They are the
accountability record (BIO2; GDPR art. 17(3)(b) and (e)), append-only by database trigger, and go with the tenant.
"""
from __future__ import annotations

import json
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, inspect, or_, select, update

from saas.actions.models import FigureCitation
from saas.auth.models import User
from saas.auth.twofactor import RecoveryCode, TwoFactor
from saas.kernel import audit
from saas.kernel.db import utcnow
from saas.kernel.errors import DomainError
from saas.kernel.notifications import EmailOptOut, Notification
from saas.kernel.outbox import OutboundMail
from saas.leadership.models import Evidence, PulseRound, Promise
from saas.pitches.models import PitchAttachment, PitchEvent, PitchRevision
from saas.privacy.models import Departure
from saas.programme.models import Sponsor, Supporter, Team, TeamMember, Theme
from saas.scim.models import ScimGroupMember, ScimUser
from saas.sso.models import OidcConnection, SsoIdentity
from saas.strategy.models import DevelopmentGoal, Signup
from saas.surveys.models import WorksCouncilConsent
from saas.worklog.models import Action, SessionAttendee, WorkSession
from tenants.models import Invitation, Membership, MembershipRole, Role, Tenant
from tenants.scoping import cross_tenant, scoped, set_scope

FORMAT = "koers-personal-data/1"
NOT_INCLUDED = ("Your answers to surveys, pulse checks and 360-degree feedback are not in this file: they are "
                "stored without any link to you (no name, account, token or time finer than the collection), "
                "so nobody, Koers included, can find which answers are yours.")
# What a person wrote or did in a tenant, found by the membership it names: (key in the file, model, column).
_BY_MEMBERSHIP = (
    ("team_memberships", TeamMember, "membership_id"),
    ("sponsored_themes", Sponsor, "membership_id"),
    ("supported_themes", Supporter, "membership_id"),
    ("pitch_texts", PitchRevision, "author_membership_id"),
    ("pitch_attachments", PitchAttachment, "uploaded_by_membership_id"),
    ("pitch_events", PitchEvent, "membership_id"),
    ("work_sessions_logged", WorkSession, "created_by_id"),
    ("work_sessions_attended", SessionAttendee, "membership_id"),
    ("work_log_actions", Action, "owner_id"),
    ("promises", Promise, "made_by_id"),
    ("evidence_added", Evidence, "added_by_id"),
    ("development_goals", DevelopmentGoal, "membership_id"),
    ("workshop_signups", Signup, "membership_id"),
    ("notifications", Notification, "membership_id"),
    ("e-mail_opt_outs", EmailOptOut, "membership_id"),
)
_SECRET_COLUMNS = {"data", "token_hash", "secret_encrypted", "code_hash", "password_hash", "session_stamp",
                   "document"}
# Written into stored texts of others (their notifications), in the tenant's language, as the pages say it.
FORMER_MEMBER = {"nl": "een oud-lid", "en": "a former member"}


class LastAdministrator(DomainError):
    default_message = _l("This person is the organisation's only administrator. Appoint another administrator "
                         "before erasing them.")


class NotInTenant(DomainError):
    default_message = _l("This person has no data in this organisation.")


# ---- the download -------------------------------------------------------------------------------

def export(db, user: User, *, tenant: Tenant | None = None) -> dict:
    """Everything about `user`, as plain data: the account and, per tenant (only `tenant` when given), the
    membership, roles, teams and what they wrote. Reads across tenants for this account only; leaves the
    session scoped as it was."""
    previous = db.info.get("tenant_id")
    with cross_tenant(db):
        only = [Membership.tenant_id == tenant.id] if tenant else []
        memberships = {m.tenant_id: m for m in db.scalars(select(Membership).where(Membership.user_id == user.id, *only))}
        # a membership that ended (and was not erased yet) still holds what they wrote there
        earlier: dict[int, list[Departure]] = {}
        for departure in db.scalars(select(Departure).where(Departure.user_id == user.id,
                                                            *([Departure.tenant_id == tenant.id] if tenant else []))
                                    .order_by(Departure.left_at)):
            earlier.setdefault(departure.tenant_id, []).append(departure)
        tenants = {t.id: t for t in db.scalars(select(Tenant).where(Tenant.id.in_(set(memberships) | set(earlier)))
                                                .order_by(Tenant.id))}
        sign_ins = [_row(entry) for entry in db.scalars(
            select(audit.PlatformAuditEntry).where(audit.PlatformAuditEntry.actor_id == user.id,
                                                   audit.PlatformAuditEntry.action.like("signin%"))
            .order_by(audit.PlatformAuditEntry.seq))]
    data = {
        "format": FORMAT,
        "made_at": utcnow().isoformat(),
        "not_included": NOT_INCLUDED,
        "account": {
            "email": user.email, "name": user.name, "language": user.locale, "created_at": user.created_at,
            "email_confirmed_at": user.email_verified_at, "password_changed_at": user.password_changed_at,
            "platform_administrator": user.is_platform_admin,
            "two_factor": db.get(TwoFactor, user.id) is not None,
        },
        "sign_ins": sign_ins,
        "organisations": [],
    }
    try:
        for tenant_id, organisation in tenants.items():
            set_scope(db, tenant_id=tenant_id)
            data["organisations"].append(_in_tenant(db, user, organisation, memberships.get(tenant_id),
                                                    earlier.get(tenant_id, [])))
    finally:
        set_scope(db, tenant_id=previous)
    return data


def to_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_plain)


def _in_tenant(db, user: User, tenant: Tenant, membership: Membership | None, departures: list[Departure]) -> dict:
    section = {
        "organisation": {"slug": tenant.slug, "name": tenant.name},
        "membership": None if membership is None else {
            "joined_at": membership.joined_at, "roles": sorted(membership.roles),
            "legacy_organisation": membership.legacy_org.name if membership.legacy_org else None},
        "left_at": [departure.left_at for departure in departures],
    }
    ids = {d.membership_id for d in departures} | ({membership.id} if membership else set())
    team_ids = [row.team_id for row in db.scalars(select(TeamMember).where(TeamMember.membership_id.in_(ids)))]
    section["teams"] = [{"name": team.name, "theme": db.get(Theme, team.theme_id).title}
                        for team in db.scalars(select(Team).where(Team.id.in_(team_ids)).order_by(Team.name))]
    for key, model, column in _BY_MEMBERSHIP:
        rows = db.scalars(select(model).where(getattr(model, column).in_(ids)).order_by(model.id))
        section[key] = [_row(row) for row in rows]
    scim = db.scalar(select(ScimUser).where(ScimUser.user_id == user.id))
    section["provisioning"] = _row(scim) if scim else None
    section["single_sign_on"] = [_row(row) for row in db.scalars(select(SsoIdentity).where(SsoIdentity.user_id == user.id))]
    return section


def _row(row) -> dict:
    mapper = inspect(row).mapper
    return {attr.key: getattr(row, attr.key) for attr in mapper.column_attrs
            if attr.key not in _SECRET_COLUMNS and attr.key != "tenant_id"}


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


# ---- the erasure --------------------------------------------------------------------------------

def erase(db, tenant: Tenant, user: User, *, actor: audit.Actor | None = None, origin: str | None = None,
          reason: str = "request") -> dict:
    """Erase `user` from `tenant` (the session is scoped to it). Returns what went, per kind, which is also
    written to the tenant's audit trail under `person.erased` (the account's id, never its name or address).
    Refused for the tenant's only administrator, and for someone the tenant holds nothing of."""
    membership = db.scalar(select(Membership).where(Membership.user_id == user.id))
    departures = list(db.scalars(select(Departure).where(Departure.user_id == user.id)))
    scim = db.scalar(select(ScimUser).where(ScimUser.user_id == user.id))
    if membership is None and not departures and scim is None:
        raise NotInTenant()
    if membership is not None and Role.ADMIN in membership.roles and not db.scalar(
            select(func.count()).select_from(MembershipRole)
            .where(MembershipRole.role == Role.ADMIN, MembershipRole.membership_id != membership.id)):
        raise LastAdministrator()
    name, email = user.name, user.email
    membership_ids = {d.membership_id for d in departures} | ({membership.id} if membership else set())
    counts = {}
    # their own notifications and opt-outs; their membership (roles, team places, … go with it, as on removal)
    counts["notifications"] = _delete(db, Notification, Notification.membership_id.in_(membership_ids))
    counts["e-mail_opt_outs"] = _delete(db, EmailOptOut, EmailOptOut.membership_id.in_(membership_ids))
    counts["membership"] = 0
    if membership is not None:
        db.connection().info["koers.erasing"] = True
        try:
            db.delete(membership)
            db.flush()
        finally:
            db.connection().info.pop("koers.erasing", None)
        counts["membership"] = 1
    counts["departures"] = _delete(db, Departure, Departure.user_id == user.id)
    if scim is not None:
        _delete(db, ScimGroupMember, ScimGroupMember.scim_user_id == scim.id)
    counts["provisioned_user"] = _delete(db, ScimUser, ScimUser.user_id == user.id)
    counts["single_sign_on"] = _delete(db, SsoIdentity, SsoIdentity.user_id == user.id)
    counts["invitations"] = _delete(db, Invitation, func.lower(Invitation.email) == email.lower())
    db.execute(update(Invitation).where(Invitation.invited_by_id == user.id).values(invited_by_id=None)
               .execution_options(synchronize_session=False))
    db.execute(update(OidcConnection).where(OidcConnection.break_glass_user_id == user.id)
               .values(break_glass_user_id=None).execution_options(synchronize_session=False))
    # names written beside a recorded consent: the decision stays, who typed it in does not
    counts["consent_names"] = sum(db.execute(
        update(model).where(getattr(model, by_id) == user.id).values({by_id: None, by_name: None})
        .execution_options(synchronize_session=False)).rowcount
        for model, by_id, by_name in ((WorksCouncilConsent, "recorded_by_id", "recorded_by_name"),
                                      (PulseRound, "consent_by_id", "consent_by_name")))
    # who cited a figure in a plan or promise: the citation stays (its figure and values are no one's), the link goes
    counts["citations"] = db.execute(
        update(FigureCitation).where(FigureCitation.cited_by_id.in_(membership_ids)).values(cited_by_id=None)
        .execution_options(synchronize_session=False)).rowcount if membership_ids else 0
    counts["mentions"] = _scrub_mentions(db, (name, email), FORMER_MEMBER.get(tenant.language, FORMER_MEMBER["en"]))
    counts["mails"] = _delete_mails(db, tenant, (name, email))
    counts["account"] = _erase_account_if_alone(db, user)
    audit.record(db, "person.erased", tenant_id=tenant.id, object_type="users", object_id=user.id,
                 detail={"reason": reason, "removed": counts}, actor=actor, origin=origin)
    db.flush()
    return counts


def erase_departed(db, tenant: Tenant, departure: Departure) -> dict:
    """Erase someone who left, before the tenant's period has passed (on their request). When their account
    went already, only the record of their departure is left to go."""
    user = db.get(User, departure.user_id)
    if user is not None:
        return erase(db, tenant, user)
    return forget_departed(db, tenant, departure.user_id)


def forget_departed(db, tenant: Tenant, user_id: int, *, actor: audit.Actor | None = None, origin: str | None = None,
                    reason: str = "request") -> dict:
    """What is left here of someone whose account went already (erased from their last other organisation while
    this one still remembered their departure): their own notifications and the departure itself."""
    ids = set(db.scalars(select(Departure.membership_id).where(Departure.user_id == user_id)))
    counts = {"notifications": _delete(db, Notification, Notification.membership_id.in_(ids)),
              "e-mail_opt_outs": _delete(db, EmailOptOut, EmailOptOut.membership_id.in_(ids)),
              "departures": _delete(db, Departure, Departure.user_id == user_id)}
    audit.record(db, "person.erased", tenant_id=tenant.id, object_type="users", object_id=user_id,
                 detail={"reason": reason, "removed": counts}, actor=actor, origin=origin)
    return counts


def _delete(db, model, condition) -> int:
    return db.execute(delete(model).where(condition).execution_options(synchronize_session=False)).rowcount


def _scrub_mentions(db, words, former: str) -> int:
    """Notifications to others that name the person (a subject, a body, a parameter): the name and address become
    "a former member"."""
    changed = 0
    words = [w for w in words if w]
    matching = or_(*(column.contains(word) for word in words
                     for column in (Notification.stored_subject, Notification.stored_body)))
    for note in db.scalars(select(Notification).where(or_(matching, Notification.params.is_not(None)))):
        params = json.dumps(note.params or {}, ensure_ascii=False)
        if not any(word in text for word in words for text in (note.stored_subject, note.stored_body, params)):
            continue
        for word in words:
            note.stored_subject = note.stored_subject.replace(word, former)
            note.stored_body = note.stored_body.replace(word, former)
            params = params.replace(json.dumps(word, ensure_ascii=False)[1:-1], former)
        note.params = json.loads(params) if note.params is not None else None
        changed += 1
    return changed


def _delete_mails(db, tenant: Tenant, words) -> int:
    """The tenant's mails to the person or naming them (a mail not yet delivered, or one whose subject is still
    kept): they go. A mail waiting to be sent is then not sent (its job finds nothing to do)."""
    words = [w for w in words if w]
    if not words:
        return 0
    columns = (OutboundMail.recipient, OutboundMail.subject, OutboundMail.body, OutboundMail.html_body)
    return _delete(db, OutboundMail, (OutboundMail.tenant_id == tenant.id)
                   & or_(*(column.contains(word) for word in words for column in columns)))


def _erase_account_if_alone(db, user: User) -> int:
    """The account goes with its second factor and every tenant's copy of it, unless another tenant still has
    them as a member; mails to its address in the outbox lose the address and their text."""
    with scoped(db, user_id=user.id):  # the account's own memberships, which row-level security shows by user
        elsewhere = db.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == user.id)
                              .execution_options(own_memberships=True))
    if elsewhere:
        return 0
    # accounts, second factors and the outbox belong to no tenant
    db.execute(update(OutboundMail).where(func.lower(OutboundMail.recipient) == user.email.lower())
               .values(recipient="", subject="", body="", html_body="")
               .execution_options(synchronize_session=False))
    _delete(db, RecoveryCode, RecoveryCode.user_id == user.id)
    _delete(db, TwoFactor, TwoFactor.user_id == user.id)
    db.delete(user)
    db.flush()
    return 1


