"""The tenant's home page (/t/<slug>/), a status board per person: what each of their roles has to do next.

It keeps the tenant's landing URL and endpoint (`tenant.dashboard`): the view is added to the tenancy's
blueprint (`saas.administration.views.bp`), which this feature sits above. What it shows is gathered in
`saas.home.service`."""
from __future__ import annotations

from datetime import date

from flask import g, render_template

from saas.administration.forms import ROLE_LABELS
from saas.administration.views import bp
from saas.home import service
from saas.kernel.db import session
from saas.pitches.review import STATUS_LABELS as PITCH_STATUS_LABELS
from saas.surveys.forms import STATUS_LABELS as WAVE_STATUS_LABELS
from tenants.guards import requires


@bp.route("/")
@requires()
def dashboard():
    return render_template("home/tenant.html", home=service.home(session(), g.tenant, g.membership, date.today()),
                           role_labels=ROLE_LABELS, pitch_status=PITCH_STATUS_LABELS, wave_status=WAVE_STATUS_LABELS)
