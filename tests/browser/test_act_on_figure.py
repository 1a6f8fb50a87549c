"""From result to action in a real Chromium (issue 21 point 6): the manager goes from Oost's row in the
baseline report to its contract index, saves an action plan that cites it, and, once the midway wave has
closed, reads on the plan's page what the figure did. axe-core checks every page (no JavaScript is needed)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD
from tests.test_actions import BOSS, _close, _contract, world  # noqa: F401  (the small world of two waves)

pytestmark = pytest.mark.browser


def test_the_manager_starts_a_plan_from_a_figure_and_sees_whether_it_moved(page, make, world):  # noqa: F811
    page.goto("/login")
    page.locator("#email").fill(BOSS)
    page.locator("#password").fill(PASSWORD)
    page.click_and_wait(page.locator("form:has(#password) button[type=submit]"))
    page.goto(f"/t/acts/reports/waves/{world.baseline}")
    oost = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Gemeente Oost (acts) (OOST)"))
    page.click_and_wait(oost.get_by_role("link", name="Act on this"))
    contract = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Contract index"))
    page.click_and_wait(contract.get_by_role("link", name="Act on this"))
    then = _contract(make, world, world.baseline, world.orgs["OOST"])
    expect(page.get_by_role("heading", level=2, name="Contract index · Gemeente Oost (acts) (OOST)")).to_be_visible()
    form = page.locator("form", has=page.get_by_role("button", name="Save the plan, citing this figure"))
    form.get_by_label("Name of the region, department or team").fill("Oost")
    page.click_and_wait(form.get_by_role("button", name="Save the plan, citing this figure"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Oost")
    cited = page.get_by_role("table").filter(has_text="Contract index · Gemeente Oost (acts) (OOST)")
    expect(cited).to_contain_text(f"{then:.2f}")
    expect(cited).to_contain_text("No later wave has closed yet")

    _close(make, world, world.midway)
    page.goto(page.url)
    now = _contract(make, world, world.midway, world.orgs["OOST"])
    row = cited.get_by_role("row").filter(has_text="Tussenmeting")
    expect(row).to_contain_text(f"{now:.2f}")
    expect(row).to_contain_text("noise")
