"""The demo's knowledge day in a real Chromium: the demo member finds it from the navigation, takes the
last place at a workshop, is told plainly that a workshop in the same time slot would be a double
booking, and joins the waiting list of a full workshop later in the morning. In English, after switching
with the header's switch. axe-core checks every page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from saas.demo import DEMO_PASSWORD
from saas.strategy.models import Signup, Workshop
from tenants.models import Membership, Tenant
from tests.browser.words import Words

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(seed_demo, make):
    seed_demo()
    with make.session() as db:
        return db.scalar(select(Tenant.id).where(Tenant.slug == "regio-noord"))


def _card(page, title):
    """The card of one workshop on the day page."""
    return page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=title))


def _button(words, label, title):
    """A button whose visible label is followed by the workshop's title for screen readers."""
    return re.compile(re.escape(words(label)) + r"\s*:\s*" + re.escape(title))


def test_a_demo_member_signs_up_meets_a_double_booking_and_joins_a_waiting_list(app, make, new_page, demo):
    words = Words(app, "en")
    page = new_page()
    page.goto("/login")
    page.locator("#email").fill("member@demo.example.org")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.click_and_wait(page.get_by_role("main").get_by_role("button", name="Log in"))
    page.goto("/t/regio-noord/")
    page.click_and_wait(page.get_by_role("button", name="English"))

    page.click_and_wait(page.get_by_role("navigation").get_by_role("link", name=words("Strategy"), exact=True))
    page.click_and_wait(page.get_by_role("link", name=words("Strategy of %(programme)s", programme="Samen Koers")))
    page.click_and_wait(page.get_by_role("link", name="Kennisdag Samen Koers"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kennisdag Samen Koers")

    # the last place of a nearly full workshop
    conversations = _card(page, "In gesprek met de klant")
    expect(conversations).to_contain_text(words("%(num)d place left of %(capacity)d", num=1, capacity=12))
    page.click_and_wait(conversations.get_by_role("button",
                                                  name=_button(words, "Sign me up", "In gesprek met de klant")))
    expect(page.get_by_role("status")).to_contain_text(words("You have a place at %(title)s.",
                                                             title="In gesprek met de klant"))
    expect(_card(page, "In gesprek met de klant")).to_contain_text(words("You have a place"))

    # another workshop in the same time slot: a clear message, and nothing booked
    page.click_and_wait(_card(page, "Effectief samenwerken").get_by_role(
        "button", name=_button(words, "Sign me up", "Effectief samenwerken")))
    expect(page.get_by_role("status")).to_contain_text("You are already signed up for “In gesprek met de klant” "
                                                       "(09:30–11:00), which overlaps with this workshop.")

    # a full workshop later in the morning: the waiting list, third in line
    feedback = _card(page, "Feedback geven en ontvangen")
    expect(feedback).to_contain_text(words("Full"))
    page.click_and_wait(feedback.get_by_role("button", name=_button(words, "Join the waiting list",
                                                                         "Feedback geven en ontvangen")))
    expect(page.get_by_role("status")).to_contain_text(words(
        "%(title)s is full. You are number %(position)d on the waiting list; we will let you know when a place "
        "becomes free.", title="Feedback geven en ontvangen", position=3))
    mine = page.get_by_role("region", name=words("Your workshops"))
    expect(mine).to_contain_text("In gesprek met de klant")
    expect(mine).to_contain_text(words("You are number %(position)d on the waiting list", position=3))

    page.click_and_wait(mine.get_by_role("link", name="Feedback geven en ontvangen"))
    leave = _button(words, "Leave the waiting list", "Feedback geven en ontvangen")
    expect(page.get_by_role("button", name=leave)).to_be_visible()

    with make.session(demo) as db:
        member = db.scalar(select(Membership.id).where(Membership.user.has(email="member@demo.example.org")))
        booked = {title: status for title, status in db.execute(
            select(Workshop.title, Signup.status).join(Signup, Signup.workshop_id == Workshop.id)
            .where(Signup.membership_id == member))}
    assert booked == {"In gesprek met de klant": "confirmed", "Feedback geven en ontvangen": "waiting"}


@pytest.mark.parametrize("email", ["management@demo.example.org", "consultant@demo.example.org"])
def test_the_strategy_pages_of_the_people_who_run_them_pass_axe(app, make, new_page, demo, email):
    """Every kind of strategy page, as management (pillars, plans, goals) and as the consultant who
    facilitates the session and hosts workshops; axe-core checks each one."""
    from saas.strategy.models import ActionPlan, ExpectationRound, KnowledgeDay, Pillar, PlanAction

    with make.session(demo) as db:
        pillar = db.scalar(select(Pillar.id).order_by(Pillar.id))
        published = db.scalar(select(ExpectationRound.id).where(ExpectationRound.status == "published"))
        plan = db.scalar(select(ActionPlan.id).order_by(ActionPlan.id))
        action = db.scalar(select(PlanAction.id).order_by(PlanAction.id))
        day = db.scalar(select(KnowledgeDay.id))
        workshop = db.scalar(select(Workshop.id).where(Workshop.title == "Feedback geven en ontvangen"))
        programme = db.scalar(select(KnowledgeDay.programme_id))
    page = new_page()
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.click_and_wait(page.get_by_role("main").get_by_role("button", name="Log in"))
    base = "/t/regio-noord/strategy"
    common = [f"{base}/programmes/{programme}", f"{base}/pillars/{pillar}", f"{base}/rounds/{published}",
              f"{base}/rounds/{published}/facilitate", f"{base}/rounds/{published}/summary",
              f"{base}/pillars/{pillar}/rounds/new", f"{base}/knowledge-days/{day}", f"{base}/workshops/{workshop}",
              f"{base}/workshops/{workshop}/edit", f"{base}/programmes/{programme}/annual-plan",
              f"{base}/plans/{plan}", f"{base}/programmes/{programme}/my-goals"]
    managing = [f"{base}/programmes/{programme}/pillars/new", f"{base}/pillars/{pillar}/edit",
                f"{base}/programmes/{programme}/plans/new", f"{base}/plan-actions/{action}/edit",
                f"{base}/programmes/{programme}/knowledge-days/new"]
    for path in common + (managing if email.startswith("management") else []):
        page.goto(path)
    # the open round, with its contribution form, as someone who writes in it
    if email.startswith("management"):
        with make.session(demo) as db:
            open_round = db.scalar(select(ExpectationRound.id).where(ExpectationRound.status == "open"))
        page.goto(f"{base}/rounds/{open_round}")
        words = Words(app, "nl")  # the demo tenant's language
        expect(page.get_by_role("button", name=words("Add my contribution"))).to_be_visible()
