"""The tenancy core's lookups that every feature uses: a user's tenants, a tenant's members and legacy
organisations.

Read-only; the personal tokens of invitations are `saas.kernel.tokens`; administering people, invitations and settings is
`saas.administration.service`. Every query here is tenant-scoped by construction (tenants.scoping),
except `tenants_of`, the one query that reads memberships across tenants.
"""
from __future__ import annotations

from sqlalchemy import select

from saas.auth.models import User
from tenants.models import LegacyOrganisation, Membership, Tenant


def tenants_of(db, user: User) -> list[Tenant]:
    """The tenants a user belongs to: the one query that reads memberships across tenants."""
    return list(db.scalars(
        select(Tenant).join(Membership, Membership.tenant_id == Tenant.id)
        .where(Membership.user_id == user.id).order_by(Tenant.name)
        .execution_options(own_memberships=True)
    ))


def members(db) -> list[Membership]:
    return list(db.scalars(select(Membership).join(Membership.user).order_by(User.name)))


def get_membership(db, membership_id: int) -> Membership | None:
    return db.scalar(select(Membership).where(Membership.id == membership_id))


def legacy_organisations(db) -> list[LegacyOrganisation]:
    return list(db.scalars(select(LegacyOrganisation).order_by(LegacyOrganisation.name)))


def get_legacy_org(db, legacy_org_id: int) -> LegacyOrganisation | None:
    return db.scalar(select(LegacyOrganisation).where(LegacyOrganisation.id == legacy_org_id))


