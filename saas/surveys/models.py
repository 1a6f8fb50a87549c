"""Survey waves and anonymous answers (DESIGN.md §3).

Invitations and responses are separate tables with no link between them. A respondent holds a
random token; only its hash is stored on the invitation. A submitted answer first goes into a mixing
pool together with others; a job moves the pool into `survey_responses` in random order, with
random ids and only the day, once at least k answers wait or the wave closes. So neither ids, nor
times, nor insertion order, nor the moment a response appears tie it to an invitation.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKeyConstraint, Integer, LargeBinary, String, Text,
    UniqueConstraint,
)
from sqlalchemy import false, true
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow
from saas.kernel.models import TenantOwned, tenant_fk

WAVE_STATUSES = ("draft", "open", "closed")
INSTRUMENTS = ("values", "culture", "contract")
GROUPINGS = ("legacy_org", "team", "tenure")
TENURE_BANDS = ("lt_2", "2_to_10", "gt_10")


class Wave(TenantOwned, Base):
    __tablename__ = "survey_waves"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(160))
    series_label: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    instruments: Mapped[list[str]] = mapped_column(JSON)
    groupings: Mapped[list[str]] = mapped_column(JSON)  # which grouping attributes the wave asks
    audience_legacy_org_ids: Mapped[list[int]] = mapped_column(JSON)  # empty (and no teams): everyone
    audience_team_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    value_keys: Mapped[list[str]] = mapped_column(JSON)  # the catalogue as it was when the wave was made
    # Custom questions of this wave: [{"key": "q1", "kind": "likert" | "open", "nl": …, "en": …}]
    questions: Mapped[list[dict]] = mapped_column(JSON, default=list)
    # Whether the wave asks the eNPS question (issue 21 point 4; saas.surveys.instruments.ENPS_MIN…ENPS_MAX)
    asks_enps: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Hash of the optional open link (for tenants that do not send personal invitations); None: off
    open_link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # k, frozen at the launch (saas.anonymity.policy.launch_k): every release of the wave uses it
    k: Mapped[int | None] = mapped_column(Integer)
    # Interim release points fixed before the launch (ISO dates); the close is always one
    checkpoints: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        CheckConstraint("status IN ('draft', 'open', 'closed')", name="known_status"),
        ForeignKeyConstraint(["tenant_id", "programme_id"], ["programmes.tenant_id", "programmes.id"],
                             name="fk_survey_waves_programme"),
    )

    def takes_answers_on(self, day: date) -> bool:
        """Open, and its close date (the last day answers are taken) not yet past.

        After the close date the wave still shows as open until it is closed (saas.deadlines does
        that the next day, as the close button does); answers are refused from the day after.
        """
        return self.status == "open" and (self.closes_on is None or day <= self.closes_on)


class CatalogueValue(TenantOwned, Base):
    """A tenant's change to the values catalogue: a value of its own, or a built-in one hidden.

    Rows are never deleted, so a wave made earlier (which keeps its own list of keys) still shows
    every value it asked about, with its label.
    """

    __tablename__ = "survey_catalogue_values"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    nl: Mapped[str | None] = mapped_column(String(80))  # None for a built-in value
    en: Mapped[str | None] = mapped_column(String(80))
    limiting: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("tenant_id", "key"),)


class WorksCouncilConsent(TenantOwned, Base):
    """The works council's decision on a wave (WOR art. 27), recorded before it may open."""

    __tablename__ = "survey_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(Integer, unique=True)
    decided_on: Mapped[date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(Text)
    conditions: Mapped[str] = mapped_column(Text, default="")
    min_group_size: Mapped[int | None] = mapped_column(Integer)  # a condition may raise k, never lower it
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Who recorded it (name as it was) and how: typed by a works council member ("works_council"), or
    # the works council's signed decision uploaded by an admin ("upload", the PDF kept below).
    recorded_by_id: Mapped[int | None] = mapped_column(Integer)
    recorded_by_name: Mapped[str | None] = mapped_column(String(200))
    recorded_how: Mapped[str | None] = mapped_column(String(20))
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    document: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    __table_args__ = (
        CheckConstraint("min_group_size IS NULL OR min_group_size >= 5", name="k_at_least_5"),
        tenant_fk(["wave_id"], "survey_waves", "fk_survey_consents_wave"),
    )


CODE_CHANNELS = ("paper", "sms")  # how a batch's codes reach people; the check below lists the same


class AnswerCodeBatch(TenantOwned, Base):
    """A batch of answer codes ordered for a wave, for a group: a legacy organisation and/or a team, or
    neither (then people without e-mail or a location, named by `label`). Each code is a SurveyInvitation
    with this batch instead of a person; which code went to whom is never known (DESIGN.md §3)."""

    __tablename__ = "answer_code_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(Integer, index=True)
    legacy_org_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(80), default="")
    channel: Mapped[str] = mapped_column(String(10), default="paper")
    count: Mapped[int] = mapped_column(Integer)
    ordered_by_id: Mapped[int | None] = mapped_column(Integer)  # the account; a plain id: it may go first
    ordered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        CheckConstraint("channel IN ('paper', 'sms')", name="known_channel"),
        CheckConstraint("count > 0", name="positive_count"),
        tenant_fk(["wave_id"], "survey_waves", "fk_answer_code_batches_wave"),
        ForeignKeyConstraint(["tenant_id", "legacy_org_id"], ["legacy_organisations.tenant_id",
                                                              "legacy_organisations.id"],
                             name="fk_answer_code_batches_legacy_org"),
        ForeignKeyConstraint(["tenant_id", "team_id"], ["teams.tenant_id", "teams.id"],
                             name="fk_answer_code_batches_team"),
    )


class SurveyInvitation(TenantOwned, Base):
    """Who was asked, and whether they answered — never what. A draft is kept here until submitted.

    A personal invitation names a person (`membership_id`); an answer code names its batch (`batch_id`)
    and no person. Exactly one of the two is set.
    """

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(Integer, index=True)
    membership_id: Mapped[int | None] = mapped_column(Integer)
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    draft: Mapped[dict | None] = mapped_column(JSON)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    # When the job last mailed this invitation a link (the invitation or a reminder); emptied at the close.
    # A reminder leaves a link mailed shortly before it alone (saas.surveys.invitations.REMINDER_MIN_AGE).
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The audience frozen when the invitation is made: the person's legacy organisation and teams then.
    # The response rates read only these, so a later move or team change alters no reading.
    legacy_org_id: Mapped[int | None] = mapped_column(Integer)
    team_ids: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")

    __table_args__ = (
        UniqueConstraint("wave_id", "membership_id"),
        CheckConstraint("(membership_id IS NULL) <> (batch_id IS NULL)", name="person_or_batch"),
        UniqueConstraint("tenant_id", "id"),  # a text message's number points at it within the tenant
        tenant_fk(["wave_id"], "survey_waves", "fk_survey_invitations_wave"),
        tenant_fk(["membership_id"], "memberships", "fk_survey_invitations_membership"),
        tenant_fk(["batch_id"], "answer_code_batches", "fk_survey_invitations_batch"),
        ForeignKeyConstraint(["tenant_id", "legacy_org_id"], ["legacy_organisations.tenant_id",
                                                              "legacy_organisations.id"],
                             name="fk_survey_invitations_legacy_org"),
    )


class PooledAnswer(TenantOwned, Base):
    """A submitted answer waiting to be mixed with others; moved out in random order, then deleted."""

    __tablename__ = "survey_answer_pool"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, not a sequence
    wave_id: Mapped[int] = mapped_column(Integer, index=True)
    payload: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (tenant_fk(["wave_id"], "survey_waves", "fk_survey_answer_pool_wave"),)


class Response(TenantOwned, Base):
    """One anonymous answer: the grouping attributes the wave asks, the day, and the answers."""

    __tablename__ = "survey_responses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, not a sequence
    wave_id: Mapped[int] = mapped_column(Integer, index=True)
    legacy_org_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    tenure_band: Mapped[str | None] = mapped_column(String(10))
    submitted_on: Mapped[date] = mapped_column(Date)  # no finer than the collection: rewritten at the close
    # False for an answer through the open link: it counts in the whole wave's figures only
    verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    answers: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (
        tenant_fk(["wave_id"], "survey_waves", "fk_survey_responses_wave"),
        ForeignKeyConstraint(["tenant_id", "legacy_org_id"], ["legacy_organisations.tenant_id",
                                                              "legacy_organisations.id"],
                             name="fk_survey_responses_legacy_org"),
        ForeignKeyConstraint(["tenant_id", "team_id"], ["teams.tenant_id", "teams.id"],
                             name="fk_survey_responses_team"),
    )


SMS_STATUSES = ("pending", "sent", "failed")


class SmsRecipient(TenantOwned, Base):
    """A mobile number that an SMS invitation (an invitation of a batch of channel "sms") is sent to, kept only
    to send it and its reminders, and deleted when the wave closes (service.rewrite_results).

    Like the mail outbox, the message waits here with its link until the provider has it, and is then
    emptied: the link exists only on the person's phone. `round`: 0 for the invitation, n for reminder n;
    `messaged_at`: when that message (with its link) was made, for the reminders' 24 hours.
    """

    __tablename__ = "sms_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(Integer, index=True)
    invitation_id: Mapped[int] = mapped_column(Integer, unique=True)
    number: Mapped[str] = mapped_column(String(16))  # E.164 (saas.kernel.sms.mobile_number)
    message: Mapped[str] = mapped_column(Text, default="")  # empty once the provider has it
    round: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    messaged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("wave_id", "number"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="known_status"),
        tenant_fk(["wave_id"], "survey_waves", "fk_sms_recipients_wave"),
        tenant_fk(["invitation_id"], "survey_invitations", "fk_sms_recipients_invitation"),
    )
