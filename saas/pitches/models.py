from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, DateTime, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned, tenant_fk, tenant_person

# Who wrote, uploaded or reviewed is kept as a plain membership id, without a foreign key: the
# history of a pitch must survive a person leaving the organisation. The id is always taken from
# the signed-in member, never from input, so it cannot point into another tenant.

# The structured business case, in the order a team writes it.
SECTIONS = ("problem", "proposal", "client_impact", "benefits", "costs", "risks", "implementation", "values")
STATUSES = ("draft", "submitted", "in_review", "decided")
DECISIONS = ("approved", "approved_with_conditions", "parked", "rejected")
DECISION_LABELS = {  # here, beside the decisions: the review and the team's notification name them
    "approved": _l("Approved"),
    "approved_with_conditions": _l("Approved with conditions"),
    "parked": _l("Parked"),
    "rejected": _l("Rejected"),
}


class Pitch(TenantOwned, Base):
    """One team's business case. Locked once submitted; withdrawable until the review starts."""

    __tablename__ = "pitches"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision: Mapped[str | None] = mapped_column(String(30))
    feedback: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    sections: Mapped[list["PitchSection"]] = relationship(
        primaryjoin="and_(PitchSection.pitch_id == Pitch.id, PitchSection.tenant_id == Pitch.tenant_id)",
        foreign_keys="[PitchSection.tenant_id, PitchSection.pitch_id]", cascade="all, delete-orphan",
        lazy="selectin",
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        tenant_fk(["team_id"], "teams", "fk_pitches_team"),
        CheckConstraint("status IN ('draft', 'submitted', 'in_review', 'decided')", name="known_status"),
        CheckConstraint("decision IS NULL OR decision IN ('approved', 'approved_with_conditions', 'parked',"
                        " 'rejected')", name="known_decision"),
    )

    def section(self, key: str) -> "PitchSection | None":
        return next((s for s in self.sections if s.key == key), None)


class PitchSection(TenantOwned, Base):
    """The current text of one section; `version` grows with each save (optimistic locking)."""

    __tablename__ = "pitch_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    pitch_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("pitch_id", "key"),
        tenant_fk(["pitch_id"], "pitches", "fk_pitch_sections_pitch"),
    )


class PitchRevision(TenantOwned, Base):
    """Every saved version of a section, with who wrote it: the history and the diffs."""

    __tablename__ = "pitch_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    pitch_id: Mapped[int] = mapped_column(Integer, index=True)
    key: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author_membership_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author = tenant_person("PitchRevision", "author_membership_id")

    __table_args__ = (
        UniqueConstraint("pitch_id", "key", "version"),
        tenant_fk(["pitch_id"], "pitches", "fk_pitch_revisions_pitch"),
    )


class PitchAttachment(TenantOwned, Base):
    __tablename__ = "pitch_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    pitch_id: Mapped[int] = mapped_column(Integer, index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_membership_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        tenant_fk(["pitch_id"], "pitches", "fk_pitch_attachments_pitch"),
    )


class PitchEvent(TenantOwned, Base):
    """The pitch's timeline: every status change, when and by whom."""

    __tablename__ = "pitch_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    pitch_id: Mapped[int] = mapped_column(Integer, index=True)
    event: Mapped[str] = mapped_column(String(30))
    membership_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (tenant_fk(["pitch_id"], "pitches", "fk_pitch_events_pitch"),)


class ScorecardCriterion(TenantOwned, Base):
    """A criterion on the programme's scorecard, configured by the admin."""

    __tablename__ = "scorecard_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("programme_id", "name"),
        CheckConstraint("weight BETWEEN 1 AND 100", name="weight_range"),
        tenant_fk(["programme_id"], "programmes", "fk_scorecard_criteria_programme"),
    )


class Review(TenantOwned, Base):
    """One reviewer's scores for one pitch; others' scores stay hidden until this is submitted."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    pitch_id: Mapped[int] = mapped_column(Integer, index=True)
    reviewer_membership_id: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    scores: Mapped[list["ReviewScore"]] = relationship(
        primaryjoin="and_(ReviewScore.review_id == Review.id, ReviewScore.tenant_id == Review.tenant_id)",
        foreign_keys="[ReviewScore.tenant_id, ReviewScore.review_id]", cascade="all, delete-orphan",
        lazy="selectin",
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("pitch_id", "reviewer_membership_id"),
        tenant_fk(["pitch_id"], "pitches", "fk_reviews_pitch"),
    )


class ReviewScore(TenantOwned, Base):
    __tablename__ = "review_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(Integer)
    criterion_id: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        UniqueConstraint("review_id", "criterion_id"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        tenant_fk(["review_id"], "reviews", "fk_review_scores_review"),
        tenant_fk(["criterion_id"], "scorecard_criteria", "fk_review_scores_criterion"),
    )
