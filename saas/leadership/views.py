"""Leadership: behaviour promises with pulse checks, 360-degree feedback, consistency check (issue 9) — pages."""
from __future__ import annotations

from tenants.guards import tenant_blueprint

bp = tenant_blueprint("leadership", __name__, "/leadership")
