"""The admin's survey pages: waves, consent, launch, invitations, response rates, catalogue, import."""
from __future__ import annotations

from tenants.guards import tenant_blueprint

bp = tenant_blueprint("surveys", __name__, "/waves")
