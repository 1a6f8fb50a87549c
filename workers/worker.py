"""`koers worker`: an RQ worker on our queues, with the sweeper running beside it.

The sweeper runs in a thread of the worker process (see `Sweeper`), every `sweep_every` seconds:
it enqueues job runs left `pending` (Redis was down when they were asked for) or lost from Redis,
finds `running` runs whose heartbeat stopped (their worker was killed) and retries or fails them,
re-sends mails left pending with no job on the way, closes the survey waves and rounds whose
close date has passed (saas.deadlines), once a day per tenant removes what its retention periods say
is due (saas.privacy.retention), and after each half-year makes the benchmark's sector norms once (saas.benchmark).

Why a thread and not RQ's scheduler or a cron job: it needs no extra process or service to deploy,
it runs exactly as long as the worker (a killed worker takes its sweeper along, a restarted one
brings it back), and it works while the worker's single work horse is busy with a long job. It
has its own app, database engine and Redis client, so the work horses RQ forks never share a
connection with it. Several workers may sweep at once: rows are claimed with row locks.

The process's apps come from its entry point (`koers worker`): the app its jobs run in, handed to
the kernel's job runtime (`serve_jobs_in`), and a factory for the sweeper's own app; this package
imports no app factory. Jobs are found by their names (saas.kernel.jobs), not imported here.
"""
from __future__ import annotations

import logging
import os
import threading
from datetime import date

from flask import Flask
from redis import Redis
from rq import Worker

from saas.benchmark.service import release_due as release_benchmarks
from saas.deadlines import close_due
from saas.exit.service import sweep as exit_sweep
from saas.kernel.jobs import QUEUES, redis_connection, sweep
from saas.kernel.job_runtime import use_app
from saas.kernel.mail_jobs import sweep_outbox
from saas.privacy.retention import enforce_due

log = logging.getLogger(__name__)

SWEEP_EVERY = 15  # seconds between sweeps
LOST_AFTER = 60  # seconds without a heartbeat (beaten every 5 s) before a running job counts as lost
PENDING_AFTER = 10  # seconds a pending run is left to the request that committed it


def serve_jobs_in(app: Flask) -> None:
    """Run this process's jobs in `app`, also in the work horses RQ forks from it: each horse opens its
    own database connections, never the parent's pooled ones."""
    database = app.extensions["koers.db"]
    os.register_at_fork(after_in_child=lambda: database.dispose(close=False))
    use_app(app)


def sweep_once(app, *, lost_after: float = LOST_AFTER, pending_after: float = PENDING_AFTER):
    """One sweep, inside `app` (its engine, its settings)."""
    settings = app.config["KOERS"]
    with app.app_context():
        # the sweeper looks at every tenant's job records: the platform role's engine (saas.kernel.db)
        report = sweep(app.extensions["koers.db"].platform_engine, redis_connection(settings.redis_url),
                       pending_after=pending_after, lost_after=lost_after)
        mails = sweep_outbox()
        closed = close_due(app.extensions["koers.db"].Session, date.today())
        exit_sweep(app.extensions["koers.db"].Session, settings, date.today())  # contracts ended, old archives
        enforce_due(app.extensions["koers.db"].PlatformSession, date.today())  # each tenant once a day (saas.privacy)
        release_benchmarks(app.extensions["koers.db"].Session, date.today())  # sector norms, once per half-year
    if report or mails or closed:
        log.info("sweeper: %d job(s) enqueued, %d lost job(s) to run again, %d lost job(s) failed, "
                 "%d pending mail(s) re-sent; past their close date, %d wave(s), %d pulse check(s), "
                 "%d 360 round(s) and %d workshop evaluation window(s) closed", report.enqueued, report.lost_retried,
                 report.lost_failed, mails, closed.waves, closed.pulse_checks, closed.feedback_rounds,
                 closed.workshop_evaluations)
    return report


class Sweeper(threading.Thread):
    def __init__(self, make_app, *, every: float = SWEEP_EVERY, lost_after: float = LOST_AFTER,
                 pending_after: float = PENDING_AFTER):
        super().__init__(name="koers-sweeper", daemon=True)
        self.make_app, self.every, self.lost_after, self.pending_after = make_app, every, lost_after, pending_after
        self.stopping = threading.Event()

    def run(self) -> None:
        app = self.make_app()  # its own engine: never shared with a forked work horse
        try:
            while not self.stopping.wait(self.every):
                try:
                    sweep_once(app, lost_after=self.lost_after, pending_after=self.pending_after)
                except Exception:  # the database or Redis may be away for a while: try again next round
                    log.warning("sweeper: this round failed; trying again in %ss", self.every, exc_info=True)
        finally:
            app.extensions["koers.db"].dispose()

    def stop(self) -> None:
        self.stopping.set()
        self.join(10)


def run_worker(app, make_app, *, burst: bool = False, with_scheduler: bool = True,
               sweep_every: float = SWEEP_EVERY, lost_after: float = LOST_AFTER) -> bool:
    """Work on the queues in `app`; `make_app()` gives the sweeper thread an app of its own."""
    settings = app.config["KOERS"]
    serve_jobs_in(app)
    try:
        sweep_once(app, lost_after=lost_after, pending_after=0)
    except Exception:
        log.warning("sweeper: the first round failed; the worker starts anyway", exc_info=True)
    sweeper = None
    if not burst:
        sweeper = Sweeper(make_app, every=sweep_every, lost_after=lost_after)
        sweeper.start()
    try:
        # Its own client: RQ raises the socket timeout for its long blocking pops, which the short
        # commands of the enqueue path and the sweeper should not inherit.
        worker = Worker(list(QUEUES), connection=Redis.from_url(settings.redis_url, socket_connect_timeout=2))
        return worker.work(burst=burst, with_scheduler=with_scheduler)
    finally:
        if sweeper is not None:
            sweeper.stop()
