from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean, CheckConstraint, Date, DateTime, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned, tenant_fk, tenant_person

# The order in which a programme moves on; "closed" comes after the last.
PHASES = ("recruitment", "team_work", "pitching", "decisions")
CLOSED = "closed"


class Programme(TenantOwned, Base):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    goal: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(20), default=PHASES[0])
    min_team_size: Mapped[int] = mapped_column(Integer, default=4)
    max_team_size: Mapped[int] = mapped_column(Integer, default=10)
    teams_per_person: Mapped[int] = mapped_column(Integer, default=1)
    # 0 switches the rule off; otherwise a team needs people from at least this many legacy organisations
    min_legacy_orgs_per_team: Mapped[int] = mapped_column(Integer, default=2)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    phases: Mapped[list["ProgrammePhase"]] = relationship(
        primaryjoin="and_(ProgrammePhase.programme_id == Programme.id,"
                    " ProgrammePhase.tenant_id == Programme.tenant_id)",
        foreign_keys="[ProgrammePhase.tenant_id, ProgrammePhase.programme_id]",
        order_by="ProgrammePhase.position", cascade="all, delete-orphan", lazy="selectin",
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        CheckConstraint("min_team_size >= 1 AND max_team_size >= min_team_size", name="team_size_range"),
        CheckConstraint("teams_per_person >= 1", name="teams_per_person_positive"),
        CheckConstraint("min_legacy_orgs_per_team >= 0", name="mix_not_negative"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    def phase_row(self, phase: str) -> "ProgrammePhase | None":
        return next((p for p in self.phases if p.phase == phase), None)


class ProgrammePhase(TenantOwned, Base):
    __tablename__ = "programme_phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)  # the deadline of what is due in this phase

    __table_args__ = (
        UniqueConstraint("programme_id", "phase"),
        tenant_fk(["programme_id"], "programmes", "fk_programme_phases_programme"),
    )


class Theme(TenantOwned, Base):
    """A business theme set by central management; sponsors recruit supporters for it."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(160))
    problem: Mapped[str] = mapped_column(Text, default="")
    why_it_matters: Mapped[str] = mapped_column(Text, default="")
    desired_outcome: Mapped[str] = mapped_column(Text, default="")
    pillar: Mapped[str] = mapped_column(String(160), default="")
    # the programme's strategy pillar this theme serves (saas/strategy); None: not linked
    pillar_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("programme_id", "title"),
        tenant_fk(["programme_id"], "programmes", "fk_themes_programme"),
        tenant_fk(["pillar_id"], "strategy_pillars", "fk_themes_pillar", ondelete=None),
    )


class Sponsor(TenantOwned, Base):
    """A member appointed by management to carry a theme and recruit for it."""

    __tablename__ = "theme_sponsors"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(Integer, index=True)
    membership_id: Mapped[int] = mapped_column(Integer, index=True)

    membership = tenant_person("Sponsor", "membership_id")

    __table_args__ = (
        UniqueConstraint("theme_id", "membership_id"),
        tenant_fk(["theme_id"], "themes", "fk_theme_sponsors_theme"),
        tenant_fk(["membership_id"], "memberships", "fk_theme_sponsors_membership"),
    )


class Supporter(TenantOwned, Base):
    __tablename__ = "supporters"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(Integer, index=True)
    membership_id: Mapped[int] = mapped_column(Integer, index=True)
    motivation: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    membership = tenant_person("Supporter", "membership_id")

    __table_args__ = (
        UniqueConstraint("theme_id", "membership_id"),
        tenant_fk(["theme_id"], "themes", "fk_supporters_theme"),
        tenant_fk(["membership_id"], "memberships", "fk_supporters_membership"),
    )


class Team(TenantOwned, Base):
    """A team that people chose themselves into, under one theme."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(120))
    goal: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    members: Mapped[list["TeamMember"]] = relationship(
        primaryjoin="and_(TeamMember.team_id == Team.id, TeamMember.tenant_id == Team.tenant_id)",
        foreign_keys="[TeamMember.tenant_id, TeamMember.team_id]", order_by="TeamMember.joined_at",
        cascade="all, delete-orphan", lazy="selectin",
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("theme_id", "name"),
        tenant_fk(["theme_id"], "themes", "fk_teams_theme"),
    )

    @property
    def lead(self) -> "TeamMember | None":
        return next((m for m in self.members if m.is_lead), None)


class TeamMember(TenantOwned, Base):
    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, index=True)
    membership_id: Mapped[int] = mapped_column(Integer, index=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    membership = tenant_person("TeamMember", "membership_id")

    __table_args__ = (
        UniqueConstraint("team_id", "membership_id"),
        tenant_fk(["team_id"], "teams", "fk_team_members_team"),
        tenant_fk(["membership_id"], "memberships", "fk_team_members_membership"),
    )
