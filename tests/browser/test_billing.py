"""Billing in a real browser, with billing on (the fake Stripe): a consultant signs up her consultancy,
creates a client, sees it on her dashboard and on the billing page, and the client's banner says the
trial runs; an archived client says it is read-only. axe-core checks every page on the way."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app(stack, database, fake_stripe):
    """The app with billing on (overrides tests/conftest.py `app` for the live server)."""
    from saas import create_app
    from saas.kernel.extensions import limiter
    from tests.conftest import settings_for
    from tests.helpers import KoersClient

    application = create_app(settings_for(stack, **fake_stripe.settings()), database=database, testing=True)
    application.test_client_class = KoersClient
    limiter.reset()
    return application


def test_a_consultant_signs_up_creates_a_client_and_sees_it_on_her_dashboard(page, make):
    make.user("olga@advies.example", name="Olga")
    page.goto("/login")
    page.get_by_label("E-mail address").fill("olga@advies.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.click_and_wait(page.get_by_role("button", name="Log in"))

    page.click_and_wait(page.get_by_role("navigation").get_by_role("link", name="Consultancy"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign up as a consultancy")
    page.get_by_label("Name of the consultancy").fill("Olga Advies")
    page.click_and_wait(page.get_by_role("button", name="Sign up the consultancy"))

    expect(page.get_by_role("heading", level=1)).to_have_text("New client")
    page.get_by_label("Name of the organisation").fill("Gemeente Zuid")
    page.get_by_label("Web address").fill("zuid")
    page.get_by_label("Language").select_option(label="English")
    page.get_by_label("E-mail address of the client's administrator").fill("hanna@zuid.example")
    page.click_and_wait(page.get_by_role("button", name="Create the client"))
    expect(page.get_by_role("status")).to_contain_text("Gemeente Zuid has been created")
    expect(page.get_by_role("main")).to_contain_text("Consultancy plan, per active client")
    expect(page.get_by_role("main")).to_contain_text("Free trial")

    page.click_and_wait(page.get_by_role("link", name="All clients at a glance"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Clients of Olga Advies")
    row = page.get_by_role("row", name=re.compile("Gemeente Zuid"))
    expect(row).to_contain_text("No programme yet")

    page.click_and_wait(row.get_by_role("link", name="Gemeente Zuid"))
    banner = page.get_by_role("region", name="Subscription")
    expect(banner).to_contain_text("The free trial ends in 14 days")
    expect(banner.get_by_role("link", name="Go to the consultancy's billing page")).to_be_visible()

    # archived, the client says it is read-only
    page.click_and_wait(banner.get_by_role("link", name="Go to the consultancy's billing page"))
    page.get_by_label(re.compile("Archive Gemeente Zuid")).check()
    page.click_and_wait(page.get_by_role("button", name="Archive", exact=True))
    expect(page.get_by_role("status")).to_contain_text("The client has been archived")
    page.goto("/t/zuid/")
    expect(page.get_by_role("region", name="Subscription")).to_contain_text("archived by its consultancy")


def test_subscribe_leads_the_browser_on_to_the_payment_page(page, make, fake_stripe):
    """The Subscribe button's form is answered by a redirect to the payment provider's page: the browser
    follows it only when the page's Content-Security-Policy lets its forms go there (form-action)."""
    make.user("olga@advies.example", name="Olga")
    page.goto("/login")
    page.get_by_label("E-mail address").fill("olga@advies.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.click_and_wait(page.get_by_role("button", name="Log in"))
    page.goto("/billing/consultancy/new")
    page.get_by_label("Name of the consultancy").fill("Olga Advies")
    page.click_and_wait(page.get_by_role("button", name="Sign up the consultancy"))
    page.get_by_label("Name of the organisation").fill("Gemeente Zuid")
    page.get_by_label("Web address").fill("zuid")
    page.get_by_label("E-mail address of the client's administrator").fill("hanna@zuid.example")
    page.click_and_wait(page.get_by_role("button", name="Create the client"))
    page.goto("/billing/consultancy/account")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url(re.compile(re.escape(fake_stripe.url) + r"/checkout/"), timeout=10_000)
