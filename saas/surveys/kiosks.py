"""Kiosk devices: a shared tablet at a location on which one person after another answers a survey with
an answer code (issue 20, point 3).

An admin adds a device for a location; Koers makes a one-time enrolment link (valid for a day), shown once.
Opened on the tablet, the link (after a button, so that a link preview cannot use it up) gives the device a
token of its own: a long random token in a cookie scoped to the tenant's kiosk pages, of which only the hash
is kept here, as for personal links. The token opens the kiosk pages of its tenant and nothing else (no
other view reads its cookie); revoking the device refuses it at once.

A kiosk session is one person answering: it starts when a code is entered (`start_session` keeps the hash of
a fresh session id on the device, so an older session of the same device can no longer be resumed) and ends
when the answers are sent, the person stops, or the kiosk has been idle too long. The draft lives only in the
kiosk session (the signed session cookie), never on the invitation.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel import audit
from saas.kernel.db import Base, utcnow
from saas.kernel.errors import DomainError
from saas.kernel.models import TenantOwned
from saas.kernel.tokens import hash_token

NAME_MAX = 120
ENROL_VALID = timedelta(days=1)
TYPED_MAX = 500  # a scanned link is longer than a code, but not this long


class KioskDevice(TenantOwned, Base):
    """A tablet at a location (`name`). Before enrolment it has only `enrol_hash` (the one-time link); after,
    only `token_hash` (its own token). `session_hash`: the kiosk session running on it, if any."""

    __tablename__ = "kiosk_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    enrol_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrol_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    session_hash: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(Integer)  # the account; a plain id: it may go first
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    enrolled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.enrolled_at is not None:
            return "enrolled"
        if self.enrol_expires_at is not None and _aware(self.enrol_expires_at) < utcnow():
            return "expired"
        return "waiting"


class BadName(DomainError):
    default_message = _l("Give the place of the device, for example “Canteen, Main Street”.")


def devices(db) -> list[KioskDevice]:
    """The tenant's devices, revoked ones last."""
    return list(db.scalars(select(KioskDevice).order_by(KioskDevice.revoked_at.is_not(None), KioskDevice.name,
                                                        KioskDevice.id)))


def device(db, device_id: int) -> KioskDevice | None:
    return db.scalar(select(KioskDevice).where(KioskDevice.id == device_id))


def add_device(db, name: str, *, by_user_id: int | None) -> tuple[KioskDevice, str]:
    """A new device for the place `name`, with its one-time enrolment token (returned, never stored)."""
    name = " ".join(str(name or "").split())
    if not name or len(name) > NAME_MAX:
        raise BadName(field="name")
    token = secrets.token_urlsafe(32)
    found = KioskDevice(name=name, enrol_hash=hash_token(token), enrol_expires_at=utcnow() + ENROL_VALID,
                        created_by_id=by_user_id)
    db.add(found)
    db.flush()
    audit.record(db, "kiosk.added", obj=found, detail={"name": name})
    return found, token


def waiting_for(db, enrol_token: str) -> KioskDevice | None:
    """The device an enrolment link is for, while the link is valid (unused, not expired, not revoked)."""
    if not enrol_token or len(enrol_token) > 200:
        return None
    found = db.scalar(select(KioskDevice).where(KioskDevice.enrol_hash == hash_token(enrol_token)))
    return found if found is not None and found.state == "waiting" else None


def enrol(db, found: KioskDevice) -> str:
    """Use up the enrolment link: the device gets its own token (returned for the cookie, only its hash kept)."""
    token = secrets.token_urlsafe(32)
    found.token_hash, found.enrol_hash, found.enrol_expires_at = hash_token(token), None, None
    found.enrolled_at = utcnow()
    audit.record(db, "kiosk.enrolled", obj=found, detail={"name": found.name})
    return token


def by_token(db, token: str | None) -> KioskDevice | None:
    """The enrolled, not revoked device holding `token` (a kiosk cookie), in the tenant in scope."""
    if not token or len(token) > 200:
        return None
    found = db.scalar(select(KioskDevice).where(KioskDevice.token_hash == hash_token(token)))
    return found if found is not None and found.revoked_at is None else None


def revoke(db, found: KioskDevice) -> None:
    """The device's token, enrolment link and running session stop working at once."""
    found.revoked_at = utcnow()
    found.token_hash = found.enrol_hash = found.session_hash = found.enrol_expires_at = None
    audit.record(db, "kiosk.revoked", obj=found, detail={"name": found.name})


def start_session(found: KioskDevice) -> str:
    """A new kiosk session on the device; any earlier one can no longer be resumed. Returns its id."""
    session_id = secrets.token_urlsafe(16)
    found.session_hash = hash_token(session_id)
    found.last_used_at = utcnow()
    return session_id


def session_is_current(found: KioskDevice, session_id) -> bool:
    return bool(isinstance(session_id, str) and found.session_hash
                and secrets.compare_digest(found.session_hash, hash_token(session_id)))


def end_session(found: KioskDevice) -> None:
    found.session_hash = None


def typed_codes(typed: str) -> list[str]:
    """What someone typed or scanned at the kiosk, as the code it may be: the code itself, or from a scanned slip
    the last part of its address or its `code` parameter (a handheld scanner types the whole URL:
    /t/<slug>/c/<code>, /t/<slug>/c?code=<code>). `saas.surveys.codes` reads spaces, dashes and case."""
    typed = str(typed or "").strip()[:TYPED_MAX]
    if "/" in typed or "?" in typed:
        parts = urlsplit(typed)
        query = parse_qs(parts.query).get("code")
        segments = [segment for segment in parts.path.split("/") if segment]
        typed = (query[0] if query else segments[-1] if segments else "").strip()
    return [typed] if typed else []


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
