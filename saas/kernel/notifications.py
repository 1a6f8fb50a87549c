"""In-app notifications, with an e-mail copy (sent by a job through the outbox) unless turned off."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.mail import mail_to
from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned, tenant_fk
from tenants.models import Membership, Tenant


class Notification(TenantOwned, Base):
    """An in-app notice to one member; e-mail copies go through the outbox unless turned off."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (tenant_fk(["membership_id"], "memberships", "fk_notifications_membership"),)


class EmailOptOut(TenantOwned, Base):
    """A member who does not want e-mail for one kind of notification (in-app stays)."""

    __tablename__ = "email_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))

    __table_args__ = (
        UniqueConstraint("membership_id", "kind"),
        tenant_fk(["membership_id"], "memberships", "fk_email_opt_outs_membership"),
    )


KINDS = {
    "new_supporter": _l("Someone supports a theme you sponsor"),
    "team_joined": _l("Someone joined your team"),
    "sponsor_message": _l("A message from the sponsor of a theme you support"),
    "recruitment": _l("A sponsor invites you to support a theme"),
    "pitch_submitted": _l("A team submitted its pitch"),
    "pitch_decided": _l("Central management decided on your team's pitch"),
    "workshop_place": _l("A place for you in a knowledge-day workshop"),
}


def notify(db, tenant: Tenant, recipients: list[Membership], kind: str,
           render: Callable[[], tuple[str, str]], link_path: str, settings) -> int:
    """Tell each recipient in their own language; returns how many were notified."""
    recipients = list({m.id: m for m in recipients}.values())
    if not recipients:
        return 0
    opted_out = set(db.scalars(select(EmailOptOut.membership_id).where(
        EmailOptOut.kind == kind, EmailOptOut.membership_id.in_([m.id for m in recipients]))))
    for member in recipients:
        with force_locale(member.user.locale or tenant.language):
            subject, body = render()
        db.add(Notification(membership_id=member.id, kind=kind, subject=str(subject), body=str(body),
                            link=link_path))
        if member.id not in opted_out:
            mail_to(db, member.user.email, "notification", locale=member.user.locale or tenant.language,
                    notice_subject=str(subject), notice_body=str(body), link_path=link_path)
    db.flush()
    return len(recipients)


def notifications_for(db, membership: Membership, limit: int = 50) -> list[Notification]:
    return list(db.scalars(select(Notification).where(Notification.membership_id == membership.id)
                           .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def unread_count(db, membership: Membership) -> int:
    return db.scalar(select(func.count()).select_from(Notification).where(
        Notification.membership_id == membership.id, Notification.read_at.is_(None))) or 0


def mark_all_read(db, membership: Membership, now) -> None:
    for notification in db.scalars(select(Notification).where(Notification.membership_id == membership.id,
                                                              Notification.read_at.is_(None))):
        notification.read_at = now


def email_opt_outs(db, membership: Membership) -> set[str]:
    return set(db.scalars(select(EmailOptOut.kind).where(EmailOptOut.membership_id == membership.id)))


def set_email_kinds(db, membership: Membership, wanted: set[str]) -> None:
    """E-mail exactly the kinds in `wanted`; the others stay in-app only."""
    for row in db.scalars(select(EmailOptOut).where(EmailOptOut.membership_id == membership.id)):
        if row.kind in wanted or row.kind not in KINDS:
            db.delete(row)
    current = email_opt_outs(db, membership)
    for kind in KINDS:
        if kind not in wanted and kind not in current:
            db.add(EmailOptOut(membership_id=membership.id, kind=kind))
    db.flush()
