"""The respondent's pages: a survey answered through a personal link or the wave's open link."""
from __future__ import annotations

from tenants.guards import tenant_blueprint

bp = tenant_blueprint("respond", __name__, "/survey")
