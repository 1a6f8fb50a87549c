"""Tenant resolution and the one guard every tenant view carries.

Blueprints made with `tenant_blueprint` live under /t/<slug>/. Before their view runs, the tenant
is looked up, set as the session's scope, and the signed-in user's membership checked: a wrong
tenant or no membership answers 404 (so a tenant's existence does not leak), a missing role 403.
A view without a guard is refused at start-up (see check_guards), so no view is left open by
forgetting one. The guard is also where a request that would change a read-only tenant is refused, right
before the view runs (after the blueprint's own checks, e.g. SCIM's bearer token): the app factory hands
in the check (`koers.tenant_write_check`; billing.readonly), so every state-changing route is covered.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import select

from saas.kernel.db import session
from tenants.models import Membership
from tenants.scoping import enter_tenant


@dataclass(frozen=True)
class Guard:
    roles: frozenset[str]
    public: bool = False

    def allows(self, member_roles: set[str]) -> bool:
        return self.public or not self.roles or bool(self.roles & member_roles)


def requires(*roles: str):
    """Members with any of `roles` may use the view; with no roles, every member may."""
    return _guarded(Guard(frozenset(str(r) for r in roles)))


def public_in_tenant(view):
    """For the invitation link only: the tenant is resolved and scoped, no membership needed."""
    return _guarded(Guard(frozenset(), public=True))(view)


def tenant_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    bp = Blueprint(name, import_name, url_prefix="/t/<slug>" + url_prefix)
    bp.url_value_preprocessor(_take_slug)
    bp.url_defaults(_give_slug)
    bp.before_request(_enter_tenant)
    bp.koers_tenant_scoped = True
    return bp


def check_guards(app) -> None:
    """Refuse to start when a tenant view has no guard."""
    for endpoint, view in app.view_functions.items():
        blueprint = app.blueprints.get(endpoint.rpartition(".")[0])
        if getattr(blueprint, "koers_tenant_scoped", False) and not hasattr(view, "koers_guard"):
            raise RuntimeError(f"tenant view {endpoint} has no guard (use @requires or @public_in_tenant)")


def _guarded(guard: Guard):
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            check = current_app.extensions.get("koers.tenant_write_check")
            if check is not None and g.get("tenant") is not None:
                check(g.tenant)  # raises when a read-only tenant would be changed (billing.readonly)
            return view(*args, **kwargs)

        wrapper.koers_guard = guard
        return wrapper

    return decorate


def _take_slug(_endpoint, values):
    g.tenant_slug = (values or {}).pop("slug", None)


def _give_slug(endpoint, values):
    if "slug" not in values and g.get("tenant") is not None:
        blueprint = current_app.blueprints.get(endpoint.rpartition(".")[0])
        if getattr(blueprint, "koers_tenant_scoped", False):
            values["slug"] = g.tenant.slug


def _enter_tenant():
    view = current_app.view_functions.get(request.endpoint)
    guard: Guard | None = getattr(view, "koers_guard", None)
    if guard is None:
        abort(404)
    db = session()
    tenant = enter_tenant(db, g.tenant_slug)  # looked up and scoped in one statement
    if tenant is None:
        abort(404)
    if guard.public:
        g.tenant = tenant
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    membership = db.scalar(select(Membership).where(Membership.user_id == current_user.id))
    if membership is None:
        abort(404)
    g.tenant, g.membership = tenant, membership
    # what the app adds to entering a tenant (the app factory lists them): e.g. the tenant's two-factor policy
    for check in current_app.extensions.get("koers.tenant_entry_checks", ()):
        answer = check(tenant, membership)
        if answer is not None:
            return answer
    if not guard.allows(membership.roles):
        abort(403)
    return None
