"""The knowledge day: skills workshops in time slots, sign-ups with a waiting list, attendance and
a short evaluation.

Places are handed out under a row lock on the workshop (SELECT ... FOR UPDATE on PostgreSQL), so
when two people take the last place at the same moment one gets it and the other joins the
waiting list. A person's own sign-ups are serialised by a lock on their membership, so two
overlapping workshops cannot both be booked from two browser tabs. The waiting list is promoted
first come, first served whenever a place frees up, and the promoted people are told (in the app and
by e-mail).

Evaluations are a small anonymous collection (DESIGN.md §3) with a window: it opens when the
attendance is recorded (k is frozen then) and closes after its close date (the workshop's day + 14
days by default, which the host or an organiser may change) or by the host's button; the sweeper
(saas.deadlines) closes windows past their date. While it is open, an evaluation only marks the
sign-up as evaluated and puts its score and comment in a pool that says nothing about who or when;
there are no figures. The close, in a transaction of its own, mixes the pool into the evaluations in
random order with random ids and stores the results once as a release (saas.anonymity.releases):
the count, the average from k evaluations, the comments from free_text_k(k), sorted. Pages read only
that release.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, time, timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from werkzeug.exceptions import Forbidden

from saas.anonymity import policy
from saas.anonymity.releases import latest_release, store_release
from saas.anonymity.scores import score_figures
from saas.kernel import audit
from saas.kernel.errors import DomainError
from saas.kernel import notifications
from saas.programme.models import Programme
from saas.strategy.models import Evaluation, EvaluationPool, KnowledgeDay, Signup, Workshop
from saas.strategy.pillars import pillar_of_programme
from tenants.models import Membership, Role, Tenant

ORGANISERS = (Role.ADMIN, Role.MANAGEMENT, Role.CONSULTANT)
MAX_CAPACITY = 1000
EVALUATION_DAYS = 14  # the window closes this many days after the workshop's day, unless changed
COLLECTION = "workshop"
_shuffle = random.SystemRandom().shuffle


class DoubleBooking(DomainError):
    status = 409

    def __init__(self, other: Workshop):
        super().__init__(_l(
            "You are already signed up for “%(title)s” (%(start)s–%(end)s), which overlaps with this workshop. "
            "Cancel that one first if you would rather go to this one.",
            title=other.title, start=hhmm(other.starts_at), end=hhmm(other.ends_at)))
        self.other = other


class NotSignedUp(DomainError):
    default_message = _l("You are not signed up for this workshop.")


class CannotEvaluate(DomainError):
    status = 409
    default_message = _l("Only people who attended the workshop can evaluate it, once.")


class EvaluationsClosed(DomainError):
    status = 409
    default_message = _l("The evaluations of this workshop are closed.")


class EvaluationsNotOpen(DomainError):
    status = 409
    default_message = _l("The evaluations of this workshop are not open: they open once the attendance is recorded.")


@dataclass
class Place:
    """One workshop on the day page, with the reader's own place."""

    workshop: Workshop
    confirmed: int
    waiting: int
    mine: Signup | None
    my_position: int | None  # on the waiting list, 1 = next in line

    @property
    def places_left(self) -> int:
        return max(0, self.workshop.capacity - self.confirmed)


@dataclass
class Results:
    """A workshop's evaluation as released at the close of its window (None before)."""

    state: str  # pending | open | closed
    closes_on: date | None
    count: int | None  # None until the close
    average: float | None  # None: not released yet, or fewer than k evaluations
    comments: list[str] | None  # None: not released yet, or too few evaluations for comments
    k: int
    text_k: int


def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def may_organise(membership: Membership) -> bool:
    return membership.has_any(ORGANISERS)


def may_record_attendance(workshop: Workshop, membership: Membership) -> bool:
    return may_organise(membership) or workshop.host_id == membership.id


# ---- days and workshops --------------------------------------------------------------------

def days(db, programme: Programme) -> list[KnowledgeDay]:
    return list(db.scalars(select(KnowledgeDay).where(KnowledgeDay.programme_id == programme.id)
                           .order_by(KnowledgeDay.held_on.desc(), KnowledgeDay.id.desc())))


def get_day(db, day_id: int) -> KnowledgeDay | None:
    return db.scalar(select(KnowledgeDay).where(KnowledgeDay.id == day_id))


def save_day(db, programme: Programme, day: KnowledgeDay | None, *, title: str, held_on, location: str,
             description: str) -> KnowledgeDay:
    if day is None:
        day = KnowledgeDay(programme_id=programme.id)
        db.add(day)
    elif day.held_on != held_on and _has_signups(db, day):
        raise DomainError(_l("People have signed up already: keep the date, or make a new knowledge day."),
                          field="held_on")
    day.title, day.held_on = title.strip(), held_on
    day.location, day.description = (location or "").strip(), (description or "").strip()
    db.flush()
    return day


def workshops(db, day: KnowledgeDay) -> list[Workshop]:
    return list(db.scalars(select(Workshop).where(Workshop.day_id == day.id)
                           .order_by(Workshop.starts_at, Workshop.ends_at, func.lower(Workshop.title))))


def get_workshop(db, workshop_id: int) -> Workshop | None:
    return db.scalar(select(Workshop).where(Workshop.id == workshop_id))


def save_workshop(db, programme: Programme, day: KnowledgeDay, workshop: Workshop | None, *, title: str,
                  description: str, host_id: int | None, pillar_id: int | None, capacity: int, starts_at: time,
                  ends_at: time) -> tuple[Workshop, list[Signup]]:
    """Add or change a workshop; returns it and the people promoted from the waiting list when the
    capacity went up. A time slot that people have booked stays as it is (their other bookings were
    checked against it)."""
    if ends_at <= starts_at:
        raise DomainError(_l("A workshop ends after it starts."), field="ends_at")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError(_l("Choose a number from 1 to %(max)d.", max=MAX_CAPACITY), field="capacity")
    if host_id is not None and db.scalar(select(Membership.id).where(Membership.id == host_id)) is None:
        raise DomainError(_l("Choose someone from the organisation."), field="host_id")
    if pillar_id:
        pillar_of_programme(db, programme, pillar_id)
    if workshop is None:
        workshop = Workshop(day_id=day.id)
        db.add(workshop)
    else:
        _lock(db, workshop)
        if (workshop.starts_at, workshop.ends_at) != (starts_at, ends_at) and _signups(db, workshop):
            raise DomainError(_l("People have signed up already: the time slot cannot change any more."),
                              field="starts_at")
        confirmed = _count(db, workshop, "confirmed")
        if capacity < confirmed:
            raise DomainError(_l("%(num)d people already have a place: the capacity cannot be lower.",
                                 num=confirmed), field="capacity")
    workshop.title, workshop.description = title.strip(), (description or "").strip()
    workshop.host_id, workshop.pillar_id, workshop.capacity = host_id, pillar_id or None, capacity
    workshop.starts_at, workshop.ends_at = starts_at, ends_at
    db.flush()
    return workshop, _promote(db, workshop)


def day_of(db, workshop: Workshop) -> KnowledgeDay:
    return db.scalar(select(KnowledgeDay).where(KnowledgeDay.id == workshop.day_id))


def places(db, day: KnowledgeDay, membership: Membership) -> list[Place]:
    """Every workshop of the day with its numbers and the reader's own sign-up."""
    rows = workshops(db, day)
    counts = {(w, s): n for w, s, n in db.execute(
        select(Signup.workshop_id, Signup.status, func.count()).where(Signup.workshop_id.in_([w.id for w in rows]))
        .group_by(Signup.workshop_id, Signup.status))} if rows else {}
    mine = {s.workshop_id: s for s in db.scalars(select(Signup).where(
        Signup.membership_id == membership.id, Signup.workshop_id.in_([w.id for w in rows])))} if rows else {}
    return [Place(workshop=w, confirmed=counts.get((w.id, "confirmed"), 0), waiting=counts.get((w.id, "waiting"), 0),
                  mine=mine.get(w.id), my_position=waiting_position(db, mine[w.id]) if w.id in mine else None)
            for w in rows]


def place(db, workshop: Workshop, membership: Membership) -> Place:
    mine = my_signup(db, workshop, membership)
    return Place(workshop=workshop, confirmed=_count(db, workshop, "confirmed"),
                 waiting=_count(db, workshop, "waiting"), mine=mine,
                 my_position=waiting_position(db, mine) if mine else None)


def participants(db, workshop: Workshop) -> tuple[list[Signup], list[Signup]]:
    """(people with a place, the waiting list in order)."""
    rows = _signups(db, workshop)
    return [s for s in rows if s.status == "confirmed"], [s for s in rows if s.status == "waiting"]


def my_signup(db, workshop: Workshop, membership: Membership) -> Signup | None:
    return db.scalar(select(Signup).where(Signup.workshop_id == workshop.id, Signup.membership_id == membership.id))


def waiting_position(db, signup: Signup) -> int | None:
    if signup.status != "waiting":
        return None
    ahead = db.scalar(select(func.count()).select_from(Signup).where(
        Signup.workshop_id == signup.workshop_id, Signup.status == "waiting",
        (Signup.signed_up_at < signup.signed_up_at)
        | ((Signup.signed_up_at == signup.signed_up_at) & (Signup.id < signup.id))))
    return (ahead or 0) + 1


# ---- signing up ----------------------------------------------------------------------------

def sign_up(db, workshop: Workshop, membership: Membership) -> Signup:
    """Take a place, or a place on the waiting list when the workshop is full. Signing up twice
    changes nothing; a workshop that overlaps one you are signed up for (or waiting for) is refused."""
    _lock(db, workshop)
    # Serialises one person's sign-ups, so the overlap check below sees their other bookings.
    db.execute(select(Membership.id).where(Membership.id == membership.id).with_for_update())
    existing = my_signup(db, workshop, membership)
    if existing is not None:
        return existing
    other = _overlapping(db, workshop, membership)
    if other is not None:
        raise DoubleBooking(other)
    status = "confirmed" if _count(db, workshop, "confirmed") < workshop.capacity else "waiting"
    signup = Signup(workshop_id=workshop.id, membership_id=membership.id, status=status)
    db.add(signup)
    db.flush()
    return signup


def cancel(db, workshop: Workshop, membership: Membership) -> list[Signup]:
    """Give up a place (or a place on the waiting list); returns who was promoted into the freed place."""
    _lock(db, workshop)
    signup = my_signup(db, workshop, membership)
    if signup is None:
        raise NotSignedUp()
    if signup.attended is not None:
        raise DomainError(_l("Attendance has been recorded: this sign-up stays."))
    db.delete(signup)
    db.flush()
    return _promote(db, workshop)


def record_attendance(db, workshop: Workshop, membership: Membership, attended_ids: set[int]) -> None:
    """The host or an organiser ticks who came; everyone else with a place did not. The first time,
    the evaluation window opens, with k frozen and a close date 14 days after the workshop's day."""
    if not may_record_attendance(workshop, membership):
        raise Forbidden()
    _lock(db, workshop)
    confirmed, _waiting = participants(db, workshop)
    known = {s.membership_id for s in confirmed}
    if not attended_ids <= known:
        raise DomainError(_l("Tick people who have a place at this workshop."), field="attended_ids")
    for signup in confirmed:
        signup.attended = signup.membership_id in attended_ids
    if workshop.evaluations == "pending":
        workshop.evaluations = "open"
        workshop.k = policy.launch_k(db.get(Tenant, workshop.tenant_id))
        workshop.evaluations_close_on = day_of(db, workshop).held_on + timedelta(days=EVALUATION_DAYS)
    db.flush()


# ---- evaluating ----------------------------------------------------------------------------

def evaluations_open(workshop: Workshop, today: date) -> bool:
    """The window is open and its close date (the last day evaluations are taken) has not passed."""
    return workshop.evaluations == "open" and (workshop.evaluations_close_on is None
                                               or today <= workshop.evaluations_close_on)


def may_evaluate(signup: Signup | None, workshop: Workshop | None = None, today: date | None = None) -> bool:
    if signup is None or signup.attended is not True or signup.evaluated:
        return False
    return workshop is None or evaluations_open(workshop, today or date.today())


def evaluate(db, workshop: Workshop, membership: Membership, *, score: int, comment: str, today: date) -> None:
    """Mark the attendee's sign-up as evaluated and put the score and comment in the pool, with
    nothing that says who or when; figures come only at the close."""
    # A shared lock on the workshop: the close (which locks it for update) cannot run between this check
    # and the pooled row, so nothing lands in the pool of a window already closed.
    db.execute(select(Workshop.id).where(Workshop.id == workshop.id).with_for_update(read=True))
    db.refresh(workshop)
    signup = db.scalar(select(Signup).where(Signup.workshop_id == workshop.id, Signup.membership_id == membership.id)
                       .with_for_update(of=Signup))  # two clicks at once: the second sees `evaluated`
    if not may_evaluate(signup):
        raise CannotEvaluate()
    if workshop.evaluations == "pending":
        raise EvaluationsNotOpen()
    if not evaluations_open(workshop, today):
        raise EvaluationsClosed()
    if not 1 <= score <= 5:
        raise DomainError(_l("Choose a score from 1 to 5."), field="score")
    signup.evaluated = True
    db.add(EvaluationPool(id=secrets.token_hex(16), workshop_id=workshop.id, score=score,
                          comment=(comment or "").strip()))
    db.flush()


def set_evaluation_close(db, workshop: Workshop, membership: Membership, closes_on: date, today: date) -> None:
    """The host or an organiser moves the window's close date (the last day evaluations are taken)."""
    if not may_record_attendance(workshop, membership):
        raise Forbidden()
    _lock(db, workshop)
    db.refresh(workshop)
    if workshop.evaluations == "pending":
        raise EvaluationsNotOpen()
    if workshop.evaluations == "closed":
        raise EvaluationsClosed()
    if closes_on < today:
        raise DomainError(_l("Choose today or a later date."), field="closes_on")
    workshop.evaluations_close_on = closes_on
    db.flush()


def close_evaluations(db, workshop: Workshop, today: date, membership: Membership | None = None) -> None:
    """Close the window (the host's button, or the sweeper when membership is None), in a transaction
    of its own: the pool and the evaluations so far are written anew in random order with random ids,
    and the results are computed once and stored as the workshop's release."""
    if membership is not None and not may_record_attendance(workshop, membership):
        raise Forbidden()
    _lock(db, workshop)
    db.refresh(workshop)
    if workshop.evaluations == "pending":
        raise EvaluationsNotOpen()
    if workshop.evaluations == "closed":
        raise EvaluationsClosed()
    pooled = list(db.scalars(select(EvaluationPool).where(EvaluationPool.workshop_id == workshop.id)
                             .with_for_update()))
    earlier = list(db.scalars(select(Evaluation).where(Evaluation.workshop_id == workshop.id)))
    answers = [(row.score, row.comment or "") for row in pooled + earlier]
    _shuffle(answers)
    db.execute(delete(EvaluationPool).where(EvaluationPool.workshop_id == workshop.id)
               .execution_options(synchronize_session=False))
    db.execute(delete(Evaluation).where(Evaluation.workshop_id == workshop.id)
               .execution_options(synchronize_session=False))
    for score, comment in answers:
        db.add(Evaluation(id=secrets.token_hex(16), workshop_id=workshop.id, score=score, comment=comment))
        db.flush()  # one insert at a time, in the shuffled order
    k = policy.frozen_k(workshop, db.get(Tenant, workshop.tenant_id))
    store_release(db, COLLECTION, workshop.id, k=k, answers=len(answers), figures=score_figures(answers, k),
                  final=True, released_on=today)
    workshop.evaluations = "closed"
    audit.record(db, "workshop.evaluations_closed", obj=workshop)
    db.flush()


def results(db, workshop: Workshop, tenant: Tenant) -> Results:
    """What the pages show: the stored release, or when it will come."""
    k = policy.frozen_k(workshop, tenant)
    release = latest_release(db, COLLECTION, workshop.id) if workshop.evaluations == "closed" else None
    figures = release.figures if release is not None else {}
    if release is not None:
        k = release.k
    return Results(state=workshop.evaluations, closes_on=workshop.evaluations_close_on, count=figures.get("count"),
                   average=figures.get("average"), comments=figures.get("comments"), k=k,
                   text_k=policy.free_text_k(k))


# ---- helpers -------------------------------------------------------------------------------

def _lock(db, workshop: Workshop) -> None:
    db.execute(select(Workshop.id).where(Workshop.id == workshop.id).with_for_update())


def _count(db, workshop: Workshop, status: str) -> int:
    return db.scalar(select(func.count()).select_from(Signup).where(Signup.workshop_id == workshop.id,
                                                                    Signup.status == status)) or 0


def _signups(db, workshop: Workshop) -> list[Signup]:
    return list(db.scalars(select(Signup).where(Signup.workshop_id == workshop.id)
                           .order_by(Signup.signed_up_at, Signup.id)))


def _has_signups(db, day: KnowledgeDay) -> bool:
    return db.scalar(select(Signup.id).join(Workshop, Workshop.id == Signup.workshop_id)
                     .where(Workshop.day_id == day.id).limit(1)) is not None


def _overlapping(db, workshop: Workshop, membership: Membership) -> Workshop | None:
    """Another workshop on the same date, in a slot that overlaps, that this person is signed up or waiting for."""
    day = day_of(db, workshop)
    return db.scalar(
        select(Workshop).join(Signup, Signup.workshop_id == Workshop.id)
        .join(KnowledgeDay, KnowledgeDay.id == Workshop.day_id)
        .where(Signup.membership_id == membership.id, Workshop.id != workshop.id, KnowledgeDay.held_on == day.held_on,
               Workshop.starts_at < workshop.ends_at, Workshop.ends_at > workshop.starts_at)
        .order_by(Workshop.starts_at).limit(1))


def _promote(db, workshop: Workshop) -> list[Signup]:
    """Give freed places to the waiting list, first come first served. The caller holds the lock."""
    free = workshop.capacity - _count(db, workshop, "confirmed")
    if free <= 0:
        return []
    promoted = list(db.scalars(select(Signup).where(Signup.workshop_id == workshop.id, Signup.status == "waiting")
                               .order_by(Signup.signed_up_at, Signup.id).limit(free)))
    for signup in promoted:
        signup.status = "confirmed"
    db.flush()
    _tell_promoted(db, workshop, promoted)
    return promoted


WORKSHOP_PLACE = notifications.message(
    "workshop_place", _l("You have a place at the workshop %(title)s"),
    _l("A place at the workshop \"%(title)s\" on %(date)s, %(start)s–%(end)s, has become free and it is "
       "yours now. If you cannot come, please cancel, so that the next person gets it."))


def _tell_promoted(db, workshop: Workshop, promoted: list[Signup]) -> None:
    """Someone on the waiting list has a place now: tell them in the app and by e-mail."""
    people = [signup.membership for signup in promoted if signup.membership is not None]
    if not people:
        return
    day = day_of(db, workshop)
    notifications.notify(db, db.get(Tenant, workshop.tenant_id), people, "workshop_place", WORKSHOP_PLACE,
                         {"title": workshop.title, "date": day.held_on, "start": hhmm(workshop.starts_at),
                          "end": hhmm(workshop.ends_at)},
                         url_for("strategy.workshop", workshop_id=workshop.id), current_app.config["KOERS"])
