"""A home per person (issue 17, build point 1): the tenant's landing page says what each role has to do next.

The stories read the home of every demo account as a person would; the admin's checklist is followed on a
new tenant, step by step, from the links it gives."""
import re
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from saas.anonymity.models import Release
from saas.auth.models import User
from saas.demo import DEMO_PASSWORD
from saas.leadership import feedback, pulses
from saas.leadership.models import Promise
from saas.programme.models import Programme
from saas.strategy import knowledge_day
from saas.strategy.models import KnowledgeDay, Workshop
from saas.surveys import invitations, service as surveys
from saas.surveys.models import Wave
from tenants.models import Membership
from tests.helpers import signed_in, works_council

HOME = "/t/regio-noord/"


@pytest.fixture
def demo(seed_demo, make):
    seed_demo()
    with make.session() as db:
        from tenants.models import Tenant

        return db.scalar(select(Tenant).where(Tenant.slug == "regio-noord"))


def _section(html: str, heading_id: str) -> str:
    """The text of one section of the home, by its heading's id, tags stripped."""
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    text = " ".join(re.sub(r"<[^>]+>", " ", html[start:end]).split())
    return re.sub(r" ([:;,.)])", r"\1", text)


def _home(app, who: str, language: str | None = None) -> str:
    client = signed_in(app, f"{who}@demo.example.org", DEMO_PASSWORD)
    if language:
        client.submit("/language", {"language": language, "next": HOME}, page="/account")
    return client.text(HOME)


# ---- a story per role ------------------------------------------------------------------------

def test_a_member_sees_what_to_answer_their_team_and_pitch_their_themes_and_workshops(app, make, demo):
    today = date.today()
    with make.session(demo.id) as db:  # a pulse check opens for everyone, with the works council's consent
        programme = db.scalar(select(Programme))
        pulse = pulses.plan_round(db, demo, programme, name="Pulse december", opens_on=today,
                                  closes_on=today + timedelta(days=10))
        pulses.record_consent(db, pulse, by=works_council(db), decided_on=today, decision="Ja.")
        pulses.open_round(db, demo, pulse, today, send_mail=False)
        pulses.invite(db, pulse, pulses.audience(db))
        assert db.scalar(select(Promise).limit(1)) is not None
        day = KnowledgeDay(programme_id=programme.id, title="Kennisdag voorjaar", held_on=today + timedelta(days=30))
        db.add(day)
        db.flush()
        workshop = Workshop(day_id=day.id, title="Samen leren", capacity=12, starts_at=time(10), ends_at=time(12))
        db.add(workshop)
        db.flush()
        member = db.scalar(select(Membership).join(User, User.id == Membership.user_id)
                           .where(User.email == "member@demo.example.org"))
        knowledge_day.sign_up(db, workshop, member)
        manager = db.scalar(select(Membership).join(User, User.id == Membership.user_id)
                            .where(User.email == "management@demo.example.org"))
        feedback.start_round(db, demo, programme, manager, coach_id=None, manager_id=None, peer_ids=[member.id],
                             report_ids=[], closes_on=today + timedelta(days=14), today=today, send_mail=False)
    page = _home(app, "member", "en")
    todo = _section(page, "home-todo")
    assert "Vervolgpeiling cultuur (survey) closes" in todo
    assert "Pulse december (pulse check) closes" in todo
    assert "360 feedback about Mark Jansen closes" in todo
    mine = _section(page, "home-mine")
    assert "Slim plannen (Digitaal waar het kan): pitch – Decided" in mine
    assert "Themes you support Digitaal waar het kan" in mine
    assert "Your workshops Samen leren (" in mine
    assert "home-setup" not in page and "home-sponsor" not in page and "home-programme" not in page


def test_a_sponsor_sees_supporters_per_legacy_organisation_and_the_teams_forming(app, demo):
    page = _home(app, "sponsor", "en")
    sponsored = _section(page, "home-sponsor")
    assert "Eén loket voor de klant 9 supporters: Gemeente Aaldersum: 3; Gemeente Beekhoven: 3; " \
           "Gemeente Curwolde: 3" in sponsored
    assert "Klantreis (4 people)" in sponsored and "Loket Noord (4 people)" in sponsored
    assert "home-todo" in page, "a sponsor also answers surveys"


def test_management_sees_pitches_to_score_collections_with_participation_and_the_phase(app, make, demo):
    with make.session(demo.id) as db:
        wave = db.scalar(select(Wave).where(Wave.status == "open"))
        invited, answered = invitations.invitation_counts(db, wave)  # what the wave's own page shows
        closes_on = wave.closes_on
    page = _home(app, "management", "en")
    board = _section(page, "home-programme")
    assert "Samen Koers: phase Pitching, deadline" in board
    assert "Pitches waiting for your score Eén proces: ons voorstel" in board
    assert f"Vervolgpeiling cultuur (survey): {invited} invited, {answered} answered" in board
    assert f'datetime="{closes_on.isoformat()}"' in page or "closes" in board
    # whole-wave figures only: no participation per legacy organisation on the home
    assert "Gemeente Aaldersum" not in board


def test_the_works_council_sees_what_is_new_since_its_last_visit_and_the_rest_one_click_away(app, make, demo):
    now = datetime.now(timezone.utc)
    with make.session(demo.id) as db:  # the council looked five days ago; the baseline was released since
        council = db.scalar(select(Membership).join(User, User.id == Membership.user_id)
                            .where(User.email == "works-council@demo.example.org"))
        council.home_seen_at = now - timedelta(days=5)
        released = {r.collection_id: r for r in db.scalars(select(Release).where(Release.collection == "wave"))}
        waves = {w.name: w.id for w in db.scalars(select(Wave))}
        released[waves["Nulmeting cultuur"]].created_at = now - timedelta(days=1)
        surveys.create_wave(db, name="Eindmeting cultuur")  # a new consent request, made now
    client = signed_in(app, "works-council@demo.example.org", DEMO_PASSWORD)
    client.submit("/language", {"language": "en", "next": HOME}, page="/account")
    council = _section(client.text(HOME), "home-council")
    assert "New since your last visit Your last visit:" in council
    assert "Nulmeting cultuur (released" in council and "Eindmeting cultuur (survey waiting for your consent)" \
        in council
    assert "Vervolgpeiling cultuur" not in council, "open: nothing released"
    assert f"All culture reports ({len(released)} released)" in council
    assert "1 survey or pulse check waits for your consent" in council
    # the same visit (a reload, coming back in the same session) still marks the same things new
    assert "Nulmeting cultuur (released" in _section(client.text(HOME), "home-council")
    # the next visit: nothing new since, the rest still one click away
    council = _section(_home(app, "works-council", "en"), "home-council")
    assert "Nothing new since your last visit." in council and "Nulmeting" not in council
    assert "1 survey or pulse check waits for your consent" in council
    page = _home(app, "works-council", "nl")
    assert "Nieuw sinds je vorige bezoek" in page


def test_an_admin_and_a_consultant_see_the_setup_checklist_and_what_needs_attention(app, make, demo):
    page = _home(app, "admin", "en")
    setup = _section(page, "home-setup")
    assert "5 of 5 steps done." in setup
    assert "Nothing needs your attention." in setup
    with make.session(demo.id) as db:
        surveys.create_wave(db, name="Eindmeting cultuur")
    setup = _section(_home(app, "admin", "en"), "home-setup")
    assert "1 survey or pulse check waits for the works council's consent." in setup

    consultant = _home(app, "consultant", "en")
    assert "home-setup" in consultant and "home-programme" in consultant
    assert "Pitches waiting for your score" not in consultant, "a consultant does not score pitches"
    assert "Board pack of Tussenmeting cultuur (PDF)" in _section(consultant, "home-programme")  # the latest closed wave
    # the steps whose pages are the admin's are no links for a consultant
    assert 'href="/t/regio-noord/admin/legacy-orgs"' not in consultant


def test_a_person_with_several_roles_sees_the_sections_of_each(app, demo):
    page = _home(app, "works-council", "en")
    assert "home-council" in page and "home-todo" in page and "home-mine" in page


# ---- the admin's checklist on a new tenant ---------------------------------------------------

def _steps(client, slug: str) -> dict:
    html = client.text(f"/t/{slug}/")
    steps = {}
    for key, body in re.findall(r'<li id="step-([a-z_]+)">(.*?)</li>', html, re.S):
        link = re.search(r'href="([^"]+)"', body)
        steps[key] = ("Done" in body.split(":")[0], link.group(1) if link else None)
    return steps


def test_the_checklist_of_a_new_tenant_follows_its_setup_from_its_own_links(app, make):
    tenant = make.tenant("oost", legacy_orgs=())
    admin = signed_in(app, tenant.admin_email)
    steps = _steps(admin, "oost")
    assert list(steps) == ["legacy_orgs", "people", "programme", "consent", "first_survey"]
    assert not any(done for done, _ in steps.values())

    for code, name in (("AAL", "Gemeente Aaldersum"), ("BEE", "Gemeente Beekhoven")):
        assert admin.submit(steps["legacy_orgs"][1], {"code": code, "name": name}).status_code == 302
    steps = _steps(admin, "oost")
    assert steps["legacy_orgs"][0] and not steps["people"][0]

    response = admin.submit(steps["people"][1], {"email": "wim@oost.example", "roles": ["works_council"],
                                                 "legacy_org_id": ""})
    assert response.status_code == 302
    steps = _steps(admin, "oost")
    assert steps["people"][0] and not steps["programme"][0]
    assert "1 invitation has not been accepted yet." in _section(admin.text("/t/oost/"), "home-setup")

    assert admin.get(steps["programme"][1]).status_code == 200
    response = admin.submit("/t/oost/programmes/new", {
        "name": "Samen verder", "goal": "", "starts_on": "2026-01-05", "ends_on": "2027-12-18",
        "min_team_size": "4", "max_team_size": "10", "teams_per_person": "1", "min_legacy_orgs_per_team": "2"})
    assert response.status_code == 302
    steps = _steps(admin, "oost")
    assert steps["programme"][0] and not steps["consent"][0]

    assert admin.get(steps["consent"][1]).status_code == 200
    with make.session(tenant.id) as db:  # a wave in preparation gets the works council's consent
        wave = surveys.create_wave(db, name="Nulmeting")
        surveys.record_consent(db, wave, by=works_council(db), decided_on=date.today(), decision="Ja.")
        wave_id = wave.id
    steps = _steps(admin, "oost")
    assert steps["consent"][0] and not steps["first_survey"][0]

    waves = admin.text(steps["first_survey"][1])  # the step's page lists the wave, which is launched from its page
    assert f"/t/oost/waves/{wave_id}" in waves
    response = admin.submit(f"/t/oost/waves/{wave_id}/launch", {"invitations": "none"}, page=f"/t/oost/waves/{wave_id}")
    assert response.status_code == 302
    steps = _steps(admin, "oost")
    assert all(done for done, _ in steps.values())
    assert "5 of 5 steps done." in admin.text("/t/oost/")


# ---- landing and the start page ---------------------------------------------------------------

def test_a_person_with_one_tenant_lands_on_its_home_after_login(app, make):
    make.tenant("oost")
    client = app.test_client()
    response = client.login("admin@oost.example.org")
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/t/oost/"
    assert "home-setup" in client.text("/t/oost/")


def test_a_consultant_with_several_clients_sees_a_line_of_status_for_each(app, make):
    make.tenant("oost", admin_email="carla@example.org")
    west = make.tenant("west")
    make.member(west, "carla@example.org", roles=("consultant",))
    client = signed_in(app, "carla@example.org")
    page = client.text("/")  # several tenants: the start page lists them
    lines = {slug: " ".join(re.sub(r"<[^>]+>", " ", line).split())
             for slug, line in re.findall(r'<li class="card"><a href="/t/([a-z]+)/">(.*?)</li>', page, re.S)}
    assert "Setting up: 1 of 5 steps done." in lines["oost"]  # legacy organisations only
    assert "Setting up: 2 of 5 steps done." in lines["west"]  # and a second person
    assert "0 open collections" in lines["west"]
    assert "Organisation west" in client.text("/t/west/"), "each line was read in its own tenant"


# ---- both languages ---------------------------------------------------------------------------

def test_the_home_speaks_dutch_and_english(app, demo):
    dutch = _home(app, "management")  # the demo tenant speaks Dutch
    assert "Pitches die op je score wachten" in dutch and "Pitches waiting for your score" not in dutch
    english = _home(app, "management", "en")
    assert "Pitches waiting for your score" in english and "Pitches die op je score wachten" not in english
    admin = _home(app, "admin")
    assert "Inrichten" in admin and "Afgerond" in admin


def test_the_sponsor_and_management_homes_ask_as_many_statements_for_many_teams_as_for_few(app, make, demo):
    """bench/home.py: a supporter's person loaded one by one, each team's members, a review per pitch made the
    sponsor's and management's homes take seconds on a tenant of 20,000 people. Counted, not timed: the number
    of SQL statements does not grow with supporters, teams and pitches."""
    from sqlalchemy import event

    from saas.pitches.models import Pitch
    from saas.programme.models import Sponsor, Supporter, Team, TeamMember

    engine = app.extensions["koers.db"].engine
    statements = []

    def counted(who):
        client = signed_in(app, f"{who}@demo.example.org", DEMO_PASSWORD)
        client.get(HOME)  # warm: sign-in leftovers, caches
        event.listen(engine, "before_cursor_execute", record)
        try:
            page = client.text(HOME)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        count, statements[:] = len(statements), []
        return count, page

    def record(*_args):
        statements.append(1)

    before = {who: counted(who)[0] for who in ("sponsor", "management")}
    with make.session(demo.id) as db:
        sponsored = db.scalars(select(Sponsor.theme_id).join(Membership, Membership.id == Sponsor.membership_id)
                               .where(Membership.user.has(email="sponsor@demo.example.org"))).first()
        supporting = set(db.scalars(select(Supporter.membership_id).where(Supporter.theme_id == sponsored)))
        others = Membership.user.has(User.email.notin_(["sponsor@demo.example.org", "management@demo.example.org"]))
        people = [m for m in db.scalars(select(Membership.id).where(others).order_by(Membership.id))
                  if m not in supporting][:20]  # not the two whose homes are counted: no team of their own
        db.add_all(Supporter(theme_id=sponsored, membership_id=m, motivation="") for m in people)
        for n in range(6):
            team = Team(theme_id=sponsored, name=f"Extra team {n}", goal="")
            db.add(team)
            db.flush()
            db.add_all(TeamMember(team_id=team.id, membership_id=m) for m in people[3 * n:3 * n + 3])
            db.add(Pitch(team_id=team.id, title=f"Extra pitch {n}", status="submitted"))
    pages = {}
    for who in ("sponsor", "management"):
        count, pages[who] = counted(who)
        assert count == before[who], f"{who}: {before[who]} statements with few teams, {count} with more"
    assert "Extra team 5 (3 " in _section(pages["sponsor"], "home-sponsor")  # people (en), personen (nl)
    assert "Extra pitch 5" in _section(pages["management"], "home-programme")

