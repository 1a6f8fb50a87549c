"""A staff member answers a pulse check about the management team's promises in a real Chromium, and a
manager closes the round and reads the results per promise. axe-core checks every page."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.helpers import works_council, PASSWORD

pytestmark = pytest.mark.browser

PROMISES = ["We join a team for a morning every month.", "We explain every decision that affects your work."]


@pytest.fixture
def pulse(app, make):
    from saas.leadership import promises as promise_service, pulses
    from saas.programme import service as programmes
    from tenants.models import Membership, Tenant

    tenant = make.tenant("oost")
    mia = make.member(tenant, "mia@oost.example", roles=["management"], name="Mia Manager")
    make.member(tenant, "sara@oost.example", name="Sara Staff")
    for n in range(5):
        make.member(tenant, f"staff{n}@oost.example", name=f"Staff {n}")
    with make.session(tenant.id) as db:
        tenant_row = db.get(Tenant, tenant.id)
        programme = programmes.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                                ends_on=date(2027, 12, 31))
        promises = [promise_service.add_promise(db, programme, db.get(Membership, mia), text) for text in PROMISES]
        round_ = pulses.plan_round(db, tenant_row, programme, name="Pulse check March", opens_on=date.today(),
                                   closes_on=date.today() + timedelta(days=14))
        pulses.record_consent(db, round_, by=works_council(db), decided_on=date(2026, 3, 2), decision="De OR stemt in.")
        pulses.open_round(db, tenant_row, round_, date.today(), send_mail=False)
        invited = pulses.invite(db, round_, pulses.audience(db))
        # five colleagues have answered already
        for membership, _token in invited:
            if membership.user.email.startswith("staff"):
                pulses.submit(db, tenant_row, round_, pulses.invitation_of(db, round_.id, membership),
                              {str(promises[0].id): 4, str(promises[1].id): 2}, {}, date.today())
        return {"programme_id": programme.id, "round_id": round_.id}


def _log_in(page, email):
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.click_and_wait(page.get_by_role("button", name="Log in"))


def test_a_staff_member_answers_a_pulse_check_and_a_manager_sees_the_results(new_page, pulse):
    sara = new_page()
    _log_in(sara, "sara@oost.example")
    sara.goto("/t/oost/")
    sara.click_and_wait(sara.get_by_role("link", name="Leadership", exact=True))
    expect(sara.get_by_role("heading", name="Pulse checks for you")).to_be_visible()
    sara.click_and_wait(sara.get_by_role("link", name="Answer the pulse check Pulse check March"))
    expect(sara.get_by_role("heading", level=1)).to_have_text("Pulse check March")

    first = sara.get_by_role("group", name=re.compile("morning every month"))
    first.get_by_label("Often").check()
    sara.get_by_label("An example (optional)").first.fill("Our manager joined the Monday meeting twice.")
    sara.click_and_wait(sara.get_by_role("button", name="Send my answer"))
    # the second promise was skipped: the page says so, and keeps what was given
    expect(sara.get_by_role("alert")).to_contain_text("Choose how often you notice this")
    expect(first.get_by_label("Often")).to_be_checked()
    expect(sara.get_by_label("An example (optional)").first).to_have_value("Our manager joined the Monday meeting twice.")
    sara.get_by_role("group", name=re.compile("explain every decision")).get_by_label("Rarely").check()
    sara.click_and_wait(sara.get_by_role("button", name="Send my answer"))
    expect(sara.get_by_role("heading", name="Thank you!")).to_be_visible()

    mia = new_page()
    _log_in(mia, "mia@oost.example")
    mia.goto("/t/oost/leadership/")
    mia.click_and_wait(mia.get_by_role("link", name="Pulse checks", exact=True))
    # invited: the admin, Sara, five staff and the works council member who recorded the consent
    expect(mia.get_by_role("cell", name="6 of 8")).to_be_visible()
    mia.click_and_wait(mia.get_by_role("link", name="Pulse check March"))
    # the page that orders answer codes for staff without e-mail (issue 20), checked by axe in both languages
    mia.click_and_wait(mia.get_by_role("link", name="Answer codes", exact=True))
    expect(mia.get_by_role("heading", name="Order answer codes")).to_be_visible()
    mia.click_and_wait(mia.get_by_role("button", name="Nederlands"))
    mia.click_and_wait(mia.get_by_role("button", name="English"))
    mia.click_and_wait(mia.get_by_role("link", name="Pulse check March"))
    expect(mia.get_by_text("Results are shown once the pulse check is closed")).to_be_visible()
    mia.click_and_wait(mia.get_by_role("button", name="Close the pulse check"))
    expect(mia.get_by_role("status")).to_contain_text("The pulse check is closed")
    expect(mia.get_by_text("6 people answered.")).to_be_visible()
    first_result = mia.get_by_role("region", name=PROMISES[0])
    expect(first_result).to_contain_text("Average 4.0")
    expect(first_result).to_contain_text("100% notice it often or always")
    expect(mia.get_by_role("region", name=PROMISES[1])).to_contain_text("Average 2.0")

    mia.click_and_wait(mia.get_by_role("link", name="Pulse results over time"))
    table = mia.get_by_role("table", name="Average per promise and pulse check")
    expect(table.get_by_role("row", name=re.compile("morning every month"))).to_contain_text("4.0")
    expect(table.get_by_role("row", name=re.compile("explain every decision"))).to_contain_text("2.0")


def test_the_managers_leadership_pages_in_the_demo_are_accessible(make, new_page, seed_demo):
    """The demo manager's round trip through promises, their 360 report, the consistency check and the
    evidence of a promise, and a rater's answer page: axe-core checks each page."""
    from sqlalchemy import select

    from saas.demo import DEMO_PASSWORD
    from saas.leadership.models import FeedbackRound, Promise

    seed_demo()
    with make.session() as db:
        from tenants.models import Tenant

        tenant_id = db.scalar(select(Tenant.id).where(Tenant.slug == "regio-noord"))
    with make.session(tenant_id) as db:
        report_id = db.scalar(select(FeedbackRound.id))
        promise_id = db.scalar(select(Promise.id).order_by(Promise.id))

    page = new_page()
    page.goto("/login")
    page.get_by_label("E-mail address").fill("management@demo.example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.click_and_wait(page.get_by_role("button", name="Log in"))
    page.goto("/t/regio-noord/leadership/")
    page.click_and_wait(page.get_by_role("link", name=re.compile(r"^(Beloften|Promises)$")).first)
    expect(page.get_by_role("listitem").filter(has_text="loopt elke maand een ochtend mee")).to_be_visible()
    page.goto(f"/t/regio-noord/leadership/promises/{promise_id}")
    page.goto(f"/t/regio-noord/leadership/feedback/{report_id}")
    expect(page.get_by_role("table")).to_contain_text("loopt elke maand een ochtend mee")
    page.goto(f"/t/regio-noord/leadership/programmes/{_programme_id(make, tenant_id)}/consistency")
    page.goto(f"/t/regio-noord/leadership/promises/{promise_id}/evidence")
    for kind in ("document", "interview", "pulse", "feedback"):
        page.goto(f"/t/regio-noord/leadership/promises/{promise_id}/evidence/{kind}")
    page.goto(f"/t/regio-noord/leadership/programmes/{_programme_id(make, tenant_id)}/pulse-checks")

    # a new round: the manager chooses raters, then rates himself
    page.goto(f"/t/regio-noord/leadership/programmes/{_programme_id(make, tenant_id)}/feedback/new")
    page.locator("#manager_id").select_option(label="Anna de Vries")
    for name in ("Sanne Bakker", "Anouk Bos", "Bram Dekker"):
        page.get_by_role("group", name=re.compile("Peers|Collega")).get_by_label(name).check()
    page.locator("#coach_id").select_option(label="Carla Smit")
    page.locator("#closes_on").fill("2099-12-31")
    page.click_and_wait(page.get_by_role("button", name=re.compile("Start the round|Start de ronde")))
    page.click_and_wait(page.get_by_role("link", name=re.compile("^(Rate yourself|Beoordeel jezelf)$")))
    for group in page.get_by_role("main").get_by_role("group").all():
        group.get_by_role("radio").nth(3).check()
    page.locator("#keep").fill("Zichtbaar zijn in de teams.")
    page.click_and_wait(page.get_by_role("button", name=re.compile("Send my feedback|Verstuur mijn feedback")))
    expect(page.get_by_role("status")).to_be_visible()


def _programme_id(make, tenant_id):
    from sqlalchemy import select

    from saas.programme.models import Programme

    with make.session(tenant_id) as db:
        return db.scalar(select(Programme.id))
