"""The published statements: /privacy and /accessibility for the platform, /t/<slug>/privacy and
/t/<slug>/accessibility for an organisation. Public (no sign-in): staff read them before their first sign-in
and respondents without an account follow them from a survey. Linked from every page's footer."""
from __future__ import annotations

from flask import Blueprint, current_app, g, render_template

from saas.kernel.db import session
from saas.statements import service
from tenants.guards import public_in_tenant, tenant_blueprint

platform = Blueprint("statements", __name__)
bp = tenant_blueprint("tenant_statements", __name__)


def _privacy(tenant):
    statement = service.privacy_statement(session(), tenant, current_app.config["KOERS"])
    return render_template("statements/privacy.html", statement=statement)


def _accessibility(tenant):
    return render_template("statements/accessibility.html", organisation=tenant.name if tenant else None,
                           contact=current_app.config["KOERS"].privacy_contact)


@platform.route("/privacy")
def privacy():
    return _privacy(None)


@platform.route("/accessibility")
def accessibility():
    return _accessibility(None)


@bp.route("/privacy")
@public_in_tenant  # a published statement: read before signing in, and by respondents who have no account
def tenant_privacy():
    return _privacy(g.tenant)


@bp.route("/accessibility")
@public_in_tenant  # as above
def tenant_accessibility():
    return _accessibility(g.tenant)
