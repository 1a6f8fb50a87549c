"""Putting jobs on the queue, with a record per run (DESIGN.md §7).

`enqueue_after_commit(db, "module.function", *args)` writes a `JobRun` (status `pending`) in the
caller's transaction and, once that transaction commits, hands the job to RQ under the record's
id and marks it `queued`. With no `REDIS_URL` the job runs in-process right after the commit (the
embedded default). If Redis is unreachable the request still succeeds: the record stays `pending`
and the sweeper in `koers worker` enqueues it once Redis is back. Nothing is lost either way,
because the record is committed together with whatever asked for the job.

The sweeper (`sweep`) also finds runs whose worker died: a `running` record whose heartbeat
stopped. A job with a retry policy (it calls outside) runs again while it has attempts left;
any other is marked `failed`, visibly, and the platform admin can retry it (`retry_run`).

A job is named by its dotted path (`"saas.surveys.jobs.mix_pool"`): this module imports no job
module; `job_function` imports the named one when the job is enqueued or run (a documented lazy
import, in the app that is running). Features declare their jobs with the decorators re-exported
here (`tenant_job`, `platform_job`, from `saas.kernel.job_runtime`) in a `jobs.py` beside their
service; `koers worker` (workers/) only runs them.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from importlib import import_module

from flask import current_app, has_app_context
from sqlalchemy import event, func, or_, select, update

from saas.kernel import audit
from saas.kernel.db import KoersSession, utcnow
from saas.kernel.job_models import ACTIVE_STATUSES, JobRun, args_key
from saas.kernel.job_runtime import (JobPolicy, assigned_run, job_app, platform_job, report_progress,  # noqa: F401
                                     tenant_job)
from tenants.scoping import set_scope, tenantless

log = logging.getLogger(__name__)

QUEUES = ("default", "mail")
LOST_AND_RETRIED = "The worker stopped while running this job; it runs again."
LOST = "The worker stopped while running this job."


# --- which jobs exist, and how they are queued -------------------------------------------------

def job_function(job_path: str):
    """The decorated job function at `job_path`; a ValueError for anything that is not a job."""
    module, _, name = job_path.rpartition(".")
    try:  # the lazy import by name: the queue knows no feature, the feature's jobs.py is loaded here
        function = getattr(import_module(module), name)
    except (ImportError, AttributeError, ValueError) as error:
        raise ValueError(f"no job {job_path!r}") from error
    if getattr(function, "koers_job", None) not in ("tenant", "platform"):
        raise ValueError(f"{job_path!r} is not a job (decorate it with tenant_job or platform_job)")
    if function.koers_policy.queue not in QUEUES:
        raise ValueError(f"{job_path!r} names an unknown queue {function.koers_policy.queue!r}")
    return function


def job_policy(job_path: str) -> JobPolicy | None:
    try:
        return job_function(job_path).koers_policy
    except ValueError:
        return None


# --- recording and enqueueing ------------------------------------------------------------------

@dataclass(frozen=True)
class _Queued:
    id: str
    function: str
    args: tuple
    attempts: int = 0


def enqueue_after_commit(session, job_path: str, *args, unique: bool = False) -> str:
    """Record a run of `job_path(*args)` in `session`'s transaction; enqueue it after the commit.

    Returns the run's id (for `job_status`). A tenant job's first argument is its tenant id and the
    record belongs to that tenant; a platform job's record belongs to none. With `unique`, an
    unfinished run of the same job with the same arguments is reused instead of adding another.
    """
    function = job_function(job_path)
    key = args_key(args)
    if len(key) > 255:
        raise ValueError("a job takes a few ids, not data")
    platform = function.koers_job == "platform"
    tenant_id = None if platform else args[0]
    session.flush()  # whatever the caller added is flushed under its own scope, not across tenants
    with tenantless(session) if platform else _same(session):
        if unique:
            existing = session.scalar(
                select(JobRun).where(JobRun.function == job_path, JobRun.args_key == key,
                                     JobRun.status.in_(ACTIVE_STATUSES), _tenant_is(tenant_id))
                .order_by(JobRun.created_at.desc()).limit(1))
            if existing is not None:
                return existing.id
        run = JobRun(id=uuid.uuid4().hex, tenant_id=tenant_id, function=job_path, args=list(args), args_key=key,
                     queue=function.koers_policy.queue, status="pending", progress=0, attempts=0,
                     created_at=utcnow())
        session.add(run)
        session.flush()
    _after_commit(session, _Queued(run.id, job_path, tuple(args)))
    return run.id


def dispatch(job_path: str, *args, settings=None) -> str:
    """Record and enqueue a job outside any request (a command, the sweeper): its own transaction."""
    app = job_app()
    with app.app_context():
        with app.extensions["koers.db"].Session() as session:
            if settings is not None:
                session.info["jobs_settings"] = settings
            if job_function(job_path).koers_job == "tenant":
                set_scope(session, tenant_id=args[0])
            run_id = enqueue_after_commit(session, job_path, *args)
            session.commit()
    return run_id


def retry_run(session, run: JobRun) -> JobRun:
    """Run a failed job again as a new run; the failed one points to it and leaves the failed list.

    `session` must see the run: its tenant's scope, or across tenants for the platform admin.
    """
    if run.status != "failed" or run.retried_as:
        raise ValueError("only a failed run that was not retried yet can be retried")
    job_function(run.function)  # the job still exists
    again = JobRun(id=uuid.uuid4().hex, tenant_id=run.tenant_id, function=run.function, args=list(run.args),
                   args_key=run.args_key, queue=run.queue, status="pending", progress=0, attempts=0,
                   created_at=utcnow())
    with tenantless(session) if run.tenant_id is None else _same(session):
        session.add(again)
        session.flush()
        run.retried_as = again.id
        session.flush()
        # the operator's action: on the affected tenant's trail, or the platform's for a platform job
        audit.record(session, "platform.job_retried", tenant_id=run.tenant_id, platform=run.tenant_id is None,
                     object_type="job_runs", object_id=run.id, detail={"function": run.function, "as": again.id})
    _after_commit(session, _Queued(again.id, again.function, tuple(again.args)))
    return again


def _after_commit(session, queued: _Queued) -> None:
    pending = session.info.setdefault("jobs_after_commit", [])
    pending.append(queued)
    if not session.info.get("jobs_hook_installed"):
        event.listen(session, "after_commit", _dispatch_pending)
        event.listen(session, "after_rollback", _forget_pending)
        session.info["jobs_hook_installed"] = True


def _dispatch_pending(session) -> None:
    pending = session.info.pop("jobs_after_commit", [])
    if not pending:
        return
    settings = session.info.get("jobs_settings") or (current_app.config["KOERS"] if has_app_context() else None)
    if settings is None:
        settings = job_app().config["KOERS"]
    _send(session.get_bind(), settings, pending, platform_engine=_platform_engine_for(session),
          scope_key=session.info.get("scope_key", b""))


def _platform_engine_for(session):
    """Where the records of platform jobs are marked: the app role may add them, not change them."""
    if session.info.get("platform"):
        return session.get_bind()
    return (current_app if has_app_context() else job_app()).extensions["koers.db"].platform_engine


def _forget_pending(session) -> None:
    session.info.pop("jobs_after_commit", None)


def _send(engine, settings, runs: list[_Queued], *, platform_engine=None, scope_key: bytes = b"") -> None:
    """Hand committed runs to RQ (and mark them queued), or run them here without Redis."""
    if not settings.redis_url:
        for queued in runs:
            _run_in_process(queued)
        return
    from redis.exceptions import RedisError

    connection = redis_connection(settings.redis_url)
    sent = []
    for queued in runs:
        try:
            _enqueue(connection, queued)
        except RedisError:
            log.warning("queue unreachable; job %s (%s) stays pending until the worker sweeps it",
                        queued.id, queued.function)
            break  # the rest would wait for the same timeout: they stay pending too
        sent.append(queued.id)
    if sent:
        _mark_queued(engine, [queued for queued in runs if queued.id in sent], platform_engine or engine, scope_key)


def _enqueue(connection, queued: _Queued) -> None:
    from rq import Queue, Retry

    policy = job_function(queued.function).koers_policy
    intervals = list(policy.retry[queued.attempts:])
    retry = Retry(max=len(intervals), interval=intervals) if intervals else None
    Queue(policy.queue, connection=connection).enqueue(
        queued.function, *queued.args, job_id=queued.id, retry=retry, job_timeout=policy.timeout,
        description=queued.function,
    )


def _mark_queued(engine, runs: list[_Queued], platform_engine, scope_key: bytes = b"") -> None:
    """pending → queued; a worker that already took the run (running, done) is not overwritten. Each tenant's
    runs are marked in that tenant's scope (signed with the committing session's key), the platform jobs' on the
    platform role's engine."""
    by_tenant: dict[int | None, list[str]] = {}
    for queued in runs:
        by_tenant.setdefault(_tenant_of(queued), []).append(queued.id)
    for tenant_id, run_ids in by_tenant.items():
        try:
            with _platform_session(engine if tenant_id is not None else platform_engine, scope_key) as db:
                set_scope(db, tenant_id=tenant_id)
                db.execute(update(JobRun).where(JobRun.id.in_(run_ids), JobRun.status == "pending")
                           .values(status="queued").execution_options(synchronize_session=False))
                db.commit()
        except Exception:  # the job is on the queue; a pending record is only enqueued again, harmlessly
            log.exception("could not mark jobs %s as queued", run_ids)


def _tenant_of(queued: _Queued) -> int | None:
    try:
        return queued.args[0] if job_function(queued.function).koers_job == "tenant" else None
    except ValueError:
        return None


def _run_in_process(queued: _Queued) -> None:
    try:
        with assigned_run(queued.id):
            job_function(queued.function)(*queued.args)
    except Exception:  # an in-process job's failure must not fail the request that committed
        log.exception("job %s (%s) failed", queued.id, queued.function)


@lru_cache(maxsize=8)
def redis_connection(url: str):
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def rq_queue(url: str, name: str = "default"):
    from rq import Queue

    return Queue(name, connection=redis_connection(url))


# --- what pages ask ----------------------------------------------------------------------------

def job_status(db, job_id: str) -> JobRun | None:
    """The run with this id, if the session's scope sees it (a tenant sees only its own runs)."""
    if not isinstance(job_id, str) or not job_id or len(job_id) > 36:
        return None
    return db.get(JobRun, job_id)


def latest_run(db, job_path: str, *args) -> JobRun | None:
    """The newest run of `job_path(*args)` in the session's scope (a tenant sees only its own)."""
    return db.scalar(select(JobRun).where(JobRun.function == job_path, JobRun.args_key == args_key(args))
                     .order_by(JobRun.created_at.desc(), JobRun.id).limit(1))


def failed_runs(db, limit: int = 200) -> list[JobRun]:
    """Failed runs not retried yet, newest first. Platform admin only: `db` must be cross-tenant."""
    return list(db.scalars(select(JobRun).where(JobRun.status == "failed", JobRun.retried_as.is_(None))
                           .order_by(JobRun.finished_at.desc().nulls_last(), JobRun.created_at.desc())
                           .limit(limit)))


def count_by_status(db) -> dict[str, int]:
    rows = db.execute(select(JobRun.status, func.count()).group_by(JobRun.status)).all()
    return {status: count for status, count in rows}


# --- the sweeper -------------------------------------------------------------------------------

@dataclass
class SweepReport:
    enqueued: int = 0  # pending (Redis was down) or lost from Redis, now on the queue
    lost_retried: int = 0  # running without a heartbeat, to run again
    lost_failed: int = 0  # running without a heartbeat, now visibly failed

    def __bool__(self) -> bool:
        return bool(self.enqueued or self.lost_retried or self.lost_failed)


def sweep(engine, connection, *, pending_after: float = 10, lost_after: float = 60,
          limit: int = 500) -> SweepReport:
    """One round of the sweeper; safe to run in several workers at once (rows are locked)."""
    from redis.exceptions import RedisError

    report = SweepReport()
    _sweep_lost(engine, lost_after, limit, report)
    now = utcnow()
    with _platform_session(engine) as db:
        candidates = db.execute(
            select(JobRun.id, JobRun.status).where(
                or_(JobRun.status == "pending", JobRun.status == "queued"),
                or_(JobRun.created_at < now - timedelta(seconds=pending_after), JobRun.attempts > 0))
            .order_by(JobRun.created_at).limit(limit)).all()
    try:
        for run_id, status in candidates:
            if status == "queued" and _waiting_in_rq(connection, run_id):
                continue  # on the queue, waiting for its retry, or being taken by a worker
            report.enqueued += _enqueue_swept(engine, connection, run_id, status)
    except RedisError:
        log.warning("queue still unreachable; %d job(s) stay pending", len(candidates) - report.enqueued)
    return report


def _sweep_lost(engine, lost_after: float, limit: int, report: SweepReport) -> None:
    now = utcnow()
    silent_since = func.coalesce(JobRun.heartbeat_at, JobRun.started_at, JobRun.created_at)
    with _platform_session(engine) as db:
        lost = db.scalars(select(JobRun).where(JobRun.status == "running",
                                               silent_since < now - timedelta(seconds=lost_after))
                          .limit(limit).with_for_update(skip_locked=True)).all()
        for run in lost:
            policy = job_policy(run.function)
            if policy is not None and run.attempts < policy.max_attempts and policy.retry:
                run.status, run.error = "pending", LOST_AND_RETRIED
                report.lost_retried += 1
            else:
                run.status, run.error, run.finished_at = "failed", LOST, now
                report.lost_failed += 1
            log.warning("job %s (%s): its worker stopped; %s", run.id, run.function, run.status)
        db.commit()


def _waiting_in_rq(connection, run_id: str) -> bool:
    """False when RQ lost the job (Redis restarted empty) or ended it while our record still waits
    (e.g. the database was away when a worker took it): then it is enqueued again."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        status = Job.fetch(run_id, connection=connection).get_status(refresh=False)
    except NoSuchJobError:
        return False
    return status not in (None, JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)


def _enqueue_swept(engine, connection, run_id: str, status: str) -> int:
    with _platform_session(engine) as db:
        run = db.scalar(select(JobRun).where(JobRun.id == run_id, JobRun.status == status)
                        .with_for_update(skip_locked=True))
        if run is None:
            return 0  # another sweeper or a worker has it
        try:
            _enqueue(connection, _Queued(run.id, run.function, tuple(run.args), run.attempts))
        except ValueError as error:  # the job no longer exists in the code
            run.status, run.error, run.finished_at = "failed", str(error)[:500], utcnow()
            db.commit()
            return 0
        run.status = "queued"
        db.commit()
        return 1


# --- helpers -----------------------------------------------------------------------------------

class _same:
    """A no-op context manager (the session's own scope)."""

    def __init__(self, session):
        self.session = session

    def __enter__(self):
        return self.session

    def __exit__(self, *exc):
        return False


def _tenant_is(tenant_id):
    return JobRun.tenant_id.is_(None) if tenant_id is None else JobRun.tenant_id == tenant_id


def _platform_session(engine, scope_key: bytes = b"") -> KoersSession:
    """A session across tenants: the queue's own bookkeeping on records of every tenant. On PostgreSQL the
    database shows every tenant's records only on the platform role's engine (`Database.platform_engine`,
    which `koers worker` hands the sweeper); on the app role's, those of the tenant set, if any."""
    session = KoersSession(bind=engine, info={"scope_key": scope_key})
    session.info["all_tenants"] = True
    return session
