"""A tenant's administrator sets up SCIM provisioning in a real browser, in Dutch and English: from the settings
page to the provisioning page, a token made after a confirmation and shown once, which the identity provider
then uses against the live endpoint, and a group mapped to a role. axe-core checks every page on the way."""
from __future__ import annotations

import json
from urllib.request import Request, urlopen

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

WORDS = {
    "en": {"link": "Provisioning (SCIM)",
           "make": "Make a token", "confirm": "Make a new token", "shown": "copy it): ", "group": "Group name in the identity provider",
           "gives": "Gives", "add": "Add", "role": "Works council"},
    "nl": {"link": "Provisioning (SCIM)",
           "make": "Token maken", "confirm": "Nieuw token maken", "shown": "kopieer het): ",
           "group": "Groepsnaam in de identity provider", "gives": "Geeft", "add": "Toevoegen", "role": "Ondernemingsraad"},
}


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_admin_connects_the_identity_provider(page, make, live_server, language):
    words = WORDS[language]
    make.user("admin@oost.example", locale=language)
    make.tenant("oost", "admin@oost.example", language=language)
    page.goto("/login")  # in the browser's language (English); after it, in the account's
    page.get_by_label("E-mail address").fill("admin@oost.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.click_and_wait(page.get_by_role("button", name="Log in"))
    page.goto("/t/oost/settings")
    page.click_and_wait(page.get_by_role("link", name=words["link"]))
    expect(page.get_by_role("main")).to_contain_text("/t/oost/scim/v2")
    page.click_and_wait(page.get_by_role("link", name=words["make"]))
    page.click_and_wait(page.get_by_role("button", name=words["confirm"]))
    status = page.get_by_role("status").inner_text()
    token = status.split(words["shown"])[1].strip()
    request = Request(f"{live_server}/t/oost/scim/v2/Users", headers={"Authorization": f"Bearer {token}"})
    listing = json.loads(urlopen(request, timeout=30).read())
    assert listing["totalResults"] == 0
    page.goto("/t/oost/admin/provisioning")
    expect(page.get_by_role("main")).not_to_contain_text(token)  # shown once
    page.get_by_label(words["group"]).fill("OR-leden")
    page.get_by_label(words["gives"]).select_option(label=words["role"])
    page.click_and_wait(page.get_by_role("button", name=words["add"], exact=True))
    expect(page.get_by_role("table")).to_contain_text("OR-leden")
