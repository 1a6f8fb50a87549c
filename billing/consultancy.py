"""Consultancies: signing up, client tenants (created, archived, restored), their consultants, and the
consultant's dashboard of clients.

A consultancy crosses tenants by nature, so this module does, always inside `cross_tenant` and
always narrowed to one account: its clients are the tenants whose `TenantBilling` names the
account, and a consultant sees a client only when both hold: they are one of the account's people
AND they hold the `consultant` role in that tenant (a membership, never a back door).
"""
from __future__ import annotations

from dataclasses import dataclass
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, update

from billing.entitlements import Entitlement, require_account_writable, tenant_entitlement
from billing.models import (
    CONSULTANCY, CONSULTANT, OWNER, BillingAccount, BillingAccountMember, ConsultantInvitation, TenantBilling,
)
from billing.service import has_ongoing_subscription, request_quantity_sync
from saas.administration import service as tenants
from saas.auth.models import User
from saas.auth.service import normalise_email, require_verified
from saas.comparison.models import Comparison
from saas.kernel import audit, brand
from saas.kernel.db import utcnow
from saas.kernel.errors import DomainError
from saas.kernel.mail import mail_to
from saas.kernel.tokens import hash_token, invitation_by_token
from saas.programme.models import Programme
from saas.surveys.models import SurveyInvitation, Wave
from tenants.models import Membership, MembershipRole, Role, Tenant
from tenants.scoping import cross_tenant, set_scope


class AlreadyInConsultancy(DomainError):
    default_message = _l("You already belong to a consultancy.")


class ConsultantInvitationUnusable(DomainError):
    default_message = _l("This invitation has expired, was withdrawn or has already been used.")


class WrongAccountForConsultantInvitation(DomainError):
    default_message = _l("This invitation was sent to another e-mail address. Log in with that address.")


# ---- the consultancy -----------------------------------------------------------------------

def membership_of(db, user) -> BillingAccountMember | None:
    """The user's place in their consultancy (owner or consultant), if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.scalar(select(BillingAccountMember).where(BillingAccountMember.user_id == user.id))


def sign_up(db, owner: User, *, name: str, settings, now: datetime | None = None) -> BillingAccount:
    """A new consultancy with its owner as its first consultant, on a trial."""
    now = now or utcnow()
    require_verified(owner, field="name")
    if membership_of(db, owner) is not None:
        raise AlreadyInConsultancy(field="name")
    account = BillingAccount(kind=CONSULTANCY, name=name.strip(), owner_id=owner.id,
                             trial_ends_at=now + timedelta(days=settings.billing_trial_days))
    db.add(account)
    db.flush()
    db.add(BillingAccountMember(account_id=account.id, user_id=owner.id, role=OWNER))
    db.flush()
    return account


def people(db, account: BillingAccount) -> list[BillingAccountMember]:
    return list(db.scalars(select(BillingAccountMember).join(BillingAccountMember.user)
                           .where(BillingAccountMember.account_id == account.id).order_by(User.name)))


def invite_consultant(db, account: BillingAccount, inviter: User, *, email: str, settings, locale: str,
                      now: datetime | None = None) -> ConsultantInvitation:
    """Invite a colleague by e-mail. Nobody is added until the person who reads that address accepts,
    signed in with it (accept_consultant_invitation): whoever registered the address first gains nothing.
    A newer invitation to the same address replaces an open one. Says nothing about whether the address
    has an account (the mail goes out either way)."""
    now = now or utcnow()
    email = normalise_email(email)
    if any(person.user.email == email for person in people(db, account)):
        raise DomainError(_l("This person is already one of your consultants."), field="email")
    for open_invitation in pending_invitations(db, account, now=now):
        if open_invitation.email == email:
            open_invitation.revoked_at = now
    token = secrets.token_urlsafe(32)
    invitation = ConsultantInvitation(account_id=account.id, email=email, token_hash=hash_token(token),
                                      invited_by_id=inviter.id,
                                      expires_at=now + timedelta(days=settings.invitation_days))
    db.add(invitation)
    db.flush()
    mail_to(db, email, "consultant_invitation", locale=locale, inviter=inviter, consultancy=account,
            email=email, expires_at=invitation.expires_at, token=token)
    return invitation


def pending_invitations(db, account: BillingAccount, *, now: datetime | None = None) -> list[ConsultantInvitation]:
    """The consultancy's invitations nobody has accepted or withdrawn yet and that have not expired."""
    now = now or utcnow()
    rows = db.scalars(select(ConsultantInvitation).where(ConsultantInvitation.account_id == account.id,
                                                         ConsultantInvitation.accepted_at.is_(None),
                                                         ConsultantInvitation.revoked_at.is_(None))
                      .order_by(ConsultantInvitation.created_at, ConsultantInvitation.id))
    return [row for row in rows if row.pending(now)]


def withdraw_invitation(db, account: BillingAccount, invitation_id: int) -> ConsultantInvitation | None:
    """Withdraw one of the account's open invitations: its link stops working. None when it has no such one."""
    invitation = db.scalar(select(ConsultantInvitation).where(ConsultantInvitation.id == invitation_id,
                                                             ConsultantInvitation.account_id == account.id))
    if invitation is None or invitation.accepted_at is not None or invitation.revoked_at is not None:
        return None
    invitation.revoked_at = utcnow()
    return invitation


def consultant_invitation(db, token: str) -> ConsultantInvitation | None:
    return invitation_by_token(db, ConsultantInvitation, token)


def accept_consultant_invitation(db, invitation: ConsultantInvitation, user: User) -> BillingAccountMember:
    """The invited person joins: signed in with the invited address, and that address confirmed."""
    if not invitation.pending(utcnow()):
        raise ConsultantInvitationUnusable()
    if user.email != invitation.email:
        raise WrongAccountForConsultantInvitation()
    require_verified(user)
    person = add_consultant(db, invitation.account, user)
    invitation.accepted_at = utcnow()
    return person


def set_house_style(db, account: BillingAccount, *, colour: str | None, logo_data: bytes | None,
                    remove_logo: bool) -> None:
    """The consultancy's logo and colour, shown on its clients' pages while they have none of their own
    (saas.administration.branding); checked by saas.kernel.brand, a refusal names its field."""
    brand.set_style(account, colour=colour, logo_data=logo_data, remove_logo=remove_logo, now=utcnow())
    db.flush()


def add_consultant(db, account: BillingAccount, user: User) -> BillingAccountMember:
    """Make an account (whose owner accepted an invitation) a consultant, in every client."""
    existing = membership_of(db, user)
    if existing is not None:
        raise AlreadyInConsultancy() if existing.account_id != account.id else \
            DomainError(_l("You are already one of its consultants."))
    person = BillingAccountMember(account_id=account.id, user_id=user.id, role=CONSULTANT)
    db.add(person)
    db.flush()
    for tenant, _link in clients(db, account):
        _make_consultant(db, tenant.id, user.id)
    return person


def remove_consultant(db, account: BillingAccount, person_id: int) -> BillingAccountMember | None:
    """Take a colleague out of the consultancy and out of every client where they were its consultant
    (someone who leaves keeps no way in). None when the account has no such person.

    The owner stays. Roles a client gave them besides consultant stay: the client decided those.
    """
    person = db.scalar(select(BillingAccountMember).where(BillingAccountMember.id == person_id,
                                                         BillingAccountMember.account_id == account.id))
    if person is None:
        return None
    if person.role == OWNER:
        raise DomainError(_l("The owner of the consultancy cannot be removed."))
    for tenant, _link in clients(db, account):
        _drop_consultant(db, tenant.id, person.user_id)
    db.delete(person)
    db.flush()
    return person


# ---- clients -------------------------------------------------------------------------------

def clients(db, account: BillingAccount) -> list[tuple[Tenant, TenantBilling]]:
    """Every client of the account, archived ones too, by name."""
    with cross_tenant(db):
        return [tuple(row) for row in db.execute(
            select(Tenant, TenantBilling).join(TenantBilling, TenantBilling.tenant_id == Tenant.id)
            .where(TenantBilling.account_id == account.id).order_by(Tenant.name))]


def create_client(db, account: BillingAccount, owner: User, *, name: str, slug: str, country: str, language: str,
                  admin_email: str, settings, now: datetime | None = None) -> Tenant:
    """A full tenant for a client: the consultancy's people are its consultants, and the client's own
    administrator is invited by e-mail. The subscription's quantity follows after the commit."""
    require_verified(owner, field="name")
    require_account_writable(account, now=now, settings=settings)
    slug = slug.strip().lower()
    if not tenants.SLUG_PATTERN.match(slug) or slug in tenants.RESERVED_SLUGS:
        raise tenants.InvalidSlug(field="slug")
    if db.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise tenants.SlugTaken(field="slug")
    tenant = Tenant(name=name.strip(), slug=slug, country=country.upper(), language=language)
    db.add(tenant)
    db.flush()
    set_scope(db, tenant_id=tenant.id)
    db.add(TenantBilling(account_id=account.id))
    db.flush()
    admin_email = normalise_email(admin_email)
    for person in people(db, account):
        if person.user.email_verified:  # an address nobody confirmed is made nothing (one from before 0025)
            _make_consultant(db, tenant.id, person.user_id, also_admin=person.user.email == admin_email)
    if not any(p.user.email == admin_email and p.user.email_verified for p in people(db, account)):
        tenants.invite(db, tenant, owner, email=admin_email, roles=[Role.ADMIN.value], legacy_org_id=None,
                       settings=settings)
    _clients_changed(db, account)
    return tenant


def archive_client(db, account: BillingAccount, tenant_id: int, *, now: datetime | None = None) -> TenantBilling | None:
    """Archive a client: it stays, read-only, and no longer counts for the subscription. None if not ours."""
    link = _client_link(db, account, tenant_id)
    if link is None or link.archived_at is not None:
        return link
    with cross_tenant(db):
        link.archived_at = now or utcnow()
        db.flush()
        audit.record(db, "billing.client_archived", tenant_id=tenant_id, obj=account)
    _clients_changed(db, account)
    return link


def restore_client(db, account: BillingAccount, tenant_id: int, *, settings, now: datetime | None = None
                   ) -> TenantBilling | None:
    link = _client_link(db, account, tenant_id)
    if link is None or link.archived_at is None:
        return link
    require_account_writable(account, now=now, settings=settings)
    with cross_tenant(db):
        link.archived_at = None
        db.flush()
        audit.record(db, "billing.client_restored", tenant_id=tenant_id, obj=account)
    _clients_changed(db, account)
    return link


# ---- the consultant's dashboard -------------------------------------------------------------

def consultant_clients(db, user: User) -> list[tuple[Tenant, TenantBilling]]:
    """The clients this user may see: of their own consultancy AND where they hold the consultant role."""
    with cross_tenant(db):
        return [tuple(row) for row in db.execute(
            select(Tenant, TenantBilling)
            .join(TenantBilling, TenantBilling.tenant_id == Tenant.id)
            .join(BillingAccountMember, and_(BillingAccountMember.account_id == TenantBilling.account_id,
                                             BillingAccountMember.user_id == user.id))
            .join(Membership, and_(Membership.tenant_id == Tenant.id, Membership.user_id == user.id))
            .join(MembershipRole, and_(MembershipRole.tenant_id == Tenant.id,
                                       MembershipRole.membership_id == Membership.id,
                                       MembershipRole.role == Role.CONSULTANT.value))
            .order_by(Tenant.name))]


@dataclass(frozen=True)
class ClientSummary:
    tenant: Tenant
    archived: bool
    entitlement: Entitlement
    programme: str | None = None
    phase: str | None = None
    wave: str | None = None
    wave_status: str | None = None
    invited: int = 0
    answered: int = 0
    comparison_wave: str | None = None
    comparison_ready: bool | None = None  # None: no closed wave to compare yet

    @property
    def participation(self) -> int | None:
        return round(100 * self.answered / self.invited) if self.invited else None


def client_summary(database, tenant: Tenant, link: TenantBilling, *, settings, now=None) -> ClientSummary:
    """What the dashboard shows of one client, read in that client's own scope (a session of its own)."""
    with database.Session() as db:
        set_scope(db, tenant_id=tenant.id)
        entitlement = tenant_entitlement(db, tenant, now=now, settings=settings)
        programme = db.scalar(select(Programme).order_by(Programme.starts_on.desc(), Programme.id.desc()).limit(1))
        wave = db.scalar(select(Wave).where(Wave.status != "draft")
                         .order_by(Wave.created_at.desc(), Wave.id.desc()).limit(1))
        invited = answered = 0
        if wave is not None:
            invited, answered = db.execute(
                select(func.count(), func.count().filter(SurveyInvitation.answered.is_(True)))
                .where(SurveyInvitation.wave_id == wave.id)).one()
        closed = db.scalar(select(Wave).where(Wave.status == "closed")
                           .order_by(Wave.created_at.desc(), Wave.id.desc()).limit(1))
        ready = None
        if closed is not None:
            ready = db.scalar(select(Comparison.id).where(Comparison.wave_id == closed.id)) is not None
        db.rollback()
        return ClientSummary(
            tenant=tenant, archived=link.archived_at is not None, entitlement=entitlement,
            programme=programme.name if programme else None, phase=programme.phase if programme else None,
            wave=wave.name if wave else None, wave_status=wave.status if wave else None,
            invited=invited or 0, answered=answered or 0,
            comparison_wave=closed.name if closed else None, comparison_ready=ready,
        )


# ---- helpers -------------------------------------------------------------------------------

def _client_link(db, account: BillingAccount, tenant_id: int) -> TenantBilling | None:
    with cross_tenant(db):
        return db.scalar(select(TenantBilling).where(TenantBilling.tenant_id == tenant_id,
                                                     TenantBilling.account_id == account.id))


def _make_consultant(db, tenant_id: int, user_id: int, *, also_admin: bool = False) -> None:
    """A membership with the consultant role in the client (the role added if they are a member already)."""
    wanted = {Role.CONSULTANT.value} | ({Role.ADMIN.value} if also_admin else set())
    with cross_tenant(db):
        membership = db.scalar(select(Membership).where(Membership.tenant_id == tenant_id,
                                                        Membership.user_id == user_id))
        if membership is None:
            membership = Membership(tenant_id=tenant_id, user_id=user_id, legacy_org_id=None)
            membership.role_rows = []
            db.add(membership)
        for role in sorted(wanted - membership.roles):
            membership.role_rows.append(MembershipRole(tenant_id=tenant_id, role=role))
        db.flush()


def _drop_consultant(db, tenant_id: int, user_id: int) -> None:
    """The consultant role out of the client; the membership too when it held nothing else."""
    with cross_tenant(db):
        membership = db.scalar(select(Membership).where(Membership.tenant_id == tenant_id,
                                                        Membership.user_id == user_id))
        if membership is None or Role.CONSULTANT not in membership.roles:
            return
        if membership.roles == {Role.CONSULTANT}:
            tenants.remove_member(db, membership)
        else:
            membership.role_rows = [row for row in membership.role_rows if row.role != Role.CONSULTANT.value]
        db.flush()


def _clients_changed(db, account: BillingAccount) -> None:
    """Count the change (it names the idempotency key of the quantity update) and sync after the commit."""
    with cross_tenant(db):  # counted in the database: two changes at the same moment are two changes
        db.execute(update(BillingAccount).where(BillingAccount.id == account.id)
                   .values(client_changes=BillingAccount.client_changes + 1).execution_options(synchronize_session=False))
        db.refresh(account, ["client_changes"])
    if has_ongoing_subscription(account):
        request_quantity_sync(db, account)
