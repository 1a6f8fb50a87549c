"""Signing up with an address that is not confirmed yet, in a real browser and in both languages: the page after
sign-up says to check the mail, the account page says what waits for the confirmation, the mail really leaves
through SMTP (a server on loopback keeps it, tests/smtp_server.py) and its link lets the person in. axe-core
checks every page, in English and in Dutch."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import settings_for
from tests.helpers import PASSWORD, link_in
from tests.smtp_server import SMTPServer

pytestmark = pytest.mark.browser

WORDS = {
    "en-GB": {"sign_up": "Sign up", "name": "Your name", "email": "E-mail address", "password": "Password",
              "repeat": "Repeat the password", "sent": "Almost there: we have sent a mail to {email}",
              "log_in": "Log in", "not_yet": "not confirmed yet", "confirmed": "Your e-mail address is confirmed",
              "create": "Create an organisation", "org_name": "Name of the organisation", "address": "Web address",
              "created": "has been created", "account": "Your account"},
    "nl-NL": {"sign_up": "Account aanmaken", "name": "Je naam", "email": "E-mailadres", "password": "Wachtwoord",
              "repeat": "Herhaal het wachtwoord", "sent": "Bijna klaar: we hebben een mail gestuurd naar {email}",
              "log_in": "Inloggen", "not_yet": "nog niet bevestigd", "confirmed": "Je e-mailadres is bevestigd",
              "create": "Organisatie aanmaken", "org_name": "Naam van de organisatie", "address": "Webadres",
              "created": "is aangemaakt", "account": "Je account"},
}


@pytest.fixture
def smtp():
    server = SMTPServer()
    yield server
    server.close()


@pytest.fixture
def settings(stack, smtp):
    """The mail leaves through SMTP instead of waiting in the development outbox."""
    return settings_for(stack, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False, dev_outbox=False)


@pytest.mark.parametrize("locale", ["en-GB", "nl-NL"])
def test_a_new_account_checks_its_mail_confirms_and_gets_in(browser, live_server, smtp, locale):
    from tests.browser.conftest import TIMEOUT_MS, A11yPage

    words, email = WORDS[locale], f"ada.{locale.lower()}@example.org"
    context = browser.new_context(locale=locale)
    context.set_default_timeout(TIMEOUT_MS)
    page = A11yPage(context.new_page(), live_server)
    try:
        page.goto("/signup")
        page.get_by_label(words["name"]).fill("Ada Jansen")
        page.get_by_label(words["email"]).fill(email)
        page.get_by_label(words["password"], exact=True).fill(PASSWORD)
        page.get_by_label(words["repeat"]).fill(PASSWORD)
        page.click_and_wait(page.get_by_role("button", name=words["sign_up"]))
        expect(page.get_by_role("status")).to_contain_text(words["sent"].format(email=email))

        # Before confirming she can log in, and her account page says what waits for the confirmation
        page.get_by_label(words["email"]).fill(email)
        page.get_by_label(words["password"]).fill(PASSWORD)
        page.click_and_wait(page.locator("form:has(#password) button[type=submit]"))
        page.goto("/account")
        expect(page.get_by_role("heading", level=1)).to_have_text(words["account"])
        expect(page.get_by_role("main")).to_contain_text(words["not_yet"])

        # The mail left through SMTP; its link confirms the address
        [mail] = [message for message in smtp.messages if message["To"] == email]
        page.goto(link_in(mail.get_body(("plain",)).get_content()))
        expect(page.get_by_role("status")).to_contain_text(words["confirmed"])
        page.goto("/tenants/new")
        expect(page.get_by_role("heading", level=1)).to_have_text(words["create"])
        page.get_by_label(words["org_name"]).fill(f"Sociale Dienst {locale}")
        page.get_by_label(words["address"]).fill(re.sub(r"[^a-z]", "", locale.lower()))
        page.click_and_wait(page.get_by_role("button", name=re.compile(r"^(Create|Aanmaken)$")))
        expect(page.get_by_role("status")).to_contain_text(words["created"])
        page.assert_all_checked()
    finally:
        context.close()
