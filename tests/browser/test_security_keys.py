"""A security key in a real browser: Chromium's own virtual authenticator (DevTools' WebAuthn domain: CTAP2, an
internal authenticator that verifies the user) answers the page's script as a passkey would. The person adds a
key on the key management page, logs out, and signs in with password and key. axe-core checks every page.

WebAuthn needs a host name (an IP address is no relying party): this browser visits the live server as
localhost, and Koers's BASE_URL says the same."""
from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS, A11yPage
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def localhost_page(browser, live_server, app):
    base = live_server.replace("127.0.0.1", "localhost")
    app.config["KOERS"] = replace(app.config["KOERS"], base_url=base)  # the relying party: this origin
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = A11yPage(context.new_page(), base)
    cdp = context.new_cdp_session(page.page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    yield page
    page.assert_all_checked()
    context.close()


def _password_step(page):
    page.goto("/login")
    page.get_by_label("E-mail address").fill("hanna@oost.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.click_and_wait(page.locator("form:has(#password) button[type=submit]"))


def test_a_person_adds_a_security_key_and_signs_in_with_it(localhost_page, make):
    page = localhost_page
    make.tenant("oost", "hanna@oost.example")
    _password_step(page)

    page.goto("/account/two-factor")
    page.click_and_wait(page.get_by_role("link", name="Manage security keys"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Security keys and passkeys")
    expect(page.get_by_text("Adding a security key needs JavaScript")).to_be_hidden()  # the script runs here
    page.get_by_label("Name of the key").fill("Work laptop")
    page.click_and_wait(page.get_by_role("button", name="Add the security key"))
    # the first second factor: the recovery codes come with it, once
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_role("status")).to_contain_text("The security key “Work laptop” has been added")
    page.click_and_wait(page.get_by_role("link", name="I have kept my recovery codes, continue"))
    page.click_and_wait(page.get_by_role("link", name="Manage security keys"))
    expect(page.get_by_role("table", name="Your security keys")).to_contain_text("Work laptop")

    page.click_and_wait(page.get_by_role("button", name="Log out"))
    _password_step(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
    page.click_and_wait(page.get_by_role("button", name="Use my security key"))
    page.goto("/account/security-keys")  # signed in: the key's last use is shown
    expect(page.get_by_role("table", name="Your security keys").get_by_role("row").filter(
        has_text="Work laptop")).not_to_contain_text("Not yet")
