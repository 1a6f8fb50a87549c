"""What a job runs inside: an app, a fresh session, the tenant set before any data is read, and its record.

A job function is decorated with `tenant_job` (first argument: the tenant id) or `platform_job`
(no tenant: mail delivery). Decorator arguments give its policy: the RQ queue, back-off intervals
for retries (only for jobs that call outside: a mail server, later Stripe) and a time limit.

When the job runs for a `JobRun` record (on RQ the record's id is the RQ job id; in-process the
queue says which record), the wrapper keeps that record: it claims it (`running`, attempts + 1),
beats a heartbeat every few seconds from a thread so the sweeper can tell a lost worker, and marks
it `done` in the same transaction as the job's own work, so a job that committed is never shown as
unfinished. A tenant job whose tenant the app's check refuses (read-only by the time it runs:
billing.readonly) does nothing and is recorded `failed` with the reason. On an exception it records the error: `queued` again when RQ will retry, otherwise
`failed`. Called directly (unit tests, one job calling another) a job runs without a record.

The app a job runs in is the one whose context is active (in-process: the web app that committed;
a command) or else the one the worker process handed over at its start (`use_app`, from
`workers.worker`): the kernel never creates an app, it knows no feature and no entry point.
"""
from __future__ import annotations

import functools
import logging
import os
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from flask import Flask, current_app, has_app_context
from sqlalchemy import update

from saas.kernel.db import utcnow
from saas.kernel.job_models import JobRun
from tenants.scoping import set_scope, tenantless

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0  # the sweeper counts a running job as lost after `koers worker --lost-after`
ERROR_LENGTH = 500

_app: Flask | None = None
_app_pid: int | None = None


@dataclass(frozen=True)
class JobPolicy:
    """How a job is queued. `retry` holds the back-off intervals in seconds, one per retry."""

    queue: str = "default"
    retry: tuple[int, ...] = ()
    timeout: int = 600

    @property
    def max_attempts(self) -> int:
        return 1 + len(self.retry)


@dataclass
class RunContext:
    """The record of the run in progress, for `report_progress` and the heartbeat."""

    database: object
    run_id: str
    tenant_id: int | None
    in_process: bool = False
    beating: threading.Event = field(default_factory=threading.Event)


_current: ContextVar[RunContext | None] = ContextVar("koers_job_run", default=None)
_assigned_run: ContextVar[str | None] = ContextVar("koers_assigned_run", default=None)


def use_app(app: Flask) -> None:
    """The app jobs run in outside any app context: the worker process's, made once by its entry point."""
    global _app, _app_pid
    _app, _app_pid = app, os.getpid()


def job_app() -> Flask:
    """The app whose settings and database a job uses (the web app's when run in-process)."""
    global _app_pid
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        raise RuntimeError("no app to run jobs in: run them inside an app context, or hand the worker's app "
                           "to saas.kernel.job_runtime.use_app first")
    if _app_pid != os.getpid():
        # RQ forks a work horse per job: never reuse the parent's pooled connections.
        _app.extensions["koers.db"].dispose(close=False)
        _app_pid = os.getpid()
    return _app


def platform_job(fn=None, *, queue: str = "default", retry: tuple[int, ...] = (), timeout: int = 600):
    """A job that is not about one tenant (mail delivery, Stripe's quantity). It gets a session with no tenant,
    of the platform role (`Database.PlatformSession`): its record belongs to no tenant, and it may `cross_tenant`."""
    policy = JobPolicy(queue, tuple(retry), timeout)
    return _decorate(fn, "platform", policy)


def tenant_job(fn=None, *, queue: str = "default", retry: tuple[int, ...] = (), timeout: int = 600):
    """A job about one tenant: its first argument is the tenant id, set before any query runs."""
    policy = JobPolicy(queue, tuple(retry), timeout)
    return _decorate(fn, "tenant", policy)


def _decorate(fn, kind: str, policy: JobPolicy):
    if fn is None:
        return lambda f: _decorate(f, kind, policy)
    path = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def run(*args):
        tenant_id = None
        if kind == "tenant":
            tenant_id = args[0] if args else None
            if not isinstance(tenant_id, int) or isinstance(tenant_id, bool):
                raise TypeError("a tenant job takes the tenant id as its first argument")
        app = job_app()
        with app.app_context():
            database = app.extensions["koers.db"]
            job_args = args[1:] if kind == "tenant" else args
            run_id, in_process = _run_id_for(path)
            if run_id is None:
                return _execute(fn, app, database, tenant_id, job_args, None, path)
            context = RunContext(database, run_id, tenant_id, in_process)
            if not _claim(context):
                log.info("job %s (%s) is not waiting to run (done, failed or taken); skipped", run_id, path)
                return None
            token = _current.set(context)
            heartbeat = _start_heartbeat(context)
            try:
                return _execute(fn, app, database, tenant_id, job_args, context, path)
            except BaseException as error:
                _record_failure(context, error)
                raise
            finally:
                context.beating.set()
                if heartbeat is not None:
                    heartbeat.join(HEARTBEAT_SECONDS)
                _current.reset(token)

    run.koers_job = kind
    run.koers_policy = policy
    run.koers_path = path
    return run


def _execute(fn, app, database, tenant_id, job_args, context: RunContext | None, path: str):
    with _session_for(database, tenant_id) as session:
        set_scope(session, tenant_id=tenant_id)
        refused = _refused(app, session, tenant_id, path)
        if refused is not None:  # the tenant became read-only since the job was asked for: it changes nothing
            log.info("job %s for tenant %s not run: %s", path, tenant_id, refused)
            _finish(session, context, tenant_id, status="failed", error=f"ReadOnly: {refused}"[:ERROR_LENGTH])
            session.commit()
            return None
        result = fn(session, app.config["KOERS"], *job_args)
        _finish(session, context, tenant_id, status="done", progress=100, error=None)  # in the job's transaction
        session.commit()
        return result


def _refused(app, session, tenant_id, path: str) -> str | None:
    """Why a tenant job must not run now (the app hands in the check: a read-only tenant), or None."""
    check = app.extensions.get("koers.tenant_job_check")
    if tenant_id is None or check is None:
        return None
    return check(session, tenant_id, path)


def _finish(session, context: RunContext | None, tenant_id, **values) -> None:
    if context is None:
        return
    with _record_scope(session, tenant_id):
        session.execute(
            update(JobRun).where(JobRun.id == context.run_id, JobRun.status == "running")
            .values(finished_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        )


def _run_id_for(path: str) -> tuple[str | None, bool]:
    """The record this call runs for, and whether in-process: given by the in-process queue, or
    the RQ job being performed."""
    assigned = _assigned_run.get()
    if assigned is not None:
        _assigned_run.set(None)  # for this call only, not for a job it calls in turn
        return assigned, True
    if _current.get() is not None:
        return None, False  # one job calling another directly: the inner call has no record of its own
    from rq import get_current_job

    job = get_current_job()
    if job is not None and job.func_name == path:
        return job.id, False
    return None, False


@contextmanager
def assigned_run(run_id: str):
    """In-process execution: the next job call runs for this record."""
    token = _assigned_run.set(run_id)
    try:
        yield
    finally:
        _assigned_run.reset(token)


@contextmanager
def _record_scope(session, tenant_id):
    """A platform job's record has no tenant: it is written as such, nothing else is."""
    if tenant_id is None:
        with tenantless(session):
            yield session
    else:
        yield session


def _session_for(database, tenant_id):
    """A tenant's job works on the app role, in its tenant's scope; a platform job (no tenant) on the platform
    role: the app role may add a platform job's record (a tenant's mail) but not read or change it."""
    return (database.Session if tenant_id is not None else database.PlatformSession)()


@contextmanager
def record_session(database, tenant_id):
    """A short transaction of its own on the run's record, scoped to the run's tenant."""
    with _session_for(database, tenant_id) as session:
        set_scope(session, tenant_id=tenant_id)
        with _record_scope(session, tenant_id):
            yield session
            session.commit()


def _update_record(context: RunContext, *conditions, **values) -> int:
    with record_session(context.database, context.tenant_id) as session:
        result = session.execute(
            update(JobRun).where(JobRun.id == context.run_id, *conditions).values(**values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount


def _claim(context: RunContext) -> bool:
    """pending/queued → running, atomically: a run taken twice (swept twice, retried) runs once."""
    now = utcnow()
    return _update_record(
        context, JobRun.status.in_(("pending", "queued")),
        status="running", attempts=JobRun.attempts + 1, started_at=now, heartbeat_at=now, progress=0,
        progress_note=None, finished_at=None,
    ) == 1


def _record_failure(context: RunContext, error: BaseException) -> None:
    message = short_error(error)
    will_retry = _rq_will_retry()
    try:
        if will_retry:  # RQ puts it back on the queue after its back-off interval
            _update_record(context, JobRun.status == "running", status="queued", error=message)
        else:
            _update_record(context, JobRun.status == "running", status="failed", error=message,
                           finished_at=utcnow())
    except Exception:  # the record must not hide the job's own error
        log.exception("could not record the failure of job %s", context.run_id)


def short_error(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return (f"{type(error).__name__}: {text}" if text else type(error).__name__)[:ERROR_LENGTH]


def _rq_will_retry() -> bool:
    from rq import get_current_job

    job = get_current_job()
    return bool(job is not None and job.retries_left and job.retries_left > 0)


def _start_heartbeat(context: RunContext) -> threading.Thread | None:
    if context.in_process and context.database.engine.dialect.name == "sqlite":
        return None  # embedded mode: one writer at a time, and no sweeper watches in-process runs
    thread = threading.Thread(target=_beat, args=(context,), name=f"heartbeat-{context.run_id}", daemon=True)
    thread.start()
    return thread


def _beat(context: RunContext) -> None:
    while not context.beating.wait(HEARTBEAT_SECONDS):
        try:
            _update_record(context, JobRun.status == "running", heartbeat_at=utcnow())
        except Exception:
            log.warning("job %s: heartbeat not written", context.run_id, exc_info=True)


def report_progress(percent: float, note: str | None = None) -> None:
    """From inside a running job: how far it is. Written at once in a transaction of its own, so a
    page sees it while the job still runs. Outside a recorded run (a direct call) it does nothing;
    on SQLite (embedded, in-process) neither, as the job's own transaction holds the only writer."""
    context = _current.get()
    if context is None or context.database.engine.dialect.name == "sqlite":
        return
    values = {"progress": max(0, min(100, int(percent)))}
    if note is not None:
        values["progress_note"] = str(note)[:200]
    try:
        _update_record(context, JobRun.status == "running", **values)
    except Exception:  # progress is a courtesy: never fail the job for it
        log.warning("job %s: progress not written", context.run_id, exc_info=True)


def current_run_id() -> str | None:
    context = _current.get()
    return context.run_id if context else None
