from __future__ import annotations

import calendar
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow


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

    @property
    def password_stamp(self) -> int:
        """Microseconds since the epoch of the last password change (SQLite returns naive UTC)."""
        moment = self.password_changed_at.replace(tzinfo=None)
        return calendar.timegm(moment.timetuple()) * 1_000_000 + moment.microsecond

    def get_id(self) -> str:
        return f"{self.id}:{self.password_stamp}"
