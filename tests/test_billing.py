"""Billing for an organisation (issue 8): Checkout, the customer portal, signed idempotent webhooks that
reconcile with Stripe, the entitlement states and their enforcement, and billing switched off.

Stripe is the fake in tests/fake_stripe.py, reached by the real `stripe` library on loopback; events
are signed with the test secret exactly as Stripe signs them.
"""
import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from billing import entitlements
from billing.entitlements import ReadOnly, require_writable, tenant_entitlement
from billing.models import BillingAccount, BillingEvent, TenantBilling
from saas.kernel.db import utcnow
from tenants.models import Tenant
from tests.fake_stripe import PRICE_ORGANISATION, WEBHOOK_SECRET, sign
from tests.helpers import Factory, KoersClient

@pytest.fixture
def billing_app(stack, database, fake_stripe):
    """The app with billing on, its Stripe the fake."""
    from saas import create_app
    from saas.kernel.extensions import limiter
    from tests.conftest import settings_for

    application = create_app(settings_for(stack, **fake_stripe.settings()), database=database, testing=True)
    application.test_client_class = KoersClient
    limiter.reset()
    return application


@pytest.fixture
def billed(billing_app, database):
    """Like `make`, inside the billing app (so services see billing on)."""
    return Factory(billing_app, database)


@pytest.fixture
def stripe_client(billing_app):
    """Stripe's side of the webhook: posts signed events."""
    return billing_app.test_client()


def deliver(client, event, *, secret=WEBHOOK_SECRET, timestamp=None, body=None, signature=None):
    payload = body if body is not None else json.dumps(event).encode()
    header = signature if signature is not None else sign(payload, secret, timestamp)
    return client.post("/billing/webhook", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": header})


def deliver_all(client, events):
    for event in events:
        response = deliver(client, event)
        assert response.status_code == 200, response.get_data(as_text=True)


def account_of(make, tenant):
    with make.session(tenant.id) as db:
        link = db.scalar(select(TenantBilling))
        return None if link is None else db.get(BillingAccount, link.account_id)


def age(make, tenant, days):
    """The tenant was made `days` ago (its own trial counts from then)."""
    with make.session() as db:
        db.execute(update(Tenant).where(Tenant.id == tenant.id).values(created_at=utcnow() - timedelta(days=days)))


def subscribe(billed, tenant, fake):
    """The admin subscribes through Checkout, pays, and Stripe's events arrive. Returns the subscription id."""
    admin = billed.app.test_client()
    admin.login(tenant.admin_email)
    response = admin.submit(f"/t/{tenant.slug}/billing/checkout", {"action": "checkout"}, page=f"/t/{tenant.slug}/billing/")
    assert response.status_code == 303 and response.headers["Location"].startswith(fake.url + "/checkout/cs_test_")
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    events = fake.complete_checkout(session_id)
    deliver_all(billed.app.test_client(), events)
    return fake.get(session_id)["subscription"]


def entitlement(make, tenant, now=None):
    with make.session(tenant.id) as db:
        return tenant_entitlement(db, db.get(Tenant, tenant.id), now=now)


# ---- Checkout and the portal ------------------------------------------------------------------

def test_admin_subscribes_through_checkout_and_the_webhook_makes_the_account_active(billed, fake_stripe):
    tenant = billed.tenant("oost")
    age(billed, tenant, 13)  # one day of trial left: too little to carry over into Stripe
    admin = billed.app.test_client()
    admin.login(tenant.admin_email)
    page = admin.text("/t/oost/billing/")
    assert "Organisation plan" in page and "Free trial" in page and "Subscribe" in page

    response = admin.submit("/t/oost/billing/checkout", {"action": "checkout"}, page="/t/oost/billing/")
    assert response.status_code == 303
    [session] = fake_stripe.of_kind("checkout.session")
    assert response.headers["Location"] == session["url"]
    account = account_of(billed, tenant)
    assert session["customer"] == account.stripe_customer_id
    assert session["line_items"] == [{"price": PRICE_ORGANISATION, "quantity": "1"}]
    assert session["client_reference_id"] == str(account.id) and session["subscription_data"].get("trial_end") is None
    assert session["success_url"] == "http://localhost/t/oost/billing/?checkout=done"
    # idempotency keys come from our own ids
    assert [c.idempotency_key for c in fake_stripe.calls("POST", "/v1/customers")] == [f"koers-account-{account.id}-customer"]
    assert [c.idempotency_key for c in fake_stripe.calls("POST", "/v1/checkout/sessions")] == [
        f"koers-account-{account.id}-checkout-1"]
    assert account.subscription_status is None  # nothing changes before Stripe says so

    events = fake_stripe.complete_checkout(session["id"])
    deliver_all(billed.app.test_client(), events)
    account = account_of(billed, tenant)
    assert account.stripe_subscription_id == fake_stripe.get(session["id"])["subscription"]
    assert account.subscription_status == "active" and account.stripe_quantity == 1
    assert entitlement(billed, tenant).state == entitlements.ACTIVE

    page = admin.text("/t/oost/billing/?checkout=done")
    assert "Active" in page and "€99.00" in page and "Open the customer portal" in page
    assert ">Subscribe<" not in page
    assert "Free trial" not in admin.text("/t/oost/")  # no banner when all is well


def test_the_rest_of_the_trial_carries_over_into_the_subscription(billed, fake_stripe):
    tenant = billed.tenant("oost")
    subscription_id = subscribe(billed, tenant, fake_stripe)
    trial_end = fake_stripe.get(subscription_id)["trial_end"]
    assert abs(trial_end - (time.time() + 14 * 86400)) < 120
    state = entitlement(billed, tenant)
    assert state.state == entitlements.TRIALING and state.writable
    assert abs(state.until.timestamp() - trial_end) < 1


def test_the_customer_portal_opens_for_the_account_and_returns_to_the_billing_page(billed, fake_stripe):
    tenant = billed.tenant("oost")
    subscribe(billed, tenant, fake_stripe)
    admin = billed.app.test_client()
    admin.login(tenant.admin_email)
    response = admin.submit("/t/oost/billing/portal", {"action": "portal"}, page="/t/oost/billing/")
    assert response.status_code == 303 and response.headers["Location"].startswith(fake_stripe.url + "/portal/bps_")
    [call] = fake_stripe.calls("POST", "/v1/billing_portal/sessions")
    assert call.params == {"customer": account_of(billed, tenant).stripe_customer_id,
                           "return_url": "http://localhost/t/oost/billing/"}


def test_only_admins_see_billing(billed):
    tenant = billed.tenant("oost")
    billed.member(tenant, "member@oost.example")
    member = billed.app.test_client()
    member.login("member@oost.example")
    assert member.get("/t/oost/billing/").status_code == 403
    assert member.submit("/t/oost/billing/checkout", page="/t/oost/").status_code == 403


def test_stripe_unreachable_the_pages_still_work_and_checkout_changes_nothing(billed, fake_stripe):
    tenant = billed.tenant("oost")
    subscribe(billed, tenant, fake_stripe)
    admin = billed.app.test_client()
    admin.login(tenant.admin_email)
    fake_stripe.down()
    page = admin.text("/t/oost/billing/")
    assert "cannot be reached just now, so the next invoice cannot be shown" in page, page[page.find("<main"):]

    other = billed.tenant("west")
    west_admin = billed.app.test_client()
    west_admin.login(other.admin_email)
    token = west_admin.csrf_token("/t/west/billing/")
    response = west_admin.post("/t/west/billing/checkout", data={"csrf_token": token, "action": "checkout"}, follow_redirects=True)
    assert response.status_code == 200
    assert "payment provider cannot be reached just now" in response.get_data(as_text=True)
    assert account_of(billed, other) is None  # the whole attempt was rolled back


# ---- webhooks ---------------------------------------------------------------------------------

def test_a_replayed_event_changes_nothing(billed, fake_stripe, stripe_client):
    tenant = billed.tenant("oost")
    subscription_id = subscribe(billed, tenant, fake_stripe)
    failed = fake_stripe.fail_payment(subscription_id)
    deliver_all(stripe_client, failed)
    before = account_of(billed, tenant)
    fetches = len(fake_stripe.calls("GET", f"/v1/subscriptions/{subscription_id}"))
    fake_stripe.pay(subscription_id)  # Stripe moved on; a replay of the old event must not be applied again

    for event in failed:
        response = deliver(stripe_client, event)
        assert response.status_code == 200 and response.get_json()["outcome"] == "duplicate"
    after = account_of(billed, tenant)
    assert (after.subscription_status, after.past_due_since, after.reconciled_at) == \
        (before.subscription_status, before.past_due_since, before.reconciled_at) == \
        ("past_due", before.past_due_since, before.reconciled_at)
    assert len(fake_stripe.calls("GET", f"/v1/subscriptions/{subscription_id}")) == fetches
    with billed.session() as db:
        assert db.scalar(select(func.count()).select_from(BillingEvent)) == 3 + len(failed)


def test_events_out_of_order_never_move_the_state_backwards(billed, fake_stripe, stripe_client):
    tenant = billed.tenant("oost")
    age(billed, tenant, 13)
    admin = billed.app.test_client()
    admin.login(tenant.admin_email)
    admin.submit("/t/oost/billing/checkout", {"action": "checkout"}, page="/t/oost/billing/")
    [session] = fake_stripe.of_kind("checkout.session")
    created = fake_stripe.complete_checkout(session["id"])
    subscription_id = fake_stripe.get(session["id"])["subscription"]
    failed = fake_stripe.fail_payment(subscription_id)
    paid = fake_stripe.pay(subscription_id)

    # the newest news first, the oldest last: checkout.session.completed arrives after everything
    for event in list(reversed(paid)) + list(reversed(failed)) + list(reversed(created)):
        assert deliver(stripe_client, event).status_code == 200
    account = account_of(billed, tenant)
    assert account.subscription_status == "active" and account.past_due_since is None
    assert account.stripe_subscription_id == subscription_id
    assert entitlement(billed, tenant).state == entitlements.ACTIVE

    # a late event about the subscription as it was (past due) after it was paid: still active
    late = fake_stripe.event("customer.subscription.updated", {**fake_stripe.get(subscription_id), "status": "past_due"})
    deliver(stripe_client, late)
    assert account_of(billed, tenant).subscription_status == "active"


def test_a_bad_signature_answers_400_and_changes_nothing(billed, fake_stripe, stripe_client, owner_engine):
    tenant = billed.tenant("oost")
    admin = billed.app.test_client()
    admin.login(tenant.admin_email)
    admin.submit("/t/oost/billing/checkout", {"action": "checkout"}, page="/t/oost/billing/")
    [session] = fake_stripe.of_kind("checkout.session")
    events = fake_stripe.complete_checkout(session["id"])
    completed = events[-1]
    payload = json.dumps(completed).encode()
    before = account_of(billed, tenant)
    for response in (
        deliver(stripe_client, completed, secret="whsec_someone_else"),
        deliver(stripe_client, completed, body=payload.replace(b'"complete"', b'"open"'),
                signature=sign(payload)),  # the body changed after signing
        deliver(stripe_client, completed, timestamp=int(time.time()) - 3600),  # outside the tolerance: a replay attack
        deliver(stripe_client, completed, signature=""),
        deliver(stripe_client, completed, body=b"not json", signature=sign(b"not json")),
    ):
        assert response.status_code == 400
    with billed.session() as db:
        assert db.scalar(select(func.count()).select_from(BillingEvent)) == 0
    after = account_of(billed, tenant)
    assert (after.stripe_subscription_id, after.subscription_status) == (before.stripe_subscription_id, None)
    assert fake_stripe.calls("GET", r"/v1/subscriptions/.*") == []
    assert deliver(stripe_client, completed).status_code == 200  # the genuine event still applies
    assert account_of(billed, tenant).subscription_status in ("trialing", "active")


def test_an_event_that_cannot_be_reconciled_is_not_recorded_so_stripes_retry_applies_it(billed, fake_stripe,
                                                                                          stripe_client):
    tenant = billed.tenant("oost")
    subscription_id = subscribe(billed, tenant, fake_stripe)
    failed = fake_stripe.fail_payment(subscription_id)
    fake_stripe.down()
    response = deliver(stripe_client, failed[0])
    assert response.status_code == 503
    with billed.session() as db:
        assert db.get(BillingEvent, failed[0]["id"]) is None
    assert account_of(billed, tenant).subscription_status == "trialing"
    fake_stripe.up()
    assert deliver(stripe_client, failed[0]).get_json()["outcome"] == "applied"
    assert account_of(billed, tenant).subscription_status == "past_due"


def test_events_about_no_account_of_ours_and_other_types_are_recorded_and_ignored(billed, stripe_client, fake_stripe):
    other = fake_stripe.event("customer.created", {"id": "cus_x", "object": "customer"})
    assert deliver(stripe_client, other).get_json()["outcome"] == "ignored"
    stranger = fake_stripe.event("invoice.paid", {"id": "in_x", "object": "invoice", "customer": "cus_nobody"})
    assert deliver(stripe_client, stranger).get_json()["outcome"] == "unknown"
    assert deliver(stripe_client, stranger).get_json()["outcome"] == "duplicate"


def test_a_subscription_stripe_does_not_know_is_refused_not_an_outage_so_stripe_stops_retrying(
        billed, fake_stripe, stripe_client, caplog):
    """Issue 17 §11: a 404 from Stripe for a subscription of no account of ours was answered 503, and
    Stripe delivered the event again for days. Now it is recorded as refused, with a 2xx."""
    stranger = fake_stripe.event("customer.subscription.updated",
                                 {"id": "sub_not_at_stripe", "object": "subscription", "customer": "cus_nobody"})
    response = deliver(stripe_client, stranger)
    assert response.status_code == 200 and response.get_json()["outcome"] == "refused"
    assert deliver(stripe_client, stranger).get_json()["outcome"] == "duplicate"  # recorded: asked once
    assert len(fake_stripe.calls("GET", r"/v1/subscriptions/sub_not_at_stripe")) == 1
    assert "refused subscription sub_not_at_stripe (HTTP 404)" in caplog.text
    assert "could not be reached" not in caplog.text


def _wrong_key_app(stack, database, fake_stripe):
    from saas import create_app
    from tests.conftest import settings_for

    application = create_app(settings_for(stack, **fake_stripe.settings(stripe_secret_key="sk_test_not_ours")),
                             database=database, testing=True)
    application.test_client_class = KoersClient
    return application


def test_a_wrong_api_key_reads_as_refused_with_stripes_reason_and_ours_is_delivered_again(
        billed, fake_stripe, stripe_client, stack, database, caplog):
    tenant = billed.tenant("oost")
    subscription_id = subscribe(billed, tenant, fake_stripe)
    misconfigured = _wrong_key_app(stack, database, fake_stripe)
    admin = misconfigured.test_client()
    admin.login(tenant.admin_email)
    page = admin.text("/t/oost/billing/")
    assert "refused to show the next invoice: “Invalid API Key provided” (HTTP 401)" in page, \
        page[page.find("<main"):]
    assert "cannot be reached" not in page
    other = billed.tenant("west")
    west = misconfigured.test_client()
    west.login(other.admin_email)
    response = west.submit("/t/west/billing/checkout", {"action": "checkout"}, page="/t/west/billing/")
    shown = west.text(response.headers["Location"])
    assert "The payment provider refused the request: “Invalid API Key provided” (HTTP 401)" in shown
    assert "cannot be reached" not in shown and account_of(billed, other) is None

    # an event about an account of ours cannot be applied with the wrong key: not recorded, and not
    # called an outage; Stripe delivers it again, and once the key is right it applies
    failed = fake_stripe.fail_payment(subscription_id)
    response = deliver(misconfigured.test_client(), failed[0])
    assert response.status_code == 500 and response.get_json() == {"received": False,
                                                                    "refused": "Invalid API Key provided"}
    assert "Stripe refused (HTTP 401" in caplog.text and "could not be reached" not in caplog.text
    with billed.session() as db:
        assert db.get(BillingEvent, failed[0]["id"]) is None
    assert deliver(stripe_client, failed[0]).get_json()["outcome"] == "applied"
    assert account_of(billed, tenant).subscription_status == "past_due"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_stripe_failing_itself_or_asking_to_slow_down_is_an_outage_and_retried(billed, fake_stripe, stripe_client,
                                                                                status):
    tenant = billed.tenant("oost")
    subscription_id = subscribe(billed, tenant, fake_stripe)
    failed = fake_stripe.fail_payment(subscription_id)
    fake_stripe.fail_next(status, "Stripe is having trouble", error_type="rate_limit_error" if status == 429 else None)
    assert deliver(stripe_client, failed[0]).status_code == 503
    assert deliver(stripe_client, failed[0]).get_json()["outcome"] == "applied"
    admin = billed.app.test_client()
    admin.login(tenant.admin_email)
    fake_stripe.fail_next(status, "Stripe is having trouble")
    assert "cannot be reached just now, so the next invoice cannot be shown" in admin.text("/t/oost/billing/")


# ---- the states, the clocks and what is enforced -----------------------------------------------

def test_payment_failure_grace_then_read_only_then_payment_makes_it_active_again(billed, fake_stripe, stripe_client):
    from saas.programme import service as programme

    tenant = billed.tenant("oost")
    age(billed, tenant, 13)
    subscription_id = subscribe(billed, tenant, fake_stripe)
    with billed.session(tenant.id) as db:
        from datetime import date

        programme_id = programme.create_programme(db, name="Samen", goal="", starts_on=date(2026, 1, 1),
                                                  ends_on=date(2026, 12, 31)).id
    admin = billed.app.test_client()
    admin.login(tenant.admin_email)
    new_theme = f"/t/oost/programmes/{programme_id}/themes/new"

    deliver_all(stripe_client, fake_stripe.fail_payment(subscription_id))
    failed_at = account_of(billed, tenant).past_due_since
    assert failed_at is not None
    # the grace period: full use for 7 days, and the banner says until when
    in_grace = entitlement(billed, tenant, now=failed_at + timedelta(days=6, hours=23))
    assert (in_grace.state, in_grace.writable) == (entitlements.PAST_DUE, True)
    assert in_grace.until == failed_at + timedelta(days=7)
    page = admin.text("/t/oost/")
    assert "Payment overdue" in page and "Everything keeps working until" in page and "Go to the billing page" in page
    assert admin.submit(new_theme, {"title": "In grace", "problem": "p"}).status_code == 302

    # then read-only: the form is refused with a page that says why and where to pay, nothing is lost
    after = entitlement(billed, tenant, now=failed_at + timedelta(days=7, minutes=1))
    assert (after.state, after.writable) == (entitlements.PAST_DUE, False)
    with billed.session() as db:  # a week later
        db.execute(update(BillingAccount).values(past_due_since=utcnow() - timedelta(days=8)))
    response = admin.submit(new_theme, {"title": "Too late", "problem": "p"})
    assert response.status_code == 403
    assert "grace period has ended" in response.get_data(as_text=True)
    assert 'href="/t/oost/billing/"' in response.get_data(as_text=True)
    page = admin.text("/t/oost/")
    assert "Payment overdue: read-only" in page
    assert "In grace" in admin.text(f"/t/oost/programmes/{programme_id}")  # still there, readable

    # paid: active again, at once
    deliver_all(stripe_client, fake_stripe.pay(subscription_id))
    assert entitlement(billed, tenant).state == entitlements.ACTIVE
    assert account_of(billed, tenant).past_due_since is None
    assert admin.submit(new_theme, {"title": "Too late", "problem": "p"}).status_code == 302
    assert "Payment overdue" not in admin.text("/t/oost/")


def test_a_trial_of_14_days_then_read_only_until_someone_subscribes(billed):
    tenant = billed.tenant("oost")
    with billed.session() as db:
        made = db.get(Tenant, tenant.id).created_at
    day_13 = entitlement(billed, tenant, now=made + timedelta(days=13, hours=23))
    assert (day_13.state, day_13.writable) == (entitlements.TRIALING, True)
    day_14 = entitlement(billed, tenant, now=made + timedelta(days=14))
    assert (day_14.state, day_14.writable) == (entitlements.TRIAL_ENDED, False)
    with billed.session(tenant.id) as db:
        with pytest.raises(ReadOnly, match="trial has ended"):
            require_writable(db, now=made + timedelta(days=15))
        require_writable(db, now=made + timedelta(days=1))

    admin = billed.app.test_client()
    admin.login(tenant.admin_email)
    assert "The free trial ends in 14 days" in admin.text("/t/oost/")
    age(billed, tenant, 20)
    page = admin.text("/t/oost/")
    assert "Trial ended" in page and "Go to the billing page" in page


def test_read_only_refuses_new_and_changed_themes_teams_pitches_and_waves_and_deletes_nothing(
        billed, fake_stripe, stripe_client, owner_engine):
    from datetime import date

    from saas.programme import service as programme
    from tenants.models import Membership

    tenant = billed.tenant("oost")
    with billed.session(tenant.id) as db:
        admin = db.scalar(select(Membership))
        prog = programme.create_programme(db, name="Samen", goal="", starts_on=date(2026, 1, 1),
                                          ends_on=date(2026, 12, 31))
        theme = programme.save_theme(db, prog, None, title="Klant", problem="p", why_it_matters="",
                                     desired_outcome="", pillar="")
        prog.phase = "team_work"
        team = programme.propose_team(db, prog, theme, admin, name="Team", goal="")
        ids = prog.id, theme.id, team.id, admin.id
    subscription_id = subscribe(billed, tenant, fake_stripe)
    deliver_all(stripe_client, fake_stripe.cancel(subscription_id))
    assert entitlement(billed, tenant).state == entitlements.CANCELED

    # every form that would add or change something is refused in one place, before its view runs
    client = billed.app.test_client()
    client.login(tenant.admin_email)
    for url, data in ((f"/t/oost/programmes/{ids[0]}/themes/new", {"title": "Nieuw", "problem": "p"}),
                      (f"/t/oost/themes/{ids[1]}/teams", {"name": "Nog een team", "goal": ""}),
                      (f"/t/oost/teams/{ids[2]}/pitch", {"title": "Ons voorstel"}),
                      ("/t/oost/waves/new", {"name": "Nulmeting"}),
                      (f"/t/oost/themes/{ids[1]}/edit", {"title": "Klant centraal", "problem": "p"})):
        response = client.submit(url, data)
        assert response.status_code == 403, url
        assert "subscription has ended" in response.get_data(as_text=True)
    with billed.session(tenant.id) as db:
        assert programme.get_theme(db, ids[1]).title == "Klant"  # what is there stays, unchanged
        assert programme.get_team(db, ids[2]) is not None

    # export still allowed: the team's work log as CSV
    response = client.get(f"/t/oost/teams/{ids[2]}/log/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    page = client.text("/t/oost/")
    assert "Subscription ended" in page and "can be exported" in page
    # a request that the page does not catch is answered with the same message, as a JSON problem if asked
    response = client.post(f"/t/oost/teams/{ids[2]}/pitch", headers={"Accept": "application/json"},
                           data={"csrf_token": client.csrf_token(f"/t/oost/teams/{ids[2]}/pitch"),
                                 "title": "Ons voorstel"})
    assert response.status_code == 403 and "subscription has ended" in response.get_json()["detail"]


def test_billing_off_every_tenant_is_active_and_the_page_says_billing_is_not_configured(app, make, client):
    tenant = make.tenant("oost")
    age(make, tenant, 400)
    with make.session(tenant.id) as db:
        state = tenant_entitlement(db, db.get(Tenant, tenant.id), now=utcnow() + timedelta(days=1000))
        assert (state.state, state.writable, state.billing_enabled) == (entitlements.ACTIVE, True, False)
        require_writable(db, now=utcnow() + timedelta(days=1000))
    client.login(tenant.admin_email)
    assert "Billing is not configured" in client.text("/t/oost/billing/")
    response = client.submit("/t/oost/billing/checkout", {"action": "checkout"}, page="/t/oost/billing/", follow_redirects=True)
    assert "Billing is not configured" in response.get_data(as_text=True)
    assert account_of(make, tenant) is None
    assert "billing-banner" not in client.text("/t/oost/")
    assert client.post("/billing/webhook", data=b"{}", content_type="application/json").status_code == 404
