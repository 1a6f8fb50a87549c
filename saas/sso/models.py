"""A tenant's sign-in service (OpenID Connect or SAML 2.0) and the people it has vouched for.

Below `saas.auth` in the layers: the password log-in asks `password_refused_by` whether a tenant of the
account requires single sign-on, and the two-factor policy asks `identity_provider_enforces_mfa`; that is all
the rest of Koers needs to know of it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, String, Text, UniqueConstraint, false, select
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned
from tenants.models import Membership, Tenant
from tenants.scoping import scoped, set_scope


class OidcConnection(TenantOwned, Base):
    """One per tenant: where its people sign in, and what the provider's claims mean here. Despite the name,
    also a SAML 2.0 identity provider (`protocol` "saml"): the claims are then its assertion's attributes,
    `issuer` is its entity id, and the client id and secret stay empty."""

    __tablename__ = "oidc_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "oidc" or "saml"
    protocol: Mapped[str] = mapped_column(String(8), default="oidc", server_default="oidc")
    # SAML: where the identity provider's metadata was fetched (None: pasted), and the metadata as read then
    saml_metadata_url: Mapped[str | None] = mapped_column(String(500))
    saml_metadata: Mapped[str | None] = mapped_column(Text)
    # What the button says: "Sign in with <display_name>"
    display_name: Mapped[str] = mapped_column(String(80))
    # The issuer exactly as the provider names itself (its discovery document is under it)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    # Encrypted with the app's secret key (saas.sso.service); never shown back to anyone
    client_secret: Mapped[str] = mapped_column(String(2000))
    # what is asked of the provider; "openid" is always among them
    scopes: Mapped[str] = mapped_column(String(300), default="openid email profile")
    email_claim: Mapped[str] = mapped_column(String(64), default="email")
    legacy_org_claim: Mapped[str | None] = mapped_column(String(64))
    role_claim: Mapped[str | None] = mapped_column(String(64))
    # claim value -> Koers role, e.g. {"koers-admins": "admin"}
    role_map: Mapped[dict] = mapped_column(JSON, default=dict)
    # e-mail domains allowed to sign in ("" = any the provider vouches for)
    allowed_domains: Mapped[str] = mapped_column(String(1000), default="")
    # The provider only hands out addresses it checked (an organisation's own Entra ID with its own domains):
    # its e-mail claim then counts as verified even without `email_verified`.
    trust_email: Mapped[bool] = mapped_column(Boolean, default=False)
    # Just-in-time membership: a person the provider vouches for becomes a member at the first sign-in
    jit: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The admin's word that the provider asks more than a password of everyone (Entra ID's Conditional Access,
    # security defaults): a sign-in through it then satisfies the tenant's two-factor policy (saas.auth.twofactor).
    # On for a new configuration; a configuration made before the setting existed has it off until ticked.
    enforces_mfa: Mapped[bool] = mapped_column(Boolean, default=True, server_default=false())
    # Password log-in refused for every member but the break-glass admin
    sso_required: Mapped[bool] = mapped_column(Boolean, default=False)
    break_glass_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("tenant_id"),)


class SsoIdentity(TenantOwned, Base):
    """A person as the tenant's provider knows them: issuer and subject (`oid` for Entra ID), never the
    e-mail address alone, which a provider may reassign."""

    __tablename__ = "sso_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_sign_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set once the person chose their legacy organisation (or said none), when no claim told it
    organisation_asked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("tenant_id", "issuer", "subject"),)


class SamlAnswer(TenantOwned, Base):
    """A SAML answer the identity provider posted, kept for a moment: that cross-site POST carries no session
    cookie (SameSite=Lax), so Koers takes it, then checks it on the next request of the same browser, which
    does (the request it answers is in that session)."""

    __tablename__ = "saml_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the one-time key in the address the browser is sent on to
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    response: Mapped[str] = mapped_column(Text)
    relay_state: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SamlAssertionSeen(TenantOwned, Base):
    """An assertion that signed someone in, remembered until it could no longer be presented: the same one
    again is a replay, in whichever web process it arrives."""

    __tablename__ = "saml_assertions_seen"

    id: Mapped[int] = mapped_column(primary_key=True)
    assertion_id: Mapped[str] = mapped_column(String(255))
    not_on_or_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    __table_args__ = (UniqueConstraint("tenant_id", "assertion_id"),)


def password_refused_by(db, user_id: int) -> Tenant | None:
    """A tenant of this account that requires single sign-on of it (it is not that tenant's break-glass
    admin): the password log-in is then refused. Reads this account's own memberships, then each of their
    tenants in its own scope: the app role's row-level security shows one tenant at a time (tenants/rls.py)."""
    refusing = []
    with scoped(db, user_id=user_id, tenant_id=None):  # the scope before is back after the last tenant
        tenant_ids = sorted(set(db.scalars(select(Membership.tenant_id).where(Membership.user_id == user_id)
                                           .execution_options(own_memberships=True))))
        for tenant_id in tenant_ids:
            set_scope(db, tenant_id=tenant_id)
            if db.scalar(select(OidcConnection.id).where(
                    OidcConnection.sso_required.is_(True), OidcConnection.enabled.is_(True),
                    (OidcConnection.break_glass_user_id.is_(None)) | (OidcConnection.break_glass_user_id != user_id))
                    .limit(1)) is not None:
                refusing.append(tenant_id)
    if not refusing:
        return None
    return db.scalar(select(Tenant).where(Tenant.id.in_(refusing)).order_by(Tenant.name).limit(1))


def identity_provider_enforces_mfa(db) -> bool:
    """Whether the admin of the tenant in scope declared that its (enabled) identity provider enforces
    multi-factor sign-in."""
    return bool(db.scalar(select(OidcConnection.id).where(OidcConnection.enabled.is_(True),
                                                          OidcConnection.enforces_mfa.is_(True)).limit(1)))
