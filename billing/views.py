"""Billing pages (issue 8): the tenant's billing page, and the platform-level pages (Stripe webhook,
consultancy sign-up, consultant dashboard)."""
from __future__ import annotations

from flask import Blueprint

from tenants.guards import tenant_blueprint

bp = tenant_blueprint("billing", __name__, "/billing")
public = Blueprint("billing_public", __name__, url_prefix="/billing")
