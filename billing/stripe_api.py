"""The only module that talks to Stripe, through the official `stripe` library.

Each call goes to `settings.stripe_api_base` (Stripe itself in production, a fake on loopback in
tests) with a client of its own settings, not the library's global state, so two apps with
different settings in one process never mix. Network retries are left to us: a web request fails
fast and says so, a job retries with back-off (billing.jobs). Outgoing writes carry
idempotency keys derived from our own ids (see `idempotency_key`).

Every function returns plain dicts, as Stripe's JSON has them.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from urllib.parse import urlsplit

import stripe
from flask_babel import lazy_gettext as _l

from saas.kernel.errors import DomainError

TIMEOUT_SECONDS = 15
log = logging.getLogger(__name__)


class StripeUnavailable(DomainError):
    """Stripe could not be reached, was busy (429) or failed itself (5xx): the same request may work
    later, so a job retries and the webhook asks Stripe to deliver again. Nothing was changed on our side."""

    status = 503
    default_message = _l("The payment provider cannot be reached just now. Nothing has been changed; "
                         "please try again in a few minutes.")


class StripeRefused(DomainError):
    """Stripe answered and said no (4xx other than 429): a wrong API key, a price or subscription it does
    not know. Asking again will not help until something is changed, so it is never called an outage:
    the admin reads Stripe's own reason. Nothing was changed on our side."""

    status = 502

    def __init__(self, error: stripe.StripeError):
        self.http_status = error.http_status
        self.code = error.code
        self.reason = error.user_message or str(error) or type(error).__name__
        super().__init__(_l("The payment provider refused the request: “%(reason)s” (HTTP %(status)s). Nothing has "
                            "been changed. Trying again will not help: the billing settings (the API key, a price "
                            "or a subscription at the payment provider) need to be checked.",
                            reason=self.reason, status=self.http_status))

    @property
    def not_found(self) -> bool:
        """Stripe does not know what was asked for (a subscription or customer that is not there)."""
        return self.http_status == 404


def idempotency_key(*parts) -> str:
    """`koers-account-12-checkout-3`: the same operation of ours always sends the same key."""
    return "koers-" + "-".join(str(p) for p in parts)


def create_customer(settings, *, account_id: int, name: str, email: str | None) -> dict:
    params = {"name": name, "metadata": {"account_id": str(account_id)}}
    if email:
        params["email"] = email
    return _call(settings, lambda c: c.v1.customers.create(
        params, {"idempotency_key": idempotency_key("account", account_id, "customer")}))


def create_checkout_session(settings, *, account_id: int, attempt: int, customer: str, price: str, quantity: int,
                            success_url: str, cancel_url: str, trial_end: int | None) -> dict:
    subscription_data = {"metadata": {"account_id": str(account_id)}}
    if trial_end:
        subscription_data["trial_end"] = trial_end
    params = {
        "mode": "subscription", "customer": customer, "client_reference_id": str(account_id),
        "line_items": [{"price": price, "quantity": quantity}], "metadata": {"account_id": str(account_id)},
        "subscription_data": subscription_data, "success_url": success_url, "cancel_url": cancel_url,
    }
    return _call(settings, lambda c: c.v1.checkout.sessions.create(
        params, {"idempotency_key": idempotency_key("account", account_id, "checkout", attempt)}))


def create_portal_session(settings, *, customer: str, return_url: str) -> dict:
    params = {"customer": customer, "return_url": return_url}
    if settings.stripe_portal_configuration:
        params["configuration"] = settings.stripe_portal_configuration
    return _call(settings, lambda c: c.v1.billing_portal.sessions.create(params))


def retrieve_subscription(settings, subscription_id: str) -> dict:
    return _call(settings, lambda c: c.v1.subscriptions.retrieve(subscription_id))


def set_subscription_quantity(settings, subscription: dict, quantity: int, key: str) -> dict:
    """Change the (single) item's quantity; Stripe prorates."""
    item = subscription["items"]["data"][0]
    params = {"items": [{"id": item["id"], "quantity": quantity}], "proration_behavior": "create_prorations"}
    return _call(settings, lambda c: c.v1.subscriptions.update(subscription["id"], params,
                                                               {"idempotency_key": key}))


def preview_next_invoice(settings, *, customer: str, subscription: str) -> dict:
    return _call(settings, lambda c: c.v1.invoices.create_preview(
        {"customer": customer, "subscription": subscription}))


def construct_event(settings, payload: bytes, signature: str) -> dict:
    """The verified event, or ValueError (bad JSON) / stripe.SignatureVerificationError."""
    event = stripe.Webhook.construct_event(payload, signature, settings.stripe_webhook_secret,
                                           tolerance=settings.stripe_webhook_tolerance)
    return event.to_dict()


def _call(settings, request):
    try:
        return request(_client(settings.stripe_secret_key, settings.stripe_api_base)).to_dict()
    except stripe.StripeError as error:
        if _refused(error):
            log.warning("Stripe refused a request (HTTP %s, %s): %s", error.http_status, error.code or "no code",
                        error.user_message)
            raise StripeRefused(error) from error
        raise StripeUnavailable() from error


def _refused(error: stripe.StripeError) -> bool:
    """A 4xx answer, except 429 (too many requests: Stripe asks to try again later). No answer at all
    (a connection error, a timeout) and 5xx are an outage."""
    status = error.http_status
    return isinstance(status, int) and 400 <= status < 500 and status != 429


@lru_cache(maxsize=8)
def _client(secret_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        secret_key, base_addresses={"api": api_base}, max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


STRIPE_API = "https://api.stripe.com"
STRIPE_PAGES = ("https://checkout.stripe.com", "https://billing.stripe.com")  # the checkout, the customer portal


def page_origins(settings) -> tuple[str, ...]:
    """Where the checkout and portal buttons lead: Stripe's own pages, or the stand-in's (a fake Stripe on
    loopback) when the API is not Stripe's. The billing pages' policy must allow their forms to go there."""
    if not settings.billing_enabled:
        return ()
    if settings.stripe_api_base.rstrip("/") == STRIPE_API:
        return STRIPE_PAGES
    parts = urlsplit(settings.stripe_api_base)
    return (f"{parts.scheme}://{parts.netloc}",)
