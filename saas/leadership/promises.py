"""Leadership promises: what the management team promises to do, in words staff can notice. A promise's
words are fixed once a pulse check or a 360 round has asked about it; it can be retired instead.
Pulse checks live in `pulses`, 360-degree feedback in `feedback`, the evidence and the consistency
check in `consistency`.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.kernel.db import utcnow
from saas.kernel.errors import DomainError
from saas.leadership.models import FeedbackRound, Promise, PulseRound

PROMISE_MAX = 1000


class PromiseAlreadyAsked(DomainError):
    status = 409
    default_message = _l("This promise has already been asked about, so its words can no longer change. "
                         "Retire it and make a new one instead.")


# ---- promises -------------------------------------------------------------------------------

def promises(db, programme, *, include_retired: bool = True) -> list[Promise]:
    query = select(Promise).where(Promise.programme_id == programme.id)
    if not include_retired:
        query = query.where(Promise.retired_at.is_(None))
    return list(db.scalars(query.order_by(Promise.id)))


def get_promise(db, promise_id: int) -> Promise | None:
    return db.scalar(select(Promise).where(Promise.id == promise_id))


def add_promise(db, programme, membership, text: str) -> Promise:
    promise = Promise(programme_id=programme.id, text=_promise_text(text), made_by_id=membership.id)
    db.add(promise)
    db.flush()
    return promise


def change_promise(db, promise: Promise, text: str) -> None:
    """New words for a promise nobody has been asked about yet (answers would otherwise change meaning)."""
    if is_asked(db, promise):
        raise PromiseAlreadyAsked()
    promise.text = _promise_text(text)


def retire_promise(promise: Promise) -> None:
    """No longer asked in new pulse checks and 360 rounds; its results stay."""
    if promise.retired_at is None:
        promise.retired_at = utcnow()


def is_asked(db, promise: Promise) -> bool:
    asked = [r.promise_ids for r in db.scalars(select(PulseRound).where(PulseRound.programme_id == promise.programme_id,
                                                                      PulseRound.status != "draft"))]
    asked += [r.promise_ids for r in db.scalars(select(FeedbackRound)
                                                .where(FeedbackRound.programme_id == promise.programme_id))]
    return any(promise.id in ids for ids in asked)


def _promise_text(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise DomainError(_l("Write down the promise."), field="text")
    if len(text) > PROMISE_MAX:
        raise DomainError(_l("A promise can be at most %(count)d characters.", count=PROMISE_MAX), field="text")
    return text
