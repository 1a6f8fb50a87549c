"""Billing accounts, their people, the tenants they pay for, and the Stripe events applied to them.

Billing accounts are platform-level, not tenant-owned: an organisation account pays for one tenant,
a consultancy account for many client tenants. Which account pays for a tenant (and whether a
client is archived) is kept on the tenant's own side, in `TenantBilling`, which is tenant-owned:
a tenant page sees its own row only, and whatever lists a consultancy's clients crosses tenants
explicitly (billing.consultancy).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.kernel.brand import HouseStyle
from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned

ORGANISATION = "organisation"
CONSULTANCY = "consultancy"
OWNER = "owner"
CONSULTANT = "consultant"


class BillingAccount(HouseStyle, Base):
    """Who pays: one Stripe customer with at most one current subscription. A consultancy's account
    may hold a house style (saas.kernel.brand) that its clients' pages show when they have none."""

    __tablename__ = "billing_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(160))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Our own trial, before any subscription exists (a subscription in Stripe's trial has its own end).
    trial_ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # As Stripe last said when we fetched the subscription (never taken from an event's payload).
    subscription_status: Mapped[str | None] = mapped_column(String(32))
    price_id: Mapped[str | None] = mapped_column(String(255))
    stripe_quantity: Mapped[int | None] = mapped_column(Integer)
    subscription_trial_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    current_period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    canceled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When we first saw the subscription past due: the grace period counts from here.
    past_due_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Counters that make outgoing idempotency keys: one per checkout started, one per client change.
    checkouts_started: Mapped[int] = mapped_column(Integer, default=0)
    client_changes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    owner = relationship("User", lazy="select")

    __table_args__ = (CheckConstraint("kind IN ('organisation', 'consultancy')", name="known_kind"),)

    @property
    def is_consultancy(self) -> bool:
        return self.kind == CONSULTANCY


class BillingAccountMember(Base):
    """A consultancy's people: its owner (who manages billing and clients) and its consultants.
    A user belongs to at most one consultancy."""

    __tablename__ = "billing_account_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user = relationship("User", lazy="joined")
    account: Mapped[BillingAccount] = relationship(lazy="joined")

    __table_args__ = (CheckConstraint("role IN ('owner', 'consultant')", name="known_role"),)


class TenantBilling(TenantOwned, Base):
    """The account that pays for this tenant, and whether the consultancy archived it as a client."""

    __tablename__ = "tenant_billing"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id"), index=True)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    account: Mapped[BillingAccount] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id"),  # one paying account per tenant
    )


class BillingEvent(Base):
    """A Stripe event we applied, by its id: recorded in the same transaction as its effect, so a
    replay finds it and changes nothing, and a failure leaves no record and Stripe sends it again."""

    __tablename__ = "billing_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("billing_accounts.id", ondelete="SET NULL"),
                                                   index=True)
    stripe_created: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsultantInvitation(Base):
    """A consultancy asks a colleague to join it: the link goes to the address, and only the account with
    that address, confirmed, may accept (billing.consultancy). Only the token's hash is kept."""

    __tablename__ = "consultant_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    account: Mapped[BillingAccount] = relationship(lazy="joined")

    def pending(self, now: datetime) -> bool:
        expires_at = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=timezone.utc)
        return self.accepted_at is None and self.revoked_at is None and expires_at > now
