"""What SCIM provisioning keeps: the tenant's token (its hash), the people and groups the identity provider
manages, and the admin's mapping of a group to a legacy organisation or a role.

A provisioned person is a Koers account (`users`, one per address across tenants) with, while `active`, a
membership of the tenant; `attributes` holds only the SCIM attributes Koers publishes (userName, name,
displayName, emails, active, externalId): the rest of what a provider sends is not stored."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned, tenant_fk
from tenants.models import ROLE_CHECK


class ScimToken(TenantOwned, Base):
    """The tenant's one SCIM token: only its SHA-256 is kept; making a new one replaces it."""

    __tablename__ = "scim_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(Integer)  # a plain id: kept when the account goes

    __table_args__ = (UniqueConstraint("tenant_id"),)


class ScimUser(TenantOwned, Base):
    __tablename__ = "scim_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(36))  # the SCIM id (a UUID): ids of rows are not handed out
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user_name: Mapped[str] = mapped_column(String(254))
    user_name_key: Mapped[str] = mapped_column(String(254))  # lower case: userName is unique regardless of case
    external_id: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    attributes: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user = relationship("User", lazy="joined")

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "resource_id"),
        UniqueConstraint("tenant_id", "user_name_key"),
        UniqueConstraint("tenant_id", "user_id"),
    )


class ScimGroup(TenantOwned, Base):
    __tablename__ = "scim_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(36))
    display_name: Mapped[str] = mapped_column(String(254))
    external_id: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "resource_id"),
    )


class ScimGroupMember(TenantOwned, Base):
    __tablename__ = "scim_group_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer)
    scim_user_id: Mapped[int] = mapped_column(Integer, index=True)
    display: Mapped[str | None] = mapped_column(String(254))  # the member's name as the provider gave it

    __table_args__ = (
        UniqueConstraint("group_id", "scim_user_id"),
        tenant_fk(["group_id"], "scim_groups", "fk_scim_group_members_group"),
        tenant_fk(["scim_user_id"], "scim_users", "fk_scim_group_members_user"),
    )


class ScimGroupMapping(TenantOwned, Base):
    """The admin's rule: members of the provider's group `display_name` come from this legacy organisation,
    or have this role (one of the two)."""

    __tablename__ = "scim_group_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(254))
    legacy_org_id: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "display_name"),
        CheckConstraint("(legacy_org_id IS NULL) <> (role IS NULL)", name="org_or_role"),
        CheckConstraint("role IS NULL OR " + ROLE_CHECK, name="known_role"),
        tenant_fk(["legacy_org_id"], "legacy_organisations", "fk_scim_group_mappings_legacy_org"),
    )
