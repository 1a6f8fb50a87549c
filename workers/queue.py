"""Putting jobs on the queue.

With `REDIS_URL` set, jobs go to RQ after the transaction that asked for them commits; a web
request never waits for them. Without it they run in-process right after the commit, which is
the embedded default. If Redis is unreachable the request still succeeds: the job's own
record (for now: the mail outbox row) stays pending and `koers worker` picks it up.
"""
from __future__ import annotations

import logging
from functools import lru_cache

from flask import current_app, has_app_context
from sqlalchemy import event

log = logging.getLogger(__name__)

QUEUES = ("default", "mail")
JOB_QUEUE = {"workers.jobs.send_mail": "mail"}


def enqueue_after_commit(session, job_path: str, *args) -> None:
    pending = session.info.setdefault("jobs_after_commit", [])
    pending.append((job_path, args))
    if not session.info.get("jobs_hook_installed"):
        event.listen(session, "after_commit", _dispatch_pending)
        event.listen(session, "after_rollback", _forget_pending)
        session.info["jobs_hook_installed"] = True


def dispatch(job_path: str, *args, settings=None) -> None:
    settings = settings or current_app.config["KOERS"]
    if settings.redis_url:
        from redis.exceptions import RedisError
        from rq import Retry

        try:
            queue = rq_queue(settings.redis_url, JOB_QUEUE.get(job_path, "default"))
            queue.enqueue(job_path, *args, retry=Retry(max=3, interval=[10, 60, 300]))
        except RedisError:
            log.warning("queue unreachable; %s%r stays pending until a worker sweeps it", job_path, args)
        return
    _run_in_process(job_path, *args)


@lru_cache(maxsize=8)
def redis_connection(url: str):
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def rq_queue(url: str, name: str = "default"):
    from rq import Queue

    return Queue(name, connection=redis_connection(url))


def _dispatch_pending(session) -> None:
    pending = session.info.pop("jobs_after_commit", [])
    settings = current_app.config["KOERS"] if has_app_context() else None
    for job_path, args in pending:
        try:
            dispatch(job_path, *args, settings=settings)
        except Exception:  # an in-process job's failure must not fail the request that committed
            log.exception("job %s%r failed", job_path, args)


def _forget_pending(session) -> None:
    session.info.pop("jobs_after_commit", None)


def _run_in_process(job_path: str, *args) -> None:
    from importlib import import_module

    module, name = job_path.rsplit(".", 1)
    getattr(import_module(module), name)(*args)
