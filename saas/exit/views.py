"""Exit's pages: a tenant admin's archive of everything (/t/<slug>/admin/export), and the platform admin's
organisations, with their archives and the end of their contracts (/platform/organisations).

An archive is made by a job; its page shows the progress and, once it is ready, one button that hands it to
whoever asked, once: it is removed as it is handed over. Read-only tenants may export (these routes are on
the read-only allow-list: exit.start, exit.download, exit_platform.start_export, exit_platform.download).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from saas.exit import service
from saas.exit.forms import ContractForm
from saas.kernel.db import platform_blueprint, session
from saas.kernel.jobs import job_status
from saas.kernel.views import ButtonForm, press, submit
from tenants.guards import requires, tenant_blueprint
from tenants.models import Role, Tenant
from tenants.scoping import cross_tenant, set_scope

bp = tenant_blueprint("exit", __name__, "/admin/export")
platform = platform_blueprint(Blueprint("exit_platform", __name__, url_prefix="/platform/organisations"))


# --- a tenant's admin ------------------------------------------------------------------------------

@bp.route("/")
@requires(Role.ADMIN)
def index():
    db = session()
    exports = service.own_exports(db, current_user.id)
    return render_template("exit/index.html", exports=exports, runs=_runs(db, exports), start=url_for("exit.start"),
                           status=lambda e: url_for("exit.status", export_id=e.id),
                           deletion_day=service.deletion_day(g.tenant, _settings()))


@bp.route("/start", methods=["POST"])
@requires(Role.ADMIN)
def start():
    db = session()
    return press("export", lambda: url_for("exit.status", export_id=service.request_export(db, g.tenant, current_user).id),
                 then=url_for("exit.index"), follow=True)


@bp.route("/<int:export_id>")
@requires(Role.ADMIN)
def status(export_id: int):
    db = session()
    export = service.own_export(db, export_id, current_user.id) or abort(404)
    return _status_page(db, export, g.tenant, back=url_for("exit.index"),
                        download=url_for("exit.download", export_id=export.id))


@bp.route("/<int:export_id>/download", methods=["POST"])
@requires(Role.ADMIN)
def download(export_id: int):
    return _download(session(), export_id, g.tenant, url_for("exit.status", export_id=export_id))


# --- the platform admin ----------------------------------------------------------------------------

@platform.before_request
def _platform_admins_only():
    if not current_user.is_authenticated or not current_user.is_platform_admin:
        abort(404)


@platform.route("/")
def organisations():
    db = session()
    tenants = list(db.scalars(select(Tenant).order_by(Tenant.name, Tenant.id)))
    with cross_tenant(db):
        exports = service.own_exports(db, current_user.id)
        runs = _runs(db, exports)
    settings = _settings()
    return render_template("exit/organisations.html", tenants=tenants, exports=exports, runs=runs,
                           names={t.id: t.name for t in tenants}, grace=settings.exit_grace_days,
                           deletion_day=lambda t: service.deletion_day(t, settings),
                           status=lambda e: url_for("exit_platform.export_status", export_id=e.id))


@platform.route("/<int:tenant_id>/export", methods=["POST"])
def start_export(tenant_id: int):
    db = session()
    tenant = db.get(Tenant, tenant_id) or abort(404)
    set_scope(db, tenant_id=tenant.id)
    return press("export", lambda: url_for("exit_platform.export_status",
                                           export_id=service.request_export(db, tenant, current_user, by_platform=True).id),
                 then=url_for("exit_platform.organisations"), follow=True)


@platform.route("/<int:tenant_id>/contract", methods=["GET", "POST"])
def contract(tenant_id: int):
    db = session()
    tenant = db.get(Tenant, tenant_id) or abort(404)
    form = ContractForm(data={"ends_on": tenant.contract_ends_on})
    set_scope(db, tenant_id=tenant.id)
    return submit(form, lambda: service.end_contract(db, tenant, form.ends_on.data),
                  then=url_for("exit_platform.organisations"),
                  done=lambda t: _("The contract of %(name)s ends on %(day)s; its data is deleted from %(deleted)s.",
                                   name=t.name, day=t.contract_ends_on.isoformat(),
                                   deleted=service.deletion_day(t, _settings()).isoformat())
                  if t.contract_ends_on else _("%(name)s has no contract end any more.", name=t.name)) \
        or render_template("exit/contract.html", form=form, organisation=tenant, grace=_settings().exit_grace_days)


@platform.route("/exports/<int:export_id>")
def export_status(export_id: int):
    db = session()
    with cross_tenant(db):
        export = service.own_export(db, export_id, current_user.id) or abort(404)
    set_scope(db, tenant_id=export.tenant_id)
    return _status_page(db, export, db.get(Tenant, export.tenant_id), back=url_for("exit_platform.organisations"),
                        download=url_for("exit_platform.download", export_id=export.id))


@platform.route("/exports/<int:export_id>/download", methods=["POST"], endpoint="download")
def download_platform(export_id: int):
    db = session()
    with cross_tenant(db):
        export = service.own_export(db, export_id, current_user.id) or abort(404)
    set_scope(db, tenant_id=export.tenant_id)
    return _download(db, export.id, db.get(Tenant, export.tenant_id),
                     url_for("exit_platform.export_status", export_id=export.id))


# --- shared ----------------------------------------------------------------------------------------

def _status_page(db, export, tenant, *, back: str, download: str):
    run = job_status(db, export.job_id) if export.job_id else None
    return render_template("exit/status.html", export=export, run=run, organisation=tenant, back=back,
                           download=download, form=ButtonForm())


def _download(db, export_id: int, tenant, back: str):
    """The one download: the record says it was taken (committed first), the file's name goes, and the open
    file is handed over. A second press finds nothing to take."""
    if service.own_export(db, export_id, current_user.id) is None:
        abort(404)  # someone else's, or another tenant's: not found, button or not
    if not ButtonForm().says("download"):
        return redirect(back)
    settings = _settings()
    try:
        export, handle, path = service.take_download(db, settings, export_id, current_user.id)
    except LookupError:
        abort(404)
    except service.NotReady as refusal:
        db.rollback()
        flash(refusal.message, "error")
        return redirect(back)
    db.commit()
    service.forget(path)
    response = current_app.response_class(iter(lambda: handle.read(2**20), b""), mimetype="application/zip",
                                          direct_passthrough=True)
    response.call_on_close(handle.close)
    response.headers["Content-Disposition"] = f'attachment; filename="{service.download_name(tenant, export)}"'
    response.headers["Content-Length"] = str(export.size)
    response.headers["Cache-Control"] = "no-store"
    return response


def _runs(db, exports) -> dict:
    return {e.id: job_status(db, e.job_id) for e in exports if e.job_id}


def _settings():
    return current_app.config["KOERS"]
