"""Pages outside any tenant: the start page (a person's tenants with a line of status each, or straight to
the one tenant's home), health, development outbox."""
from __future__ import annotations

import ipaddress
from datetime import date

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for, send_from_directory
from flask_login import current_user
from sqlalchemy import select, text

from saas.home import service as status_board
from saas.kernel.db import session
from saas.kernel.outbox import STATUS_LABELS, OutboundMail
from tenants.scoping import cross_tenant
from tenants.service import tenants_of

bp = Blueprint("core", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    db = session()
    tenants = tenants_of(db, current_user)
    if len(tenants) == 1:  # one tenant: its home is the start
        return redirect(url_for("home.index", slug=tenants[0].slug))
    return render_template("home.html", lines=status_board.status_lines(db, current_user, tenants, date.today()))


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links (base.html links the SVG beside it)."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)


@bp.route("/healthz")
def health():
    session().execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/dev/outbox")
def outbox():
    """Development only: the mails that would have gone out, with every tenant's links in them. Absent
    unless the outbox is on (development on SQLite, saas.kernel.config) and only for this machine."""
    settings = current_app.config["KOERS"]
    if not settings.dev_outbox or settings.production or not _loopback(request.remote_addr):
        abort(404)
    # every tenant's mails (each is its own tenant's row: row-level security), so the platform role's session
    with current_app.extensions["koers.db"].PlatformSession() as db, cross_tenant(db):
        mails = db.scalars(select(OutboundMail).order_by(OutboundMail.id.desc()).limit(100)).all()
    return render_template("dev/outbox.html", mails=mails, status_labels=STATUS_LABELS)


def _loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False
