"""The look of a Dutch public service and a navigation that fits (issue 17, points 6 and 2), in a real Chromium:
a tenant's house style on its own pages (axe-clean, its colour in the navigation bar, its logo shown) and not on
another tenant's; and on a 390 px phone without JavaScript, the menu button opens the navigation and its groups."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from saas.kernel import brand
from saas.kernel.db import utcnow
from tenants.models import Tenant
from tests.browser.conftest import TIMEOUT_MS
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

BRAND = "#6a1b9a"


def _logo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 48), (106, 27, 154)).save(out, "PNG")
    return out.getvalue()


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.click_and_wait(page.locator("form:has(#password) button[type=submit]"))


def _nav_bar_colour(page) -> str:
    return page.evaluate("getComputedStyle(document.querySelector('.site-nav')).backgroundColor")


@pytest.mark.parametrize("language,settings_heading", [("nl", "Instellingen"), ("en", "Settings")])
def test_a_branded_tenant_shows_its_colour_and_logo_and_another_tenant_does_not(make, new_page, language,
                                                                                  settings_heading):
    oost = make.tenant("oost", language=language)
    west = make.tenant("west", language=language)
    with make.session() as db:
        brand.set_style(db.get(Tenant, oost.id), colour=BRAND, logo_data=_logo(), remove_logo=False, now=utcnow())
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, oost.admin_email)
    page.goto("/t/oost/")  # axe runs on every page
    assert _nav_bar_colour(page) == "rgb(106, 27, 154)"
    logo = page.locator("img.brand-logo")
    expect(logo).to_be_visible()
    assert page.evaluate("document.querySelector('img.brand-logo').naturalWidth") == 160
    page.goto("/t/oost/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text(settings_heading)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    other = new_page()
    _log_in(other, west.admin_email)
    other.goto("/t/west/")
    assert _nav_bar_colour(other) == "rgb(11, 90, 122)"  # Koers's own theme
    expect(other.locator("img.brand-logo")).to_have_count(0)


def test_on_a_phone_without_javascript_the_menu_button_opens_the_navigation_and_its_groups(make, browser,
                                                                                           live_server, new_page):
    """axe-core cannot run where JavaScript is off (it is a script): the page without JavaScript is driven
    plainly, then the same steps at the same width with JavaScript are checked by axe in each state."""
    oost = make.tenant("oost")
    context = browser.new_context(locale="en-GB", java_script_enabled=False, viewport={"width": 390, "height": 844})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(live_server + "/login")
        page.locator("#email").fill(oost.admin_email)
        page.locator("#password").fill(PASSWORD)
        with page.expect_navigation(wait_until="load"):
            page.locator("form:has(#password) button[type=submit]").click()
        _phone_menu_story(page, check=lambda: None)
    finally:
        context.close()

    checked = new_page()
    checked.set_viewport_size({"width": 390, "height": 844})
    _log_in(checked, oost.admin_email)
    _phone_menu_story(checked.page, check=checked.check_a11y, click_and_wait=checked.click_and_wait)


def _phone_menu_story(page, check, click_and_wait=None):
    nav = page.get_by_role("navigation", name="Main")
    menu = page.locator("summary.site-menu__button")
    expect(menu).to_be_visible()
    expect(page.get_by_role("link", name="Programmes")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scroll"
    menu.click()
    expect(nav.get_by_role("link", name="Programmes")).to_be_visible()
    expect(nav.get_by_role("link", name="People")).to_be_hidden()  # inside its closed group
    nav.get_by_text("Administration", exact=True).click()
    expect(nav.get_by_role("link", name="People")).to_be_visible()
    check()  # the open menu and group, by axe (with JavaScript)
    if click_and_wait:
        click_and_wait(nav.get_by_role("link", name="Settings"))
    else:
        with page.expect_navigation(wait_until="load"):
            nav.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scroll"
