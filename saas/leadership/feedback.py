"""360-degree feedback for managers, on the programme's promises.

A manager starts a round and names raters: their own manager, peers and reports; they rate
themselves too. Each rater gets a personal token (only its hash is kept) and answers anonymously:
the invitation is only marked "answered", the answer waits in a pool with no link to it. Once
RATERS_MIN_SCORES raters' answers wait, a job mixes the pool into `feedback_answers` in a
transaction of its own (the own manager's answer already as "other"). Closing the round rewrites all
of its answers in one transaction, each kept only under the group it may be shown in
(saas.anonymity.raters), and stores the report once as a release; the report page reads only that.
The report is for the manager and the coach they chose (never one of the raters); nobody else sees
it, not even an administrator.
"""
from __future__ import annotations

import secrets
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from saas.anonymity import policy, pool, raters as rater_rule
from saas.anonymity.releases import latest_release, store_release
from saas.kernel import audit
from saas.kernel.errors import DomainError
from saas.kernel.jobs import enqueue_after_commit
from saas.kernel import tokens
from saas.kernel.tokens import hash_token
from saas.leadership import rules
from saas.leadership.models import FeedbackAnswer, FeedbackInvitation, FeedbackPooledAnswer, FeedbackRound
from saas.leadership.promises import promises
from tenants.models import Membership, Role

QUESTIONS = ("keep", "change")  # the two open questions, asked after the scores
COMMENT_MAX = 2000
CANT_JUDGE = "na"


class RoundClosed(DomainError):
    status = 409
    default_message = _l("This feedback round is closed.")


class AlreadyAnswered(DomainError):
    status = 409
    default_message = _l("You have already given this feedback. Thank you!")


class CoachRates(DomainError):
    default_message = _l("Your coach reads your report, so they cannot also rate you. Choose them either as "
                         "coach or as rater.")


class InvalidFeedback(DomainError):
    default_message = _l("Some answers are missing or not valid. Check the marked questions.")

    def __init__(self, problems: dict):
        super().__init__()
        self.problems = problems


# ---- starting and closing -------------------------------------------------------------------

def start_round(db, tenant, programme, subject: Membership, *, coach_id: int | None, manager_id: int | None,
                peer_ids: list[int], report_ids: list[int], closes_on: date, today: date,
                send_mail: bool = True) -> FeedbackRound:
    """Start a round on the programme's promises; a job mails every rater their own link (unless not
    `send_mail`, as in the demo: raters who are signed in answer from their leadership page)."""
    asked = [p.id for p in promises(db, programme, include_retired=False)]
    if not asked:
        raise DomainError(_l("The management team has not recorded any promises in this programme yet."))
    if closes_on < today:
        raise DomainError(_l("The close date cannot be in the past."), field="closes_on")
    raters = [("manager", manager_id)] if manager_id else []
    raters += [("peer", i) for i in peer_ids] + [("report", i) for i in report_ids]
    chosen = [i for _relation, i in raters]
    if subject.id in chosen:
        raise DomainError(_l("You rate yourself anyway; choose other people as raters."), field="peer_ids")
    if len(set(chosen)) != len(chosen):
        raise DomainError(_l("Each person can be in one group of raters only."), field="peer_ids")
    if not raters:
        raise DomainError(_l("Choose the people you want feedback from."), field="peer_ids")
    known = set(db.scalars(select(Membership.id).where(Membership.id.in_(chosen + [coach_id or 0]))))
    if set(chosen) - known or (coach_id and coach_id not in known):
        raise DomainError(_l("Choose people from the list."), field="peer_ids")
    if coach_id == subject.id:
        raise DomainError(_l("Your coach is someone else."), field="coach_id")
    if rater_rule.coach_is_rater(coach_id or None, chosen):
        raise CoachRates(field="coach_id")
    feedback_round = FeedbackRound(programme_id=programme.id, subject_id=subject.id, coach_id=coach_id or None,
                                   closes_on=closes_on, promise_ids=asked)
    db.add(feedback_round)
    db.flush()
    for relation, membership_id in [("self", subject.id)] + raters:
        # A token nobody holds, until the job mails a fresh one; a rater who is signed in needs none.
        db.add(FeedbackInvitation(round_id=feedback_round.id, membership_id=membership_id, relation=relation,
                                  token_hash=hash_token(secrets.token_urlsafe(32))))
    db.flush()
    audit.record(db, "feedback.started", obj=feedback_round, detail={"raters": len(raters)})
    if send_mail:
        enqueue_after_commit(db, "saas.leadership.jobs.send_feedback_invitations", tenant.id, feedback_round.id)
    return feedback_round


def add_raters(db, tenant, feedback_round: FeedbackRound, *, peer_ids: list[int], report_ids: list[int],
               today: date) -> int:
    """Ask more people while the round is open (someone forgotten, a new colleague); the job mails only
    them. The groups are counted when the round closes, so the anonymity rules hold as before."""
    if feedback_round.status != "open" or today > feedback_round.closes_on:
        raise RoundClosed()
    raters = [("peer", i) for i in peer_ids] + [("report", i) for i in report_ids]
    chosen = [i for _relation, i in raters]
    if not raters:
        raise DomainError(_l("Choose the people you want feedback from."), field="peer_ids")
    if len(set(chosen)) != len(chosen):
        raise DomainError(_l("Each person can be in one group of raters only."), field="peer_ids")
    asked = set(db.scalars(select(FeedbackInvitation.membership_id)
                           .where(FeedbackInvitation.round_id == feedback_round.id)))
    if set(chosen) & asked:
        raise DomainError(_l("Some of the people you chose are asked already."), field="peer_ids")
    if rater_rule.coach_is_rater(feedback_round.coach_id, chosen):
        raise CoachRates(field="peer_ids")
    known = set(db.scalars(select(Membership.id).where(Membership.id.in_(chosen))))
    if set(chosen) - known:
        raise DomainError(_l("Choose people from the list."), field="peer_ids")
    for relation, membership_id in raters:
        db.add(FeedbackInvitation(round_id=feedback_round.id, membership_id=membership_id, relation=relation,
                                  token_hash=hash_token(secrets.token_urlsafe(32))))
    db.flush()
    enqueue_after_commit(db, "saas.leadership.jobs.send_feedback_invitations", tenant.id, feedback_round.id,
                         unique=True)
    return len(raters)


def request_reminder(db, tenant, feedback_round: FeedbackRound, today: date) -> int:
    """Have a job remind the raters who have not answered, each with a new link; once per round. The
    manager learns how many, never who. Returns how many."""
    if feedback_round.status != "open" or today > feedback_round.closes_on:
        raise RoundClosed()
    if feedback_round.reminded_on is not None:
        raise DomainError(_l("The reminder of this round has been sent already."))
    waiting = len(unanswered_raters(db, feedback_round))
    if not waiting:
        raise DomainError(_l("Everyone you asked has answered: there is nobody to remind."))
    enqueue_after_commit(db, "saas.leadership.jobs.send_feedback_reminders", tenant.id, feedback_round.id,
                         unique=True)
    return waiting


def unanswered_raters(db, feedback_round: FeedbackRound) -> list[FeedbackInvitation]:
    """Raters (not the manager themselves) mailed and not answered yet."""
    return list(db.scalars(select(FeedbackInvitation).where(
        FeedbackInvitation.round_id == feedback_round.id, FeedbackInvitation.relation != "self",
        FeedbackInvitation.mailed.is_(True), FeedbackInvitation.answered.is_(False)).order_by(FeedbackInvitation.id)))


def not_yet_asked(db, feedback_round: FeedbackRound) -> list[Membership]:
    """Who could still be asked: everyone but the manager, their coach and the people asked already, by name."""
    asked = set(db.scalars(select(FeedbackInvitation.membership_id)
                           .where(FeedbackInvitation.round_id == feedback_round.id)))
    asked.add(feedback_round.coach_id)
    return [m for m in rater_choices(db, feedback_round.subject) if m.id not in asked]


def close_round(db, feedback_round: FeedbackRound) -> None:
    """Close the round: rewrite all its answers in this one transaction, each under the group it may be
    shown in (answers that could never be shown are not kept), and release the report."""
    # a mixing job holds this lock while it works; the status is read again under it
    db.scalar(select(FeedbackRound).where(FeedbackRound.id == feedback_round.id).with_for_update(of=FeedbackRound)
              .execution_options(populate_existing=True))
    if feedback_round.status != "open":
        raise RoundClosed()
    feedback_round.status = "closed"
    audit.record(db, "feedback.closed", obj=feedback_round)
    pooled = list(db.scalars(select(FeedbackPooledAnswer).where(FeedbackPooledAnswer.round_id == feedback_round.id)
                             .with_for_update()))
    mixed = list(db.scalars(select(FeedbackAnswer).where(FeedbackAnswer.round_id == feedback_round.id)
                            .with_for_update()))
    # (relation, scores, comments); an answer mixed before the close is under its relation, the own manager's as "other"
    answers = [(p.payload["relation"], dict(p.payload["scores"]), dict(p.payload["comments"])) for p in pooled]
    answers += [("manager" if a.rater_group == "other" else a.rater_group, dict(a.scores), dict(a.comments))
                for a in mixed]
    for row in mixed:
        db.expunge(row)
    db.execute(delete(FeedbackPooledAnswer).where(FeedbackPooledAnswer.round_id == feedback_round.id)
               .execution_options(synchronize_session=False))
    db.execute(delete(FeedbackAnswer).where(FeedbackAnswer.round_id == feedback_round.id)
               .execution_options(synchronize_session=False))
    answered = {"manager": 0, "peer": 0, "report": 0}
    for relation, _scores, _comments in answers:
        if relation != "self":
            answered[relation] += 1
    separate = rater_rule.feedback_groups(answered)
    keep_others = rater_rule.others_shown(answered)
    kept = [(rater_rule.stored_group(relation, separate), scores, comments)
            for relation, scores, comments in answers if relation == "self" or keep_others]
    rules.secure_shuffle(kept)
    for group, scores, comments in kept:
        db.add(FeedbackAnswer(id=secrets.token_hex(16), round_id=feedback_round.id, rater_group=group,
                              scores=scores, comments=comments))
        db.flush()  # one insert at a time, in the shuffled order
    tokens.scrub_tokens(db, FeedbackInvitation, round_id=feedback_round.id)  # serve nothing once closed (retention)
    found = rules.feedback_report(kept, feedback_round.promise_ids, QUESTIONS)
    # 360 groups follow policy.RATERS_MIN_SCORES / RATERS_MIN_COMMENTS, not k; a release records the smallest k
    store_release(db, "feedback", feedback_round.id, k=policy.SMALLEST_K, answers=len(kept),
                  figures=found.to_json())


def mix_pool(db, round_id: int) -> int:
    """Mix the waiting answers into the round's answers once RATERS_MIN_SCORES raters' answers wait, in
    random order with new random ids; for the job, in a transaction of its own. The own manager's
    answer goes in as "other" already; peers and reports keep their relation until the close decides."""
    feedback_round = db.scalar(select(FeedbackRound).where(FeedbackRound.id == round_id)
                               .with_for_update(of=FeedbackRound))
    if feedback_round is None or feedback_round.status != "open":
        return 0
    pooled = list(db.scalars(select(FeedbackPooledAnswer).where(FeedbackPooledAnswer.round_id == round_id)
                             .with_for_update()))
    if not pool.raters_mix_due(_raters_waiting(pooled)):
        return 0
    rules.secure_shuffle(pooled)
    for item in pooled:
        db.add(FeedbackAnswer(id=secrets.token_hex(16), round_id=round_id,
                              rater_group=rater_rule.pooled_group(item.payload["relation"]),
                              scores=item.payload["scores"], comments=item.payload["comments"]))
        db.flush()
    db.execute(delete(FeedbackPooledAnswer).where(FeedbackPooledAnswer.id.in_([p.id for p in pooled]))
               .execution_options(synchronize_session=False))
    return len(pooled)


def _raters_waiting(pooled) -> int:
    return sum(1 for item in pooled if item.payload["relation"] != "self")


# ---- who sees what --------------------------------------------------------------------------

def get_round(db, round_id: int) -> FeedbackRound | None:
    return db.scalar(select(FeedbackRound).where(FeedbackRound.id == round_id))


def may_see(feedback_round: FeedbackRound, membership) -> bool:
    """The manager and the coach they chose; nobody else, whatever their role."""
    return membership is not None and membership.id in (feedback_round.subject_id, feedback_round.coach_id)


def rounds_about(db, membership) -> list[FeedbackRound]:
    return list(db.scalars(select(FeedbackRound).where(FeedbackRound.subject_id == membership.id)
                           .order_by(FeedbackRound.id.desc())))


def rounds_coached(db, membership) -> list[FeedbackRound]:
    return list(db.scalars(select(FeedbackRound).where(FeedbackRound.coach_id == membership.id)
                           .order_by(FeedbackRound.id.desc())))


def may_start(membership) -> bool:
    return Role.MANAGEMENT in membership.roles


def rater_choices(db, subject: Membership) -> list[Membership]:
    """Everyone in the organisation but the manager themselves, by name."""
    people = [m for m in db.scalars(select(Membership)) if m.id != subject.id]
    return sorted(people, key=lambda m: (m.user.name.casefold(), m.id))


def counts(db, feedback_round: FeedbackRound) -> tuple[int, int]:
    """(invited, answered) among the raters other than the manager themselves: no group is told apart."""
    invited, answered = db.execute(
        select(func.count(), func.count().filter(FeedbackInvitation.answered.is_(True)))
        .where(FeedbackInvitation.round_id == feedback_round.id, FeedbackInvitation.relation != "self")).one()
    return invited or 0, answered or 0


def report(db, feedback_round: FeedbackRound) -> rules.FeedbackReport | None:
    """The released report of a closed round; None while it has none."""
    if feedback_round.status != "closed":
        return None
    release = latest_release(db, "feedback", feedback_round.id)
    return rules.FeedbackReport.from_json(release.figures) if release is not None else None


def line_for(db, feedback_round: FeedbackRound, promise_id: int) -> rules.FeedbackLine | None:
    found = report(db, feedback_round)
    return next((line for line in found.lines if line.promise_id == promise_id), None) if found else None


def rounds_rated_by(db, membership) -> set[int]:
    """The rounds a member was asked to rate (their own self-assessment does not count)."""
    if membership is None:
        return set()
    return set(db.scalars(select(FeedbackInvitation.round_id).where(
        FeedbackInvitation.membership_id == membership.id, FeedbackInvitation.relation != "self")))


# ---- answering ------------------------------------------------------------------------------

def requests(db, membership, today: date) -> list[tuple[FeedbackRound, FeedbackInvitation]]:
    """The rounds taking answers today in which a member is asked for feedback (their own self-assessment too)."""
    rows = db.execute(select(FeedbackRound, FeedbackInvitation)
                      .join(FeedbackInvitation, FeedbackInvitation.round_id == FeedbackRound.id)
                      .where(FeedbackInvitation.membership_id == membership.id, FeedbackRound.status == "open",
                             FeedbackRound.closes_on >= today)
                      .order_by(FeedbackRound.id.desc()))
    return [(feedback_round, invitation) for feedback_round, invitation in rows]


def invitation_for_token(db, token: str) -> FeedbackInvitation | None:
    return tokens.invitation_by_token(db, FeedbackInvitation, token)


def invitation_of(db, round_id: int, membership) -> FeedbackInvitation | None:
    return db.scalar(select(FeedbackInvitation).where(FeedbackInvitation.round_id == round_id,
                                                      FeedbackInvitation.membership_id == membership.id))


def to_mail(db, feedback_round: FeedbackRound) -> list[tuple[FeedbackInvitation, str]]:
    """Fresh tokens for the raters not mailed yet (for the job; the round row is locked by the caller).
    Someone who answered meanwhile (the manager rating themselves while signed in) gets no link."""
    sent = []
    for invitation in db.scalars(select(FeedbackInvitation).where(
            FeedbackInvitation.round_id == feedback_round.id, FeedbackInvitation.mailed.is_(False),
            FeedbackInvitation.answered.is_(False)).order_by(FeedbackInvitation.id)):
        token = tokens.renew_token(invitation)
        invitation.mailed = True
        sent.append((invitation, token))
    db.flush()
    return sent


def read_answer(feedback_round: FeedbackRound, form) -> tuple[dict, dict]:
    """Scores `score-<id>` (1-5 or "na": I can't judge this) and the open questions `keep`, `change`."""
    scores, comments, problems = {}, {}, {}
    for promise_id in feedback_round.promise_ids:
        raw = str(form.get(f"score-{promise_id}", "")).strip()
        if raw in {str(point) for point in rules.SCALE}:
            scores[str(promise_id)] = int(raw)
        elif raw != CANT_JUDGE:
            problems[f"score-{promise_id}"] = _l("Choose how often this is shown, or “I can't judge this”.")
    for question in QUESTIONS:
        text = str(form.get(question, "")).replace("\r\n", "\n").strip()
        if len(text) > COMMENT_MAX:
            problems[question] = _l("At most %(max)d characters.", max=COMMENT_MAX)
        elif text:
            comments[question] = text
    if problems:
        raise InvalidFeedback(problems)
    return scores, comments


def submit(db, feedback_round: FeedbackRound, invitation: FeedbackInvitation, scores: dict, comments: dict,
           today: date) -> None:
    """Mark the invitation answered; the answer waits in the pool, with only the rater's relation.

    The round is locked first, as the jobs that mail, remind, mix and close lock it before they touch its
    invitations: were the invitation locked first, the pool's row (whose key points at the round) would
    then wait for the round while a job holding the round waited for the invitation, a deadlock. Both
    are read again under the lock (a job may have closed the round, a second request answered)."""
    db.scalar(select(FeedbackRound).where(FeedbackRound.id == feedback_round.id).with_for_update(of=FeedbackRound)
              .execution_options(populate_existing=True))
    db.scalar(select(FeedbackInvitation).where(FeedbackInvitation.id == invitation.id)
              .execution_options(populate_existing=True))
    if feedback_round.status != "open" or today > feedback_round.closes_on:
        raise RoundClosed()
    if invitation.answered:
        raise AlreadyAnswered()
    asked = {str(promise_id) for promise_id in feedback_round.promise_ids}
    if set(scores) - asked or set(comments) - set(QUESTIONS) \
            or any(isinstance(s, bool) or s not in rules.SCALE for s in scores.values()):
        raise InvalidFeedback({})
    invitation.answered = True
    db.add(FeedbackPooledAnswer(id=secrets.token_hex(16), round_id=feedback_round.id,
                                payload={"relation": invitation.relation, "scores": scores, "comments": comments}))
    db.flush()
    pooled = db.scalars(select(FeedbackPooledAnswer).where(FeedbackPooledAnswer.round_id == feedback_round.id))
    if pool.raters_mix_due(_raters_waiting(pooled)):
        # never in this transaction: the batch would share the last submitter's transaction id
        enqueue_after_commit(db, "saas.leadership.jobs.mix_feedback_pool", feedback_round.tenant_id,
                             feedback_round.id, unique=True)
