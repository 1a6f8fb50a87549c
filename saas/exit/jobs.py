"""Exit's jobs: making a tenant's archive (with progress), and deleting a tenant whose grace period has passed."""
from __future__ import annotations

from datetime import date

from saas.exit import service
from saas.kernel.audit import Actor
from saas.kernel.jobs import platform_job, tenant_job
from tenants.models import Tenant


@tenant_job(timeout=3 * 3600)
def build_export(session, settings, export_id: int) -> str:
    return service.build(session, settings, export_id)


@platform_job(timeout=3600)
def delete_ended_tenant(session, settings, tenant_id: int) -> str:
    """Asked for by the sweeper (saas.exit.service.sweep); looks again, as the contract's end may have been
    withdrawn since."""
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        return "gone already"
    if not service.is_due(tenant, settings, date.today()):
        return "not due"
    detail = service.delete_tenant(session, settings, tenant, actor=Actor("system: contract ended"), origin="job")
    return f"deleted {detail['slug']}"
