from __future__ import annotations

import calendar
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow


def new_session_stamp() -> str:
    return secrets.token_hex(16)


class User(UserMixin, Base):
    """One person, one account, across all the tenants they belong to."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Changing the password bumps this; sessions and reset links made before it stop working.
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the owner followed the link mailed to the address (saas.auth.verification). Until then the
    # account can sign in, but nobody can make it an administrator or consultant and it creates no tenant.
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Part of every session cookie; logging out, changing or resetting the password rotates it, so a
    # copied cookie stops working (saas.auth.sessions). Every session of the account ends together.
    session_stamp: Mapped[str] = mapped_column(String(32), default=new_session_stamp, server_default="")

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def password_stamp(self) -> int:
        """Microseconds since the epoch of the last password change (SQLite returns naive UTC)."""
        moment = self.password_changed_at.replace(tzinfo=None)
        return calendar.timegm(moment.timetuple()) * 1_000_000 + moment.microsecond

    def get_id(self) -> str:
        return f"{self.id}:{self.session_stamp}"

    def rotate_session_stamp(self) -> None:
        """End every session of this account: cookies made before this no longer sign anyone in."""
        self.session_stamp = new_session_stamp()
