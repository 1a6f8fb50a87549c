"""Pulse checks: short rounds that ask staff, for each promise, whether they notice it.

Answering works like a survey (DESIGN.md §3, saas/leadership/models.py): a personal token, of which
only the hash is kept, is marked "answered"; the answer goes into a pool detached from everything.
Once k wait, a job mixes the pool into `pulse_answers` in a transaction of its own (never the
submitter's), in random order with random ids. k is frozen on the round when it opens.

Results exist only as a release (saas.anonymity.releases): closing the round (its button, or
saas.deadlines after its close date) mixes what is left, rewrites all of the round's answers in
that one transaction, and stores the round's results once, under the rules of
saas.anonymity.pulse. Every page reads that release, never the answers.
"""
from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from saas.kernel import audit, consent
from saas.anonymity import policy, pool
from saas.anonymity.releases import latest_release, latest_releases, store_release
from saas.kernel.errors import DomainError
from saas.kernel.jobs import enqueue_after_commit
from saas.kernel import tokens
from saas.leadership import rules
from saas.leadership.models import PulseAnswer, PulseInvitation, PulsePooledAnswer, PulseRound
from saas.leadership.promises import promises
from saas.programme.service import get_programme
from tenants.models import Membership, Role, Tenant

NAME_MAX = 160
EXAMPLE_MAX = 1000
CONSENT_MAX = 5000
CANT_SAY = "na"
ROUND_LENGTH = timedelta(days=14)  # the default for a new round
ROUND_INTERVAL = timedelta(weeks=6)  # the default gap between the starts of two rounds


class RoundNotOpen(DomainError):
    status = 409
    default_message = _l("This pulse check is not open for answers.")


class AlreadyAnswered(DomainError):
    status = 409
    default_message = _l("This pulse check has already been answered with this link. Thank you!")


class ConsentMissing(DomainError):
    default_message = _l("Record the works council's consent before the pulse check opens.")


class NoPromises(DomainError):
    default_message = _l("Record at least one promise before you plan a pulse check.")


class InvalidPulseAnswer(DomainError):
    default_message = _l("Some answers are missing or not valid. Check the marked questions.")

    def __init__(self, problems: dict):
        super().__init__()
        self.problems = problems  # {promise id: message}


def consent_required(tenant) -> bool:
    """A pulse check is a staff survey: the works council's consent comes first when the tenant requires
    it (its own setting, saas.kernel.consent; the country does not change it)."""
    return consent.required(tenant)


# ---- planning, opening, closing -------------------------------------------------------------

def rounds(db, programme) -> list[PulseRound]:
    """The programme's rounds, newest first."""
    return list(db.scalars(select(PulseRound).where(PulseRound.programme_id == programme.id)
                           .order_by(PulseRound.opens_on.desc(), PulseRound.id.desc())))


def get_round(db, round_id: int) -> PulseRound | None:
    return db.scalar(select(PulseRound).where(PulseRound.id == round_id))


def next_round_defaults(db, programme, today: date) -> dict:
    """A recurring rhythm: the next round starts six weeks after the last one and lasts as long."""
    last = next(iter(rounds(db, programme)), None)
    number = len(rounds(db, programme)) + 1
    opens_on = max(today, last.opens_on + ROUND_INTERVAL) if last else today
    length = (last.closes_on - last.opens_on) if last else ROUND_LENGTH
    defaults = {"name": str(_l("Pulse check %(number)d", number=number)), "opens_on": opens_on,
                "closes_on": opens_on + length}
    return defaults


def plan_round(db, tenant, programme, *, name: str, opens_on: date, closes_on: date) -> PulseRound:
    """A round in preparation. The works council's consent is recorded on it afterwards, by a member of
    the works council or by an admin uploading its signed decision (`record_consent`), before it opens."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_l("Please enter a name."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_l("At most %(max)d characters.", max=NAME_MAX), field="name")
    if closes_on < opens_on:
        raise DomainError(_l("A pulse check cannot close before it opens."), field="closes_on")
    asked = [p.id for p in promises(db, programme, include_retired=False)]
    if not asked:
        raise NoPromises()
    pulse = PulseRound(programme_id=programme.id, name=name, opens_on=opens_on, closes_on=closes_on,
                       promise_ids=asked)
    db.add(pulse)
    db.flush()
    return pulse


def record_consent(db, pulse: PulseRound, *, by, decided_on: date, decision: str, conditions: str = "",
                   min_group_size: int | None = None, document=None) -> None:
    """The works council's decision on one round in preparation, as for a survey wave: typed by a works
    council member (`by`, a Membership), or by an admin only with the signed decision uploaded. Who and
    how are kept on the round, and it goes into the access log with the programme and the round."""
    if pulse.status != "draft":
        raise DomainError(_l("The works council's consent is recorded before the pulse check opens."))
    recorded, decision, conditions = consent.check(by, document, decided_on=decided_on, decision=decision,
                                                   conditions=conditions, min_group_size=min_group_size)
    pulse.consent_on, pulse.consent_text, pulse.consent_conditions = decided_on, decision, conditions
    pulse.consent_min_group_size = min_group_size
    pulse.consent_by_id, pulse.consent_by_name, pulse.consent_how = recorded.user_id, recorded.name, recorded.how
    signed = recorded.document
    pulse.consent_filename = signed.filename if signed else None
    pulse.consent_content_type = signed.content_type if signed else None
    pulse.consent_size = len(signed.data) if signed else None
    pulse.consent_document = signed.data if signed else None
    consent.log_consent(db, by.user, recorded, decided_on=decided_on, min_group_size=min_group_size,
                        programme_id=pulse.programme_id, round_id=pulse.id)
    db.flush()


def open_round(db, tenant, pulse: PulseRound, today: date, *, send_mail: bool = True) -> None:
    """Open the round with the promises as they are now; a job then mails everyone their own link
    (without `send_mail`, nobody is invited: the caller invites, as the demo does)."""
    if pulse.status != "draft":
        raise DomainError(_l("Only a pulse check in preparation can be opened."))
    if pulse.closes_on < today:
        raise DomainError(_l("The close date has passed. Plan a new pulse check instead."))
    if consent_required(tenant) and not pulse.consent_on:
        raise ConsentMissing()
    asked = [p.id for p in promises(db, _programme(db, pulse), include_retired=False)]
    if not asked:
        raise NoPromises()
    pulse.promise_ids, pulse.status = asked, "open"
    pulse.k = policy.launch_k(tenant, pulse.consent_min_group_size)  # frozen with the consent's k, if higher
    db.flush()
    audit.record(db, "pulse.opened", obj=pulse, detail={"k": pulse.k, "promises": len(asked)})
    if send_mail:
        enqueue_after_commit(db, "saas.leadership.jobs.send_pulse_invitations", tenant.id, pulse.id)


def request_reminder(db, tenant, pulse: PulseRound, today: date) -> int:
    """Have a job remind the staff who have not answered, each with a new link; once per round, so that
    a three-minute check does not turn into nagging. Returns how many are reminded."""
    if not accepts_answers(pulse, today):
        raise DomainError(_l("A reminder can only be sent while the pulse check is open, up to its close date."))
    if pulse.reminded_on is not None:
        raise DomainError(_l("The reminder of this pulse check has been sent already."))
    waiting = len(unanswered(db, pulse))
    if not waiting:
        raise DomainError(_l("Everyone has answered: there is nobody to remind."))
    enqueue_after_commit(db, "saas.leadership.jobs.send_pulse_reminders", tenant.id, pulse.id, unique=True)
    return waiting


def unanswered(db, pulse: PulseRound) -> list[PulseInvitation]:
    """The personal invitations not answered yet (whom a reminder is for); an answer code is nobody's."""
    return list(db.scalars(select(PulseInvitation).where(PulseInvitation.round_id == pulse.id,
                                                         PulseInvitation.membership_id.is_not(None),
                                                         PulseInvitation.answered.is_(False))
                           .order_by(PulseInvitation.id)))


def close_round(db, pulse: PulseRound) -> None:
    """Close the round: mix what waits, rewrite all its answers in this one transaction, release the results."""
    # a mixing job holds this lock while it works; the status is read again under it
    db.scalar(select(PulseRound).where(PulseRound.id == pulse.id).with_for_update(of=PulseRound)
              .execution_options(populate_existing=True))
    if pulse.status != "open":
        raise DomainError(_l("Only an open pulse check can be closed."))
    pulse.status = "closed"
    audit.record(db, "pulse.closed", obj=pulse)
    k = policy.frozen_k(pulse, _tenant(db, pulse))
    answers = _rewrite(db, pulse)
    # the links and answer codes serve nothing once closed (retention)
    tokens.scrub_tokens(db, PulseInvitation, round_id=pulse.id)
    result = rules.pulse_round_result(answers, pulse.promise_ids, k)
    store_release(db, "pulse", pulse.id, k=k, answers=len(answers), figures=result.to_json())


# ---- who is asked ---------------------------------------------------------------------------

def audience(db) -> list[Membership]:
    """Staff: everyone but the management team (whose promises are asked about) and consultants."""
    return [m for m in db.scalars(select(Membership).order_by(Membership.id))
            if Role.MANAGEMENT not in m.roles and m.roles - {Role.CONSULTANT}]


def invite(db, pulse: PulseRound, memberships) -> list[tuple[Membership, str]]:
    """One personal token per person not yet invited; only its hash is kept."""
    return tokens.invite_once(db, PulseInvitation, memberships, round_id=pulse.id)


def invitation_for_token(db, token: str) -> PulseInvitation | None:
    return tokens.invitation_by_token(db, PulseInvitation, token)


def invitation_of(db, round_id: int, membership) -> PulseInvitation | None:
    return db.scalar(select(PulseInvitation).where(PulseInvitation.round_id == round_id,
                                                   PulseInvitation.membership_id == membership.id))


def open_invitations(db, membership, today: date) -> list[tuple[PulseRound, PulseInvitation]]:
    """The rounds a member is asked to answer that take answers today, newest first, answered or not."""
    rows = db.execute(select(PulseRound, PulseInvitation).join(PulseInvitation, PulseInvitation.round_id == PulseRound.id)
                      .where(PulseInvitation.membership_id == membership.id, PulseRound.status == "open",
                             PulseRound.closes_on >= today)
                      .order_by(PulseRound.id.desc()))
    return [(pulse, invitation) for pulse, invitation in rows]


def invitation_counts(db, pulse: PulseRound) -> tuple[int, int]:
    """(invited, answered) for the whole round."""
    invited, answered = db.execute(
        select(func.count(), func.count().filter(PulseInvitation.answered.is_(True)))
        .where(PulseInvitation.round_id == pulse.id)).one()
    return invited or 0, answered or 0


def accepts_answers(pulse: PulseRound, today: date) -> bool:
    return pulse.status == "open" and today <= pulse.closes_on


# ---- answering ------------------------------------------------------------------------------

def read_answer(pulse: PulseRound, form) -> tuple[dict, dict]:
    """Scores and examples from the answer page's fields `score-<id>` (1-5 or "na") and `example-<id>`.

    Every promise needs a choice ("I can't say" is one), so that nothing is skipped by accident.
    """
    scores, examples, problems = {}, {}, {}
    for promise_id in pulse.promise_ids:
        raw = str(form.get(f"score-{promise_id}", "")).strip()
        if raw in {str(point) for point in rules.SCALE}:
            scores[str(promise_id)] = int(raw)
        elif raw != CANT_SAY:
            problems[promise_id] = _l("Choose how often you notice this, or “I can't say”.")
        example = " ".join(str(form.get(f"example-{promise_id}", "")).split())
        if len(example) > EXAMPLE_MAX:
            problems[promise_id] = _l("An example can be at most %(count)d characters.", count=EXAMPLE_MAX)
        elif example:
            examples[str(promise_id)] = example
    if problems:
        raise InvalidPulseAnswer(problems)
    return scores, examples


def submit(db, tenant, pulse: PulseRound, invitation: PulseInvitation, scores: dict, examples: dict,
           today: date) -> None:
    """Mark the invitation answered and put the answer in the pool, detached from it.

    The round is locked first, in the order of the jobs (the reminder renews invitations under the round's
    lock): locking the invitation first and then the round (the pool's key points at it) could deadlock
    with the reminder. Both are read again under the lock."""
    db.scalar(select(PulseRound).where(PulseRound.id == pulse.id).with_for_update(of=PulseRound)
              .execution_options(populate_existing=True))
    db.scalar(select(PulseInvitation).where(PulseInvitation.id == invitation.id)
              .execution_options(populate_existing=True))
    if not accepts_answers(pulse, today):
        raise RoundNotOpen()
    if invitation.answered:
        raise AlreadyAnswered()
    asked = {str(promise_id) for promise_id in pulse.promise_ids}
    if set(scores) - asked or set(examples) - asked \
            or any(isinstance(s, bool) or s not in rules.SCALE for s in scores.values()):
        raise InvalidPulseAnswer({})
    invitation.answered = True
    db.add(PulsePooledAnswer(id=secrets.token_hex(16), round_id=pulse.id,
                             payload={"scores": scores, "examples": examples}))
    db.flush()
    waiting = db.scalar(select(func.count()).select_from(PulsePooledAnswer)
                        .where(PulsePooledAnswer.round_id == pulse.id))
    if pool.mix_due(waiting, policy.frozen_k(pulse, tenant)):
        # never in this transaction: the batch would share the k-th submitter's transaction id
        enqueue_after_commit(db, "saas.leadership.jobs.mix_pulse_pool", tenant.id, pulse.id, unique=True)


def mix_pool(db, pulse_id: int) -> int:
    """Mix the waiting answers into the round's answers, in random order with new random ids, once at
    least k wait; for the job, in a transaction of its own. Returns how many were mixed."""
    pulse = db.scalar(select(PulseRound).where(PulseRound.id == pulse_id).with_for_update(of=PulseRound))
    if pulse is None or pulse.status != "open":
        return 0  # closed meanwhile: the close mixed everything
    pooled = list(db.scalars(select(PulsePooledAnswer).where(PulsePooledAnswer.round_id == pulse.id)
                             .with_for_update()))
    if not pool.mix_due(len(pooled), policy.frozen_k(pulse, _tenant(db, pulse))):
        return 0  # another run was first
    rules.secure_shuffle(pooled)
    for item in pooled:
        db.add(PulseAnswer(id=secrets.token_hex(16), round_id=pulse.id, scores=item.payload["scores"],
                           examples=item.payload["examples"]))
        db.flush()  # one insert at a time, in the shuffled order
    db.execute(delete(PulsePooledAnswer).where(PulsePooledAnswer.id.in_([p.id for p in pooled]))
               .execution_options(synchronize_session=False))
    return len(pooled)


def _rewrite(db, pulse: PulseRound) -> list[tuple[dict, dict]]:
    """All of the round's answers, mixed ones and waiting ones, deleted and inserted again in random
    order with new random ids: no row keeps the transaction id or the place of an earlier batch."""
    pooled = list(db.scalars(select(PulsePooledAnswer).where(PulsePooledAnswer.round_id == pulse.id)
                             .with_for_update()))
    mixed = list(db.scalars(select(PulseAnswer).where(PulseAnswer.round_id == pulse.id).with_for_update()))
    answers = [(dict(p.payload["scores"]), dict(p.payload["examples"])) for p in pooled]
    answers += [(dict(a.scores), dict(a.examples)) for a in mixed]
    db.execute(delete(PulsePooledAnswer).where(PulsePooledAnswer.round_id == pulse.id)
               .execution_options(synchronize_session=False))
    db.execute(delete(PulseAnswer).where(PulseAnswer.round_id == pulse.id)
               .execution_options(synchronize_session=False))
    for row in mixed:
        db.expunge(row)
    rules.secure_shuffle(answers)
    for scores, examples in answers:
        db.add(PulseAnswer(id=secrets.token_hex(16), round_id=pulse.id, scores=scores, examples=examples))
        db.flush()
    return answers


# ---- results --------------------------------------------------------------------------------

def round_result(db, pulse: PulseRound) -> rules.RoundResult | None:
    """The released results of a closed round; None while it has none (open, or closed before releases)."""
    if pulse.status != "closed":
        return None
    release = latest_release(db, "pulse", pulse.id)
    return rules.RoundResult.from_json(release.figures) if release is not None else None


def results_over_time(db, programme) -> tuple[list[PulseRound], dict[int, rules.RoundResult]]:
    """The programme's released rounds, oldest first, each with its results."""
    closed = [r for r in reversed(rounds(db, programme)) if r.status == "closed"]
    released = latest_releases(db, "pulse", [r.id for r in closed])
    closed = [r for r in closed if r.id in released]
    return closed, {r.id: rules.RoundResult.from_json(released[r.id].figures) for r in closed}


def latest_results(db, programme) -> dict[int, tuple[PulseRound, rules.PromiseResult]]:
    """Per promise: the latest released round that shows a figure for it."""
    closed, results = results_over_time(db, programme)
    latest = {}
    for pulse in closed:
        for promise_id, result in results[pulse.id].promises.items():
            if result.shown:
                latest[promise_id] = (pulse, result)
    return latest


def _tenant(db, pulse: PulseRound):
    return db.get(Tenant, pulse.tenant_id)


def _programme(db, pulse: PulseRound):
    return get_programme(db, pulse.programme_id)
