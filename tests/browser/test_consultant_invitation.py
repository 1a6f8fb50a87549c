"""A consultancy invites a colleague in a real browser: the invitation waits on the owner's page (and
can be withdrawn there), the colleague joins from the mailed link signed in with the invited address.
axe-core checks every page on the way."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD, link_in

pytestmark = pytest.mark.browser


def log_in(page, email):
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.click_and_wait(page.get_by_role("button", name="Log in"))


def test_a_colleague_joins_the_consultancy_by_invitation(page, new_page, make):
    make.user("olga@advies.example", name="Olga")
    make.user("piet@advies.example", name="Piet")
    log_in(page, "olga@advies.example")
    page.goto("/billing/consultancy/new")
    page.get_by_label("Name of the consultancy").fill("Olga Advies")
    page.click_and_wait(page.get_by_role("button", name="Sign up the consultancy"))

    page.goto("/billing/consultancy/account")
    page.get_by_label("E-mail address").fill("kees@elders.example")
    page.click_and_wait(page.get_by_role("button", name="Send the invitation"))
    page.get_by_label("E-mail address").fill("piet@advies.example")
    page.click_and_wait(page.get_by_role("button", name="Send the invitation"))
    expect(page.get_by_role("status")).to_contain_text("An invitation has been sent to piet@advies.example")
    # A wrong address is withdrawn: the link asks first, on a page of its own.
    page.click_and_wait(page.get_by_role("link", name="Withdraw the invitation to kees@elders.example"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw the invitation to kees@elders.example?")
    page.click_and_wait(page.get_by_role("button", name="Withdraw the invitation to kees@elders.example"))
    expect(page.get_by_role("status")).to_contain_text("The invitation has been withdrawn.")
    expect(page.get_by_role("main")).not_to_contain_text("kees@elders.example")
    expect(page.get_by_role("main")).to_contain_text("piet@advies.example")

    piet = new_page()
    log_in(piet, "piet@advies.example")
    piet.goto(link_in(make.mails_to("piet@advies.example")[-1].body))
    expect(piet.get_by_role("heading", level=1)).to_have_text("Join Olga Advies")
    piet.click_and_wait(piet.get_by_role("button", name="Join Olga Advies"))
    expect(piet.get_by_role("status")).to_contain_text("Welcome to Olga Advies")
