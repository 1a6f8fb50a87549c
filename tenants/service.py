"""The tenancy core's lookups that every feature uses: a user's tenants, a tenant's members and legacy
organisations, and the personal tokens of invitations (only their hashes are kept).

Read-only apart from the tokens; administering people, invitations and settings is
`saas.administration.service`. Every query here is tenant-scoped by construction (tenants.scoping),
except `tenants_of`, the one query that reads memberships across tenants.
"""
from __future__ import annotations

import hashlib
import secrets

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


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_once(db, model, memberships, *, columns_of=None, **parent) -> list[tuple[object, str]]:
    """One personal token per person not yet invited to `parent` (e.g. `wave_id=3`), in the invitation
    table `model` (a survey wave's, a pulse check's). Only the hash is kept; returns (membership, token)
    for the mails, which hold the only copy of each token. `columns_of(membership)`: more columns of the
    new row (e.g. what a survey invitation freezes about the person)."""
    invited = set(db.scalars(select(model.membership_id)
                             .where(*(getattr(model, column) == value for column, value in parent.items()))))
    sent = []
    for membership in memberships:
        if membership.id in invited:
            continue
        token = secrets.token_urlsafe(32)
        db.add(model(membership_id=membership.id, token_hash=hash_token(token), **parent,
                     **(columns_of(membership) if columns_of else {})))
        sent.append((membership, token))
    db.flush()
    return sent


def invitation_by_token(db, model, token: str):
    """The row of the invitation table `model` behind a personal link; None for an unknown or absurd token."""
    if not token or len(token) > 200:
        return None
    return db.scalar(select(model).where(model.token_hash == hash_token(token)))


def renew_token(row) -> str:
    """A new personal link for an invitation of any kind (a row with `token_hash`): only the new token's
    hash is kept, so the old link stops working and the token exists only in what the caller sends."""
    token = secrets.token_urlsafe(32)
    row.token_hash = hash_token(token)
    return token
