"""Billing jobs: telling Stripe how many clients a consultancy has. They call outside, so they retry
with back-off while Stripe is away; the change that asked for them is already committed."""
from __future__ import annotations

from billing.service import sync_quantity as sync
from saas.kernel.jobs import platform_job

# seconds between attempts: a short outage is over by the second try, a long one within the hour
STRIPE_RETRY = (5, 30, 120, 600, 1800, 3600)


@platform_job(retry=STRIPE_RETRY)
def sync_quantity(session, settings, account_id: int) -> str:
    """Set the consultancy's subscription quantity to its active clients (idempotent; see the service)."""
    return sync(session, account_id, settings)
