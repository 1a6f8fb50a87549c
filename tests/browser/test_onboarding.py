"""The onboarding story in a real browser: sign up, create a tenant, add legacy organisations,
invite a colleague who joins through the mailed link. axe-core checks every page on the way."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

LEGACY_ORGS = [("GRO", "Gemeente Groenlo"), ("HAV", "Gemeente Havelte"), ("IJS", "Gemeente IJsselmuiden")]


def test_founder_sets_up_a_tenant_and_a_colleague_joins_by_invitation(page, new_page):
    # Ada signs up.
    page.goto("/")
    expect(page.page).to_have_url(re.compile(r"/login$"))
    page.click_and_wait(page.get_by_role("main").get_by_role("link", name="Sign up"))
    page.get_by_label("Your name").fill("Ada Jansen")
    page.get_by_label("E-mail address").fill("ada@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.click_and_wait(page.get_by_role("button", name="Sign up"))
    expect(page.get_by_role("status")).to_contain_text("we have sent a mail to ada@example.org")
    # She confirms her address with the mailed link (the development outbox), then logs in.
    page.goto("/dev/outbox")
    confirm = page.locator("article.mail").filter(has_text="ada@example.org")
    page.goto(confirm.locator('a[href*="/verify/"]').first.get_attribute("href"))
    expect(page.get_by_role("status")).to_contain_text("Your e-mail address is confirmed")
    page.get_by_label("E-mail address").fill("ada@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.click_and_wait(page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My organisations")

    # She creates the tenant.
    page.click_and_wait(page.get_by_role("link", name="Create an organisation"))
    page.get_by_label("Name of the organisation").fill("Sociale Dienst Oost")
    page.get_by_label("Web address").fill("oost")
    page.get_by_label("Country").select_option(label="Netherlands")
    page.get_by_label("Language").select_option(label="English")
    page.click_and_wait(page.get_by_role("button", name="Create"))
    expect(page.page).to_have_url(re.compile(r"/t/oost/admin/legacy-orgs$"))
    expect(page.get_by_role("status")).to_contain_text("Sociale Dienst Oost has been created")

    # She records the three organisations that merged.
    for code, name in LEGACY_ORGS:
        page.get_by_label("Short code").fill(code)
        page.get_by_label("Name", exact=True).fill(name)
        page.click_and_wait(page.get_by_role("button", name="Add", exact=True))
        expect(page.get_by_role("status")).to_contain_text(f"{name} has been added")
    table = page.get_by_role("table", name="Legacy organisations")
    for code, name in LEGACY_ORGS:
        expect(table.get_by_role("row").filter(has_text=name)).to_contain_text(code)

    # She invites a colleague as sponsor for one of them.
    page.get_by_role("navigation", name="Main").get_by_text("Administration", exact=True).click()  # the group opens
    page.click_and_wait(page.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations"))
    page.get_by_label("E-mail address").fill("bob@example.org")
    page.get_by_role("checkbox", name="Sponsor").check()
    page.get_by_label("Legacy organisation").select_option(label="Gemeente Havelte (HAV)")
    page.click_and_wait(page.get_by_role("button", name="Send the invitation"))
    expect(page.get_by_role("status")).to_contain_text("An invitation has been sent to bob@example.org")
    expect(page.get_by_role("table", name="Sent invitations")).to_contain_text("bob@example.org")

    # A second colleague joined after the merger: the legacy organisation stays at its default, "none".
    page.get_by_label("E-mail address").fill("carol@example.org")
    page.get_by_role("checkbox", name="Team member").check()
    expect(page.get_by_label("Legacy organisation")).to_have_value("")
    page.click_and_wait(page.get_by_role("button", name="Send the invitation"))
    expect(page.get_by_role("status")).to_contain_text("An invitation has been sent to carol@example.org")
    # She withdraws it again: the button leads to a page that says what will happen, with the real button.
    page.click_and_wait(page.get_by_role("button", name="Withdraw carol@example.org"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw the invitation to carol@example.org?")
    page.click_and_wait(page.get_by_role("button", name="Withdraw the invitation to carol@example.org"))
    expect(page.get_by_role("status")).to_contain_text("The invitation has been withdrawn.")
    expect(page.get_by_role("table", name="Sent invitations").get_by_role("row").filter(
        has_text="carol@example.org")).to_contain_text("Withdrawn")

    # The mail waits in the development outbox.
    page.goto("/dev/outbox")
    mail = page.locator("article.mail").filter(has_text="bob@example.org")
    expect(mail.get_by_role("heading")).to_contain_text("Sociale Dienst Oost")
    link = mail.locator('a[href*="/t/oost/invitations/"]').get_attribute("href")

    # Bob, in his own browser, opens the link and creates his account on the invitation page.
    bob = new_page()
    bob.goto(link)
    expect(bob.get_by_role("heading", level=2)).to_have_text("Create your account to accept")
    expect(bob.get_by_role("main")).to_contain_text("bob@example.org")
    bob.get_by_label("Your name").fill("Bob Smit")
    bob.get_by_label("Password").fill("bobs long password")
    bob.click_and_wait(bob.get_by_role("button", name="Create account and accept"))

    expect(bob.page).to_have_url(re.compile(r"/t/oost/$"))
    expect(bob.get_by_role("heading", level=1)).to_have_text("Sociale Dienst Oost")
    expect(bob.get_by_role("main")).to_contain_text("Sponsor")
    formed_from = bob.get_by_role("region", name="Formed from").get_by_role("listitem")
    expect(formed_from).to_have_text([f"{name} ({code})" for code, name in LEGACY_ORGS])


def test_the_header_switches_the_language(page, make):
    make.user("ada@example.org")
    page.goto("/login")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")

    page.click_and_wait(page.get_by_role("button", name="Nederlands"))
    expect(html).to_have_attribute("lang", "nl")
    expect(page.page).to_have_url(re.compile(r"/login$"))  # the switch returns to the same page
    expect(page.get_by_role("button", name="Nederlands")).to_have_attribute("aria-current", "true")

    # The choice made before logging in carries over into the session. (The labels are Dutch now,
    # so the fields are found by their ids.)
    page.locator("#email").fill("ada@example.org")
    page.locator("#password").fill(PASSWORD)
    page.click_and_wait(page.locator("form:has(#password) button[type=submit]"))
    expect(page.page).to_have_url(re.compile(r"/$"))
    expect(html).to_have_attribute("lang", "nl")

    page.click_and_wait(page.get_by_role("button", name="English"))
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")
