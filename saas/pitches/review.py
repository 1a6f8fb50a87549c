"""Reviewing and deciding pitches: the programme's scorecard, independent reviews by management,
the decision with feedback for the team, and the ranking for the pitch day.

Functions take the session first and raise DomainErrors with a message for the user; views commit.
Independence is kept here, not in templates: nobody in management gets another reviewer's scores
for a pitch before they have submitted their own (see `others_reviews` and `pitch_day`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import lazyload

from saas.kernel.db import utcnow
from saas.kernel.errors import Conflict, DomainError
from saas.pitches import notices
from saas.pitches.models import DECISION_LABELS, Pitch, PitchEvent, Review, ReviewScore, ScorecardCriterion
from saas.programme import service as programme_service
from saas.programme.models import Programme, Team, Theme
from tenants.models import Membership, Role

COMMENT_MAX = 5_000
FEEDBACK_MAX = 10_000
DESCRIPTION_MAX = 2_000
NAME_MAX = 120
SCORES = (1, 2, 3, 4, 5)
REVIEWABLE = ("submitted", "in_review")
ON_PITCH_DAY = ("submitted", "in_review", "decided")

STATUS_LABELS = {
    "draft": _l("Being written"),
    "submitted": _l("Submitted"),
    "in_review": _l("In review"),
    "decided": _l("Decided"),
}


class CriterionInUse(DomainError):
    status = 409
    default_message = _l("Reviewers have scored on this criterion, so it can no longer be removed.")


class NotReviewable(DomainError):
    status = 409
    default_message = _l("This pitch cannot be reviewed: only submitted pitches that have not been decided can.")


class ReviewFinal(DomainError):
    status = 409
    default_message = _l("Your review has been submitted and can no longer be changed.")


class ReviewIncomplete(DomainError):
    default_message = _l("Give every criterion a score from 1 to 5 before you submit your review.")


class OwnTeam(DomainError):
    status = 409
    default_message = _l("You are a member of this team, so you do not review or decide on its pitch.")


class NotDecidable(DomainError):
    status = 409
    default_message = _l("A decision can be taken once at least one review has been submitted.")


class AlreadyDecided(Conflict):
    default_message = _l("A decision on this pitch has already been taken.")


# ---- scorecard -----------------------------------------------------------------------------

def criteria(db, programme: Programme) -> list[ScorecardCriterion]:
    return list(db.scalars(select(ScorecardCriterion).where(ScorecardCriterion.programme_id == programme.id)
                           .order_by(ScorecardCriterion.position, ScorecardCriterion.id)))


def get_criterion(db, programme: Programme, criterion_id: int) -> ScorecardCriterion | None:
    return db.scalar(select(ScorecardCriterion).where(ScorecardCriterion.id == criterion_id,
                                                      ScorecardCriterion.programme_id == programme.id))


def save_criterion(db, programme: Programme, criterion: ScorecardCriterion | None, *, name: str,
                   description: str = "", weight: int, position: int | None = None) -> ScorecardCriterion:
    """Add a criterion (criterion None) or change one; without a position, a new one goes last."""
    name, description = (name or "").strip(), (description or "").strip()
    if not name:
        raise DomainError(_l("Please enter a name."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_l("At most %(max)d characters.", max=NAME_MAX), field="name")
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(_l("At most %(max)d characters.", max=DESCRIPTION_MAX), field="description")
    if not isinstance(weight, int) or not 1 <= weight <= 100:
        raise DomainError(_l("Choose a weight from 1 to 100."), field="weight")
    if position is not None and not 0 <= position <= 1000:
        raise DomainError(_l("Choose a position from 0 to 1000."), field="position")
    clash = select(ScorecardCriterion.id).where(ScorecardCriterion.programme_id == programme.id,
                                                func.lower(ScorecardCriterion.name) == name.lower())
    if criterion is not None:
        clash = clash.where(ScorecardCriterion.id != criterion.id)
    if db.scalar(clash):
        raise DomainError(_l("The scorecard already has a criterion with this name."), field="name")
    if criterion is None:
        if position is None:
            last = db.scalar(select(func.max(ScorecardCriterion.position))
                             .where(ScorecardCriterion.programme_id == programme.id))
            position = 0 if last is None else last + 1
        criterion = ScorecardCriterion(programme_id=programme.id)
        db.add(criterion)
    criterion.name, criterion.description, criterion.weight = name, description, weight
    if position is not None:
        criterion.position = position
    db.flush()
    return criterion


def remove_criterion(db, criterion: ScorecardCriterion) -> None:
    """Remove a criterion nobody has scored on yet (not even in a draft review)."""
    used = db.scalar(select(func.count()).select_from(ReviewScore).where(ReviewScore.criterion_id == criterion.id))
    if used:
        raise CriterionInUse()
    db.delete(criterion)
    db.flush()


# ---- reviews -------------------------------------------------------------------------------

def review_of(db, pitch: Pitch, membership) -> Review | None:
    return db.scalar(select(Review).where(Review.pitch_id == pitch.id,
                                          Review.reviewer_membership_id == membership.id))


def waiting_for_score(db, membership) -> list[tuple[Pitch, Team]]:
    """Submitted pitches this reviewer has not scored yet (no review, or one not submitted), by team name: one
    statement (a review looked up per pitch was 300 round trips on a large tenant's home, bench/home.py)."""
    own = and_(Review.pitch_id == Pitch.id, Review.reviewer_membership_id == membership.id)
    return [(pitch, team) for pitch, team in db.execute(
        select(Pitch, Team).join(Team, Team.id == Pitch.team_id).outerjoin(Review, own)
        .where(Pitch.status.in_(("submitted", "in_review")), Review.submitted_at.is_(None))
        .order_by(Team.name).options(lazyload(Team.members), lazyload(Pitch.sections)))]


def can_review(membership) -> bool:
    return Role.MANAGEMENT in membership.roles


def save_review(db, pitch: Pitch, programme: Programme, team: Team, membership,
                entries: dict[int, tuple[object, str]], *, submit: bool = False) -> Review:
    """Save the reviewer's scores as a draft, or submit them (final).

    `entries` maps a criterion id to (score, comment); a score may be None or "" in a draft. Nothing
    is written when anything is wrong. The first submitted review moves the pitch into review.
    """
    _lock(db, pitch)
    _check_reviewer(pitch, team, membership)
    if pitch.status not in REVIEWABLE:
        raise NotReviewable()
    review = review_of(db, pitch, membership)
    if review is not None and review.submitted_at is not None:
        raise ReviewFinal()
    card = {c.id: c for c in criteria(db, programme)}
    if not card:
        raise DomainError(_l("The scorecard of this programme has no criteria yet. Ask the administrator."))
    unknown = set(entries) - set(card)
    if unknown:
        raise DomainError(_l("Score the criteria of this programme's scorecard only."))
    cleaned = {cid: _clean_entry(card[cid], *entries[cid]) for cid in entries}
    if submit:
        scored = {s.criterion_id for s in review.scores} if review is not None else set()
        scored = (scored - set(cleaned)) | {cid for cid, (score, _comment) in cleaned.items() if score is not None}
        missing = [c for cid, c in card.items() if cid not in scored]
        if missing:
            raise ReviewIncomplete(_l("Give a score from 1 to 5 for: %(criteria)s.",
                                      criteria=", ".join(c.name for c in missing)),
                                   field=f"score_{missing[0].id}")
    if review is None:
        if not any(score is not None for score, _comment in cleaned.values()):
            raise DomainError(_l("Choose at least one score before you save a draft."))
        review = Review(pitch_id=pitch.id, reviewer_membership_id=membership.id)
        db.add(review)
        db.flush()
    by_criterion = {s.criterion_id: s for s in review.scores}
    for cid, (score, comment) in cleaned.items():
        row = by_criterion.get(cid)
        if score is None:
            if row is not None:
                review.scores.remove(row)
            continue
        if row is None:
            review.scores.append(ReviewScore(criterion_id=cid, score=score, comment=comment))
        else:
            row.score, row.comment = score, comment
    db.flush()
    if submit:
        _submit(db, pitch, review, membership)
    return review


def others_reviews(db, pitch: Pitch, viewer) -> list[Review]:
    """Other reviewers' submitted reviews of this pitch, for a viewer who may see them; else nothing.

    A reviewer sees them once their own review is submitted, and everyone in management once the
    pitch has been decided (no score can be influenced any more).
    """
    own = review_of(db, pitch, viewer)
    if not (own is not None and own.submitted_at is not None) and pitch.status != "decided":
        return []
    return list(db.scalars(select(Review).where(Review.pitch_id == pitch.id, Review.submitted_at.is_not(None),
                                                Review.reviewer_membership_id != viewer.id)
                           .order_by(Review.submitted_at, Review.id)))


def submitted_review_count(db, pitch: Pitch) -> int:
    return db.scalar(select(func.count()).select_from(Review).where(Review.pitch_id == pitch.id,
                                                                    Review.submitted_at.is_not(None))) or 0


def reviewer_names(db, reviews: list[Review]) -> dict[int, str]:
    """Names of the reviewers, by membership id (someone who left shows as a former member)."""
    ids = {r.reviewer_membership_id for r in reviews}
    if not ids:
        return {}
    return {m.id: m.user.name for m in db.scalars(select(Membership).where(Membership.id.in_(ids)))}


# ---- decision ------------------------------------------------------------------------------

def decide(db, pitch: Pitch, team: Team, membership, decision: str, feedback: str) -> None:
    """Management decides once, after at least one submitted review; the team is told."""
    _check_reviewer(pitch, team, membership)
    if pitch.status == "decided":
        raise AlreadyDecided()
    if pitch.status != "in_review":
        raise NotDecidable()
    if decision not in DECISION_LABELS:  # the decisions (saas.pitches.models.DECISIONS), each with its name
        raise DomainError(_l("Choose one of the decisions."), field="decision")
    feedback = (feedback or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if decision != "approved" and not feedback:
        raise DomainError(_l("Explain this decision to the team: feedback is needed unless the pitch is approved."),
                          field="feedback")
    if len(feedback) > FEEDBACK_MAX:
        raise DomainError(_l("At most %(max)d characters.", max=FEEDBACK_MAX), field="feedback")
    if not submitted_review_count(db, pitch):
        raise NotDecidable()
    # Conditional update: of two managers deciding at the same moment, exactly one decides.
    result = db.execute(update(Pitch).where(Pitch.id == pitch.id, Pitch.status == "in_review")
                        .values(status="decided", decision=decision, feedback=feedback, decided_at=utcnow())
                        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.refresh(pitch)
        raise AlreadyDecided() if pitch.status == "decided" else NotDecidable()
    db.refresh(pitch)
    _event(db, pitch, "decided", membership)
    notices.tell_team_about_decision(db, pitch, team, decision)


# ---- pitch day -----------------------------------------------------------------------------

def weighted_score(scores: list[tuple[int, int]]) -> float | None:
    """One reviewer's score: Σ weight × score / Σ weight over (weight, score) pairs."""
    total = sum(weight for weight, _score in scores)
    if not total:
        return None
    return sum(weight * score for weight, score in scores) / total


def combine(reviewer_scores: list[float]) -> tuple[float | None, float | None]:
    """The pitch's score (mean over reviewers) and the spread (highest minus lowest reviewer)."""
    if not reviewer_scores:
        return None, None
    return sum(reviewer_scores) / len(reviewer_scores), max(reviewer_scores) - min(reviewer_scores)


@dataclass
class PitchDayRow:
    pitch: Pitch
    team: Team
    theme: Theme
    reviews: int
    score: float | None = None
    spread: float | None = None
    hidden: bool = False  # the viewer must review this pitch before they see its scores
    own_review: bool = False
    rank: int | None = None
    reviewer_scores: list[float] = field(default_factory=list, repr=False)


def pitch_day(db, programme: Programme, viewer) -> list[PitchDayRow]:
    """Submitted, in-review and decided pitches, best weighted score first, with the spread.

    For a management member, a pitch they have not reviewed yet shows no scores, and is ranked
    after the visible ones so that its place does not give its score away.
    """
    rows = [PitchDayRow(pitch=p, team=t, theme=th, reviews=0) for p, t, th in db.execute(
        select(Pitch, Team, Theme).join(Team, Team.id == Pitch.team_id).join(Theme, Theme.id == Team.theme_id)
        .where(Theme.programme_id == programme.id, Pitch.status.in_(ON_PITCH_DAY))).all()]
    by_pitch = {row.pitch.id: row for row in rows}
    if rows:
        weights = {c.id: c.weight for c in criteria(db, programme)}
        reviews = db.scalars(select(Review).where(Review.pitch_id.in_(by_pitch), Review.submitted_at.is_not(None)))
        for review in reviews:
            row = by_pitch[review.pitch_id]
            row.reviews += 1
            row.own_review = row.own_review or review.reviewer_membership_id == viewer.id
            score = weighted_score([(weights[s.criterion_id], s.score) for s in review.scores
                                    if s.criterion_id in weights])
            if score is not None:
                row.reviewer_scores.append(score)
    reviewer = can_review(viewer)
    for row in rows:
        row.hidden = reviewer and not row.own_review and row.pitch.status != "decided"
        if not row.hidden:
            row.score, row.spread = combine(row.reviewer_scores)
        row.reviewer_scores = []  # never hand individual scores to a page
    visible = sorted((r for r in rows if not r.hidden and r.score is not None),
                     key=lambda r: (-r.score, r.team.name.lower()))
    for rank, row in enumerate(visible, start=1):
        row.rank = rank
    rest = sorted((r for r in rows if r.hidden or r.score is None), key=lambda r: (not r.hidden, r.team.name.lower()))
    return visible + rest


# ---- statuses for everyone -----------------------------------------------------------------

def statuses(db, programme: Programme) -> list[dict]:
    """Every team of the programme with its pitch's status and decision; no scores, no feedback.

    The title of a pitch still being written stays with its team.
    """
    pitches = {p.team_id: p for p in db.scalars(
        select(Pitch).join(Team, Team.id == Pitch.team_id).join(Theme, Theme.id == Team.theme_id)
        .where(Theme.programme_id == programme.id))}
    rows = []
    for team, theme in programme_service.teams_of_programme(db, programme):
        pitch = pitches.get(team.id)
        rows.append({
            "team": team, "theme": theme,
            "title": pitch.title if pitch is not None and pitch.status != "draft" else None,
            "status": pitch.status if pitch is not None else None,
            "decision": pitch.decision if pitch is not None and pitch.status == "decided" else None,
            "decided_at": pitch.decided_at if pitch is not None and pitch.status == "decided" else None,
        })
    return rows


# ---- helpers -------------------------------------------------------------------------------

def _clean_entry(criterion: ScorecardCriterion, score, comment) -> tuple[int | None, str]:
    if score is None or (isinstance(score, str) and not score.strip()):
        score = None
    else:
        try:
            score = int(str(score).strip())
        except ValueError:
            score = 0
        if score not in SCORES:
            raise DomainError(_l("Give %(criterion)s a score from 1 to 5.", criterion=criterion.name),
                              field=f"score_{criterion.id}")
    comment = (comment or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(_l("A comment has at most %(max)d characters.", max=COMMENT_MAX),
                          field=f"comment_{criterion.id}")
    if comment and score is None:
        raise DomainError(_l("Give %(criterion)s a score to keep your comment on it.", criterion=criterion.name),
                          field=f"score_{criterion.id}")
    return score, comment


def _submit(db, pitch: Pitch, review: Review, membership) -> None:
    # Conditional updates: a double click submits once, and of two first reviewers exactly one
    # moves the pitch into review.
    result = db.execute(update(Review).where(Review.id == review.id, Review.submitted_at.is_(None))
                        .values(submitted_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ReviewFinal()
    db.refresh(review)
    started = db.execute(update(Pitch).where(Pitch.id == pitch.id, Pitch.status == "submitted")
                         .values(status="in_review").execution_options(synchronize_session=False))
    db.refresh(pitch)
    if started.rowcount == 1:
        _event(db, pitch, "review_started", membership)


def _check_reviewer(pitch: Pitch, team: Team, membership) -> None:
    if not can_review(membership):
        raise DomainError(_l("Only central management reviews and decides on pitches."))
    if programme_service.is_team_member(team, membership):
        raise OwnTeam()


def _lock(db, pitch: Pitch) -> None:
    """Reviews of one pitch queue up behind each other and behind a decision (SELECT … FOR UPDATE)."""
    db.execute(select(Pitch.id).where(Pitch.id == pitch.id).with_for_update())
    db.refresh(pitch)


def _event(db, pitch: Pitch, event: str, membership) -> None:
    db.add(PitchEvent(pitch_id=pitch.id, event=event, membership_id=membership.id if membership else None))
    db.flush()
