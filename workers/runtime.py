"""What a job runs inside: an app, a fresh session, and the tenant set before any data is read."""
from __future__ import annotations

import functools
import os

from flask import Flask, current_app, has_app_context

from tenants.scoping import set_scope

_app: Flask | None = None
_app_pid: int | None = None


def job_app() -> Flask:
    """The app whose settings and database a job uses (the web app's when run in-process)."""
    global _app, _app_pid
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from saas import create_app

        _app, _app_pid = create_app(), os.getpid()
    elif _app_pid != os.getpid():
        # RQ forks a work horse per job: never reuse the parent's pooled connections.
        _app.extensions["koers.db"].engine.dispose(close=False)
        _app_pid = os.getpid()
    return _app


def platform_job(fn):
    """A job that is not about one tenant (mail delivery). It gets a session with no tenant."""

    @functools.wraps(fn)
    def run(*args):
        app = job_app()
        with app.app_context():
            with app.extensions["koers.db"].Session() as session:
                result = fn(session, app.config["KOERS"], *args)
                session.commit()
                return result

    return run


def tenant_job(fn):
    """A job about one tenant: its first argument is the tenant id, set before any query runs."""

    @functools.wraps(fn)
    def run(tenant_id: int, *args):
        if not isinstance(tenant_id, int):
            raise TypeError("a tenant job takes the tenant id as its first argument")
        app = job_app()
        with app.app_context():
            with app.extensions["koers.db"].Session() as session:
                set_scope(session, tenant_id=tenant_id)
                result = fn(session, app.config["KOERS"], *args)
                session.commit()
                return result

    return run
