"""The platform admin's pages: failed jobs across tenants and retrying one; the benchmark's norms (counts only).

The blueprint answers 404 to anyone who is not a platform admin (before any view runs), so the
pages do not exist for tenants' users. Its views work across tenants, explicitly (`cross_tenant`), in a
session of the platform role (`platform_blueprint`; saas.kernel.db).
"""
from __future__ import annotations

from datetime import timezone

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from saas.benchmark import service as benchmark
from saas.kernel.db import platform_blueprint, session
from tenants.models import Tenant
from tenants.scoping import cross_tenant
from saas.kernel.job_models import JOB_STATUSES, STATUS_LABELS
from saas.kernel.jobs import count_by_status, failed_runs, job_status, retry_run

bp = platform_blueprint(Blueprint("platform", __name__, url_prefix="/platform"))


@bp.before_request
def _platform_admins_only():
    if not current_user.is_authenticated or not current_user.is_platform_admin:
        abort(404)


@bp.route("/jobs")
def failed_jobs():
    db = session()
    with cross_tenant(db):
        runs = failed_runs(db)
        counts = count_by_status(db)
        tenant_ids = {run.tenant_id for run in runs if run.tenant_id is not None}
        tenant_names = dict(db.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(tenant_ids))).all()) \
            if tenant_ids else {}
    failed_at = {run.id: _utc(run.finished_at or run.created_at) for run in runs}
    return render_template("platform/jobs.html", runs=runs, counts=counts, tenant_names=tenant_names,
                           failed_at=failed_at, statuses=JOB_STATUSES, status_labels=STATUS_LABELS)


def _utc(moment) -> str:
    if moment.tzinfo is None:  # SQLite gives naive datetimes; they were stored in UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


@bp.route("/jobs/<job_id>/retry", methods=["POST"])
def retry_job(job_id: str):
    db = session()
    with cross_tenant(db):
        run = job_status(db, job_id) or abort(404)
        if run.status != "failed" or run.retried_as:
            flash(_("This job has not failed or was retried already."), "info")
            return redirect(url_for("platform.failed_jobs"))
        try:
            retry_run(db, run)
        except ValueError:  # the job no longer exists in the code
            db.rollback()
            flash(_("This job cannot be run again: it no longer exists."), "error")
            return redirect(url_for("platform.failed_jobs"))
        db.commit()
    flash(_("The job runs again; it leaves this list."), "success")
    return redirect(url_for("platform.failed_jobs"))


@bp.route("/benchmarks")
def benchmarks():
    """Every sector norm made (saas.benchmark): counts only, never a tenant or a figure."""
    db = session()
    made = benchmark.platform_list(db)
    return render_template("platform/benchmarks.html", made=made, sectors=benchmark.SECTORS,
                           measures={norm.id: benchmark.published_measures(norm) for norm in made})
