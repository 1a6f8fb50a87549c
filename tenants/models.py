from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean, CheckConstraint, Date, DateTime, ForeignKey, ForeignKeyConstraint, Index, Integer, JSON, String,
    UniqueConstraint, false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.kernel.brand import HouseStyle
from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned


class Role(StrEnum):
    ADMIN = "admin"
    MANAGEMENT = "management"
    SPONSOR = "sponsor"
    MEMBER = "member"
    WORKS_COUNCIL = "works_council"
    CONSULTANT = "consultant"


ROLE_VALUES = tuple(r.value for r in Role)
ROLE_CHECK = "role IN (" + ", ".join(f"'{r}'" for r in ROLE_VALUES) + ")"


def _dutch(context) -> bool:
    """The default of `consent_required` when a tenant is made: on for the Netherlands."""
    return (context.get_current_parameters().get("country") or "NL").upper() == "NL"


class Tenant(HouseStyle, Base):
    """A merged organisation: the unit of isolation. The registry itself is not tenant-owned.
    Its house style (logo, colour: saas.kernel.brand) is set by its admin."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    country: Mapped[str] = mapped_column(String(2), default="NL")
    language: Mapped[str] = mapped_column(String(5), default="nl")
    # The anonymity threshold k (DESIGN.md §3): a tenant may raise it, never lower it below 5.
    min_group_size: Mapped[int] = mapped_column(Integer, default=5)
    # Whether a survey, pulse check or other staff collection needs the works council's consent before
    # it opens (WOR art. 27). Its own setting: on by default for a Dutch tenant when it is made, never
    # changed by the country; an admin may turn it on, only a works council member may turn it off.
    consent_required: Mapped[bool] = mapped_column(Boolean, default=_dutch, server_default=false())
    # Whether its admins, works council members and consultants must sign in with a second factor
    # (saas.auth.twofactor); set by an admin on the settings page.
    require_two_factor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The account that made it (a plain id, kept when the account goes): one free trial at a time (create_tenant).
    created_by_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The last day of the contract, set by a platform admin (saas.exit): the tenant is deleted, every row and
    # file, once the grace period after it has passed (EXIT_GRACE_DAYS). None: no end is known.
    contract_ends_on: Mapped[date | None] = mapped_column(Date)
    # Merger progress (saas.comparison.progress): the distance in points (1–50) below which two cultures
    # count as grown together; the projection says when each distance falls below it. Set by an admin.
    merger_threshold: Mapped[int] = mapped_column(Integer, default=10, server_default="10")

    __table_args__ = (CheckConstraint("min_group_size >= 5", name="min_group_size_at_least_5"),
                      CheckConstraint("merger_threshold BETWEEN 1 AND 50", name="merger_threshold_range"))


class LegacyOrganisation(TenantOwned, Base):
    """One of the former organisations that merged into the tenant."""

    __tablename__ = "legacy_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "code"),
        UniqueConstraint("tenant_id", "name"),
    )


class Membership(TenantOwned, Base):
    """A user's place in a tenant: roles and, where known, the legacy organisation they came from."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # None means: not from one of the legacy organisations (joined after the merger) or unknown.
    legacy_org_id: Mapped[int | None] = mapped_column(Integer)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # when they last opened their home here: what is new since is marked there (saas.home)
    home_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user = relationship("User", lazy="joined")
    legacy_org = relationship(
        LegacyOrganisation,
        primaryjoin="and_(Membership.legacy_org_id == LegacyOrganisation.id,"
        " Membership.tenant_id == LegacyOrganisation.tenant_id)",
        foreign_keys="[Membership.legacy_org_id]",
        viewonly=True,
        lazy="joined",
    )
    role_rows: Mapped[list["MembershipRole"]] = relationship(
        back_populates="membership", cascade="all, delete-orphan", lazy="selectin",
        order_by="MembershipRole.role",
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "user_id"),
        # Composite key: a membership can never point at another tenant's legacy organisation.
        ForeignKeyConstraint(
            ["tenant_id", "legacy_org_id"],
            ["legacy_organisations.tenant_id", "legacy_organisations.id"],
            name="fk_memberships_legacy_org",
        ),
        Index("ix_memberships_tenant_legacy_org", "tenant_id", "legacy_org_id"),  # the people list's filter
    )

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    def has_any(self, roles) -> bool:
        return bool(self.roles & set(roles))


class MembershipRole(TenantOwned, Base):
    __tablename__ = "membership_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))

    membership: Mapped[Membership] = relationship(
        back_populates="role_rows",
        primaryjoin="and_(MembershipRole.membership_id == Membership.id,"
        " MembershipRole.tenant_id == Membership.tenant_id)",
        foreign_keys="[MembershipRole.tenant_id, MembershipRole.membership_id]",
    )

    __table_args__ = (
        UniqueConstraint("membership_id", "role"),
        CheckConstraint(ROLE_CHECK, name="known_role"),
        ForeignKeyConstraint(
            ["tenant_id", "membership_id"], ["memberships.tenant_id", "memberships.id"],
            ondelete="CASCADE", name="fk_membership_roles_membership",
        ),
        Index("ix_membership_roles_tenant_role", "tenant_id", "role", "membership_id"),  # people by role
    )


class Invitation(TenantOwned, Base):
    """An e-mail invitation to join a tenant. Only a hash of its token is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    roles: Mapped[list[str]] = mapped_column(JSON)
    legacy_org_id: Mapped[int | None] = mapped_column(Integer)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    times_sent: Mapped[int] = mapped_column(Integer, default=1)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    membership_id: Mapped[int | None] = mapped_column(Integer)  # set on acceptance
    inviter_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    invited_by = relationship("User", lazy="joined")
    legacy_org = relationship(
        LegacyOrganisation,
        primaryjoin="and_(Invitation.legacy_org_id == LegacyOrganisation.id,"
        " Invitation.tenant_id == LegacyOrganisation.tenant_id)",
        foreign_keys="[Invitation.legacy_org_id]",
        viewonly=True,
        lazy="joined",
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "legacy_org_id"],
            ["legacy_organisations.tenant_id", "legacy_organisations.id"],
            name="fk_invitations_legacy_org",
        ),
    )

    def status(self, now: datetime) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if _aware(self.expires_at) <= now:
            return "expired"
        return "pending"


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; we store UTC everywhere.
    from datetime import timezone

    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
