"""Single sign-on in a real browser against a real OpenID provider (npm's oidc-provider on loopback,
tests/oidc.py): the admin configures it on the settings page, people sign in through the provider's own
login and consent pages and land in the tenant, with their legacy organisation from a claim or asked once.
axe-core checks every Koers page on the way (the provider's pages are not ours to check)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from saas.auth.models import User
from tenants.models import Membership
from tests.helpers import PASSWORD
from tests.oidc import Provider

pytestmark = pytest.mark.browser


@pytest.fixture
def provider(live_server):
    started = Provider(
        clients=[{"client_id": "koers-fusie", "client_secret": "browser-test-secret",
                  "redirect_uris": [f"{live_server}/t/fusie/sso/callback"]}],
        accounts={"anna": {"email": "anna@fusie.example", "name": "Anna de Vries", "legacy_org": "BEE"},
                  "bram": {"email": "bram@fusie.example", "name": "Bram Jansen"}})
    yield started
    started.stop()


def at_the_provider(page, login):
    """The provider's own pages: its login form, then its consent page; then back to Koers."""
    raw = page.page
    raw.wait_for_url(re.compile(r"/interaction/"))
    raw.fill("input[name=login]", login)
    raw.fill("input[name=password]", "whatever the provider asks")
    with raw.expect_navigation():
        raw.get_by_role("button", name="Sign-in").click()
    raw.wait_for_url(re.compile(r"/interaction/"))
    raw.get_by_role("button", name="Continue").click()
    raw.wait_for_url(re.compile(r"/t/fusie/"))
    page.check_a11y()


def test_people_sign_in_through_their_organisations_provider(page, new_page, make, provider):
    tenant = make.tenant("fusie", admin_email="admin@fusie.example", name="Gemeente Fusie")

    # The admin configures the provider from the settings page.
    page.goto("/login")
    page.get_by_label("E-mail address").fill("admin@fusie.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.click_and_wait(page.get_by_role("button", name="Log in"))
    page.goto("/t/fusie/settings")
    page.click_and_wait(page.get_by_role("link", name="Single sign-on"))
    expect(page.get_by_role("main")).to_contain_text("/t/fusie/sso/callback")
    page.get_by_label("Name of the sign-in service").fill("Fusie ID")
    page.get_by_label("Issuer or discovery address").fill(provider.issuer + "/.well-known/openid-configuration")
    page.get_by_label("Client id").fill("koers-fusie")
    page.get_by_label("Client secret").fill("browser-test-secret")
    page.get_by_label("Scopes").fill("openid email profile organisation")
    page.get_by_label("Claim with the legacy organisation (optional)").fill("legacy_org")
    page.click_and_wait(page.get_by_role("button", name="Save"))
    expect(page.get_by_role("status")).to_contain_text("The single sign-on settings have been saved.")
    expect(page.get_by_label("Client secret")).to_have_value("")  # never shown back

    # Anna, in her own browser, enters her organisation on the log-in page and signs in there.
    anna = new_page()
    anna.goto("/login")
    anna.get_by_label("Your organisation's web address in Koers").fill("fusie")
    anna.click_and_wait(anna.get_by_role("button", name="Continue"))
    expect(anna.get_by_role("heading", level=1)).to_have_text("Sign in to Gemeente Fusie")
    anna.get_by_role("button", name="Sign in with Fusie ID").click()
    at_the_provider(anna, "anna")
    expect(anna.page).to_have_url(re.compile(r"/t/fusie/$"))
    expect(anna.get_by_role("status")).to_contain_text("You are signed in through Fusie ID.")
    expect(anna.get_by_role("heading", level=1)).to_have_text("Gemeente Fusie")

    # Bram's provider says nothing of his former organisation: Koers asks him, once.
    bram = new_page()
    bram.goto("/t/fusie/sso/login")
    bram.get_by_role("button", name="Sign in with Fusie ID").click()
    at_the_provider(bram, "bram")
    expect(bram.page).to_have_url(re.compile(r"/t/fusie/sso/organisation$"))
    bram.get_by_label("Which organisation did you work for before the merger?").select_option(
        label="Gemeente Cur (fusie)")
    bram.click_and_wait(bram.get_by_role("button", name="Save"))
    expect(bram.page).to_have_url(re.compile(r"/t/fusie/$"))

    with make.session(tenant.id) as db:
        legacy = {user.email: membership.legacy_org_id for membership, user in db.execute(
            select(Membership, User).join(User, User.id == Membership.user_id))}
    assert legacy["anna@fusie.example"] == tenant.legacy_org_ids[1]  # BEE, from her provider's claim
    assert legacy["bram@fusie.example"] == tenant.legacy_org_ids[2]  # CUR, his own answer
