"""People at scale on a phone (issue 17, points 3 and 4): the admin filters the People page and pages
through it at 390 px, and reads the access log there: the filters stack, the table scrolls inside its own
box, the page itself never sideways; axe-core checks every page. Screenshots: test-artifacts/people-390-*.png."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def org(make):
    tenant = make.tenant("telefoon", "beheer@telefoon.example", legacy_orgs=("AAL", "BEE"))
    for number in range(12):
        make.member(tenant, f"persoon{number}@telefoon.example", name=f"Jönsson-van-den-Berg-Oosterhuis {number:02d}",
                    legacy_org_id=tenant.legacy_org_ids[number % 2])
    return tenant


def _no_sideways_scroll(page) -> None:
    wide = page.evaluate("[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
                         " > window.innerWidth + 1 && !e.closest('.listing-scroll')).map(e => e.tagName)")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"sideways scroll: {wide}"


def test_the_admin_filters_and_pages_the_people_list_on_a_phone(new_page, org):
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/login")
    page.locator("#email").fill("beheer@telefoon.example")
    page.locator("#password").fill(PASSWORD)
    page.click_and_wait(page.locator("form:has(#password) button[type=submit]"))
    page.goto("/t/telefoon/admin/members")
    _no_sideways_scroll(page)
    page.get_by_label("Search by name or e-mail address").fill("jonsson")
    page.get_by_label("Legacy organisation").select_option(label="Gemeente Aal (telefoon) (AAL)")
    page.get_by_label("Rows per page").fill("4")
    page.click_and_wait(page.get_by_role("button", name="Show"))
    expect(page.locator(".listing-count")).to_have_text("1–4 of 6")
    _no_sideways_scroll(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "people-390-filtered.png"), full_page=True)
    page.click_and_wait(page.get_by_role("link", name="Next page"))
    expect(page.locator(".listing-count")).to_have_text("5–6 of 6")
    expect(page.get_by_label("Search by name or e-mail address")).to_have_value("jonsson")  # the filters stay
    assert page.locator("tbody tr").count() == 2
    _no_sideways_scroll(page)
    page.goto("/t/telefoon/reports/access-log?role=admin")
    _no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "people-390-access-log.png"), full_page=True)
