"""Waves, invitations and anonymous answers. See saas/surveys/models.py for the anonymity design."""
from __future__ import annotations

import random
import secrets
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, null, select, text, update
from sqlalchemy.orm.attributes import set_committed_value

from saas.kernel import audit, consent as rules
from saas.anonymity import microdata, policy, pool
from saas.kernel.db import utcnow
from saas.kernel.errors import DomainError
from saas.kernel import tokens
from saas.kernel.jobs import enqueue_after_commit
from saas.kernel.tokens import hash_token
from saas.programme.models import Team, TeamMember
from saas.surveys.catalogue import catalogue
from saas.surveys.instruments import LIKERT_MAX, LIKERT_MIN
from saas.surveys import instruments
from saas.surveys.models import (
    GROUPINGS,
    INSTRUMENTS,
    TENURE_BANDS,
    PooledAnswer,
    Response,
    SmsRecipient,
    SurveyInvitation,
    Wave,
    WorksCouncilConsent,
)
from tenants.models import LegacyOrganisation
from tenants.scoping import current_tenant_id

_shuffle = random.SystemRandom().shuffle


class ConsentMissing(DomainError):
    default_message = _l("Record the works council's consent before the wave opens.")


class WaveNotOpen(DomainError):
    status = 409
    default_message = _l("This survey is not open.")


class AlreadyAnswered(DomainError):
    status = 409
    default_message = _l("This survey has already been answered with this link. Thank you!")


def consent_required(tenant) -> bool:
    """Whether the works council's consent comes first (WOR art. 27): the tenant's own setting, which
    the country does not change (saas.kernel.consent)."""
    return rules.required(tenant)


def min_group_size(db, tenant, wave: Wave) -> int:
    """The wave's k: frozen at its launch; for a wave in preparation, what the launch would freeze."""
    if wave.k:
        return policy.frozen_k(wave)
    consent = db.scalar(select(WorksCouncilConsent).where(WorksCouncilConsent.wave_id == wave.id))
    return policy.launch_k(tenant, consent.min_group_size if consent else None)


def create_wave(db, *, name: str, value_keys: list[str] | None = None, instruments=INSTRUMENTS, groupings=("legacy_org",),
                programme_id: int | None = None, series_label: str = "", opens_on: date | None = None,
                closes_on: date | None = None, audience_legacy_org_ids=(), audience_team_ids=(),
                questions=(), checkpoints=(), asks_enps: bool = False) -> Wave:
    if not name.strip():
        raise DomainError(_l("Please enter a name."), field="name")
    unknown = set(instruments) - set(INSTRUMENTS) or set(groupings) - set(GROUPINGS)
    if unknown or not instruments:
        raise DomainError(_l("Choose from the listed instruments and groupings."))
    if opens_on and closes_on and closes_on < opens_on:
        raise DomainError(_l("A wave cannot close before it opens."), field="closes_on")
    if value_keys is None:  # the catalogue as it stands now; later catalogue changes leave this wave alone
        value_keys = [v.key for v in catalogue(db)]
    wave = Wave(name=name.strip(), programme_id=programme_id, series_label=series_label, opens_on=opens_on,
                closes_on=closes_on, instruments=list(instruments), groupings=list(groupings),
                audience_legacy_org_ids=list(audience_legacy_org_ids), audience_team_ids=list(audience_team_ids),
                questions=check_questions(questions), value_keys=list(value_keys),
                checkpoints=check_checkpoints(checkpoints, closes_on), asks_enps=bool(asks_enps))
    db.add(wave)
    db.flush()
    return wave


class WaveLocked(DomainError):
    status = 409
    default_message = _l("A wave can only be changed while it is in preparation.")


def update_wave(db, wave: Wave, *, name: str, instruments, groupings, programme_id: int | None = None,
                series_label: str = "", opens_on: date | None = None, closes_on: date | None = None,
                audience_legacy_org_ids=(), audience_team_ids=(), questions=(), checkpoints=(),
                asks_enps: bool = False) -> None:
    """Change a wave in preparation (the admin's edit page). The catalogue keys it copied stay as they were."""
    if wave.status != "draft":
        raise WaveLocked()
    if not name.strip():
        raise DomainError(_l("Please enter a name."), field="name")
    if set(instruments) - set(INSTRUMENTS) or set(groupings) - set(GROUPINGS) or not instruments:
        raise DomainError(_l("Choose from the listed instruments and groupings."))
    if opens_on and closes_on and closes_on < opens_on:
        raise DomainError(_l("A wave cannot close before it opens."), field="closes_on")
    wave.questions = check_questions(questions)
    wave.checkpoints = check_checkpoints(checkpoints, closes_on)
    wave.name, wave.programme_id, wave.series_label = name.strip(), programme_id, series_label
    wave.opens_on, wave.closes_on = opens_on, closes_on
    wave.instruments, wave.groupings = list(instruments), list(groupings)
    wave.asks_enps = bool(asks_enps)
    wave.audience_legacy_org_ids, wave.audience_team_ids = list(audience_legacy_org_ids), list(audience_team_ids)
    db.flush()


def check_checkpoints(checkpoints, closes_on: date | None) -> list[str]:
    """Interim release days, fixed before the launch: each before the close date (ISO dates)."""
    days = sorted({day if isinstance(day, date) else date.fromisoformat(str(day)) for day in checkpoints or ()})
    if days and (closes_on is None or days[-1] >= closes_on):
        raise DomainError(_l("The interim release must come before the close date."), field="checkpoint")
    return [day.isoformat() for day in days]


def checkpoint_due(wave: Wave, today: date) -> bool:
    """An open wave with an interim release day that has passed and no release for it yet is due one."""
    return wave.status == "open" and any(date.fromisoformat(day) < today for day in wave.checkpoints or ())


QUESTION_KINDS = ("likert", "open")
QUESTION_MAX = 300
OPEN_ANSWER_MAX = 2000
MAX_QUESTIONS = 20


def check_questions(questions) -> list[dict]:
    """A wave's custom questions, each in Dutch and English; keys q1, q2, … in the given order."""
    checked = []
    for number, question in enumerate(questions, start=1):
        nl, en = " ".join(str(question.get("nl", "")).split()), " ".join(str(question.get("en", "")).split())
        if question.get("kind") not in QUESTION_KINDS:
            raise DomainError(_l("A question is either a scale or an open question."), field="questions")
        if not nl or not en:
            raise DomainError(_l("Write each question in Dutch and in English."), field="questions")
        if len(nl) > QUESTION_MAX or len(en) > QUESTION_MAX:
            raise DomainError(_l("A question can be at most %(count)d characters.", count=QUESTION_MAX),
                              field="questions")
        checked.append({"key": f"q{number}", "kind": question["kind"], "nl": nl, "en": en})
    if len(checked) > MAX_QUESTIONS:
        raise DomainError(_l("A wave can have at most %(count)d questions of its own.", count=MAX_QUESTIONS),
                          field="questions")
    return checked


def record_consent(db, wave: Wave, *, by, decided_on: date, decision: str, conditions: str = "",
                   min_group_size: int | None = None, document=None) -> WorksCouncilConsent:
    """The works council's decision on a wave in preparation, recorded by `by` (a Membership): typed by
    a works council member, or by an admin only with the signed decision uploaded (`document`, a
    saas.kernel.consent.Document). Who and how are kept with it, and it goes into the access log."""
    if wave.status != "draft":
        raise DomainError(_l("The works council's consent is recorded before the wave opens."))
    recorded, decision, conditions = rules.check(by, document, decided_on=decided_on, decision=decision,
                                                 conditions=conditions, min_group_size=min_group_size)
    consent = db.scalar(select(WorksCouncilConsent).where(WorksCouncilConsent.wave_id == wave.id))
    if consent is None:
        consent = WorksCouncilConsent(wave_id=wave.id)
        db.add(consent)
    consent.decided_on, consent.decision = decided_on, decision
    consent.conditions, consent.min_group_size = conditions, min_group_size
    consent.recorded_at, consent.recorded_by_id = utcnow(), recorded.user_id
    consent.recorded_by_name, consent.recorded_how = recorded.name, recorded.how
    signed = recorded.document
    consent.filename = signed.filename if signed else None
    consent.content_type = signed.content_type if signed else None
    consent.size = len(signed.data) if signed else None
    consent.document = signed.data if signed else None
    rules.log_consent(db, by.user, recorded, decided_on=decided_on, min_group_size=min_group_size, wave_id=wave.id)
    db.flush()
    return consent


def open_wave(db, tenant, wave: Wave) -> None:
    """Launch: from now on the wave takes answers, and its k is frozen (with the consent's)."""
    if wave.status != "draft":
        raise DomainError(_l("Only a wave in preparation can be opened."))
    consent = db.scalar(select(WorksCouncilConsent).where(WorksCouncilConsent.wave_id == wave.id))
    if consent_required(tenant) and consent is None:
        raise ConsentMissing()
    wave.k = policy.launch_k(tenant, consent.min_group_size if consent else None)
    wave.status = "open"
    audit.record(db, "wave.opened", obj=wave, detail={"k": wave.k})


def close_wave(db, wave: Wave, today: date | None = None) -> None:
    """Close: no more answers, and the wave's results are rewritten in this one transaction, so that
    nothing (transaction ids, physical order, ids, dates, drafts) ties a result to an invitation."""
    if wave.status != "open":
        raise DomainError(_l("Only an open wave can be closed."))
    wave.status = "closed"
    audit.record(db, "wave.closed", obj=wave)
    # Flushed before the rewrite: the update waits for submissions that are taking in an answer
    # (they hold the wave row FOR SHARE, see intake), so the rewrite below sees their answers, and
    # later submissions find the wave closed. Nothing is left in the pool of a closed wave.
    db.flush()
    rewrite_results(db, wave, today or date.today())
    tokens.scrub_tokens(db, SurveyInvitation, wave_id=wave.id)  # the links serve nothing once closed (retention)


def close_and_compare(db, tenant, wave: Wave) -> None:
    """Close the wave (the button, or saas.deadlines after its close date) and queue its release:
    the audited figures and the cross-culture comparison, made once from the final answers."""
    close_wave(db, wave)
    enqueue_after_commit(db, RELEASE_JOB, tenant.id, wave.id, unique=True)


def after_import(db, tenant, wave: Wave, today: date | None = None) -> None:
    """Imported answers are stored like a closed wave's: k frozen, every answer written anew keeping
    only as much of its group as k answers share, and the release queued (saas.reports.release)."""
    if wave.k is None:
        wave.k = min_group_size(db, tenant, wave)
    if wave.status == "closed":
        rewrite_results(db, wave, today or date.today())
        enqueue_after_commit(db, RELEASE_JOB, tenant.id, wave.id, unique=True)


def invite(db, wave: Wave, memberships) -> list[tuple[object, str]]:
    """One personal token per person; returns (membership, token) for the mails. Only hashes are kept.

    Each invitation freezes the person's legacy organisation and teams as they are now: the response
    rates read only these, so moving people between readings cannot tell who answered."""
    teams: dict[int, list[int]] = {}
    for team_id, membership_id in db.execute(select(TeamMember.team_id, TeamMember.membership_id)
                                             .order_by(TeamMember.team_id)):
        teams.setdefault(membership_id, []).append(team_id)
    mailed_at = utcnow()  # the caller mails each token at once, in this transaction (the outbox)
    return tokens.invite_once(
        db, SurveyInvitation, memberships, wave_id=wave.id,
        columns_of=lambda m: {"legacy_org_id": m.legacy_org_id, "team_ids": teams.get(m.id, []),
                              "mailed_at": mailed_at})


def invitation_for_token(db, token: str) -> SurveyInvitation | None:
    return tokens.invitation_by_token(db, SurveyInvitation, token)


def invitation_and_wave(db, token: str) -> tuple[SurveyInvitation, Wave] | None:
    """The invitation behind a token with its wave, in one query (the submission's hot path)."""
    if not token or len(token) > 200:
        return None
    row = db.execute(select(SurveyInvitation, Wave).join(Wave, Wave.id == SurveyInvitation.wave_id)
                     .where(SurveyInvitation.token_hash == hash_token(token))).first()
    return (row[0], row[1]) if row else None


def save_draft(invitation: SurveyInvitation, answers: dict) -> None:
    """A half-finished survey, kept under the token until it is submitted."""
    if invitation.answered:
        raise AlreadyAnswered()
    invitation.draft = answers


def clean_answers(wave: Wave, answers: dict) -> dict:
    """Check the answers to the wave's instruments (saas.surveys.instruments); anything else is refused."""
    unknown = set(answers) - set(wave.instruments) - ({"questions"} if wave.questions else set()) \
        - ({"enps"} if wave.asks_enps else set())
    if unknown:
        raise DomainError(_l("These answers do not belong to this survey."))
    try:
        clean = {}
        if "values" in wave.instruments:
            clean["values"] = instruments.validate_value_picks(answers.get("values") or {}, set(wave.value_keys))
        if "culture" in wave.instruments:
            clean["culture"] = instruments.validate_culture(answers.get("culture") or {})
        if "contract" in wave.instruments:
            clean["contract"] = instruments.validate_contract(answers.get("contract") or {})
        if wave.asks_enps:  # required, like a scale question: 0 to 10
            clean["enps"] = instruments.validate_enps(answers.get("enps"))
    except instruments.InstrumentError as error:
        raise InvalidAnswer(error.part, error.code)
    if wave.questions:
        clean["questions"] = _clean_question_answers(wave, answers.get("questions") or {})
    return clean


def _clean_question_answers(wave: Wave, given: dict) -> dict:
    """Scale questions need a whole number 1–5; open questions may stay empty (then left out)."""
    if not isinstance(given, dict) or set(given) - {q["key"] for q in wave.questions}:
        raise InvalidAnswer("questions", "unknown_key")
    clean = {}
    for question in wave.questions:
        value = given.get(question["key"])
        if question["kind"] == "likert":
            if isinstance(value, bool) or not isinstance(value, int) or not LIKERT_MIN <= value <= LIKERT_MAX:
                raise InvalidAnswer(question["key"], "missing" if value is None else "out_of_range")
            clean[question["key"]] = value
        elif value is not None:
            if not isinstance(value, str) or len(value) > OPEN_ANSWER_MAX:
                raise InvalidAnswer(question["key"], "too_long")
            if value.strip():
                clean[question["key"]] = value.strip()
    return clean


class InvalidAnswer(DomainError):
    default_message = _l("Some answers are missing or not valid. Check the marked questions.")

    def __init__(self, part: str, code: str):
        super().__init__(field=part)
        self.code = code


def submit(db, wave: Wave, invitation: SurveyInvitation | None, answers: dict, attributes: dict,
           today: date) -> None:
    """Mark the invitation answered and put the answer in the mixing pool, detached from everything.

    `invitation` is None for an answer through the wave's open link (see `open_link_wave`).
    """
    if not wave.takes_answers_on(today):
        raise WaveNotOpen()
    if invitation is not None and invitation.answered:
        raise AlreadyAnswered()
    answers = clean_answers(wave, answers)
    attributes = _clean_attributes(db, wave, attributes)
    # The wave row FOR SHARE: a close waits for this answer, or this answer for the close (see close_wave).
    if db.scalar(select(Wave.id).where(Wave.id == wave.id, Wave.status == "open").with_for_update(read=True)) is None:
        raise WaveNotOpen()
    if invitation is not None:
        # Only if not answered yet, in the database: of two requests with one token, one wins.
        claimed = db.execute(update(SurveyInvitation)
                             .where(SurveyInvitation.id == invitation.id, SurveyInvitation.answered.is_(False))
                             .values(answered=True, draft=None).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            raise AlreadyAnswered()
        set_committed_value(invitation, "answered", True)
        set_committed_value(invitation, "draft", None)
    # An open-link answer (no invitation) keeps no group: anyone can send any number of them, so
    # they count in the whole wave's figures only (DESIGN.md §3, "who counts").
    payload = {"answers": answers, "day": today.isoformat(), **attributes} if invitation is not None \
        else {"answers": answers, "day": today.isoformat(), "verified": False}
    db.add(PooledAnswer(id=secrets.token_hex(16), wave_id=wave.id, payload=payload))
    db.flush()


MIX_JOB = "saas.surveys.jobs.mix_pool"
# The release and comparison of a closed wave: a job of the reports, asked for by its name (the reports
# read the surveys, not the other way round).
RELEASE_JOB = "saas.reports.jobs.release_and_compare"


def mix_when_k_wait(db, tenant, wave: Wave) -> bool:
    """After a submission: once k answers wait, have a job mix them into the responses in a
    transaction of its own (never the k-th submitter's). Returns whether the job was asked for."""
    waiting = db.scalar(select(func.count()).select_from(PooledAnswer).where(PooledAnswer.wave_id == wave.id)) or 0
    if not pool.mix_due(waiting, min_group_size(db, tenant, wave)):
        return False
    enqueue_after_commit(db, MIX_JOB, tenant.id, wave.id, unique=True)
    return True


def mix_pool(db, tenant, wave: Wave) -> int:
    """The mixing job's work: move the whole pool into the responses if at least k wait."""
    if wave.status != "open":
        return 0  # the close has rewritten everything already
    return release_pool(db, wave.id, min_group_size(db, tenant, wave), wait=True)


POOL_LOCK_SPACE = 0x4B50  # first key of the advisory lock per wave pool ("KP"); the second is the wave id


def release_pool(db, wave_id: int, at_least: int, *, wait: bool) -> int:
    """Move the wave's whole pool into the responses in random order, if at least `at_least` wait.

    Every release takes the wave's pool lock first, so two releases never split one pool into
    groups smaller than k. With wait=False a release that finds the lock taken is skipped: the
    holder is mixing, and what arrives later is mixed by a later submission or when the wave
    closes. Returns how many answers were moved.
    """
    if not lock_pool(db, wave_id, wait=wait):
        return 0
    if db.get_bind().dialect.name == "postgresql":
        # One statement; under the lock every pooled row it sees is still there to delete.
        return db.execute(_MIX_POOL, {"tenant": current_tenant_id(db), "wave": wave_id, "at_least": at_least}).rowcount
    pooled = list(db.scalars(select(PooledAnswer).where(PooledAnswer.wave_id == wave_id).with_for_update()))
    if not pooled or len(pooled) < at_least:
        return 0
    return _mix_into_responses(db, wave_id, pooled)


def lock_pool(db, wave_id: int, *, wait: bool = True) -> bool:
    """Take the wave's pool lock until the transaction ends (PostgreSQL; SQLite writes one at a time)."""
    if db.get_bind().dialect.name != "postgresql":
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    got = db.execute(text(f"SELECT {function}(:space, :wave)"), {"space": POOL_LOCK_SPACE, "wave": wave_id}).scalar()
    return wait or bool(got)


def rewrite_results(db, wave: Wave, day: date, *, generalise: bool = True) -> int:
    """At the close, in the close's transaction: every answer of the wave (mixed or still pooled) is
    written anew with a new random id, in random order, dated by the close, keeping only as much of
    its group as at least k verified answers share (saas.anonymity.microdata); the pool is emptied
    and half-finished drafts are deleted. Returns how many answers the wave holds."""
    lock_pool(db, wave.id)
    k = policy.frozen_k(wave)
    # Every invitation is written anew too (drafts deleted): no row keeps the transaction of its claim.
    # At the close the time of the last mail goes too: no reminder follows.
    db.execute(update(SurveyInvitation).where(SurveyInvitation.wave_id == wave.id)
               .values(draft=null(), **({"mailed_at": null()} if generalise else {}))
               .execution_options(synchronize_session=False))
    if generalise:  # the numbers of SMS invitations (saas.surveys.sms) go too, with any message still waiting
        db.execute(delete(SmsRecipient).where(SmsRecipient.wave_id == wave.id)
                   .execution_options(synchronize_session=False))
    rows = _everything(db, wave)
    classes: dict = {}
    if not generalise:  # an interim release: the pool is mixed in with the rest, nothing is coarsened yet
        day = None
    for row in rows:
        if row["verified"]:
            key = (row["legacy_org_id"], row["team_id"], row["tenure_band"])
            classes[key] = classes.get(key, 0) + 1
    keep = microdata.generalise(classes, k) if generalise else {key: key for key in classes}
    db.execute(delete(Response).where(Response.wave_id == wave.id).execution_options(synchronize_session=False))
    db.execute(delete(PooledAnswer).where(PooledAnswer.wave_id == wave.id).execution_options(synchronize_session=False))
    _shuffle(rows)
    records = []
    for row in rows:
        org, team, tenure = keep.get((row["legacy_org_id"], row["team_id"], row["tenure_band"]), microdata.NONE) \
            if row["verified"] else microdata.NONE
        records.append({"id": secrets.token_hex(16), "tenant_id": wave.tenant_id, "wave_id": wave.id,
                        "legacy_org_id": org, "team_id": team, "tenure_band": tenure,
                        "submitted_on": day or row["day"],
                        "answers": row["answers"], "verified": row["verified"]})
    for start in range(0, len(records), 2000):  # in the shuffled order, a batch at a time
        db.execute(Response.__table__.insert(), records[start:start + 2000])
    db.flush()
    return len(records)


def _everything(db, wave: Wave) -> list[dict]:
    """The wave's mixed and pooled answers as plain rows; attributes that no longer exist are dropped."""
    orgs = set(db.scalars(select(LegacyOrganisation.id)))
    teams = set(db.scalars(select(Team.id)))
    rows = [{"legacy_org_id": o, "team_id": t, "tenure_band": b, "answers": a, "verified": v, "day": d}
            for o, t, b, a, v, d in db.execute(select(Response.legacy_org_id, Response.team_id, Response.tenure_band,
                                                      Response.answers, Response.verified, Response.submitted_on)
                                               .where(Response.wave_id == wave.id))]
    for payload in db.scalars(select(PooledAnswer.payload).where(PooledAnswer.wave_id == wave.id)):
        rows.append({"legacy_org_id": payload.get("legacy_org_id") if payload.get("legacy_org_id") in orgs else None,
                     "team_id": payload.get("team_id") if payload.get("team_id") in teams else None,
                     "tenure_band": payload.get("tenure_band"), "answers": payload["answers"],
                     "verified": payload.get("verified", True), "day": date.fromisoformat(payload["day"])})
    return rows


def _mix_into_responses(db, wave_id: int, pooled: list[PooledAnswer]) -> int:
    """The same as _MIX_POOL, for SQLite."""
    def still_there(model, key):  # removed while the answer waited: left out, the answer kept
        return key if key is not None and db.get(model, key) is not None else None

    _shuffle(pooled)
    for item in pooled:
        payload = item.payload
        db.add(Response(id=secrets.token_hex(16), wave_id=wave_id,
                        legacy_org_id=still_there(LegacyOrganisation, payload.get("legacy_org_id")),
                        team_id=still_there(Team, payload.get("team_id")), tenure_band=payload.get("tenure_band"),
                        submitted_on=date.fromisoformat(payload["day"]), answers=payload["answers"],
                        verified=payload.get("verified", True)))
        db.flush()  # one insert at a time, in the shuffled order
    db.execute(delete(PooledAnswer).where(PooledAnswer.id.in_([p.id for p in pooled]))
               .execution_options(synchronize_session=False))
    return len(pooled)


# The pool of one wave, moved into the responses in one statement, only if at least :at_least wait
# (the count and the delete read the same snapshot). Inserted in the order of a random UUID
# (gen_random_uuid draws from pg_strong_random), each with a random id of 32 hex digits like
# secrets.token_hex(16), and only the day. An organisation or team removed while the answer waited
# is left out rather than blocking every later release (the answer itself is kept). The tenant is
# the session's scope (set from the URL by the guard); row-level security checks the same.
_MIX_POOL = text("""
WITH moved AS (
    DELETE FROM survey_answer_pool
    WHERE tenant_id = :tenant AND wave_id = :wave
      AND (SELECT count(*) FROM survey_answer_pool WHERE tenant_id = :tenant AND wave_id = :wave) >= :at_least
    RETURNING payload
)
INSERT INTO survey_responses (id, tenant_id, wave_id, legacy_org_id, team_id, tenure_band, submitted_on, answers,
                              verified)
SELECT replace(CAST(gen_random_uuid() AS text), '-', ''), :tenant, :wave, o.id, t.id,
       payload ->> 'tenure_band', CAST(payload ->> 'day' AS date), payload -> 'answers',
       COALESCE(CAST(payload ->> 'verified' AS boolean), true)
FROM moved
LEFT JOIN legacy_organisations o ON o.tenant_id = :tenant AND o.id = CAST(payload ->> 'legacy_org_id' AS integer)
LEFT JOIN teams t ON t.tenant_id = :tenant AND t.id = CAST(payload ->> 'team_id' AS integer)
ORDER BY gen_random_uuid()
""")


def enable_open_link(db, wave: Wave) -> str:
    """Turn on (or renew) the wave's open link and return its token; only the hash is kept."""
    token = secrets.token_urlsafe(24)
    wave.open_link_hash = hash_token(token)
    db.flush()
    return token


def disable_open_link(wave: Wave) -> None:
    wave.open_link_hash = None


def open_link_wave(db, token: str) -> Wave | None:
    if not token or len(token) > 200:
        return None
    return db.scalar(select(Wave).where(Wave.open_link_hash == hash_token(token)))


def response_count(db, wave: Wave) -> int:
    return db.scalar(select(func.count()).select_from(Response).where(Response.wave_id == wave.id)) or 0


def _clean_attributes(db, wave: Wave, attributes: dict) -> dict:
    """Keep only the grouping attributes this wave asks, each checked against the tenant's data."""
    def exists(model, grouping: str, key: str) -> bool:
        asked = grouping in wave.groupings and attributes.get(key) is not None
        return asked and db.get(model, attributes[key]) is not None

    return check_attributes(wave, attributes, org_exists=exists(LegacyOrganisation, "legacy_org", "legacy_org_id"),
                            team_exists=exists(Team, "team", "team_id"))


def check_attributes(wave, attributes: dict, *, org_exists: bool, team_exists: bool) -> dict:
    """The grouping attributes this wave asks, given whether the organisation and team exist."""
    clean = {}
    if "legacy_org" in wave.groupings and attributes.get("legacy_org_id") is not None:
        if not org_exists:
            raise DomainError(_l("Choose one of the listed organisations."), field="legacy_org_id")
        clean["legacy_org_id"] = attributes["legacy_org_id"]
    if "team" in wave.groupings and attributes.get("team_id") is not None:
        if not team_exists:
            raise DomainError(_l("Choose one of the listed teams."), field="team_id")
        clean["team_id"] = attributes["team_id"]
    if "tenure" in wave.groupings and attributes.get("tenure_band") is not None:
        if attributes["tenure_band"] not in TENURE_BANDS:
            raise DomainError(_l("Choose one of the listed periods."), field="tenure_band")
        clean["tenure_band"] = attributes["tenure_band"]
    return clean
