"""Closing what has reached its close date: survey waves, pulse checks, 360-degree rounds and the
evaluation windows of workshops.

A close date is the last day answers are taken; from the next day on the respondent's pages and
the intake refuse them. What is still open after its close date is closed here, exactly as its
close button does it: the pool of waiting answers is mixed in, the results are released once (a
pulse check's or 360 round's answers rewritten and its results stored as a release, in the same
transaction), a survey wave gets its release and comparison queued, and a workshop's pooled
evaluations are mixed in and its results released. Interim releases of survey waves, fixed before
their launch, are made here too, the day after their date.

Who runs it: the worker's sweeper, on every sweep (workers.worker); a deployment without a worker
(the embedded default) runs `koers close-due` once a day, from cron or a systemd timer. Each wave
or round is closed in its own transaction, scoped to its own tenant, with its row locked: two
sweepers at once close each thing once, and one that fails does not keep the others open. Only the
listing of what is due crosses tenants: it runs on the platform role (`Session.platform()`, the twin
of a `Database`'s sessionmaker), each closing on the app role in its tenant's scope.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from saas.anonymity.models import Release
from saas.kernel.errors import DomainError
from saas.leadership import feedback, pulses
from saas.leadership.models import FeedbackRound, PulseRound
from saas.reports.release import release_wave
from saas.strategy import knowledge_day
from saas.strategy.models import Workshop
from saas.surveys import service as surveys
from saas.surveys.models import Wave
from saas.surveys.service import checkpoint_due
from tenants.models import Tenant
from tenants.scoping import cross_tenant, set_scope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Closed:
    waves: int = 0
    pulse_checks: int = 0
    feedback_rounds: int = 0
    interim_releases: int = 0
    workshop_evaluations: int = 0

    def __bool__(self) -> bool:
        return bool(self.waves or self.pulse_checks or self.feedback_rounds or self.workshop_evaluations
                    or self.interim_releases)


def _due(model, today: date):
    """The condition under which `model` is open past its close date."""
    if model is Workshop:
        return (Workshop.evaluations == "open") & (Workshop.evaluations_close_on < today)
    return (model.status == "open") & (model.closes_on < today)


def close_due(Session, today: date) -> Closed:
    """Close every wave and round, in every tenant, whose close date is before `today`."""
    closed = {}
    for kind, model in (("waves", Wave), ("pulse_checks", PulseRound), ("feedback_rounds", FeedbackRound),
                        ("workshop_evaluations", Workshop)):
        with Session.platform() as db, cross_tenant(db):
            due = db.execute(select(model.tenant_id, model.id).where(_due(model, today))
                             .order_by(model.tenant_id, model.id)).all()
        closed[kind] = sum(_close_one(Session, model, kind, tenant_id, thing_id, today)
                           for tenant_id, thing_id in due)
    return Closed(**closed, interim_releases=release_checkpoints(Session, today))


def release_checkpoints(Session, today: date) -> int:
    """Make the interim release of every open wave whose interim release day has passed (DESIGN.md §3:
    figures exist only at release points fixed before the launch). Each in its own transaction."""
    with Session.platform() as db, cross_tenant(db):
        # only waves whose interim day has passed are locked and looked at again, one at a time
        due = [(wave.tenant_id, wave.id) for wave in db.scalars(select(Wave).where(Wave.status == "open")
                                                                 .order_by(Wave.tenant_id, Wave.id))
               if checkpoint_due(wave, today)]
    return sum(_release_checkpoint(Session, tenant_id, wave_id, today) for tenant_id, wave_id in due)


def _release_checkpoint(Session, tenant_id: int, wave_id: int, today: date) -> bool:
    with Session() as db:
        set_scope(db, tenant_id=tenant_id)
        wave = db.scalar(select(Wave).where(Wave.id == wave_id, Wave.status == "open").with_for_update())
        if wave is None or not surveys.checkpoint_due(wave, today):
            return False
        passed = [day for day in wave.checkpoints if date.fromisoformat(day) < today]
        made = len(db.scalars(select(Release.id).where(Release.collection == "wave",
                                                      Release.collection_id == wave.id)).all())
        if made >= len(passed):
            return False
        surveys.rewrite_results(db, wave, today, generalise=False)  # the pool joins the rest, in one go
        release_wave(db, db.get(Tenant, tenant_id), wave, today=today, interim=True)
        db.commit()
    log.info("interim release of wave %d of tenant %d", wave_id, tenant_id)
    return True


def _close_one(Session, model, kind: str, tenant_id: int, thing_id: int, today: date) -> bool:
    with Session() as db:
        set_scope(db, tenant_id=tenant_id)
        # Locked, and read again under the lock: another sweeper or the close button may have been first.
        thing = db.scalar(select(model).where(model.id == thing_id, _due(model, today)).with_for_update(of=model))
        if thing is None:
            return False
        try:
            _CLOSERS[kind](db, thing, today)
        except DomainError:  # closed meanwhile after all
            db.rollback()
            return False
        db.commit()
    log.info("closed %s %d of tenant %d: its close date has passed", kind, thing_id, tenant_id)
    return True


def _close_wave(db, wave, _today) -> None:
    surveys.close_and_compare(db, db.get(Tenant, wave.tenant_id), wave)


def _close_pulse_check(db, pulse, _today) -> None:
    pulses.close_round(db, pulse)


def _close_feedback_round(db, feedback_round, _today) -> None:
    feedback.close_round(db, feedback_round)


def _close_workshop_evaluations(db, workshop, today) -> None:
    knowledge_day.close_evaluations(db, workshop, today)


_CLOSERS = {"waves": _close_wave, "pulse_checks": _close_pulse_check, "feedback_rounds": _close_feedback_round,
            "workshop_evaluations": _close_workshop_evaluations}
