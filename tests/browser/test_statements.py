"""The published statements (issue 19, point 7) in a real Chromium: an organisation's privacy and accessibility
statements reached from the footer by keyboard alone after a keyboard-only sign-in, then both statements and the
platform's own in Dutch and English; axe-core checks every page (tests/browser/conftest.py)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def _tab_to(page, test, limit=60):
    """Press Tab until the focused element passes `test` (a JavaScript predicate on document.activeElement)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {test})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached {test}")


def test_statements_by_keyboard_and_in_both_languages_are_accessible(make, new_page):
    oost = make.tenant("oost", name="Gemeente Oost")
    page = new_page()
    page.goto("/login")
    # sign in with the keyboard alone
    _tab_to(page, "el.id === 'email'")
    page.keyboard.type(oost.admin_email)
    _tab_to(page, "el.id === 'password'")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")
    page.check_a11y()
    expect(page.page).to_have_url(re.compile(r"/t/oost/$"))
    # the footer's link to the organisation's privacy statement, by keyboard
    _tab_to(page, "el.getAttribute('href') === '/t/oost/privacy'", limit=200)
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")
    page.check_a11y()
    expect(page.locator("h1")).to_have_text("Privacy statement: Gemeente Oost")

    page.click_and_wait(page.get_by_role("link", name="Accessibility statement"))
    expect(page.locator("h1")).to_have_text("Accessibility statement: Gemeente Oost")
    page.click_and_wait(page.get_by_role("button", name="Nederlands"))
    expect(page.locator("h1")).to_have_text("Toegankelijkheidsverklaring: Gemeente Oost")
    page.click_and_wait(page.get_by_role("link", name="Privacyverklaring"))
    expect(page.locator("h1")).to_have_text("Privacyverklaring: Gemeente Oost")

    # the platform's own, for someone not signed in, in both languages
    visitor = new_page()
    for path, title in (("/privacy", "Privacy statement"), ("/accessibility", "Accessibility statement")):
        visitor.goto(path)
        expect(visitor.locator("h1")).to_have_text(title)
    visitor.click_and_wait(visitor.get_by_role("button", name="Nederlands"))
    expect(visitor.locator("h1")).to_have_text("Toegankelijkheidsverklaring")
    visitor.click_and_wait(visitor.get_by_role("link", name="Privacyverklaring"))
    expect(visitor.locator("h1")).to_have_text("Privacyverklaring")
