"""Comparison pages: run a wave's comparison on demand and follow the job's progress."""
from __future__ import annotations

from tenants.guards import tenant_blueprint

bp = tenant_blueprint("comparison", __name__, "/comparisons")
