"""The programme story in a real browser, in Dutch and in English: a sponsor recruits, a member
supports the theme and joins a team, the team writes and submits its pitch, two managers score it,
one decides, and the team reads the decision and the feedback. axe-core checks every page."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from saas.pitches import review
from saas.pitches.models import SECTIONS
from saas.pitches.service import SECTION_LABELS
from saas.programme import service as programme_service
from saas.programme.models import Programme
from tenants.models import Membership

from tests.browser.words import Words

pytestmark = pytest.mark.browser


def _member(db, email):
    return db.scalar(select(Membership).join(Membership.user).where(Membership.user.has(email=email)))


@pytest.fixture
def story(app, make):
    tenant = make.tenant("oost")
    aal, bee, cur = tenant.legacy_org_ids
    make.member(tenant, "sam@oost.example", roles=["sponsor", "member"], legacy_org_id=aal, name="Sam Sponsor")
    for i, org_id in enumerate([aal, bee, cur, bee]):
        make.member(tenant, f"m{i}@oost.example", legacy_org_id=org_id, name=f"Member {i}")
    for name in ("Mia", "Max"):
        make.member(tenant, f"{name.lower()}@oost.example", roles=["management"], name=f"{name} Manager")
    with make.session(tenant.id) as db:
        programme = programme_service.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                                       ends_on=date(2027, 12, 31), min_team_size=3)
        theme = programme_service.save_theme(db, programme, None, title="Client first", problem="Clients wait",
                                             why_it_matters="", desired_outcome="", pillar="")
        programme_service.set_sponsors(db, theme, [_member(db, "sam@oost.example").id])
        team = programme_service.propose_team(db, programme, theme, _member(db, "m0@oost.example"),
                                              name="Snel antwoord", goal="Answer within a week")
        programme_service.join_team(db, programme, team, _member(db, "m2@oost.example"))
        tenant.programme_id, tenant.theme_id, tenant.team_id = programme.id, theme.id, team.id
    return tenant


def _log_in(page, email, language, words):
    page.goto("/login")
    if language == "nl":
        page.click_and_wait(page.get_by_role("button", name="Nederlands"))
    page.locator("#email").fill(email)
    page.locator("#password").fill("correct horse battery")
    page.click_and_wait(page.get_by_role("main").get_by_role("button", name=words("Log in")))
    assert page.url.endswith("/t/oost/")  # one organisation: signing in lands on its home


@pytest.mark.parametrize("language", ["en", "nl"])
def test_from_recruiting_to_a_submitted_pitch(app, make, new_page, story, language):
    words = Words(app, language)

    # Sam, the sponsor, invites Member 1 to support the theme.
    sam = new_page()
    _log_in(sam, "sam@oost.example", language, words)
    sam.click_and_wait(sam.get_by_role("navigation", name=words("Main")).get_by_role("link", name=words("Programmes")))
    sam.click_and_wait(sam.get_by_role("link", name="Samen verder"))
    sam.click_and_wait(sam.get_by_role("link", name="Client first"))
    sam.click_and_wait(sam.get_by_role("link", name=words("Recruit supporters")))
    sam.get_by_role("checkbox", name=re.compile("Member 1")).check()
    sam.get_by_label(words("A personal note (optional)")).fill("We need your phone experience!")
    sam.click_and_wait(sam.get_by_role("button", name=words("Send the invitations")))
    expect(sam.get_by_role("status")).to_be_visible()

    # Member 1 reads the invitation, supports the theme and joins the team.
    member = new_page()
    _log_in(member, "m1@oost.example", language, words)
    member.click_and_wait(member.get_by_role("link", name=words("Notifications")))
    expect(member.get_by_role("main")).to_contain_text("We need your phone experience!")
    member.click_and_wait(member.get_by_role("main").get_by_role("link", name=re.compile("Client first")))
    member.get_by_label(words("Why you support it (optional)")).fill("I answer the phone every day")
    member.click_and_wait(member.get_by_role("button", name=words("I support this theme")))
    expect(member.get_by_role("main")).to_contain_text(words("You support this theme."))
    member.click_and_wait(member.get_by_role("link", name="Snel antwoord"))
    member.click_and_wait(member.get_by_role("button", name=words("Join this team")))
    expect(member.get_by_role("table")).to_contain_text("Member 1")

    # The programme reaches its pitching phase; the team writes the business case together.
    with make.session(story.id) as db:
        programme = db.get(Programme, story.programme_id)
        programme.phase = "pitching"
        programme.phase_row("pitching").ends_on = date.today() + timedelta(days=14)
    member.goto(f"/t/oost/teams/{story.team_id}/pitch")
    member.get_by_label(words("Title of the business case")).fill("Eén week antwoord")
    member.click_and_wait(member.get_by_role("button", name=words("Start the pitch")))
    for key in SECTIONS:
        label = words.label(SECTION_LABELS[key])
        member.click_and_wait(member.get_by_role("link", name=f"{words('Write')} {label}"))
        member.get_by_label(words("Text")).fill(f"{label}: what the team found.")
        member.click_and_wait(member.get_by_role("button", name=words("Save")))
    member.click_and_wait(member.get_by_role("button", name=words("Submit the pitch")))
    expect(member.get_by_role("status")).to_contain_text(words("Your pitch has been submitted to central management."))
    expect(member.get_by_role("main")).to_contain_text(words("Submitted"))

    # Two managers score it on the scorecard, each without seeing the other's scores first.
    with make.session(story.id) as db:
        programme = db.get(Programme, story.programme_id)
        review.save_criterion(db, programme, None, name="Impact", weight=2)
        review.save_criterion(db, programme, None, name="Feasibility", weight=1)
    for email, scores in (("mia@oost.example", ("5", "3")), ("max@oost.example", ("4", "4"))):
        manager = new_page()
        _log_in(manager, email, language, words)
        manager.goto(f"/t/oost/teams/{story.team_id}/pitch")
        manager.click_and_wait(manager.get_by_role("link", name=words("Review this pitch")))
        expect(manager.get_by_role("main")).to_contain_text(
            words("The other reviewers' scores are shown once you have submitted your own review."))
        for criterion, score in zip(("Impact", "Feasibility"), scores):
            group = manager.get_by_role("group", name=re.compile(criterion))
            group.get_by_label(re.compile(f"^{score}")).check()
        manager.click_and_wait(manager.get_by_role("button", name=words("Submit my review")))
    # Max, the second, now sees Mia's scores, and decides.
    expect(manager.get_by_role("region", name=words("Other reviewers"))).to_contain_text("Mia Manager")
    decisions = manager.get_by_role("group", name=words("Decision"))
    decisions.get_by_label(words.label(review.DECISION_LABELS["approved_with_conditions"])).check()
    manager.get_by_label(words("Feedback for the team")).fill("Go ahead, and report the costs every quarter.")
    manager.click_and_wait(manager.get_by_role("button", name=words("Record the decision and tell the team")))

    # The team reads the decision and the feedback.
    member.goto(f"/t/oost/teams/{story.team_id}/pitch")
    decision = member.get_by_role("region", name=re.compile(words("Decision")))
    expect(decision).to_contain_text(words.label(review.DECISION_LABELS["approved_with_conditions"]))
    expect(decision).to_contain_text("Go ahead, and report the costs every quarter.")
    member.click_and_wait(member.get_by_role("link", name=words("Notifications")))
    expect(member.get_by_role("main")).to_contain_text("Eén week antwoord")
