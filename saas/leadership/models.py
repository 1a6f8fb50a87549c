"""Leadership promises, pulse checks, 360-degree feedback and the consistency check (issue 9, points 5-7).

Anonymity follows DESIGN.md §3, as the survey answers do:
- Pulse checks: an invitation only knows *whether* it was answered. A submitted answer goes into a
  pool with a random id and no date; once k wait, a job mixes the pool into `pulse_answers` in a
  transaction of its own, in random order with new random ids; closing the round rewrites all of
  them in one transaction and stores the results as a release (saas.anonymity.releases). An answer
  row holds the round and the scores and examples, nothing else: no person, no token, no time.
- 360-degree feedback: the same pool, mixed by a job once three raters' answers wait (the own
  manager's answer as "other" from the start). Closing decides which rater groups may be shown
  (saas.anonymity.raters) and rewrites each answer under its *shown* group only: "self", "peer",
  "report" or "other". The manager's own manager is never stored as such, and answers that could
  never be shown (fewer than three others) are not kept.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKeyConstraint, Integer, LargeBinary, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned, tenant_fk, tenant_person

ROUND_STATUSES = ("draft", "open", "closed")
RELATIONS = ("self", "manager", "peer", "report")  # who a 360 rater is to the manager
STORED_GROUPS = ("self", "peer", "report", "other")  # the group a 360 answer is kept under once mixed
EVIDENCE_KINDS = ("document", "interview", "pulse", "feedback")
RATINGS = ("consistent", "inconsistent")


class Promise(TenantOwned, Base):
    """A concrete behaviour the management team promises, in a programme."""

    __tablename__ = "leadership_promises"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(Integer, index=True)
    text: Mapped[str] = mapped_column(Text)
    # Who made the promise. No foreign key: a promise outlives its maker's membership.
    made_by_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # no longer asked

    made_by = tenant_person("Promise", "made_by_id")

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        tenant_fk(["programme_id"], "programmes", "fk_leadership_promises_programme"),
    )


class PulseRound(TenantOwned, Base):
    """A short pulse check: for each promise, do staff notice it? Opens, closes, then shows results."""

    __tablename__ = "pulse_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    promise_ids: Mapped[list[int]] = mapped_column(JSON)  # the promises asked, fixed when the round opens
    # The works council's consent (WOR art. 27), recorded before a Dutch tenant's round opens.
    consent_on: Mapped[date | None] = mapped_column(Date)
    consent_text: Mapped[str] = mapped_column(Text, default="")
    consent_conditions: Mapped[str | None] = mapped_column(Text)
    consent_min_group_size: Mapped[int | None] = mapped_column(Integer)  # a higher k asked by the works council
    # Who recorded the consent (name as it was) and how: "works_council" (typed by a member of it) or
    # "upload" (an admin uploaded the signed decision, kept below)
    consent_by_id: Mapped[int | None] = mapped_column(Integer)
    consent_by_name: Mapped[str | None] = mapped_column(String(200))
    consent_how: Mapped[str | None] = mapped_column(String(20))
    consent_filename: Mapped[str | None] = mapped_column(String(200))
    consent_content_type: Mapped[str | None] = mapped_column(String(100))
    consent_size: Mapped[int | None] = mapped_column(Integer)
    consent_document: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    reminded_on: Mapped[date | None] = mapped_column(Date)  # the one reminder of the round, once sent
    k: Mapped[int | None] = mapped_column(Integer)  # frozen when the round opens (saas.anonymity.policy)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        CheckConstraint("status IN ('draft', 'open', 'closed')", name="known_status"),
        CheckConstraint("closes_on >= opens_on", name="closes_after_opening"),
        tenant_fk(["programme_id"], "programmes", "fk_pulse_rounds_programme"),
    )


class PulseCodeBatch(TenantOwned, Base):
    """A batch of answer codes ordered for a pulse check, for a group: a legacy organisation and/or a team, or
    neither (then named by `label`), as a wave's (saas.surveys.models.AnswerCodeBatch). Each code is a
    PulseInvitation with this batch instead of a person; which code went to whom is never known."""

    __tablename__ = "pulse_code_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer, index=True)
    legacy_org_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(80), default="")
    count: Mapped[int] = mapped_column(Integer)
    ordered_by_id: Mapped[int | None] = mapped_column(Integer)  # the account; a plain id: it may go first
    ordered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        CheckConstraint("count > 0", name="positive_count"),
        tenant_fk(["round_id"], "pulse_rounds", "fk_pulse_code_batches_round"),
        ForeignKeyConstraint(["tenant_id", "legacy_org_id"], ["legacy_organisations.tenant_id",
                                                              "legacy_organisations.id"],
                             name="fk_pulse_code_batches_legacy_org"),
        ForeignKeyConstraint(["tenant_id", "team_id"], ["teams.tenant_id", "teams.id"],
                             name="fk_pulse_code_batches_team"),
    )


class PulseInvitation(TenantOwned, Base):
    """Who was asked, and whether they answered — never what.

    A personal invitation names a person (`membership_id`); an answer code names its batch (`batch_id`) and no
    person. Exactly one of the two is set."""

    __tablename__ = "pulse_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer, index=True)
    membership_id: Mapped[int | None] = mapped_column(Integer)
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("round_id", "membership_id"),
        CheckConstraint("(membership_id IS NULL) <> (batch_id IS NULL)", name="person_or_batch"),
        tenant_fk(["round_id"], "pulse_rounds", "fk_pulse_invitations_round"),
        tenant_fk(["membership_id"], "memberships", "fk_pulse_invitations_membership"),
        tenant_fk(["batch_id"], "pulse_code_batches", "fk_pulse_invitations_batch"),
    )


class PulsePooledAnswer(TenantOwned, Base):
    """A submitted pulse answer waiting to be mixed with others; moved out in random order, then deleted."""

    __tablename__ = "pulse_answer_pool"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, not a sequence
    round_id: Mapped[int] = mapped_column(Integer, index=True)
    payload: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (tenant_fk(["round_id"], "pulse_rounds", "fk_pulse_answer_pool_round"),)


class PulseAnswer(TenantOwned, Base):
    """One anonymous pulse answer: {promise id: 1-5} and {promise id: example}. No person, no time."""

    __tablename__ = "pulse_answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, not a sequence
    round_id: Mapped[int] = mapped_column(Integer, index=True)
    scores: Mapped[dict] = mapped_column(JSON)
    examples: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (tenant_fk(["round_id"], "pulse_rounds", "fk_pulse_answers_round"),)


class FeedbackRound(TenantOwned, Base):
    """A manager's 360-degree feedback on the programme's promises. Only they and their coach see it."""

    __tablename__ = "feedback_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(Integer, index=True)
    subject_id: Mapped[int] = mapped_column(Integer, index=True)  # the manager the feedback is about
    # The coach the manager chose. No foreign key: the report stays with the manager if the coach leaves.
    coach_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="open")
    closes_on: Mapped[date] = mapped_column(Date)
    promise_ids: Mapped[list[int]] = mapped_column(JSON)
    reminded_on: Mapped[date | None] = mapped_column(Date)  # the one reminder of the round, once sent
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    subject = tenant_person("FeedbackRound", "subject_id")
    coach = tenant_person("FeedbackRound", "coach_id")

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        CheckConstraint("status IN ('open', 'closed')", name="known_status"),
        tenant_fk(["programme_id"], "programmes", "fk_feedback_rounds_programme"),
        tenant_fk(["subject_id"], "memberships", "fk_feedback_rounds_subject"),
    )


class FeedbackInvitation(TenantOwned, Base):
    """A rater of a 360 round and their relation to the manager; whether they answered, never what."""

    __tablename__ = "feedback_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer, index=True)
    membership_id: Mapped[int] = mapped_column(Integer)
    relation: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    mailed: Mapped[bool] = mapped_column(Boolean, default=False)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)

    person = tenant_person("FeedbackInvitation", "membership_id")

    __table_args__ = (
        UniqueConstraint("round_id", "membership_id"),
        CheckConstraint("relation IN ('self', 'manager', 'peer', 'report')", name="known_relation"),
        tenant_fk(["round_id"], "feedback_rounds", "fk_feedback_invitations_round"),
        tenant_fk(["membership_id"], "memberships", "fk_feedback_invitations_membership"),
    )


class FeedbackPooledAnswer(TenantOwned, Base):
    """A 360 answer waiting for its round to close; then mixed into `feedback_answers` and deleted."""

    __tablename__ = "feedback_answer_pool"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer, index=True)
    payload: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (tenant_fk(["round_id"], "feedback_rounds", "fk_feedback_answer_pool_round"),)


class FeedbackAnswer(TenantOwned, Base):
    """One anonymous 360 answer under the group it may be shown in (see the module's docstring)."""

    __tablename__ = "feedback_answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer, index=True)
    rater_group: Mapped[str] = mapped_column(String(10))
    scores: Mapped[dict] = mapped_column(JSON)
    comments: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (
        CheckConstraint("rater_group IN ('self', 'peer', 'report', 'other')", name="known_group"),
        tenant_fk(["round_id"], "feedback_rounds", "fk_feedback_answers_round"),
    )


class Evidence(TenantOwned, Base):
    """Evidence for the consistency check: does what the management team does match a promise?"""

    __tablename__ = "promise_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(10))
    rating: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    held_on: Mapped[date | None] = mapped_column(Date)  # the day of an interview
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pulse_round_id: Mapped[int | None] = mapped_column(Integer)
    feedback_round_id: Mapped[int | None] = mapped_column(Integer)
    added_by_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    added_by = tenant_person("Evidence", "added_by_id")

    __table_args__ = (
        CheckConstraint("kind IN ('document', 'interview', 'pulse', 'feedback')", name="known_kind"),
        CheckConstraint("rating IN ('consistent', 'inconsistent')", name="known_rating"),
        tenant_fk(["promise_id"], "leadership_promises", "fk_promise_evidence_promise"),
        tenant_fk(["pulse_round_id"], "pulse_rounds", "fk_promise_evidence_pulse_round"),
        tenant_fk(["feedback_round_id"], "feedback_rounds", "fk_promise_evidence_feedback_round"),
    )
