"""An administrator reads the audit trail in a real browser, in Dutch: a change of the minimum group size made
on the settings page shows on the trail, the filters narrow it without JavaScript, and the filtered entries
can be downloaded as JSON lines. axe-core checks every page on the way."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_the_admin_finds_a_change_of_k_on_the_audit_trail_and_downloads_it(page, make, live_server):
    make.user("admin@oost.example", locale="nl")
    make.tenant("oost", "admin@oost.example", language="nl")
    page.goto("/login")
    page.get_by_label("E-mail address").fill("admin@oost.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.click_and_wait(page.locator("form:has(#password) button[type=submit]"))
    page.goto("/t/oost/settings")
    page.get_by_label("Minimale groepsgrootte in rapportages (k)").fill("7")
    page.click_and_wait(page.locator("form:has(#min_group_size) button[type=submit]"))

    page.goto("/t/oost/admin/audit")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Minimale groepsgrootte (k)")
    expect(table).to_contain_text("Leden en rollen")  # making the organisation is on the trail too
    page.get_by_label("Wat").select_option(label="Instellingen")
    page.click_and_wait(page.get_by_role("button", name="Tonen"))
    expect(table).to_contain_text("5 → 7")
    expect(table).not_to_contain_text("Leden en rollen")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download deze regels als JSON Lines, elk met zijn vingerafdruk").click()
    lines = [json.loads(line) for line in open(download.value.path(), encoding="utf-8").read().splitlines()]
    assert [line["action"] for line in lines] == ["settings.k"] and len(lines[0]["hash"]) == 64
