"""A person downloads their own data from their account page, and an admin then erases them, in a real browser
without JavaScript needs beyond a link and forms; axe-core checks every page on the way (issue 19, point 3)."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page, email):
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.click_and_wait(page.locator("form:has(#password) button[type=submit]"))


def test_a_member_downloads_their_data_and_the_admin_erases_them(new_page, make):
    tenant = make.tenant("oost")
    member_id = make.member(tenant, "kim@oost.example", name="Kim Jansen")
    member = new_page()
    _log_in(member, "kim@oost.example")
    member.goto("/account")
    member.click_and_wait(member.get_by_role("link", name="Your personal data"))
    expect(member.get_by_role("main")).to_contain_text("not in it")
    with member.expect_download() as download:
        member.get_by_role("link", name="Download my data (JSON)").click()
    data = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert data["account"]["name"] == "Kim Jansen" and data["organisations"][0]["organisation"]["slug"] == "oost"

    admin = new_page()
    _log_in(admin, tenant.admin_email)
    admin.goto(f"/t/oost/admin/members/{member_id}")
    admin.click_and_wait(admin.get_by_role("button", name="Erase Kim Jansen"))
    expect(admin.get_by_role("main")).to_contain_text("cannot be undone")
    admin.click_and_wait(admin.get_by_role("button", name="Erase Kim Jansen"))
    expect(admin.get_by_role("main")).not_to_contain_text("Kim Jansen")
    lou = make.member(tenant, "lou@oost.example", name="Lou de Vries")
    with make.session(tenant.id) as db:  # someone who left, waiting on the retention page
        from saas.administration import service
        from tenants.models import Membership

        service.remove_member(db, db.get(Membership, lou))
    admin.goto("/t/oost/settings")
    admin.click_and_wait(admin.get_by_role("link", name="Retention of personal data"))
    expect(admin.get_by_label("Personal data of people who left")).to_have_value("90")
    expect(admin.get_by_role("table").last).to_contain_text("Lou de Vries")
