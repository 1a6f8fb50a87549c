"""Anonymised culture reports for the works council (issue 7) — pages."""
from __future__ import annotations

from tenants.guards import tenant_blueprint

bp = tenant_blueprint("reports", __name__, "/reports")
