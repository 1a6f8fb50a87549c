"""What retention needs to remember: a tenant's periods, and who left when.

A membership ends by deleting its row (an admin removes someone, SCIM deactivates them, a consultancy
ends a client): nothing else would say when. `Departure` is written by a mapper event on every such
delete, so each of those paths is covered without knowing about retention; the daily job erases a
person once their departure is older than the tenant's period (saas.privacy.retention)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, Integer, UniqueConstraint, event, insert
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned
from tenants.models import Membership


class RetentionPolicy(TenantOwned, Base):
    """A tenant's periods, in days; no row means the defaults (saas.privacy.retention.DEFAULTS)."""

    __tablename__ = "retention_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    left_days: Mapped[int] = mapped_column(Integer)  # personal data of people who left
    invitations_days: Mapped[int] = mapped_column(Integer)  # invitations to join that ended: address and token
    attachments_days: Mapped[int] = mapped_column(Integer)  # attachments of decided pitches
    signins_days: Mapped[int] = mapped_column(Integer, default=180, server_default="180")  # sign-in records
    last_enforced_on: Mapped[date | None] = mapped_column(Date)  # the daily job's last run for this tenant

    __table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint("left_days BETWEEN 30 AND 730", name="left_days_range"),
        CheckConstraint("invitations_days BETWEEN 7 AND 365", name="invitations_days_range"),
        CheckConstraint("attachments_days BETWEEN 90 AND 1825", name="attachments_days_range"),
        CheckConstraint("signins_days BETWEEN 30 AND 730", name="signins_days_range"),
    )


class Departure(TenantOwned, Base):
    """A membership that ended, and whose account it was: the person is erased from the tenant once the
    tenant's period has passed (unless they came back), and then this row goes too."""

    __tablename__ = "departures"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)  # a plain id: the account may go first
    membership_id: Mapped[int] = mapped_column(Integer)
    left_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@event.listens_for(Membership, "after_delete")
def _remember_the_departure(_mapper, connection, membership: Membership) -> None:
    if connection.info.get("koers.erasing"):  # an erasure removes the membership and the person at once
        return
    connection.execute(insert(Departure.__table__).values(
        tenant_id=membership.tenant_id, user_id=membership.user_id, membership_id=membership.id, left_at=utcnow()))
