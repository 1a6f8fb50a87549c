"""The demo's open follow-up wave, answered in a real Chromium by demo accounts: the member in Dutch (the
tenant's language), the sponsor in English after switching with the header's switch. They start from
"Your surveys" (no mail link needed), and afterwards the page thanks them. axe-core checks every page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from saas.demo import DEMO_PASSWORD
from saas.surveys.instruments import CONTRACT_ITEMS, DIMENSIONS, LIKERT_LABELS, TYPES, culture_key
from saas.surveys.models import PooledAnswer, Response, Wave
from tenants.models import Tenant
from tests.browser.words import Words

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(seed_demo, make):
    seed_demo()
    with make.session() as db:
        tenant = db.scalar(select(Tenant).where(Tenant.slug == "regio-noord"))
    with make.session(tenant.id) as db:
        follow_up = db.scalar(select(Wave).where(Wave.status == "open"))
        return {"tenant_id": tenant.id, "wave_id": follow_up.id, "wave_name": follow_up.name}


@pytest.mark.parametrize("email,language", [("member@demo.example.org", "nl"), ("sponsor@demo.example.org", "en")])
def test_a_demo_member_answers_the_open_wave(app, make, new_page, demo, email, language):
    words = Words(app, language)
    page = new_page()
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.click_and_wait(page.get_by_role("main").get_by_role("button", name="Log in"))
    page.goto("/t/regio-noord/")
    if language == "en":
        page.click_and_wait(page.get_by_role("button", name="English"))
    expect(page.locator("html")).to_have_attribute("lang", language)

    page.click_and_wait(page.get_by_role("navigation").get_by_role("link", name=words("Your surveys")))
    expect(page.get_by_role("main")).to_contain_text(demo["wave_name"])
    page.click_and_wait(page.get_by_role("button", name=words("Answer the survey")))

    def next_step(label="Next"):
        page.click_and_wait(page.get_by_role("button", name=words(label), exact=True))

    expect(page.get_by_role("heading", level=1)).to_have_text(demo["wave_name"])
    next_step("Start the survey")
    for select_box in page.get_by_role("main").locator("select").all():  # about you: the first real choice
        select_box.select_option(index=1)
    next_step()
    for _list in range(4):
        for box in page.get_by_role("checkbox").all()[:3]:
            box.check()
        next_step()
    for phase, points in (("now", (40, 30, 20, 10)), ("preferred", (30, 30, 20, 20))):
        for dimension in DIMENSIONS:
            for type_, value in zip(TYPES, points):
                page.locator(f"#{culture_key(dimension.number, type_, phase)}").fill(str(value))
        next_step()
    agree = LIKERT_LABELS[4].get(language)
    for item in CONTRACT_ITEMS:
        page.get_by_role("group", name=item.label(language)).get_by_label(agree, exact=True).check()
    next_step()
    page.get_by_role("main").get_by_label(agree, exact=True).first.check()  # the wave's own scale question
    next_step()
    expect(page.get_by_role("heading", level=1)).to_have_text(words("Check and send"))
    next_step("Send my answers")
    expect(page.get_by_role("heading", level=1)).to_have_text(words("Thank you!"))

    page.goto("/t/regio-noord/survey/mine")
    expect(page.get_by_role("main")).to_contain_text(words("You have answered this survey. Thank you!"))
    with make.session(demo["tenant_id"]) as db:
        stored = db.scalar(select(func.count()).select_from(PooledAnswer)) + db.scalar(
            select(func.count()).select_from(Response).where(Response.wave_id == demo["wave_id"]))
    assert stored == 24 + 1  # the demo's 24 earlier answers and this one
