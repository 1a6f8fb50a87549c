"""Every demo account's home (issue 17, build point 1) in a real Chromium at 1,280 px, in Dutch (the tenant's
language) and English: reached by logging in (one tenant: its home is the start), checked by axe-core, no
sideways scroll, and a screenshot of each kept in test-artifacts/ (home-<account>-<language>.png)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from saas.demo import DEMO_PASSWORD
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

# the account and the section its home opens with
ACCOUNTS = [("admin", "home-setup"), ("management", "home-programme"), ("sponsor", "home-sponsor"),
            ("member", "home-todo"), ("works-council", "home-council"), ("consultant", "home-setup")]


@pytest.fixture
def demo(seed_demo):
    seed_demo()


@pytest.mark.parametrize("account,section", ACCOUNTS)
def test_each_demo_account_lands_on_its_home_in_dutch_and_english(new_page, demo, account, section):
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/login")
    page.locator("#email").fill(f"{account}@demo.example.org")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.click_and_wait(page.locator("form:has(#password) button[type=submit]"))
    expect(page.page).to_have_url(re.compile(r"/t/regio-noord/$"))
    ARTIFACTS.mkdir(exist_ok=True)
    for language, switch in (("nl", None), ("en", "English")):
        if switch:
            page.click_and_wait(page.get_by_role("button", name=switch))
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.get_by_role("heading", level=1)).to_have_text("Sociale Dienst Regio Noord")
        expect(page.locator(f"#{section}")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scroll"
        page.screenshot(path=str(ARTIFACTS / f"home-{account}-{language}.png"), full_page=True)
