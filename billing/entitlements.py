"""What a tenant may do, given what its billing account pays for (DESIGN.md §6).

    trialing (14 days) → active → past_due (7 days' grace with full use, then read-only) → canceled

Read-only means: the tenant may still read, export and pay, and nothing else; everything already there
stays, readable and exportable. It is enforced in one place for every request, job and command
(billing.readonly, with its allow-list); `require_writable` is the same question for code outside a
request. The banner on every tenant page shows the same `Entitlement`. After the contract's last day
(saas.exit) a tenant is read-only whatever the billing, through the grace period until it is deleted.

Each function takes `now`, so tests move time by passing it, with nothing patched. With billing off
(no Stripe key) every tenant is active. An archived client is read-only whatever the billing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from billing.models import BillingAccount, TenantBilling
from saas.kernel.config import Settings
from saas.kernel.db import utcnow
from saas.kernel.errors import DomainError
from tenants.models import Tenant
from tenants.scoping import current_tenant_id

TRIALING = "trialing"
ACTIVE = "active"
PAST_DUE = "past_due"
CANCELED = "canceled"
TRIAL_ENDED = "trial_ended"  # our own trial ran out before anyone subscribed
ARCHIVED = "archived"  # a consultancy's client that it archived
CONTRACT_ENDED = "contract_ended"  # past the contract's last day: the grace before deletion (saas.exit)

# Stripe statuses that are a subscription at all; `incomplete` ones never started (the first
# payment did not go through), so for those our own trial clock still decides.
LIVE_STATUSES = {"trialing", "active", "past_due", "unpaid", "paused", "canceled"}


@dataclass(frozen=True)
class Entitlement:
    state: str
    writable: bool
    until: datetime | None = None  # when the trial or the grace period ends
    account: BillingAccount | None = None
    billing_enabled: bool = True

    @property
    def export_allowed(self) -> bool:
        return True  # in every state: reading and exporting are never taken away

    @property
    def in_grace(self) -> bool:
        return self.state == PAST_DUE and self.writable


class ReadOnly(DomainError):
    status = 403
    default_message = _l("This organisation is read-only just now, so nothing new can be added. Everything "
                         "already here stays readable and can be exported.")


MESSAGES = {
    ARCHIVED: _l("This organisation has been archived by its consultancy and is read-only: nothing new can be "
                 "added. Everything already here stays readable and can be exported."),
    TRIAL_ENDED: _l("The free trial has ended, so this organisation is read-only until it subscribes: nothing "
                    "new can be added. Everything already here stays readable and can be exported."),
    PAST_DUE: _l("The payment is overdue and the grace period has ended, so this organisation is read-only "
                 "until it is paid: nothing new can be added. Everything already here stays readable and can "
                 "be exported."),
    CANCELED: _l("The subscription has ended, so this organisation is read-only: nothing new can be added. "
                 "Everything already here stays readable and can be exported."),
    CONTRACT_ENDED: _l("The contract has ended, so this organisation is read-only until its data is deleted: "
                       "nothing new can be added. Export what you want to keep now."),
}


def require_writable(db, tenant=None, *, now: datetime | None = None, settings=None) -> None:
    """Raise ReadOnly unless the tenant (default: the session's tenant) may add new things."""
    if tenant is None:
        tenant_id = current_tenant_id(db)
        tenant = db.get(Tenant, tenant_id) if tenant_id is not None else None
        if tenant is None:
            return  # not inside a tenant: nothing a tenant pays for
    entitlement = tenant_entitlement(db, tenant, now=now, settings=settings)
    if not entitlement.writable:
        raise ReadOnly(MESSAGES.get(entitlement.state))


def require_account_writable(account: BillingAccount, *, now: datetime | None = None, settings=None) -> None:
    entitlement = account_entitlement(account, now=now, settings=settings)
    if not entitlement.writable:
        raise ReadOnly(CONSULTANCY_MESSAGES.get(entitlement.state))


def tenant_entitlement(db, tenant, *, now: datetime | None = None, settings=None) -> Entitlement:
    settings = _settings(settings)
    now = now or utcnow()
    link = tenant_billing(db, tenant.id)
    account = link.account if link is not None else None
    if tenant.contract_ends_on is not None and now.date() > tenant.contract_ends_on:
        return Entitlement(CONTRACT_ENDED, False, account=account, billing_enabled=settings.billing_enabled)
    if link is not None and link.archived_at is not None:
        return Entitlement(ARCHIVED, False, account=account, billing_enabled=settings.billing_enabled)
    if not settings.billing_enabled:
        return Entitlement(ACTIVE, True, account=account, billing_enabled=False)
    if account is None:  # no account yet: the tenant's own trial, from the day it was made
        return _trial(trial_end(db, tenant, settings), now, None)
    return account_entitlement(account, now=now, settings=settings)


def account_entitlement(account: BillingAccount, *, now: datetime | None = None, settings=None) -> Entitlement:
    settings = _settings(settings)
    now = now or utcnow()
    if not settings.billing_enabled:
        return Entitlement(ACTIVE, True, account=account, billing_enabled=False)
    status = account.subscription_status if account.stripe_subscription_id else None
    if status not in LIVE_STATUSES:
        return _trial(aware(account.trial_ends_at), now, account)
    if status == "trialing":
        until = aware(account.subscription_trial_end) if account.subscription_trial_end else None
        return Entitlement(TRIALING, True, until=until, account=account)
    if status == "active":
        return Entitlement(ACTIVE, True, account=account)
    if status in ("past_due", "unpaid"):
        since = aware(account.past_due_since) if account.past_due_since else now
        until = since + timedelta(days=settings.billing_grace_days)
        return Entitlement(PAST_DUE, now < until, until=until, account=account)
    return Entitlement(CANCELED, False, account=account)  # canceled, paused


def trial_end(db, tenant, settings) -> datetime:
    """When a tenant's own free trial ends: BILLING_TRIAL_DAYS after it was made, for the first tenant an
    account makes. One free trial per confirmed address: a tenant its maker made after their first has
    none (it works once subscribed), so a new tenant is no way to a fresh trial."""
    made = aware(tenant.created_at)
    if tenant.created_by_id is not None and db.scalar(
            select(Tenant.id).where(Tenant.created_by_id == tenant.created_by_id, Tenant.id < tenant.id).limit(1)):
        return made
    return made + timedelta(days=settings.billing_trial_days)


def tenant_billing(db, tenant_id: int) -> TenantBilling | None:
    """The tenant's own billing row (visible in its own scope, or across tenants when explicit)."""
    return db.scalar(select(TenantBilling).where(TenantBilling.tenant_id == tenant_id))


def aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; we store UTC everywhere.
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


CONSULTANCY_MESSAGES = {
    TRIAL_ENDED: _l("The consultancy's free trial has ended: subscribe on the billing page before adding or "
                    "restoring clients."),
    PAST_DUE: _l("The consultancy's payment is overdue and the grace period has ended: pay the open invoice "
                 "before adding or restoring clients."),
    CANCELED: _l("The consultancy's subscription has ended: subscribe again before adding or restoring clients."),
}


def _trial(ends_at: datetime, now: datetime, account) -> Entitlement:
    if now < ends_at:
        return Entitlement(TRIALING, True, until=ends_at, account=account)
    return Entitlement(TRIAL_ENDED, False, until=ends_at, account=account)


def _settings(settings):
    if settings is not None:
        return settings
    if has_app_context():
        return current_app.config["KOERS"]
    return Settings()  # outside any app: billing off
