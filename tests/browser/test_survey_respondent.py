"""A respondent answers a whole survey in a real Chromium: once in English on a desktop, once in Dutch
on a phone (375 × 740), switching language with the header's switch. axe-core checks every page; the
running sums and the count of chosen values are the script's enhancements, checked live."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from saas.surveys import service
from saas.surveys.instruments import CONTRACT_ITEMS, DIMENSIONS, TYPES, VALUES_BY_KEY, culture_key
from saas.surveys.models import PooledAnswer
from tenants.models import Membership, Tenant

from tests.browser.words import Words
from tests.helpers import works_council

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def wave(app, make):
    tenant = make.tenant("oost")
    for name, org in (("anna", 0), ("bram", 1)):
        make.member(tenant, f"{name}@oost.example", legacy_org_id=tenant.legacy_org_ids[org])
    with make.session(tenant.id) as db:
        wave = service.create_wave(
            db, name="Nulmeting 2026", groupings=("legacy_org", "tenure"),
            questions=[{"kind": "likert", "nl": "Ik heb zin in de nieuwe organisatie.",
                        "en": "I look forward to the new organisation."},
                       {"kind": "open", "nl": "Wat wil je ons nog meegeven?", "en": "What else would you like to tell us?"}])
        service.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 11, 2), decision="De OR stemt in.")
        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        members = [m for m in db.scalars(select(Membership)) if m.user.email.endswith("@oost.example")]
        tenant.tokens = {m.user.email.split("@")[0]: token for m, token in service.invite(db, wave, members)}
    return tenant


def _fits_the_screen(page) -> None:
    """No sideways scrolling: nothing is wider than the viewport."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def _step(page, words, number: int, total: int = 11) -> None:
    expect(page.get_by_text(words("Step %(number)d of %(total)d", number=number, total=total))).to_be_visible()
    assert page.locator("progress").get_attribute("value") == str(number)


@pytest.mark.parametrize("language,who,phone", [("en", "anna", False), ("nl", "bram", True)])
def test_a_respondent_answers_the_whole_survey(app, make, new_page, wave, language, who, phone):
    words = Words(app, language)
    page = new_page()
    if phone:
        page.set_viewport_size(PHONE)
    page.goto(f"/t/oost/survey/{wave.tokens[who]}")
    assert wave.tokens[who] not in page.url  # the token left the address bar
    if language == "nl":
        page.click_and_wait(page.get_by_role("button", name="Nederlands"))
        expect(page.locator("html")).to_have_attribute("lang", "nl")

    def next_step(label="Next"):
        if phone:
            _fits_the_screen(page)
        page.click_and_wait(page.get_by_role("button", name=words(label), exact=True))

    _step(page, words, 1)
    expect(page.get_by_role("heading", level=1)).to_have_text("Nulmeting 2026")
    next_step("Start the survey")

    _step(page, words, 2)
    page.get_by_label(words("Which organisation did you work for before the merger?")).select_option(
        label="Gemeente Bee (oost)")
    page.get_by_label(words("How long have you worked here, including at your former organisation?")).select_option(
        label=words("Prefer not to say"))
    next_step()

    for number, keys in ((3, ("trust", "humour", "courage")), (4, ("trust",)), (5, ("bureaucracy", "clarity")),
                         (6, ("trust", "clarity"))):
        _step(page, words, number)
        count = page.locator("#values-count")
        expect(count).to_have_text(words("%(count)s of %(max)s chosen", count=0, max=10))
        for key in keys:
            box = page.get_by_role("checkbox", name=VALUES_BY_KEY[key].label(language), exact=True)
            box.check()
            if phone:  # big enough to tap: the whole label is the target
                assert page.locator(f"label[for=value-{key}]").bounding_box()["height"] >= 44
        expect(count).to_have_text(words("%(count)s of %(max)s chosen", count=len(keys), max=10))
        next_step()

    for number, phase, points in ((7, "now", (40, 30, 20, 10)), (8, "preferred", (25, 25, 25, 25))):
        _step(page, words, number)
        for dimension in DIMENSIONS:
            total = page.locator(f"#d{dimension.number}_{phase}-total")
            for type_, value in zip(TYPES, points):
                page.locator(f"#{culture_key(dimension.number, type_, phase)}").fill(str(value))
                if type_ == "market":  # three of four filled in: the running sum shows what is left
                    expect(total).to_have_text(words("Total: %(total)s of %(max)s points",
                                                     total=sum(points[:3]), max=100))
            expect(total).to_have_text(words("Total: %(total)s of %(max)s points", total=100, max=100))
        next_step()

    _step(page, words, 9)
    for item in CONTRACT_ITEMS:
        page.get_by_role("group", name=item.label(language)).get_by_label(_likert_label(language, 4), exact=True).check()
    next_step()

    _step(page, words, 10)  # the wave's own questions
    question = "Ik heb zin in de nieuwe organisatie." if language == "nl" else "I look forward to the new organisation."
    page.get_by_role("group", name=question).get_by_label(_likert_label(language, 5), exact=True).check()
    page.get_by_label("Wat wil je ons nog meegeven?" if language == "nl" else "What else would you like to tell us?") \
        .fill("Meer koffie." if language == "nl" else "More coffee.")
    next_step()

    # the review lists the answers; sending leads to the thank-you page
    _step(page, words, 11)
    expect(page.get_by_role("heading", level=1)).to_have_text(words("Check and send"))
    expect(page.get_by_role("main")).to_contain_text("Gemeente Bee (oost)")
    expect(page.get_by_role("main")).to_contain_text(VALUES_BY_KEY["humour"].label(language))
    next_step("Send my answers")
    expect(page.get_by_role("heading", level=1)).to_have_text(words("Thank you!"))
    expect(page.get_by_role("status")).to_contain_text(words("Your answers have been sent."))
    if phone:
        _fits_the_screen(page)
    with make.session(wave.id) as db:
        assert db.scalar(select(func.count()).select_from(PooledAnswer)) == 1


def _likert_label(language: str, value: int) -> str:
    from saas.surveys.instruments import LIKERT_LABELS

    return LIKERT_LABELS[value].get(language)
