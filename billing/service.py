"""Billing operations: the account of a tenant, Checkout, the customer portal, the next invoice, and
applying Stripe's webhook events.

Functions take the session first and raise DomainErrors; the views commit. Webhook events are
recorded by id and applied in the caller's one transaction (DESIGN.md §6), and applied by fetching
the subscription as Stripe has it now, never by trusting an event's copy: events that come late,
twice or out of order all lead to the same state.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from billing import stripe_api
from billing.entitlements import aware, tenant_billing, trial_end
from billing.models import ORGANISATION, BillingAccount, BillingEvent, TenantBilling
from billing.plans import plan_for
from saas.kernel import audit
from saas.kernel.db import utcnow
from saas.kernel.errors import DomainError
from saas.kernel.jobs import enqueue_after_commit
from tenants.scoping import cross_tenant

log = logging.getLogger(__name__)

SYNC_QUANTITY = "billing.jobs.sync_quantity"
HANDLED_EVENTS = {
    "checkout.session.completed", "customer.subscription.created", "customer.subscription.updated",
    "customer.subscription.deleted", "invoice.paid", "invoice.payment_failed",
}
# A subscription that still runs (or may still start); `canceled` and `incomplete_expired` are over.
ONGOING = {"trialing", "active", "past_due", "unpaid", "paused", "incomplete"}
MIN_STRIPE_TRIAL = timedelta(days=2)  # Stripe refuses a trial_end closer than this


class BillingOff(DomainError):
    default_message = _l("Billing is not configured on this server: everything is available without a subscription.")


class NoPrice(DomainError):
    default_message = _l("No price is configured for this plan yet. Please contact the people who run Koers.")


class AlreadySubscribed(DomainError):
    default_message = _l("There is already a subscription. Change or cancel it in the customer portal.")


class NoCustomer(DomainError):
    default_message = _l("There is no subscription to manage yet. Subscribe first.")


class ManagedByConsultancy(DomainError):
    default_message = _l("The subscription of this organisation is managed by its consultancy.")


class NoActiveClients(DomainError):
    default_message = _l("Add a client first: the subscription counts your active clients.")


# ---- accounts ------------------------------------------------------------------------------

def account_of_tenant(db, tenant) -> BillingAccount | None:
    link = tenant_billing(db, tenant.id)
    return link.account if link is not None else None


def organisation_account(db, tenant, user, settings) -> BillingAccount:
    """The tenant's own account, made on first use; its trial is the tenant's, from the day it was made."""
    link = tenant_billing(db, tenant.id)
    if link is not None:
        if link.account.is_consultancy:
            raise ManagedByConsultancy()
        return link.account
    account = BillingAccount(kind=ORGANISATION, name=tenant.name, owner_id=user.id,
                             trial_ends_at=trial_end(db, tenant, settings))
    db.add(account)
    db.flush()
    db.add(TenantBilling(tenant_id=tenant.id, account_id=account.id))
    db.flush()
    return account


def active_client_count(db, account: BillingAccount) -> int:
    """The tenants this account pays for that are not archived: the subscription's quantity."""
    with cross_tenant(db):  # counting the account's tenants crosses tenants by nature
        return db.scalar(select(func.count()).select_from(TenantBilling).where(
            TenantBilling.account_id == account.id, TenantBilling.archived_at.is_(None))) or 0


def wanted_quantity(db, account: BillingAccount) -> int:
    return active_client_count(db, account) if account.is_consultancy else 1


def has_ongoing_subscription(account: BillingAccount) -> bool:
    return bool(account.stripe_subscription_id) and account.subscription_status in ONGOING - {"incomplete"}


def lock(db, account: BillingAccount) -> BillingAccount:
    """The account's row, locked until the transaction ends: billing changes to one account queue up."""
    return db.scalar(select(BillingAccount).where(BillingAccount.id == account.id).with_for_update(of=BillingAccount)
                     .execution_options(populate_existing=True))


# ---- Checkout and the customer portal -------------------------------------------------------

def start_checkout(db, account: BillingAccount, *, settings, success_url: str, cancel_url: str,
                   email: str | None, now: datetime | None = None) -> str:
    """A Stripe Checkout session for the account's plan; returns the Stripe-hosted URL to send the user to."""
    now = now or utcnow()
    if not settings.billing_enabled:
        raise BillingOff()
    plan = plan_for(account.kind, settings)
    if not plan.price_id:
        raise NoPrice()
    account = lock(db, account)
    if has_ongoing_subscription(account):
        raise AlreadySubscribed()
    quantity = wanted_quantity(db, account)
    if quantity < 1:
        raise NoActiveClients()
    if not account.stripe_customer_id:
        customer = stripe_api.create_customer(settings, account_id=account.id, name=account.name, email=email)
        account.stripe_customer_id = customer["id"]
    account.checkouts_started += 1
    # The rest of our own trial carries over into the subscription, where Stripe allows one.
    trial_end = aware(account.trial_ends_at)
    session = stripe_api.create_checkout_session(
        settings, account_id=account.id, attempt=account.checkouts_started, customer=account.stripe_customer_id,
        price=plan.price_id, quantity=quantity, success_url=success_url, cancel_url=cancel_url,
        trial_end=int(trial_end.timestamp()) if trial_end - now > MIN_STRIPE_TRIAL else None,
    )
    db.flush()
    return session["url"]


def open_portal(db, account: BillingAccount, *, settings, return_url: str) -> str:
    if not settings.billing_enabled:
        raise BillingOff()
    if not account.stripe_customer_id:
        raise NoCustomer()
    return stripe_api.create_portal_session(settings, customer=account.stripe_customer_id,
                                            return_url=return_url)["url"]


@dataclass(frozen=True)
class NextInvoice:
    amount: float
    currency: str
    date: datetime | None


def next_invoice(account: BillingAccount, settings) -> NextInvoice | None:
    """What Stripe will charge next and when, from its invoice preview; None without a running subscription.
    Raises StripeUnavailable when Stripe cannot say."""
    if not settings.billing_enabled or not has_ongoing_subscription(account) or account.subscription_status == "canceled":
        return None
    if account.cancel_at_period_end:
        return None
    preview = stripe_api.preview_next_invoice(settings, customer=account.stripe_customer_id,
                                              subscription=account.stripe_subscription_id)
    when = preview.get("next_payment_attempt") or preview.get("period_end")
    return NextInvoice(amount=(preview.get("amount_due") or 0) / 100, currency=(preview.get("currency") or "eur").upper(),
                       date=_from_timestamp(when) if when else aware(account.current_period_end))


# ---- webhooks ------------------------------------------------------------------------------

def handle_event(db, event: dict, *, settings, now: datetime | None = None) -> str:
    """Record a verified event and apply it, in the caller's transaction. Returns what happened:
    `duplicate` (seen before: nothing changes), `ignored` (a type we do not use), `unknown` (no
    account of ours), `refused` (Stripe does not know the event's subscription, or refuses it for no
    account of ours: recorded, as asking again would change nothing) or `applied`. StripeUnavailable
    propagates: the caller rolls back, answers an error, and Stripe delivers the event again later;
    so does StripeRefused about an account of ours (our settings are wrong, and once they are
    mended Stripe's next delivery applies it)."""
    now = now or utcnow()
    if db.get(BillingEvent, event["id"]) is not None:
        return "duplicate"
    record = BillingEvent(id=event["id"], type=event.get("type", ""), received_at=now,
                          stripe_created=_from_timestamp(event.get("created")))
    db.add(record)
    db.flush()  # a second delivery of the same event, at the same moment, stops at this row's key
    if record.type not in HANDLED_EVENTS:
        return "ignored"
    obj = (event.get("data") or {}).get("object") or {}
    subscription_id, customer_id, account_hint = _references(record.type, obj)
    account = _find_account(db, account_hint, customer_id, subscription_id)
    try:
        subscription = stripe_api.retrieve_subscription(settings, subscription_id) if subscription_id else None
    except stripe_api.StripeRefused as refused:
        if account is not None and not refused.not_found:
            raise  # about an account of ours, and our settings are wrong: not recorded, delivered again later
        # A subscription Stripe does not know (any more), or one of no account of ours: asking again changes nothing.
        log.warning("stripe event %s (%s) not applied: Stripe refused subscription %s (HTTP %s): %s",
                    record.id, record.type, subscription_id, refused.http_status, refused.reason)
        record.account_id = account.id if account is not None else None
        return "refused"
    if account is None and subscription is not None:
        account = _find_account(db, _account_hint(subscription), subscription.get("customer"), None)
    if account is None:
        log.info("stripe event %s (%s) is about no account of ours", record.id, record.type)
        return "unknown"
    record.account_id = account.id
    if customer_id and not account.stripe_customer_id:
        account.stripe_customer_id = customer_id
    if subscription is not None:
        reconcile(db, account, subscription, now=now)
    return "applied"


def reconcile(db, account: BillingAccount, subscription: dict, *, now: datetime, sync: bool = True) -> bool:
    """Make the account say what Stripe's subscription says now. Returns False when the subscription is
    not the account's (an old one, another customer's)."""
    if account.stripe_customer_id and subscription.get("customer") != account.stripe_customer_id:
        log.warning("subscription %s belongs to another customer than account %s", subscription.get("id"), account.id)
        return False
    if account.stripe_subscription_id and account.stripe_subscription_id != subscription["id"]:
        # News about another subscription of this customer: only a running one replaces one that is over.
        if account.subscription_status in ONGOING or subscription.get("status") not in ONGOING:
            return False
    items = (subscription.get("items") or {}).get("data") or [{}]
    item = items[0]
    status = subscription.get("status")
    before = (account.subscription_status, bool(account.cancel_at_period_end))
    account.stripe_customer_id = account.stripe_customer_id or subscription.get("customer")
    account.stripe_subscription_id = subscription["id"]
    account.subscription_status = status
    account.price_id = (item.get("price") or {}).get("id")
    account.stripe_quantity = item.get("quantity")
    account.current_period_end = _from_timestamp(item.get("current_period_end") or subscription.get("current_period_end"))
    account.subscription_trial_end = _from_timestamp(subscription.get("trial_end"))
    account.cancel_at_period_end = bool(subscription.get("cancel_at_period_end"))
    account.canceled_at = (_from_timestamp(subscription.get("ended_at") or subscription.get("canceled_at")) or now) \
        if status == "canceled" else None
    if status in ("past_due", "unpaid"):
        account.past_due_since = account.past_due_since or now
    else:
        account.past_due_since = None
    account.reconciled_at = now
    if (account.subscription_status, account.cancel_at_period_end) != before:
        record_billing(db, account, "billing.status", actor=STRIPE, origin="stripe",
                       detail={"from": before[0], "to": status, "cancel_at_period_end": account.cancel_at_period_end})
    if sync and status in ONGOING and account.stripe_quantity != wanted_quantity(db, account):
        request_quantity_sync(db, account)  # clients changed while Stripe was not told yet
    return True


STRIPE = audit.Actor("Stripe")


def record_billing(db, account: BillingAccount, action: str, **entry) -> None:
    """An entry on the trail of every tenant the account pays for (webhooks and jobs cross tenants: each
    tenant is named)."""
    with cross_tenant(db):
        tenant_ids = list(db.scalars(select(TenantBilling.tenant_id).where(TenantBilling.account_id == account.id)))
        for tenant_id in tenant_ids:
            audit.record(db, action, tenant_id=tenant_id, obj=account, **entry)


def request_quantity_sync(db, account: BillingAccount) -> None:
    """After the commit, a job tells Stripe how many clients are active (it retries while Stripe is away)."""
    enqueue_after_commit(db, SYNC_QUANTITY, account.id)


def sync_quantity(db, account_id: int, settings) -> str:
    """Set the subscription's quantity to the active clients, as the job does. Idempotent: the key is
    the account's change counter and the quantity, so a retry or a second job sends the same request."""
    if not settings.billing_enabled:
        return "billing off"
    account = db.scalar(select(BillingAccount).where(BillingAccount.id == account_id).with_for_update(of=BillingAccount))
    if account is None or not account.is_consultancy or not has_ongoing_subscription(account):
        return "no subscription"
    quantity = active_client_count(db, account)
    subscription = stripe_api.retrieve_subscription(settings, account.stripe_subscription_id)
    item = subscription["items"]["data"][0]
    if item.get("quantity") != quantity and subscription.get("status") in ONGOING:
        key = stripe_api.idempotency_key("account", account.id, "change", account.client_changes, "quantity", quantity)
        subscription = stripe_api.set_subscription_quantity(settings, subscription, quantity, key)
    reconcile(db, account, subscription, now=utcnow(), sync=False)
    return f"quantity {quantity}"


def _references(event_type: str, obj: dict) -> tuple[str | None, str | None, str | None]:
    """(subscription id, customer id, our account id) as the event's object names them."""
    customer = _id(obj.get("customer"))
    if event_type.startswith("customer.subscription."):
        return obj.get("id"), customer, _account_hint(obj)
    if event_type == "checkout.session.completed":
        return _id(obj.get("subscription")), customer, obj.get("client_reference_id") or _account_hint(obj)
    # invoices: the subscription moved under `parent` in newer API versions
    details = ((obj.get("parent") or {}).get("subscription_details") or {})
    subscription = _id(details.get("subscription")) or _id(obj.get("subscription"))
    return subscription, customer, (details.get("metadata") or {}).get("account_id")


def _find_account(db, account_hint, customer_id, subscription_id) -> BillingAccount | None:
    conditions = []
    if account_hint and str(account_hint).isdigit() and int(account_hint) < 2**31:
        conditions.append(BillingAccount.id == int(account_hint))
    if customer_id:
        conditions.append(BillingAccount.stripe_customer_id == customer_id)
    if subscription_id:
        conditions.append(BillingAccount.stripe_subscription_id == subscription_id)
    for condition in conditions:  # our own id first, then Stripe's
        account = db.scalar(select(BillingAccount).where(condition).with_for_update(of=BillingAccount)
                            .execution_options(populate_existing=True))
        if account is not None:
            return account
    return None


def _account_hint(obj: dict) -> str | None:
    return (obj.get("metadata") or {}).get("account_id")


def _id(value) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def _from_timestamp(value) -> datetime | None:
    if not value:
        return None
    return datetime.fromtimestamp(int(value), tz=timezone.utc)
