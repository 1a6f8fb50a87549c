"""In-app notifications, with an e-mail copy (sent by a job through the outbox) unless turned off.

A notification is stored as a message key and its parameters, not as text: it is put into words
when it is read, in the reader's language then (which may differ from the one the sender used, or
the reader had, when it was sent), with days and moments in the tenant's time zone. Each feature
declares its messages once (`message`); the e-mail copy is worded at sending, in the recipient's
language. The text of the recipient's language at sending is kept beside the key as a fallback (and
is all that notifications from before the keys have).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel import formatting
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
    # The text in the recipient's language when it was sent: shown only when the message is not
    # known (a notification from before message keys, or of a message since retired).
    stored_subject: Mapped[str] = mapped_column("subject", String(255))
    stored_body: Mapped[str] = mapped_column("body", Text, default="")
    message: Mapped[str | None] = mapped_column(String(60))  # a key of `message`s
    params: Mapped[dict | None] = mapped_column(JSON)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (tenant_fk(["membership_id"], "memberships", "fk_notifications_membership"),)

    @property
    def subject(self) -> str:
        """The subject in the language of whoever reads it now."""
        return self.worded()[0]

    @property
    def body(self) -> str:
        return self.worded()[1]

    def worded(self) -> tuple[str, str]:
        known = _MESSAGES.get(self.message or "")
        if known is None:
            return self.stored_subject, self.stored_body
        return known.worded(self.params or {})


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


@dataclass(frozen=True)
class Message:
    """What a notification says: a subject and a body with %(name)s parameters, translated when read.

    Parameter values are stored as JSON: text and numbers as they are (names, titles: the sender's
    words, in no language), a day as {"day": "2026-12-18"}, a moment as {"moment": ISO}, and a word
    of one of `words` (e.g. a decision) as its key. A parameter "note" (a sender's own note) is put
    under the body."""
    key: str
    subject: object  # a lazy string
    body: object
    words: dict = field(default_factory=dict)  # parameter -> {key: lazy string}

    def worded(self, params: dict) -> tuple[str, str]:
        values = {name: self._value(name, value) for name, value in params.items()}
        try:
            subject, body = str(self.subject) % values, str(self.body) % values
        except (KeyError, TypeError, ValueError):  # a parameter missing from an old row: the words without it
            subject, body = str(self.subject), str(self.body)
        note = values.get("note")
        return subject, f"{body}\n\n{note}".strip() if note else body

    def _value(self, name: str, value):
        if isinstance(value, dict) and "day" in value:
            return formatting.day(value["day"])
        if isinstance(value, dict) and "moment" in value:
            return formatting.moment(datetime.fromisoformat(value["moment"]))
        if name in self.words:
            return str(self.words[name].get(value, value))
        return value


_MESSAGES: dict[str, Message] = {}


def message(key: str, subject, body, *, words: dict | None = None) -> Message:
    """Declare a notification's words once (at the top of a feature's notices module)."""
    known = _MESSAGES[key] = Message(key, subject, body, words or {})
    return known


def param(value):
    """A parameter value as stored: a day or moment so that it is written out when read."""
    if isinstance(value, datetime):
        return {"moment": value.isoformat()}
    if isinstance(value, date):
        return {"day": value.isoformat()}
    return value


def notify(db, tenant: Tenant, recipients: list[Membership], kind: str, said: Message, params: dict,
           link_path: str, settings) -> int:
    """Tell each recipient: `said` with `params` (put into words when read, in the reader's language);
    the e-mail copy in the recipient's language. Returns how many were notified."""
    recipients = list({m.id: m for m in recipients}.values())
    if not recipients:
        return 0
    params = {name: param(value) for name, value in params.items()}
    opted_out = set(db.scalars(select(EmailOptOut.membership_id).where(
        EmailOptOut.kind == kind, EmailOptOut.membership_id.in_([m.id for m in recipients]))))
    for member in recipients:
        with force_locale(member.user.locale or tenant.language):
            subject, body = said.worded(params)
        db.add(Notification(membership_id=member.id, kind=kind, message=said.key, params=params,
                            stored_subject=subject[:255], stored_body=body, link=link_path))
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
