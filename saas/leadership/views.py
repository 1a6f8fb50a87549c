"""Leadership: behaviour promises with pulse checks, 360-degree feedback, consistency check (issue 9) — pages.

One blueprint (blueprint.py: who may do what, the loaders, the personal links); its pages by sub-feature:
promise_views, pulse_views, pulse_code_views, feedback_views, consistency_views, and the hub below.
Importing this module registers them all.
"""
from __future__ import annotations

from datetime import date

from flask import g, render_template

from saas.kernel.db import session
from saas.leadership import (
    consistency_views, feedback, feedback_views, promise_views, pulse_code_views, pulse_views, pulses,
)
from saas.leadership.blueprint import bp
from saas.programme import service as programmes
from tenants.guards import requires

__all__ = ["bp"]


# ---- the hub --------------------------------------------------------------------------------

@bp.route("/")
@requires()
def index():
    """What the member can do here: pulse checks to answer, feedback to give, their own 360 rounds."""
    db = session()
    return render_template(
        "leadership/index.html", pulse_invitations=pulses.open_invitations(db, g.membership, date.today()),
        feedback_requests=feedback.requests(db, g.membership, date.today()), own_rounds=feedback.rounds_about(db, g.membership),
        coached_rounds=feedback.rounds_coached(db, g.membership), programmes=programmes.programmes(db),
        may_start=feedback.may_start(g.membership))
