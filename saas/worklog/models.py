from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text, UniqueConstraint, event, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned, tenant_fk, tenant_person
from tenants.models import Membership


class WorkSession(TenantOwned, Base):
    """A meeting of the team: who came, what was discussed and decided, and who does what by when."""

    __tablename__ = "work_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, index=True)
    held_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    # None once the author has left the organisation: the session stays in the team's log.
    created_by_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    created_by = tenant_person("WorkSession", "created_by_id")
    attendees: Mapped[list["SessionAttendee"]] = relationship(
        primaryjoin="and_(SessionAttendee.work_session_id == WorkSession.id,"
                    " SessionAttendee.tenant_id == WorkSession.tenant_id)",
        foreign_keys="[SessionAttendee.tenant_id, SessionAttendee.work_session_id]",
        order_by="SessionAttendee.id", cascade="all, delete-orphan", lazy="selectin",
    )
    actions: Mapped[list["Action"]] = relationship(
        primaryjoin="and_(Action.work_session_id == WorkSession.id, Action.tenant_id == WorkSession.tenant_id)",
        foreign_keys="[Action.tenant_id, Action.work_session_id]",
        order_by="[Action.due_on, Action.id]", cascade="all, delete-orphan", lazy="selectin",
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        tenant_fk(["team_id"], "teams", "fk_work_sessions_team"),
        tenant_fk(["created_by_id"], "memberships", "fk_work_sessions_created_by", ondelete=None),
    )


class SessionAttendee(TenantOwned, Base):
    __tablename__ = "session_attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_session_id: Mapped[int] = mapped_column(Integer, index=True)
    membership_id: Mapped[int] = mapped_column(Integer, index=True)

    membership = tenant_person("SessionAttendee", "membership_id")

    __table_args__ = (
        UniqueConstraint("work_session_id", "membership_id"),
        tenant_fk(["work_session_id"], "work_sessions", "fk_session_attendees_work_session"),
        tenant_fk(["membership_id"], "memberships", "fk_session_attendees_membership"),
    )


class Action(TenantOwned, Base):
    """Something agreed in a work session, with one owner and a due date."""

    __tablename__ = "work_session_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_session_id: Mapped[int] = mapped_column(Integer, index=True)
    description: Mapped[str] = mapped_column(Text)
    # None once the owner has left the organisation; the action stays, waiting for a new owner.
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)
    due_on: Mapped[date] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)

    owner = tenant_person("Action", "owner_id")

    __table_args__ = (
        tenant_fk(["work_session_id"], "work_sessions", "fk_work_session_actions_work_session"),
        tenant_fk(["owner_id"], "memberships", "fk_work_session_actions_owner", ondelete=None),
    )


class BenchmarkVisit(TenantOwned, Base):
    """A visit to another organisation to see how they do it."""

    __tablename__ = "benchmark_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    organisation: Mapped[str] = mapped_column(String(160))
    learned: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (tenant_fk(["team_id"], "teams", "fk_benchmark_visits_team"),)


class ClientInterview(TenantOwned, Base):
    """An interview with a client. The team describes the client anonymously; there is no name field."""

    __tablename__ = "client_interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, index=True)
    held_on: Mapped[date] = mapped_column(Date)
    client_profile: Mapped[str] = mapped_column(Text)
    findings: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (tenant_fk(["team_id"], "teams", "fk_client_interviews_team"),)


@event.listens_for(Membership, "before_delete")
def _keep_the_log_when_someone_leaves(_mapper, connection, membership: Membership) -> None:
    # Memberships are deleted outright. A composite foreign key cannot SET NULL only its id column
    # (tenant_id is part of it and NOT NULL), so the author and action-owner references are cleared
    # here; attendance rows go with the membership (ON DELETE CASCADE).
    for table, column in ((WorkSession.__table__, "created_by_id"), (Action.__table__, "owner_id")):
        connection.execute(update(table).where(table.c.tenant_id == membership.tenant_id,
                                               table.c[column] == membership.id).values({column: None}))
