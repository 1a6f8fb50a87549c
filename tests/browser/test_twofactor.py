"""Two-factor sign-in in a real browser: a tenant's admin requires it, is sent to set it up, scans (reads) the
key, confirms with the app's code, keeps the recovery codes, and signs in again with password and code.
The codes are computed with pyotp from the key the page shows, as the phone would. axe-core checks every page."""
from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_an_admin_sets_up_two_factor_sign_in_and_signs_in_with_it(page, make):
    make.tenant("oost", "hanna@oost.example")
    page.goto("/login")
    page.get_by_label("E-mail address").fill("hanna@oost.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.click_and_wait(page.get_by_role("button", name="Log in"))

    page.goto("/t/oost/settings")
    page.get_by_label("Require two-factor sign-in for admins, works council and consultants").check()
    page.click_and_wait(page.get_by_role("region", name="Two-factor sign-in").get_by_role("button", name="Save"))
    # the tenant's pages now wait until she has it
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
    expect(page.get_by_role("main")).to_contain_text("Organisation oost requires two-factor sign-in for your role")
    page.click_and_wait(page.get_by_role("button", name="Set up two-factor sign-in"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")  # the SVG loaded under the CSP
    secret = page.locator("#twofactor-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill(totp.now())
    page.click_and_wait(page.get_by_role("button", name="Turn two-factor sign-in on"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10
    page.click_and_wait(page.get_by_role("link", name="I have kept my recovery codes, continue"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")  # back where the policy sent her from

    page.click_and_wait(page.get_by_role("button", name="Log out"))
    page.get_by_label("E-mail address").fill("hanna@oost.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.click_and_wait(page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
    valid_now = {totp.at(time.time() + drift) for drift in (-60, -30, 0, 30, 60)}
    page.get_by_label("Code").fill(next(code for code in ("000000", "111111", "222222") if code not in valid_now))
    page.click_and_wait(page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("main")).to_contain_text("This code is not right")
    page.get_by_label("Code").fill(totp.at(time.time() + 30))  # the next code: the first one is spent
    page.click_and_wait(page.get_by_role("button", name="Log in"))
    page.goto("/t/oost/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
