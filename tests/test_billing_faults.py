"""Stripe unreachable during a client change (issue 8 point 7), with real Redis and a real `koers worker`:
the change is committed at once, and the quantity sync job retries with back-off until Stripe is back.

The worker and its helpers are those of tests/test_job_faults.py (the session's worker is stopped
meanwhile); this worker is given the fake Stripe's settings, as a production worker gets Stripe's.
"""
import time

import pytest
from sqlalchemy import select

from billing.models import BillingAccount, TenantBilling
from billing.service import SYNC_QUANTITY
from tenants.models import Tenant
from tests.helpers import Factory, wait_for
from tests.test_billing import deliver_all
from tests.test_billing_consultancy import create_client, sign_up
from tests.test_job_faults import _app, _run, _runs, start_worker  # noqa: F401 (a fixture)

pytestmark = pytest.mark.worker


def test_stripe_down_during_a_client_change_keeps_the_change_and_a_job_syncs_the_quantity_later(
        stack, database, make, fake_stripe, start_worker):
    start_worker(**fake_stripe.environment())
    app = _app(stack, database, **fake_stripe.settings())  # Redis on: jobs go to the worker
    queued = Factory(app, database)
    owner = sign_up(queued, "olga@advies.example", "Olga Advies")
    create_client(owner, "zuid", "hanna@zuid.example")
    response = owner.submit("/billing/consultancy/checkout", {"action": "checkout"}, page="/billing/consultancy/account")
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    deliver_all(app.test_client(), fake_stripe.complete_checkout(session_id))
    subscription_id = fake_stripe.get(session_id)["subscription"]
    assert fake_stripe.quantity(subscription_id) == 1
    before = {run.id for run in _runs(make, SYNC_QUANTITY)}

    fake_stripe.down()
    started = time.monotonic()
    create_client(owner, "oost", "otto@oost.example")  # the request does not wait for Stripe
    assert time.monotonic() - started < 10
    with make.session() as db:
        oost = db.scalar(select(Tenant).where(Tenant.slug == "oost"))
    with make.session(oost.id) as db:
        assert db.scalar(select(TenantBilling)).archived_at is None  # the change is kept
    [run] = [r for r in _runs(make, SYNC_QUANTITY) if r.id not in before]
    # the first attempt fails on the unreachable Stripe and waits for its retry
    waiting = wait_for(lambda: (lambda r: r if r and r.attempts >= 1 and r.status == "queued" else None)(
        _run(make, run.id)), 30, "the failed first attempt")
    assert "StripeUnavailable" in waiting.error
    assert fake_stripe.quantity(subscription_id) == 1

    fake_stripe.up()
    done = wait_for(lambda: _run(make, run.id, "done"), 60, "the retried quantity sync")
    assert done.attempts >= 2
    assert fake_stripe.quantity(subscription_id) == 2
    with make.session() as db:
        account = db.scalar(select(BillingAccount))
        assert account.stripe_quantity == 2
    [update] = fake_stripe.calls("POST", f"/v1/subscriptions/{subscription_id}")
    assert update.idempotency_key == f"koers-account-{account.id}-change-{account.client_changes}-quantity-2"
