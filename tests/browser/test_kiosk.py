"""A kiosk tablet in a real Chromium at 390 px (issue 20, point 3): enrolled by the admin, one person answers
with a code and the tablet resets; the next person finds nothing of the first (Back, the old addresses, no
draft), a used code is refused, an idle session is refused by the server. In English, then in Dutch; axe-core
checks every page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from saas.surveys.instruments import CONTRACT_ITEMS, LIKERT_LABELS
from saas.surveys.models import PooledAnswer
from tests.browser.words import Words
from tests import test_kiosk
from tests.test_kiosk import KIOSK, enrol_link

pytestmark = pytest.mark.browser

oost = test_kiosk.oost  # the fixture: a short open wave and three codes

PHONE = {"width": 390, "height": 800}


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_a_kiosk_serves_one_person_after_another_and_keeps_nothing(app, make, new_page, oost):
    en, nl = Words(app, "en"), Words(app, "nl")
    tablet = new_page()
    tablet.set_viewport_size(PHONE)
    tablet.goto(enrol_link(app, oost))
    tablet.click_and_wait(tablet.get_by_role("button", name=en("Use as kiosk")))
    expect(tablet.get_by_role("heading", level=1)).to_have_text(en("Type your code"))
    _fits(tablet)
    first, second, _third = oost.codes

    def enter(code: str) -> None:
        tablet.get_by_label(words("Your code"), exact=True).fill(code)
        tablet.click_and_wait(tablet.get_by_role("button", name=words("Start"), exact=True))

    def step(label: str) -> None:
        _fits(tablet)
        tablet.click_and_wait(tablet.get_by_role("button", name=words(label), exact=True))

    # person 1, in English: the code scanned as the slip's whole address
    words = en
    enter(f"http://localhost/t/oost/c/{first}")
    assert first not in tablet.url
    expect(tablet.locator("[data-kiosk-idle]")).to_have_attribute("data-kiosk-idle", "180")  # kiosk.js's limit
    expect(tablet.locator("#kiosk-warning")).to_be_hidden()
    expect(tablet.get_by_role("button", name=en("Save and continue later"))).to_have_count(0)
    step("Start the survey")
    contract = tablet.url
    for item in CONTRACT_ITEMS:
        tablet.get_by_role("group", name=item.label("en")).get_by_label(LIKERT_LABELS[4].get("en"), exact=True).check()
    step("Next")
    tablet.get_by_role("group", name="I like working here.").get_by_label(LIKERT_LABELS[5].get("en"), exact=True).check()
    step("Next")
    step("Send my answers")
    expect(tablet.get_by_role("heading", level=1)).to_have_text(en("Thank you!"))
    with make.session(oost.id) as db:
        assert db.scalar(select(func.count()).select_from(PooledAnswer)) == 1
    tablet.click_and_wait(tablet.get_by_role("link", name=en("Next person")))

    # person 2: Back and person 1's addresses lead to the start page, person 1's code is used up
    for heading in ("Thank you!", "Type your code"):  # the thanks page, then person 1's last step: the start
        with tablet.expect_navigation(wait_until="load"):
            tablet.go_back()
        tablet.check_a11y()
        expect(tablet.get_by_role("heading", level=1)).to_have_text(en(heading))
    assert tablet.url.endswith(KIOSK)
    tablet.goto(contract)
    expect(tablet.get_by_role("heading", level=1)).to_have_text(en("Type your code"))
    assert tablet.url.endswith(KIOSK)
    enter(first)
    expect(tablet.get_by_text(en("This code has already been used. Each code can be used once."))).to_be_visible()

    # person 2 in Dutch: a fresh survey, nothing of person 1 filled in
    tablet.click_and_wait(tablet.get_by_role("button", name="Nederlands"))
    expect(tablet.locator("html")).to_have_attribute("lang", "nl")
    words = nl
    _fits(tablet)
    enter(second)
    step("Start the survey")
    expect(tablet.locator("input[type=radio]:checked")).to_have_count(0)
    _fits(tablet)

    # idle: a warning first, "more time" with one press, then the tablet starts over by itself
    app.config["KOERS_KIOSK_IDLE_SECONDS"] = 6
    try:
        tablet.goto(tablet.url)  # the same step, now with the short limit
        warning = tablet.locator("#kiosk-warning")
        expect(warning).to_be_visible()
        tablet.check_a11y()
        warning.get_by_role("button", name=nl("I need more time")).click()
        expect(warning).to_be_hidden()
        tablet.wait_for_url(f"**{KIOSK}", timeout=15000)
        tablet.check_a11y()
    finally:
        del app.config["KOERS_KIOSK_IDLE_SECONDS"]
    expect(tablet.get_by_role("heading", level=1)).to_have_text(nl("Type your code"))
    # the same code starts again from nothing; Stop deletes what was entered
    enter(second)
    step("Start the survey")
    expect(tablet.locator("input[type=radio]:checked")).to_have_count(0)
    tablet.click_and_wait(tablet.get_by_role("button", name=nl("Stop and delete my answers")))
    expect(tablet.get_by_role("status")).to_contain_text(nl("Your answers have been deleted. Nothing has been sent."))
