"""An admin takes all of the organisation's data away (issue 19, point 4), in a real Chromium checked by axe:
the export page, the archive's page once the job made it, and its one download."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from tests.conftest import settings_for
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(stack, tmp_path):
    return settings_for(stack, export_dir=str(tmp_path / "exports"))


def test_an_admin_makes_the_archive_and_downloads_it_once(page, make):
    tenant = make.tenant("noord", "admin@noord.example")
    make.member(tenant, "someone@noord.example")
    page.goto("/login")
    page.locator("#email").fill("admin@noord.example")
    page.locator("#password").fill(PASSWORD)
    page.click_and_wait(page.locator("form:has(#password) button[type=submit]"))
    page.goto("/t/noord/settings")
    page.click_and_wait(page.get_by_role("link", name="Export all data"))
    page.click_and_wait(page.get_by_role("button", name="Make an archive of all data"))
    expect(page.get_by_role("status")).to_contain_text("The archive is ready")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the archive").click()
    data = open(download.value.path(), "rb").read()
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    assert manifest["tenant"]["slug"] == "noord" and manifest["tables"]["memberships"]["rows"] == 2
    page.goto(page.url)
    expect(page.get_by_role("status")).to_contain_text("Downloaded on")
    expect(page.get_by_role("button", name="Download the archive")).to_have_count(0)
