"""The worker process's side of running jobs: the app they run in.

`koers worker` (its entry point, saas.cli) creates the app once and hands it here. RQ forks a work
horse per job from this process; the horse runs the job in that app (saas.kernel.job_runtime, which
keeps the job's record, heartbeat and progress, the same in-process and in a worker) and must open
its own database connections, never reuse the parent's pooled ones.
"""
from __future__ import annotations

import os

from flask import Flask

from saas.kernel.job_runtime import use_app


def serve_jobs_in(app: Flask) -> None:
    """Run this process's jobs in `app`, also in the work horses RQ forks from it."""
    engine = app.extensions["koers.db"].engine
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    use_app(app)
