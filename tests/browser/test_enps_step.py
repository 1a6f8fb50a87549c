"""The eNPS question in a real Chromium, in Dutch on a phone (375 × 740): a radio group 0–10 named by the
question, whose two ends are named, that fits the screen and passes axe-core (every visited page)."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from saas.surveys import service
from saas.surveys.instruments import CONTRACT_ITEMS
from saas.surveys.models import PooledAnswer
from tenants.models import Membership, Tenant
from tests.browser.test_survey_respondent import PHONE, _fits_the_screen, _likert_label
from tests.browser.words import Words
from tests.helpers import works_council

pytestmark = pytest.mark.browser


def test_a_respondent_answers_the_enps_question_on_a_phone(app, make, new_page):
    tenant = make.tenant("noord")
    make.member(tenant, "anna@noord.example", legacy_org_id=tenant.legacy_org_ids[0])
    with make.session(tenant.id) as db:
        wave = service.create_wave(db, name="Tussenmeting", instruments=("contract",), groupings=(), asks_enps=True)
        service.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 11, 2), decision="De OR stemt in.")
        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        members = [m for m in db.scalars(select(Membership)) if m.user.email == "anna@noord.example"]
        [(_member, token)] = service.invite(db, wave, members)
        name = db.get(Tenant, tenant.id).name
    words = Words(app, "nl")
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"/t/noord/survey/{token}")
    page.click_and_wait(page.get_by_role("button", name="Nederlands"))
    page.click_and_wait(page.get_by_role("button", name=words("Start the survey"), exact=True))
    for item in CONTRACT_ITEMS:
        page.get_by_role("group", name=item.label("nl")).get_by_label(_likert_label("nl", 4), exact=True).check()
    page.click_and_wait(page.get_by_role("button", name=words("Next"), exact=True))

    group = page.get_by_role("group", name=f"Hoe waarschijnlijk is het dat je {name} als werkgever zou aanbevelen "
                                           "bij een vriend of kennis?")
    expect(group.get_by_role("radio")).to_have_count(11)
    expect(group.get_by_role("radio", name="0 Zeer onwaarschijnlijk")).to_be_visible()
    expect(group.get_by_role("radio", name="10 Zeer waarschijnlijk")).to_be_visible()
    _fits_the_screen(page)
    page.click_and_wait(page.get_by_role("button", name=words("Next"), exact=True))  # nothing chosen: stays
    expect(page.get_by_role("alert")).to_contain_text("Nog niet beantwoord: hoe waarschijnlijk je de organisatie")
    expect(page.locator("#enps-error")).to_have_text("Kies een getal van 0 tot en met 10.")
    group.get_by_role("radio", name="8", exact=True).check()
    page.click_and_wait(page.get_by_role("button", name=words("Next"), exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(words("Check and send"))
    page.click_and_wait(page.get_by_role("button", name=words("Send my answers"), exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(words("Thank you!"))
    with make.session(tenant.id) as db:
        assert db.scalar(select(PooledAnswer.payload)).get("answers", {}).get("enps") == 8
