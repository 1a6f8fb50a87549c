"""The tenant's home page (/t/<slug>/, the tenant's landing page): a status board per person, with what each
of their roles has to do next. What it shows is gathered in `saas.home.service`."""
from __future__ import annotations

from datetime import date

from flask import g, render_template, session as http_session

from saas.administration.forms import ROLE_LABELS
from saas.home import service
from saas.kernel.db import session, utcnow
from saas.pitches.review import STATUS_LABELS as PITCH_STATUS_LABELS
from tenants.guards import requires, tenant_blueprint

bp = tenant_blueprint("home", __name__)


@bp.route("/")
@requires()
def index():
    db = session()
    since = service.last_visit(g.membership, http_session, utcnow())  # the works council's "new since"
    found = service.home(db, g.tenant, g.membership, date.today(), since=since)
    db.commit()
    return render_template("home/tenant.html", home=found, role_labels=ROLE_LABELS, pitch_status=PITCH_STATUS_LABELS)
