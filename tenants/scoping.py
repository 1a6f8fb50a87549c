"""Automatic tenant scoping (DESIGN.md §2).

Every ORM select, update and delete gets `tenant_id == current tenant` for each `TenantOwned`
entity; with no tenant set, that criterion matches nothing, so a forgotten scope fails closed.
New rows take the current tenant; a write into another tenant raises. On PostgreSQL the same
tenant is handed to row-level security with `set_config(..., true)` at the start of every
transaction, so Core statements and raw SQL meet the second wall.

Crossing tenants is always explicit: `cross_tenant(session)` for platform work (webhooks,
platform admin), or `.execution_options(own_memberships=True)` for the one query that lists a
user's own tenants (RLS allows exactly those rows by `app.user_id`).

Row-level security takes the tenant and the user only with their signatures beside them (`app.scope_sig`,
`app.user_sig`; migration 0038, tenants/rls.py), made here with the key the session's `Database` holds
(`scope_key`, from the settings): the database role alone, a leaked password or an injected statement, can
name another tenant but not sign it.

On PostgreSQL `cross_tenant` needs a session of the platform role (`Database.PlatformSession`, or a
request of a `platform_blueprint`): since migration 0033 the app role's `app.all_tenants` is ignored
by row-level security (tenants/rls.py), so on the app role it would silently see no tenant's rows; it
refuses instead. The records of platform jobs, which belong to no tenant, are written and read with
`tenantless(session)`, which the app role may.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager

from sqlalchemy import String, bindparam, cast, event, func, inspect, select, text
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria

from saas.kernel.db import KoersSession, scope_signature
from saas.kernel.models import TenantOwned
from tenants.models import Membership, Tenant


class TenantScopeError(RuntimeError):
    """A write that would cross tenants, or a tenant-owned write with no tenant set."""


_KEEP = object()


def set_scope(session: KoersSession, *, tenant_id=_KEEP, user_id=_KEEP) -> None:
    """Set who and where this session works for; applies at once inside an open transaction."""
    if tenant_id is not _KEEP:
        session.info["tenant_id"] = tenant_id
    if user_id is not _KEEP:
        session.info["user_id"] = user_id
    if session.in_transaction():
        _push_scope_to_database(session, session.connection())


def current_tenant_id(session: KoersSession) -> int | None:
    return session.info.get("tenant_id")


def enter_tenant(session: KoersSession, slug: str | None):
    """The tenant with this slug, with the session scoped to it; None (and no scope) if there is none.

    The same as looking the tenant up and calling `set_scope(session, tenant_id=tenant.id)`. On
    PostgreSQL the transaction's settings for row-level security are set by the lookup itself
    (`set_config` in the select list runs for the one row found), which saves a round trip on every
    tenant page; the session's own scope, for the ORM criteria and the write checks, is set after. The
    tenant's signature must go with that select, before the id is read: it is signed for the id this process
    found for the slug before; on the first visit (or a slug now another tenant's) the database takes no tenant
    from the lookup, and the scope is pushed once more, signed (one round trip more, once per slug and process).
    """
    if session.get_bind().dialect.name != "postgresql":
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is not None:
            set_scope(session, tenant_id=tenant.id)
        return tenant
    info = session.info
    key = info.get("scope_key", b"")
    expected = _tenant_ids.get(slug)  # the tenant's signature must be sent with the lookup: known from before
    user_id = info.get("user_id")
    tenant = session.execute(_tenant_with_scope(), {
        "slug": slug, "scope_user": str(user_id or ""), "scope_all": "on" if info.get("all_tenants") else "off",
        "scope_sig": scope_signature(key, "tenant", expected), "user_sig": scope_signature(key, "user", user_id),
    }).scalar()
    if tenant is None:
        _tenant_ids.pop(slug, None)
        return None
    info["tenant_id"] = tenant.id  # the database has it already, for this transaction, when signed for this id
    if tenant.id != expected:  # first visit since start (or the slug has another tenant now): sign it after all
        _tenant_ids[slug] = tenant.id
        _push_scope_to_database(session, session.connection())
    return tenant


# slug -> id of the tenants this process has entered, so `enter_tenant` can sign the scope in its one round trip.
# A tenant's id never changes; a slug taken by another tenant is caught by the lookup itself (the signature is
# for the id the database sets, so a wrong guess matches no row until the scope is pushed again).
_tenant_ids: dict[str, int] = {}


@functools.cache
def _tenant_with_scope():
    """The tenant by slug, setting the transaction's scope as it is read (built once, on first use)."""
    settings = func.concat(
        func.set_config("app.tenant_id", cast(Tenant.id, String), True),
        func.set_config("app.scope_sig", bindparam("scope_sig", type_=String), True),
        func.set_config("app.user_id", bindparam("scope_user", type_=String), True),
        func.set_config("app.user_sig", bindparam("user_sig", type_=String), True),
        func.set_config("app.all_tenants", bindparam("scope_all", type_=String), True),
    )
    return select(Tenant, settings).where(Tenant.slug == bindparam("slug", type_=String))


class NotPlatformSession(TenantScopeError):
    """`cross_tenant` on a session of the app role, which row-level security keeps to one tenant."""


@contextmanager
def cross_tenant(session: KoersSession):
    """The one visible way to work across tenants (platform admin, billing webhooks): a platform session only."""
    if not session.info.get("platform") and session.get_bind().dialect.name == "postgresql":
        raise NotPlatformSession("cross_tenant needs a session of the platform role (Database.PlatformSession or "
                                 "a platform_blueprint's request): the app role sees one tenant only")
    previous = session.info.get("all_tenants", False)
    session.info["all_tenants"] = True
    if session.in_transaction():
        _push_scope_to_database(session, session.connection())
    try:
        yield session
    finally:
        session.info["all_tenants"] = previous
        if session.in_transaction():
            _push_scope_to_database(session, session.connection())


@contextmanager
def tenantless(session: KoersSession):
    """Rows that belong to no tenant (the records of platform jobs, `tenant_id` NULL): the tenant criteria and
    the write check step aside, in any session; the database lets the app role see such job records and its
    own tenant's, nothing else (tenants/rls.py). The queries inside name what they want (`tenant_id IS NULL`)."""
    previous = session.info.get("tenantless", False)
    session.info["tenantless"] = True
    try:
        yield session
    finally:
        session.info["tenantless"] = previous


@contextmanager
def scoped(session: KoersSession, *, tenant_id=_KEEP, user_id=_KEEP):
    """The scope for a few statements, then back to the one before (a check over one account's tenants)."""
    before = {"tenant_id": session.info.get("tenant_id"), "user_id": session.info.get("user_id")}
    set_scope(session, tenant_id=tenant_id, user_id=user_id)
    try:
        yield session
    finally:
        set_scope(session, **before)


@event.listens_for(KoersSession, "do_orm_execute")
def _scope_orm_statements(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_select and (state.is_column_load or state.is_relationship_load):
        return  # criteria added to the parent statement propagate to these loads
    if state.session.info.get("all_tenants") or state.session.info.get("tenantless"):
        return
    if state.statement is _tenant_with_scope():
        return  # reads the tenant registry only (see enter_tenant); saves the criteria's cost on every page
    tenant_id = state.session.info.get("tenant_id")
    if state.execution_options.get("own_memberships"):
        user_id = state.session.info.get("user_id")
        state.statement = state.statement.options(
            with_loader_criteria(Membership, lambda cls: cls.user_id == user_id, include_aliases=True)
        )
        return
    state.statement = state.statement.options(_tenant_criteria(tenant_id))


@functools.lru_cache(maxsize=4096)
def _tenant_criteria(tenant_id):
    """The criteria option for one tenant, built once: building it (inspecting the lambda) costs more
    than the rest of a small query's ORM work. The option is immutable; each tenant id has its own."""
    return with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)


@event.listens_for(KoersSession, "before_flush")
def _check_writes(session: KoersSession, _flush_context, _instances) -> None:
    if session.info.get("all_tenants"):
        return
    if session.info.get("tenantless"):
        _check_tenantless_writes(session)
        return
    tenant_id = session.info.get("tenant_id")
    for obj in session.new:
        if not isinstance(obj, TenantOwned):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantScopeError(f"new {type(obj).__name__} with no tenant in scope")
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise TenantScopeError(f"new {type(obj).__name__} for another tenant")
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantOwned):
            continue
        history = inspect(obj).attrs.tenant_id.history
        original = history.deleted[0] if history.deleted else obj.tenant_id
        if history.has_changes() or original != tenant_id:
            raise TenantScopeError(f"{type(obj).__name__} of another tenant cannot be changed here")


def _check_tenantless_writes(session: KoersSession) -> None:
    """Inside `tenantless`: new rows of no tenant, or of the session's own; changes only to those either."""
    tenant_id = session.info.get("tenant_id")
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, TenantOwned) and obj.tenant_id is not None and obj.tenant_id != tenant_id:
            raise TenantScopeError(f"{type(obj).__name__} of another tenant cannot be changed here")


@event.listens_for(KoersSession, "after_begin")
def _begin_with_scope(session: KoersSession, _transaction, connection) -> None:
    info = session.info
    if not (info.get("tenant_id") or info.get("user_id") or info.get("all_tenants")):
        # Nothing to set: values set with set_config(..., true) end with their transaction, so a new
        # one starts with none (NULLIF in the policies reads that as "no tenant"). Saves a round trip
        # at the start of every request.
        return
    _push_scope_to_database(session, connection)


def _push_scope_to_database(session: KoersSession, connection) -> None:
    # set_config(..., true) is local to the transaction: a pooled connection never carries one
    # request's tenant into the next. A plain SET would.
    if connection.dialect.name != "postgresql":
        return
    # The tenant and the user count only signed (migration 0038): the key is the app's, never the database role's.
    info = session.info
    key, tenant_id, user_id = info.get("scope_key", b""), info.get("tenant_id"), info.get("user_id")
    connection.execute(
        text(
            "SELECT set_config('app.tenant_id', :tenant, true),"
            " set_config('app.scope_sig', :tenant_sig, true),"
            " set_config('app.user_id', :user, true),"
            " set_config('app.user_sig', :user_sig, true),"
            " set_config('app.all_tenants', :all, true)"
        ),
        {
            "tenant": str(tenant_id or ""),
            "tenant_sig": scope_signature(key, "tenant", tenant_id),
            "user": str(user_id or ""),
            "user_sig": scope_signature(key, "user", user_id),
            "all": "on" if info.get("all_tenants") else "off",
        },
    )
