"""The programme: phases, themes with sponsors who recruit supporters, self-selected teams."""
import threading
from datetime import date

import pytest
from sqlalchemy import select

from saas.programme import service
from saas.kernel.notifications import Notification
from saas.programme.models import Programme, Team, TeamMember, Theme
from tenants.models import Membership


def _membership(make, tenant, email):
    with make.session(tenant.id) as db:
        return db.scalar(select(Membership).join(Membership.user).where(Membership.user.has(email=email)))


@pytest.fixture
def org(app, make):
    """Oost, with management, a sponsor and members from its three legacy organisations."""
    tenant = make.tenant("oost")
    aal, bee, cur = tenant.legacy_org_ids
    make.member(tenant, "manager@oost.example", roles=["management"], name="Mia Manager")
    make.member(tenant, "sponsor@oost.example", roles=["sponsor", "member"], legacy_org_id=aal, name="Sam Sponsor")
    make.member(tenant, "other-sponsor@oost.example", roles=["sponsor"], legacy_org_id=bee, name="Olga Other")
    for i, org_id in enumerate([aal, bee, cur, aal, bee, cur, aal, bee]):
        make.member(tenant, f"m{i}@oost.example", legacy_org_id=org_id, name=f"Member {i}")
    make.member(tenant, "wc@oost.example", roles=["works_council"], legacy_org_id=cur, name="Wendy Council")
    return tenant


def _client(app, email):
    client = app.test_client()
    client.login(email)
    return client


def _programme_with_theme(make, tenant, **rules):
    with make.session(tenant.id) as db:
        programme = service.create_programme(db, name="Samen verder", goal="One culture", starts_on=date(2026, 1, 1),
                                             ends_on=date(2026, 12, 31), **rules)
        theme = service.save_theme(db, programme, None, title="Client first", problem="Long waiting times",
                                   why_it_matters="Clients wait", desired_outcome="Answer in a week", pillar="Service")
        sponsor = db.scalar(select(Membership).join(Membership.user)
                            .where(Membership.user.has(email="sponsor@oost.example")))
        service.set_sponsors(db, theme, [sponsor.id])
        return programme.id, theme.id


@pytest.mark.smoke
def test_management_sets_up_a_programme_and_the_admin_moves_its_phases_on(app, make, org):
    manager = _client(app, "manager@oost.example")
    response = manager.submit("/t/oost/programmes/new", {
        "name": "Samen verder", "goal": "One organisation, one culture", "starts_on": "2026-01-05",
        "ends_on": "2026-12-18", "min_team_size": "4", "max_team_size": "10", "teams_per_person": "1",
        "min_legacy_orgs_per_team": "2"})
    assert response.status_code == 302
    overview_path = response.headers["Location"]
    programme_id = int(overview_path.rstrip("/").rsplit("/", 1)[1])
    manager.submit(f"/t/oost/programmes/{programme_id}/edit", {
        "name": "Samen verder", "goal": "", "starts_on": "2026-01-05", "ends_on": "2026-12-18",
        "min_team_size": "4", "max_team_size": "10", "teams_per_person": "1", "min_legacy_orgs_per_team": "2",
        "recruitment_starts_on": "2026-01-05", "recruitment_ends_on": "2026-02-13"})
    page = manager.text(overview_path)
    assert "Now: Recruitment" in page and "Deadline: February 13, 2026" in page
    assert "Move on to the next phase" not in page  # only the admin moves phases on

    admin = _client(app, org.admin_email)
    admin.submit(f"/t/oost/programmes/{programme_id}/advance", {"action": "advance"}, page=overview_path)
    assert "Now: Team work" in admin.text(overview_path)
    assert manager.submit(f"/t/oost/programmes/{programme_id}/advance", {"action": "advance"}, page=overview_path).status_code == 403


@pytest.mark.smoke
def test_a_programme_with_impossible_dates_or_sizes_is_refused_with_messages(app, make, org):
    manager = _client(app, "manager@oost.example")
    page = manager.submit("/t/oost/programmes/new", {
        "name": "X", "starts_on": "2026-12-01", "ends_on": "2026-01-01", "min_team_size": "4",
        "max_team_size": "10", "teams_per_person": "1", "min_legacy_orgs_per_team": "2"}).get_data(as_text=True)
    assert "cannot end before it starts" in page
    page = manager.submit("/t/oost/programmes/new", {
        "name": "X", "starts_on": "not a date", "ends_on": "2026-01-01", "min_team_size": "8",
        "max_team_size": "4", "teams_per_person": "1", "min_legacy_orgs_per_team": "2"}).get_data(as_text=True)
    assert "Please enter a date" in page
    with make.session(org.id) as db:
        assert db.scalars(select(Programme)).all() == []


@pytest.mark.smoke
def test_management_creates_a_theme_and_appoints_a_sponsor_who_edits_only_their_own(app, make, org):
    programme_id, _theme_id = _programme_with_theme(make, org)
    manager = _client(app, "manager@oost.example")
    sponsor_ids = {m.user.name: m.id for m in [_membership(make, org, "sponsor@oost.example"),
                                              _membership(make, org, "other-sponsor@oost.example")]}
    response = manager.submit(f"/t/oost/programmes/{programme_id}/themes/new", {
        "title": "Working as one", "problem": "Three ways of working", "why_it_matters": "", "desired_outcome": "",
        "pillar": "Together", "sponsor_ids": [str(sponsor_ids["Olga Other"])]})
    theme_path = response.headers["Location"]
    assert "Olga Other" in manager.text(theme_path)

    sam = _client(app, "sponsor@oost.example")
    assert sam.get(theme_path + "/edit").status_code == 403  # not Sam's theme
    olga = _client(app, "other-sponsor@oost.example")
    olga.submit(theme_path + "/edit", {"title": "Working as one", "problem": "Three ways of working, one client",
                                       "why_it_matters": "", "desired_outcome": "", "pillar": ""})
    assert "Three ways of working, one client" in olga.text(theme_path)


@pytest.mark.smoke
def test_member_supports_in_one_click_and_the_sponsor_hears_of_it(app, make, org):
    _programme_id, theme_id = _programme_with_theme(make, org)
    member = _client(app, "m1@oost.example")
    member.submit(f"/t/oost/themes/{theme_id}/support", {"motivation": "I answer the phone every day"},
                  page=f"/t/oost/themes/{theme_id}")
    page = member.text(f"/t/oost/themes/{theme_id}")
    assert "You support this theme" in page and "1 person supports this theme" in page
    assert "Gemeente Bee (oost): 1" in page
    # the sponsor sees who, with the motivation, in the app and by e-mail
    sponsor = _client(app, "sponsor@oost.example")
    assert "I answer the phone every day" in sponsor.text(f"/t/oost/themes/{theme_id}")
    inbox = sponsor.text("/t/oost/notifications")
    new = '<span class="tag">New</span>'
    assert "Member 1 supports Client first" in inbox and new in inbox
    assert new in sponsor.text("/t/oost/notifications")  # looking marks nothing as read
    sponsor.submit("/t/oost/notifications/read", page="/t/oost/notifications")
    assert new not in sponsor.text("/t/oost/notifications")
    assert any("Member 1 supports Client first" == m.subject for m in make.mails_to("sponsor@oost.example"))
    # other members see counts, not names
    assert "I answer the phone every day" not in _client(app, "m2@oost.example").text(f"/t/oost/themes/{theme_id}")
    member.submit(f"/t/oost/themes/{theme_id}/withdraw", {"action": "withdraw"}, page=f"/t/oost/themes/{theme_id}")
    assert "0 people support this theme" in member.text(f"/t/oost/themes/{theme_id}")


@pytest.mark.smoke
def test_sponsor_recruits_by_mail_and_messages_all_supporters(app, make, org):
    _programme_id, theme_id = _programme_with_theme(make, org)
    sponsor = _client(app, "sponsor@oost.example")
    recruit = f"/t/oost/themes/{theme_id}/recruit"
    page = sponsor.text(recruit)
    assert f"/t/oost/themes/{theme_id}" in page  # the link to share
    targets = [_membership(make, org, f"m{i}@oost.example").id for i in (2, 3)]
    sponsor.submit(recruit, {"member_ids": [str(t) for t in targets], "note": "Join us!"})
    assert any("invites you to support" in m.subject for m in make.mails_to("m2@oost.example"))
    assert "Join us!" in _client(app, "m3@oost.example").text("/t/oost/notifications")

    for i in (2, 3):
        _client(app, f"m{i}@oost.example").submit(f"/t/oost/themes/{theme_id}/support", {"motivation": ""},
                                                  page=f"/t/oost/themes/{theme_id}")
    # m3 wants no e-mail for sponsor messages; the in-app notice still comes
    m3 = _client(app, "m3@oost.example")
    m3.submit("/t/oost/notifications", {"kinds": ["new_supporter", "team_joined", "recruitment"]})
    response = sponsor.submit(f"/t/oost/themes/{theme_id}/message",
                              {"message-subject": "Kick-off Thursday", "message-body": "Room 2.14 at 10:00"},
                              page=recruit)
    assert response.status_code == 302
    assert any(m.subject == "Kick-off Thursday" for m in make.mails_to("m2@oost.example"))
    assert not any(m.subject == "Kick-off Thursday" for m in make.mails_to("m3@oost.example"))
    assert "Room 2.14 at 10:00" in m3.text("/t/oost/notifications")
    # an empty message is refused with a message, nothing sent
    page = sponsor.submit(f"/t/oost/themes/{theme_id}/message", {"message-subject": "", "message-body": ""},
                          page=recruit)
    assert page.status_code == 400 and "Please enter a subject" in page.get_data(as_text=True)


@pytest.mark.smoke
def test_people_form_teams_themselves_within_the_programmes_rules(app, make, org):
    programme_id, theme_id = _programme_with_theme(make, org, min_team_size=2, max_team_size=3)
    lead = _client(app, "m0@oost.example")
    response = lead.submit(f"/t/oost/themes/{theme_id}/teams", {"name": "Snel antwoord", "goal": "Answer in a week"},
                           page=f"/t/oost/themes/{theme_id}")
    team_path = response.headers["Location"]
    page = lead.text(team_path)
    assert "Snel antwoord" in page and "Lead" in page and "1 legacy organisation" in page
    assert "needs people from at least 2 legacy organisations" in page

    m1 = _client(app, "m1@oost.example")
    m1.submit(team_path + "/join", page=team_path)  # a stray request that names no button changes nothing
    assert "2 members" not in m1.text(team_path)
    m1.submit(team_path + "/join", {"action": "join"}, page=team_path)
    page = m1.text(team_path)
    assert "2 members" in page and "2 legacy organisations" in page and "needs people" not in page
    assert any("Member 1 joined Snel antwoord" == m.subject for m in make.mails_to("m0@oost.example"))
    _client(app, "m2@oost.example").submit(team_path + "/join", {"action": "join"}, page=team_path)
    # full at 3
    m3 = _client(app, "m3@oost.example")
    assert "This team is full" in m3.submit(team_path + "/join", {"action": "join"}, page=team_path,
                                            follow_redirects=True).get_data(as_text=True)
    # one team per person by default
    page = m1.submit(f"/t/oost/themes/{theme_id}/teams", {"name": "Second team", "goal": ""},
                     page=f"/t/oost/themes/{theme_id}", follow_redirects=True).get_data(as_text=True)
    assert "as many teams as this programme allows" in page
    # the lead leaves: the longest-standing member leads on
    lead.submit(team_path + "/leave", {"action": "leave"}, page=team_path)
    with make.session(org.id) as db:
        team = db.scalar(select(Team))
        assert [m.membership.user.name for m in team.members if m.is_lead] == ["Member 1"]

    manager = _client(app, "manager@oost.example")
    board = manager.text(f"/t/oost/programmes/{programme_id}/board")
    assert "Snel antwoord" in board and "mixed enough" in board
    assert m1.get(f"/t/oost/programmes/{programme_id}/board").status_code == 403


@pytest.mark.smoke
def test_teams_form_only_in_recruitment_and_team_work(app, make, org):
    programme_id, theme_id = _programme_with_theme(make, org)
    with make.session(org.id) as db:
        db.get(Programme, programme_id).phase = "pitching"
    member = _client(app, "m0@oost.example")
    page = member.submit(f"/t/oost/themes/{theme_id}/teams", {"name": "Late", "goal": ""},
                         page=f"/t/oost/themes/{theme_id}", follow_redirects=True).get_data(as_text=True)
    assert "recruitment and team-work phases only" in page


@pytest.mark.smoke
def test_works_council_sees_the_overview_with_counts_but_no_names(app, make, org):
    programme_id, theme_id = _programme_with_theme(make, org)
    _client(app, "m1@oost.example").submit(f"/t/oost/themes/{theme_id}/support", {"motivation": "Personal reason"},
                                           page=f"/t/oost/themes/{theme_id}")
    council = _client(app, "wc@oost.example")
    overview = council.text(f"/t/oost/programmes/{programme_id}")
    assert "Client first" in overview and "Gemeente Bee (oost): 1" in overview
    theme_page = council.text(f"/t/oost/themes/{theme_id}")
    assert "Member 1" not in theme_page and "Personal reason" not in theme_page


def test_a_full_team_cannot_be_overfilled_by_people_joining_at_the_same_moment(app, make, org):
    programme_id, theme_id = _programme_with_theme(make, org, min_team_size=2, max_team_size=4, teams_per_person=2)
    with make.session(org.id) as db:
        programme, theme = db.get(Programme, programme_id), db.get(Theme, theme_id)
        lead = db.scalar(select(Membership).join(Membership.user).where(Membership.user.has(email="m0@oost.example")))
        team_id = service.propose_team(db, programme, theme, lead, name="Popular", goal="").id
    joiners = [_client(app, f"m{i}@oost.example") for i in range(1, 8)]  # 7 people for 3 places
    tokens = [c.csrf_token("/account") for c in joiners]
    barrier = threading.Barrier(len(joiners))
    statuses = []

    def join(client, token):
        barrier.wait()
        statuses.append(client.post(f"/t/oost/teams/{team_id}/join", data={"csrf_token": token, "action": "join"}).status_code)

    threads = [threading.Thread(target=join, args=pair) for pair in zip(joiners, tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302] * 7
    with make.session(org.id) as db:
        size = len(db.scalars(select(TeamMember).where(TeamMember.team_id == team_id)).all())
    assert size == 4


def test_one_person_joining_two_teams_at_once_gets_only_one(app, make, org):
    programme_id, theme_id = _programme_with_theme(make, org)
    with make.session(org.id) as db:
        programme, theme = db.get(Programme, programme_id), db.get(Theme, theme_id)
        team_ids = []
        for i in (0, 1):
            lead = db.scalar(select(Membership).join(Membership.user)
                             .where(Membership.user.has(email=f"m{i}@oost.example")))
            team_ids.append(service.propose_team(db, programme, theme, lead, name=f"Team {i}", goal="").id)
    tabs = [_client(app, "m5@oost.example") for _ in team_ids]  # two browser tabs, same person
    tokens = [c.csrf_token("/account") for c in tabs]
    barrier = threading.Barrier(2)

    def join(client, token, team_id):
        barrier.wait()
        client.post(f"/t/oost/teams/{team_id}/join", data={"csrf_token": token, "action": "join"})

    threads = [threading.Thread(target=join, args=args) for args in zip(tabs, tokens, team_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    m5 = _membership(make, org, "m5@oost.example")
    with make.session(org.id) as db:
        assert len(db.scalars(select(TeamMember).where(TeamMember.membership_id == m5.id)).all()) == 1


@pytest.mark.smoke
def test_notifications_are_in_the_recipients_language(app, make, org):
    _programme_id, theme_id = _programme_with_theme(make, org)
    with make.session() as db:
        from saas.auth.models import User

        db.scalar(select(User).where(User.email == "sponsor@oost.example")).locale = "nl"
    _client(app, "m1@oost.example").submit(f"/t/oost/themes/{theme_id}/support", {"motivation": ""},
                                           page=f"/t/oost/themes/{theme_id}")
    with make.session(org.id) as db:
        [notice] = db.scalars(select(Notification).where(Notification.kind == "new_supporter")).all()
    assert "steunt" in notice.stored_subject, notice.stored_subject  # read in the reader's language then
    assert "steunt" in _client(app, "sponsor@oost.example").text("/t/oost/notifications")


@pytest.mark.smoke
def test_the_works_council_and_consultants_do_not_take_part_in_teams(app, make, org):
    _programme_id, theme_id = _programme_with_theme(make, org)
    make.member(org, "consultant@oost.example", roles=["consultant"])
    for email in ("wc@oost.example", "consultant@oost.example"):
        outsider = _client(app, email)
        assert outsider.submit(f"/t/oost/themes/{theme_id}/teams", {"name": "Mine", "goal": ""},
                               page=f"/t/oost/themes/{theme_id}").status_code == 403
        assert outsider.submit(f"/t/oost/themes/{theme_id}/support", {"motivation": ""},
                               page=f"/t/oost/themes/{theme_id}").status_code == 403


@pytest.mark.smoke
def test_joining_twice_tells_the_team_once(app, make, org):
    _programme_id, theme_id = _programme_with_theme(make, org)
    lead = _client(app, "m0@oost.example")
    team_path = lead.submit(f"/t/oost/themes/{theme_id}/teams", {"name": "Snel", "goal": ""},
                            page=f"/t/oost/themes/{theme_id}").headers["Location"]
    m1 = _client(app, "m1@oost.example")
    m1.submit(team_path + "/join", page=team_path)  # a stray request that names no button changes nothing
    assert "2 members" not in m1.text(team_path)
    m1.submit(team_path + "/join", {"action": "join"}, page=team_path)
    m1.submit(team_path + "/join", {"action": "join"}, page=team_path)
    assert [m.subject for m in make.mails_to("m0@oost.example")].count("Member 1 joined Snel") == 1
