"""The consistency check: the evidence (documents, interview notes, pulse results, a manager's own 360
results) of whether the management team's deeds match its promises, and the overview per promise.
Plain functions on a tenant-scoped session; the promises live in `promises`, pulse checks in `pulses`,
360-degree feedback in `feedback`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.anonymity import raters
from saas.kernel.errors import DomainError
from saas.leadership import feedback, pulses, rules
from saas.kernel.files import DOCX, JPEG, PDF, PNG, PPTX, sniff_content_type
from saas.leadership.models import RATINGS, Evidence, FeedbackRound, Promise, PulseRound
from saas.leadership.promises import promises

TITLE_MAX = 200
NOTES_MAX = 10_000
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = (PDF, PPTX, PNG, JPEG, DOCX)


class DocumentRefused(DomainError):
    default_message = _l("Attach a PDF, a Word document (.docx), a PowerPoint presentation or a PNG or JPEG "
                         "image of at most 10 MB.")


# ---- evidence -------------------------------------------------------------------------------

def evidence_of(db, promise: Promise) -> list[Evidence]:
    return list(db.scalars(select(Evidence).where(Evidence.promise_id == promise.id).order_by(Evidence.id)))


def get_evidence(db, evidence_id: int) -> Evidence | None:
    return db.scalar(select(Evidence).where(Evidence.id == evidence_id))


def add_document(db, promise: Promise, membership, *, title: str, notes: str, rating: str, filename: str,
                 data: bytes) -> Evidence:
    """A document checked by its content, not its name (as pitch attachments are)."""
    if not data or len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentRefused(field="file")
    content_type = document_type(data)
    if content_type is None:
        raise DocumentRefused(field="file")
    safe_name = "".join(c for c in (filename or "document").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
                        if c.isprintable() and c not in '"<>:|?*')[:TITLE_MAX] or "document"
    return _add(db, promise, membership, "document", rating, title=_title(title), notes=notes, filename=safe_name,
                content_type=content_type, size=len(data), data=data)


def add_interview(db, promise: Promise, membership, *, title: str, held_on: date, notes: str,
                  rating: str) -> Evidence:
    if not (notes or "").strip():
        raise DomainError(_l("Write down what the interview showed."), field="notes")
    return _add(db, promise, membership, "interview", rating, title=_title(title), held_on=held_on, notes=notes)


def link_pulse(db, promise: Promise, membership, *, pulse_round_id: int, notes: str, rating: str) -> Evidence:
    """The results of a closed pulse check that asked about the promise."""
    found = db.scalar(select(PulseRound).where(PulseRound.id == pulse_round_id))
    if found is None or found.status != "closed" or promise.id not in found.promise_ids:
        raise DomainError(_l("Choose a closed pulse check that asked about this promise."), field="pulse_round_id")
    return _add(db, promise, membership, "pulse", rating, title=found.name, notes=notes, pulse_round_id=found.id)


def link_feedback(db, promise: Promise, membership, *, feedback_round_id: int, notes: str,
                  rating: str) -> Evidence:
    """A manager shares the figures of their own closed 360 round on this promise. Only they can: the
    report is theirs (and their coach's) alone, so sharing a figure from it is their decision."""
    found = db.scalar(select(FeedbackRound).where(FeedbackRound.id == feedback_round_id))
    if found is None or found.subject_id != membership.id or found.status != "closed" \
            or promise.id not in found.promise_ids:
        raise DomainError(_l("Choose one of your own closed 360-degree feedback rounds that asked about this "
                             "promise."), field="feedback_round_id")
    return _add(db, promise, membership, "feedback", rating, title=str(_l("360-degree feedback")), notes=notes,
                feedback_round_id=found.id)


def rate(evidence: Evidence, rating: str) -> None:
    evidence.rating = _rating(rating)


def remove_evidence(db, evidence: Evidence) -> None:
    db.delete(evidence)


def document_type(data: bytes) -> str | None:
    """What pitch attachments accept (PDF, PowerPoint, PNG, JPEG), and Word documents."""
    found = sniff_content_type(data)
    return found if found in DOCUMENT_TYPES else None


def _add(db, promise: Promise, membership, kind: str, rating: str, **values) -> Evidence:
    notes = (values.pop("notes", "") or "").strip()
    if len(notes) > NOTES_MAX:
        raise DomainError(_l("At most %(max)d characters.", max=NOTES_MAX), field="notes")
    evidence = Evidence(promise_id=promise.id, kind=kind, rating=_rating(rating), notes=notes,
                        added_by_id=membership.id, **values)
    db.add(evidence)
    db.flush()
    return evidence


def _title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise DomainError(_l("Give the evidence a title."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_l("At most %(max)d characters.", max=TITLE_MAX), field="title")
    return title


def _rating(rating: str) -> str:
    if rating not in RATINGS:
        raise DomainError(_l("Say whether this is consistent with the promise or not."), field="rating")
    return rating


# ---- the consistency overview ---------------------------------------------------------------

@dataclass(frozen=True)
class ConsistencyRow:
    promise: Promise
    consistent: int
    inconsistent: int
    pulse_mean: float | None  # the latest released pulse check that shows a figure for the promise
    pulse_round: PulseRound | None
    verdict: str
    withheld: int = 0  # pieces of 360 evidence left out for this reader, who rated that round


def consistency(db, programme, viewer) -> list[ConsistencyRow]:
    """Per promise: the evidence for and against, the latest released pulse result, and where words and
    deeds part — as `viewer` may see them (360 evidence of a round they rated is left out)."""
    rated = rounds_rated(db, viewer)
    counts: dict[tuple[int, str], int] = {}
    withheld: dict[int, int] = {}
    for promise_id, rating, kind, round_id in db.execute(
            select(Evidence.promise_id, Evidence.rating, Evidence.kind, Evidence.feedback_round_id)
            .join(Promise, Promise.id == Evidence.promise_id).where(Promise.programme_id == programme.id)):
        if _withheld(kind, round_id, rated):
            withheld[promise_id] = withheld.get(promise_id, 0) + 1
        else:
            counts[(promise_id, rating)] = counts.get((promise_id, rating), 0) + 1
    latest = pulses.latest_results(db, programme)
    rows = []
    for promise in promises(db, programme):
        found = latest.get(promise.id)
        mean = found[1].mean if found else None
        consistent, inconsistent = counts.get((promise.id, "consistent"), 0), counts.get((promise.id, "inconsistent"), 0)
        rows.append(ConsistencyRow(promise, consistent, inconsistent, mean, found[0] if found else None,
                                   rules.verdict(consistent, inconsistent, mean), withheld.get(promise.id, 0)))
    return rows


def rounds_rated(db, viewer) -> set[int]:
    """The 360 rounds `viewer` was asked to rate: evidence shared from them is withheld from them."""
    return feedback.rounds_rated_by(db, viewer)


def is_withheld(evidence: Evidence, rated: set[int]) -> bool:
    return _withheld(evidence.kind, evidence.feedback_round_id, rated)


def _withheld(kind: str, feedback_round_id: int | None, rated: set[int]) -> bool:
    return kind == "feedback" and raters.evidence_withheld(feedback_round_id, rated)
