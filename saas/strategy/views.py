"""Strategy into behaviour: pillars, mutual expectations, action plans, knowledge day (issue 9) — pages."""
from __future__ import annotations

from tenants.guards import tenant_blueprint

bp = tenant_blueprint("strategy", __name__, "/strategy")
