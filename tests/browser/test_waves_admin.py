"""The admin prepares and launches a survey wave in a real browser, without JavaScript of our own:
create it with a question of the organisation's own, record the works council's consent, launch,
send SMS invitations, then look at the response rates, the open link and the values catalogue. axe-core
checks every page."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def organisation(make):
    tenant = make.tenant("oost")
    aal, bee, cur = tenant.legacy_org_ids
    for i, org_id in enumerate([aal, aal, bee, bee, cur, cur]):
        make.member(tenant, f"m{i}@oost.example", legacy_org_id=org_id, name=f"Member {i}")
    return tenant


@pytest.fixture
def settings(stack, fake_sms):
    """The app with an SMS provider: the fake one on loopback (tests/fake_sms.py)."""
    from tests.conftest import settings_for

    return settings_for(stack, **fake_sms.settings())


def test_admin_creates_and_launches_a_wave(page, make, organisation, fake_sms):
    page.goto("/login")
    page.locator("#email").fill(organisation.admin_email)
    page.locator("#password").fill("correct horse battery")
    page.click_and_wait(page.get_by_role("main").get_by_role("button", name="Log in"))
    assert page.url.endswith("/t/oost/")  # one organisation: signing in lands on its home

    # From the overview to the survey pages, and a new wave.
    page.click_and_wait(page.get_by_role("link", name="Survey waves, invitations and response rates"))
    page.click_and_wait(page.get_by_role("link", name="Create a wave"))
    page.get_by_label("Name", exact=True).fill("Nulmeting 2026")
    page.get_by_label("Place in the series", exact=True).select_option(label="Baseline")
    page.get_by_role("checkbox", name=re.compile("^Values")).check()
    page.get_by_role("checkbox", name=re.compile("^Culture profile")).check()
    page.get_by_role("group", name="Which grouping questions respondents answer") \
        .get_by_role("checkbox", name="Legacy organisation").check()
    page.get_by_label("Opens on").fill(date.today().isoformat())
    page.get_by_label("Closes on").fill((date.today() + timedelta(days=14)).isoformat())
    question = page.get_by_role("group", name="Question 1")
    question.get_by_label("Kind of question").select_option(label="Scale (1 to 5)")
    question.get_by_label("Question in Dutch").fill("Ik voel me thuis in de nieuwe organisatie.")
    question.get_by_label("Question in English").fill("I feel at home in the new organisation.")
    page.click_and_wait(page.get_by_role("button", name="Create the wave"))
    expect(page.get_by_role("status")).to_contain_text("The wave has been created.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nulmeting 2026")
    expect(page.get_by_role("main")).to_contain_text("I feel at home in the new organisation.")
    # (Earlier results could be imported instead; she only looks.)
    page.click_and_wait(page.get_by_role("link", name="Import earlier results instead"))
    expect(page.get_by_label("CSV file")).to_be_visible()
    page.click_and_wait(page.get_by_role("main").get_by_role("link", name="Nulmeting 2026").first)

    # The launch button is disabled and says why: the works council has not consented yet.
    launch = page.get_by_role("button", name="Launch the wave")
    expect(launch).to_be_disabled()
    expect(page.get_by_role("main")).to_contain_text("the works council must consent")
    page.click_and_wait(page.get_by_role("link", name="Record the works council's consent"))
    # An administrator records it only with the works council's signed decision (a member of the
    # works council could type it in instead).
    page.get_by_label("Date of the decision").fill("2026-03-02")
    page.get_by_label("The works council's decision", exact=True).fill("De ondernemingsraad stemt in.")
    page.get_by_label("The works council's signed decision").set_input_files(
        files=[{"name": "besluit.pdf", "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"}])
    page.click_and_wait(page.get_by_role("button", name="Upload the signed decision"))
    expect(page.get_by_role("status")).to_contain_text("The works council's consent has been recorded.")

    # Launched: everyone gets a personal invitation, in the background.
    page.get_by_label(re.compile("personal invitation by e-mail")).check()
    page.click_and_wait(page.get_by_role("button", name="Launch the wave"))
    expect(page.get_by_role("status")).to_contain_text("The wave is open.")
    expect(page.get_by_role("main")).to_contain_text("7 people invited.")  # six members and the admin
    assert len(make.mails_to("m0@oost.example")) == 1

    # SMS invitations for people without e-mail (issue 20): a line that is no mobile number is refused, then
    # the number is sent (to the fake provider; jobs run in-process here); the page in both languages.
    page.click_and_wait(page.get_by_role("link", name="Send SMS invitations"))
    page.get_by_label("Mobile numbers").fill("06 12345678\n020 1234567")
    page.click_and_wait(page.get_by_role("button", name="Send the SMS invitations"))
    expect(page.get_by_role("main")).to_contain_text('Line 2: "020 1234567" is not a mobile number')
    page.get_by_label("Mobile numbers").fill("06 12345678")
    page.click_and_wait(page.get_by_role("button", name="Send the SMS invitations"))
    expect(page.get_by_role("status")).to_contain_text("1 SMS invitation is being sent.")
    expect(page.get_by_role("main")).to_contain_text("1 text message delivered to the provider.")
    assert [m.number for m in fake_sms.received] == ["+31612345678"]
    page.click_and_wait(page.get_by_role("button", name="Nederlands"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sms-uitnodigingen")
    page.click_and_wait(page.get_by_role("button", name="English"))
    page.click_and_wait(page.get_by_role("main").get_by_role("link", name="Nulmeting 2026"))

    # The response rates (every legacy organisation is below k: not shown), an open link, the catalogue.
    page.click_and_wait(page.get_by_role("link", name="Response rates per legacy organisation and team"))
    expect(page.get_by_role("table", name="Everyone")).to_contain_text("8")  # the seven by e-mail and one by SMS
    expect(page.get_by_role("table", name="Per legacy organisation")).to_contain_text("fewer than 5 invited")
    page.click_and_wait(page.get_by_role("link", name="Nulmeting 2026"))
    page.get_by_role("checkbox", name=re.compile("anyone who has the open link can answer")).check()
    page.click_and_wait(page.get_by_role("button", name="Make an open link"))
    expect(page.get_by_label("Open link")).to_have_value(re.compile(r"/t/oost/survey/open/"))
    page.click_and_wait(page.get_by_role("link", name="Back to the wave"))
    page.click_and_wait(page.get_by_role("link", name="Surveys", exact=True))
    expect(page.get_by_role("table", name="Waves outside a programme")).to_contain_text("Baseline")
    page.click_and_wait(page.get_by_role("link", name="Values catalogue"))
    page.click_and_wait(page.get_by_role("button", name=re.compile(r"^Hide\s*:\s*bureaucracy$")))
    expect(page.get_by_role("status")).to_contain_text("bureaucracy is hidden from new waves.")
