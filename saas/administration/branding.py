"""Which house style a tenant's pages show: the tenant's own, else that of the consultancy whose client it
is, else none (Koers's theme). Read inside the tenant's scope: a page never sees another tenant's style."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import undefer

from billing.models import CONSULTANCY, BillingAccount, TenantBilling
from saas.kernel import brand
from saas.kernel.brand import Brand
from tenants.models import Tenant


def _consultancy(db, tenant: Tenant, *, with_logo: bool = False) -> BillingAccount | None:
    query = (select(BillingAccount).join(TenantBilling, TenantBilling.account_id == BillingAccount.id)
             .where(TenantBilling.tenant_id == tenant.id, BillingAccount.kind == CONSULTANCY))
    if with_logo:
        query = query.options(undefer(BillingAccount.brand_logo))
    return db.scalar(query)


def brand_for(db, tenant: Tenant) -> Brand | None:
    return brand.of(tenant, "tenant") or brand.of(_consultancy(db, tenant), "consultancy")


def logo_for(db, tenant: Tenant) -> tuple[bytes, str] | None:
    """The logo the tenant's pages show (its own or its consultancy's): its bytes and content type."""
    shown = brand_for(db, tenant)
    if shown is None or not shown.has_logo:
        return None
    owner = tenant if shown.source == "tenant" else _consultancy(db, tenant, with_logo=True)
    return owner.brand_logo, owner.brand_logo_type
