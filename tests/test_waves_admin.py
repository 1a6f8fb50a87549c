"""The admin's survey pages (issue 5, points 1–3 and 6): create and change a wave, record the works
council's consent, launch it (personal invitations by mail), remind, close, read the response rates
under the k rule, keep the values catalogue, and import earlier results. Management may read, not act."""
from __future__ import annotations

import io
import time
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from babel.dates import format_date
from sqlalchemy import delete, func, select

from saas.surveys import service
from saas.surveys.importer import COLUMNS
from saas.surveys.models import Response, SurveyInvitation, Wave
from tests.helpers import link_in, signed_in
from saas.surveys.jobs import send_survey_reminders, send_wave_invitations

CLOSES = (date.today() + timedelta(days=21)).isoformat()
CLOSES_IN_WORDS = format_date(date.fromisoformat(CLOSES), "long", locale="en")  # as a mail writes it
OPENS = date.today().isoformat()


# ---- a tenant with people in three legacy organisations and two teams -----------------------

@pytest.fixture
def world(app, make):
    """Organisation oost (Dutch, so the works council must consent). AAL: 8 people, BEE: 6, CUR: 2.
    Team Wijkteam: 4 from AAL and 2 from BEE; team Balie: 2 from CUR. A consultant from outside and
    a manager with no legacy organisation."""
    from saas.programme import service as programme
    from tenants.models import Membership

    tenant = make.tenant("oost")
    aal, bee, cur = tenant.legacy_org_ids
    people = {}
    for code, org_id, count in (("aal", aal, 8), ("bee", bee, 6), ("cur", cur, 2)):
        for n in range(count):
            email = f"{code}{n}@oost.example"
            people[email] = make.member(tenant, email, legacy_org_id=org_id, name=f"{code.upper()} Person {n}")
    make.member(tenant, "carla@consult.example", roles=["consultant"], name="Carla Consultant")
    make.member(tenant, "mia@oost.example", roles=["management"], name="Mia Manager")
    with make.session(tenant.id) as db:
        prog = programme.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                          ends_on=date(2027, 12, 31), min_team_size=2, max_team_size=10,
                                          min_legacy_orgs_per_team=1)
        theme = programme.save_theme(db, prog, None, title="Klant centraal", problem="Wachttijden",
                                     why_it_matters="", desired_outcome="", pillar="")
        wijkteam = programme.propose_team(db, prog, theme, db.get(Membership, people["aal0@oost.example"]),
                                          name="Wijkteam", goal="")
        for email in ("aal1", "aal2", "aal3", "bee0", "bee1"):
            programme.join_team(db, prog, wijkteam, db.get(Membership, people[f"{email}@oost.example"]))
        balie = programme.propose_team(db, prog, theme, db.get(Membership, people["cur0@oost.example"]),
                                       name="Balie", goal="")
        programme.join_team(db, prog, balie, db.get(Membership, people["cur1@oost.example"]))
        ids = SimpleNamespace(programme=prog.id, wijkteam=wijkteam.id, balie=balie.id)
    return SimpleNamespace(tenant=tenant, people=people, ids=ids, aal=aal, bee=bee, cur=cur)


def _wave_form(world, **changes):
    form = {"name": "Nulmeting 2026", "programme_id": str(world.ids.programme), "series_label": "baseline",
            "series_other": "", "instruments": ["values", "culture"], "groupings": ["legacy_org", "team"],
            "opens_on": OPENS, "closes_on": CLOSES,
            "questions-0-kind": "likert", "questions-0-nl": "Ik voel me thuis in de nieuwe organisatie.",
            "questions-0-en": "I feel at home in the new organisation.",
            "questions-1-kind": "open", "questions-1-nl": "Wat moet blijven?", "questions-1-en": "What should stay?",
            "questions-2-kind": "likert", "questions-2-nl": "", "questions-2-en": ""}
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def _create(client, world, **changes) -> int:
    response = client.submit("/t/oost/waves/new", _wave_form(world, **changes))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _wave(make, world, wave_id) -> Wave:
    with make.session(world.tenant.id) as db:
        wave = db.get(Wave, wave_id)
        db.expunge(wave)
        return wave


def _invitations(make, world, wave_id) -> list[SurveyInvitation]:
    with make.session(world.tenant.id) as db:
        rows = list(db.scalars(select(SurveyInvitation).where(SurveyInvitation.wave_id == wave_id)))
        for row in rows:
            db.expunge(row)
        return rows


def _survey_mails(make, email):
    return [m for m in make.mails_to(email) if "Survey" in m.subject or "survey" in m.subject]


def _token(mail) -> str:
    return link_in(mail.body).rsplit("/", 1)[1]


def _invitation_for(make, world, token):
    with make.session(world.tenant.id) as db:
        return service.invitation_for_token(db, token)


SIGNED_PDF = b"%PDF-1.4\n% besluit van de ondernemingsraad, ondertekend\n%%EOF\n"


def _consent(client, wave_id, signed=True, **changes):
    """The consent form as an admin or consultant sends it: with the works council's signed decision."""
    form = {"decided_on": "2026-03-02", "decision": "De ondernemingsraad stemt in met de nulmeting.",
            "conditions": "Groepen kleiner dan 7 worden niet getoond.", "min_group_size": ""}
    if signed:
        form["document"] = (io.BytesIO(SIGNED_PDF), "besluit-or.pdf")
    form.update(changes)
    return client.submit(f"/t/oost/waves/{wave_id}/consent", form)


def _launch(client, wave_id, invitations="mail"):
    return client.submit(f"/t/oost/waves/{wave_id}/launch", {"invitations": invitations},
                         page=f"/t/oost/waves/{wave_id}")


def _follow(client, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return client.text(response.headers["Location"])


# ---- the admin's story ----------------------------------------------------------------------

def test_admin_creates_changes_consents_launches_reminds_and_closes_a_team_wave(app, make, world):
    admin = signed_in(app, world.tenant.admin_email)
    wijkteam = [f"{e}@oost.example" for e in ("aal0", "aal1", "aal2", "aal3", "bee0", "bee1")]

    # The overview leads to the survey pages.
    assert "/t/oost/waves/" in admin.text("/t/oost/")
    wave_id = _create(admin, world, audience_team_ids=[str(world.ids.wijkteam)])
    page = admin.text(f"/t/oost/waves/{wave_id}")
    assert "Nulmeting 2026" in page and "In preparation" in page and "Baseline" in page
    assert "I feel at home in the new organisation." in page and "What should stay?" in page
    assert "Team: Wijkteam" in page and f"/t/oost/survey/preview/{wave_id}" in page
    wave = _wave(make, world, wave_id)
    assert [q["key"] for q in wave.questions] == ["q1", "q2"]  # the empty third row was ignored
    assert wave.audience_team_ids == [world.ids.wijkteam] and wave.audience_legacy_org_ids == []

    # Changing it: the two questions come back with room for three more.
    form = admin.text(f"/t/oost/waves/{wave_id}/edit")
    assert "I feel at home in the new organisation." in form and 'name="questions-4-nl"' in form
    response = admin.submit(f"/t/oost/waves/{wave_id}/edit", _wave_form(
        world, name="Nulmeting voorjaar 2026", audience_team_ids=[str(world.ids.wijkteam)],
        **{"questions-2-kind": "likert", "questions-2-nl": "Ik weet waar we heen gaan.",
           "questions-2-en": "I know where we are going."}))
    assert "The changes have been saved." in _follow(admin, response)
    wave = _wave(make, world, wave_id)
    assert wave.name == "Nulmeting voorjaar 2026" and len(wave.questions) == 3

    # Launching before the works council consented is refused, and the page says why.
    page = admin.text(f"/t/oost/waves/{wave_id}")
    assert "works council must consent" in page and "disabled" in page
    refused = _follow(admin, _launch(admin, wave_id))
    assert "consent before the wave opens." in refused
    assert _wave(make, world, wave_id).status == "draft" and _invitations(make, world, wave_id) == []

    # The consent is recorded; then the wave is launched.
    assert "has been recorded" in _follow(admin, _consent(admin, wave_id, min_group_size="7"))
    page = admin.text(f"/t/oost/waves/{wave_id}")
    assert "De ondernemingsraad stemt in met de nulmeting." in page and "works council must consent" not in page
    launched = _follow(admin, _launch(admin, wave_id))
    assert "The wave is open." in launched and "6 people invited." in launched

    # Everyone in the team gets exactly one mail with a working personal link; nobody else gets one.
    tokens = {}
    for email in wijkteam:
        [mail] = _survey_mails(make, email)
        assert "/t/oost/survey/" in mail.body and CLOSES_IN_WORDS in mail.body and "anonymous" in mail.body
        assert "at least 7 people" in mail.body  # the works council's higher k
        tokens[email] = _token(mail)
        assert _invitation_for(make, world, tokens[email]) is not None
    for email in set(world.people) - set(wijkteam) | {"carla@consult.example", "mia@oost.example"}:
        assert _survey_mails(make, email) == [], email
    assert len({i.token_hash for i in _invitations(make, world, wave_id)}) == 6

    # Running the job again sends nothing twice.
    with app.app_context():
        assert send_wave_invitations(world.tenant.id, wave_id) == 0
    assert all(len(_survey_mails(make, email)) == 1 for email in wijkteam)

    # aal0 answers; bee0 saves half an answer.
    with make.session(world.tenant.id) as db:
        wave = db.get(Wave, wave_id)
        service.submit(db, wave, service.invitation_for_token(db, tokens["aal0@oost.example"]),
                       _answers(wave), {}, date.today())
        service.save_draft(service.invitation_for_token(db, tokens["bee0@oost.example"]), {"values": {}})

    # Reminders go to the five who did not answer, each with a new link; the old link dies.
    _a_day_passes(make, world, wave_id)  # a reminder leaves links mailed less than 24 hours ago alone
    page = admin.text(f"/t/oost/waves/{wave_id}")
    assert "Send reminder 1" in page
    reminded = _follow(admin, admin.submit(f"/t/oost/waves/{wave_id}/remind", {"round": "1"},
                                           page=f"/t/oost/waves/{wave_id}"))
    assert "The reminders are being sent" in reminded
    assert len(_survey_mails(make, "aal0@oost.example")) == 1
    for email in wijkteam[1:]:
        first, reminder = _survey_mails(make, email)
        assert reminder.subject.startswith("Reminder")
        assert _invitation_for(make, world, _token(first)) is None
        assert _invitation_for(make, world, _token(reminder)) is not None
    draft_kept = _invitation_for(make, world, _token(_survey_mails(make, "bee0@oost.example")[-1]))
    assert draft_kept.draft == {"values": {}}
    # The same round again (a second click, or the job run twice) sends nothing more.
    again = _follow(admin, admin.submit(f"/t/oost/waves/{wave_id}/remind", {"round": "1"},
                                        page=f"/t/oost/waves/{wave_id}"))
    assert "This reminder has already been sent." in again
    with app.app_context():
        assert send_survey_reminders(world.tenant.id, wave_id, 1) == 0
    assert all(len(_survey_mails(make, email)) == 2 for email in wijkteam[1:])
    assert "Send reminder 2" in admin.text(f"/t/oost/waves/{wave_id}")

    # Closing needs a tick in the confirmation box.
    refused = _follow(admin, admin.submit(f"/t/oost/waves/{wave_id}/close", {}, page=f"/t/oost/waves/{wave_id}"))
    assert "Tick the box to confirm" in refused and _wave(make, world, wave_id).status == "open"
    closed = _follow(admin, admin.submit(f"/t/oost/waves/{wave_id}/close", {"confirm": "y"},
                                         page=f"/t/oost/waves/{wave_id}"))
    assert "The wave is closed." in closed and _wave(make, world, wave_id).status == "closed"
    with make.session(world.tenant.id) as db:  # the answer left the mixing pool when the wave closed
        assert db.scalar(select(func.count()).select_from(Response)) == 1
        # and the cross-culture comparison ran on the final answers (in-process here; a job on RQ)
        from saas.comparison.models import Comparison

        stored = db.scalar(select(Comparison).where(Comparison.wave_id == wave_id))
        assert stored is not None and stored.result["k"] >= 5
    # A closed wave cannot be changed or reminded.
    assert "only be changed while it is in preparation" in _follow(admin, admin.get(f"/t/oost/waves/{wave_id}/edit"))
    assert "not open" in _follow(admin, admin.submit(f"/t/oost/waves/{wave_id}/remind", {"round": "2"},
                                                      page=f"/t/oost/waves/{wave_id}"))


def test_people_who_join_after_the_launch_are_invited_with_one_click(app, make, world):
    from saas.programme import service as programme
    from tenants.models import Membership

    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world, audience_team_ids=[str(world.ids.wijkteam)])
    _consent(admin, wave_id)
    assert "6 people invited." in _follow(admin, _launch(admin, wave_id))
    assert "no invitation yet" not in admin.text(f"/t/oost/waves/{wave_id}")

    # bee2 joins the Wijkteam after the launch; aal4 joins no team (not in this wave's audience)
    with make.session(world.tenant.id) as db:
        from saas.programme.models import Team

        wijkteam = db.get(Team, world.ids.wijkteam)
        programme.join_team(db, programme.get_programme(db, world.ids.programme), wijkteam,
                            db.get(Membership, world.people["bee2@oost.example"]))
    page = admin.text(f"/t/oost/waves/{wave_id}")
    assert "1 person joined the audience after the launch and has no invitation yet." in page
    done = _follow(admin, admin.submit(f"/t/oost/waves/{wave_id}/invite-newcomers", {},
                                       page=f"/t/oost/waves/{wave_id}"))
    assert "The invitation is being sent to the 1 person who joined after the launch." in done
    [mail] = _survey_mails(make, "bee2@oost.example")
    assert mail.subject.startswith("Survey") and _invitation_for(make, world, _token(mail)) is not None
    assert "7 people invited." in done and "no invitation yet" not in done
    assert all(len(_survey_mails(make, f"{e}@oost.example")) == 1 for e in ("aal0", "aal1", "bee0"))
    assert _survey_mails(make, "aal4@oost.example") == []
    # a second click (an old page): nothing more to send, and it says so
    again = _follow(admin, admin.submit(f"/t/oost/waves/{wave_id}/invite-newcomers", {},
                                        page=f"/t/oost/waves/{wave_id}"))
    assert "Everyone in the audience has been invited already." in again
    assert len(_survey_mails(make, "bee2@oost.example")) == 1


def _a_day_passes(make, world, wave_id, hours=25):
    """The invitations of the wave were mailed `hours` earlier than they were."""
    from sqlalchemy import update

    with make.session(world.tenant.id) as db:
        for invitation in db.scalars(select(SurveyInvitation).where(SurveyInvitation.wave_id == wave_id)):
            db.execute(update(SurveyInvitation).where(SurveyInvitation.id == invitation.id)
                       .values(mailed_at=invitation.mailed_at - timedelta(hours=hours)))


def test_a_reminder_right_after_inviting_newcomers_leaves_their_fresh_link_alone(app, make, world):
    """Issue 17 §6: "invite newcomers", then "send reminder" a minute later, and the newcomer's link,
    mailed seconds earlier, was dead. A reminder now goes only to links mailed at least 24 hours before
    it was asked for, and the button says so."""
    from saas.programme import service as programme
    from saas.programme.models import Team
    from tenants.models import Membership

    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world, audience_team_ids=[str(world.ids.wijkteam)])
    _consent(admin, wave_id)
    _launch(admin, wave_id)
    wave_page = f"/t/oost/waves/{wave_id}"
    # right after the launch there is nobody to remind yet: the links are minutes old
    too_soon = _follow(admin, admin.submit(f"{wave_page}/remind", {"round": "1"}, page=wave_page))
    assert "was mailed their link less than 24 hours ago" in too_soon and "Send reminder 1" in too_soon
    assert all(len(_survey_mails(make, f"{e}@oost.example")) == 1 for e in ("aal0", "aal1", "bee0"))

    _a_day_passes(make, world, wave_id)
    with make.session(world.tenant.id) as db:
        programme.join_team(db, programme.get_programme(db, world.ids.programme), db.get(Team, world.ids.wijkteam),
                            db.get(Membership, world.people["bee2@oost.example"]))
    _follow(admin, admin.submit(f"{wave_page}/invite-newcomers", {}, page=wave_page))
    [invitation] = _survey_mails(make, "bee2@oost.example")
    page = admin.text(wave_page)
    assert "at least 24 hours ago" in page and "newcomers you just invited" in page  # said at the button
    reminded = _follow(admin, admin.submit(f"{wave_page}/remind", {"round": "1"}, page=wave_page))
    assert "everyone who has not answered and was mailed at least 24 hours ago" in reminded
    # the six mailed yesterday are reminded; the newcomer's link of a minute ago still works
    for email in ("aal0", "aal1", "aal2", "aal3", "bee0", "bee1"):
        first, reminder = _survey_mails(make, f"{email}@oost.example")
        assert reminder.subject.startswith("Reminder") and _invitation_for(make, world, _token(first)) is None
    assert [m.subject for m in _survey_mails(make, "bee2@oost.example")] == [invitation.subject]
    assert _invitation_for(make, world, _token(invitation)) is not None
    assert app.test_client().get(link_in(invitation.body)).status_code == 302  # into the survey, not "not found"
    # the job, run late, keeps to the moment the reminder was asked for: still nothing for the newcomer
    with app.app_context():
        assert send_survey_reminders(world.tenant.id, wave_id, 1, int(time.time()) - 60) == 0
    # a day later the newcomer gets the next reminder with everyone else who still has not answered
    _a_day_passes(make, world, wave_id)
    _follow(admin, admin.submit(f"{wave_page}/remind", {"round": "2"}, page=wave_page))
    assert [m.subject.startswith("Reminder") for m in _survey_mails(make, "bee2@oost.example")] == [False, True]
    assert len(_survey_mails(make, "aal0@oost.example")) == 3


def _answers(wave):
    return {"values": {"personal": [wave.value_keys[0]], "team_current": [], "org_current": [], "org_desired": []},
            "culture": {f"d{d}_{t}_{p}": 25 for d in range(1, 7) for t in ("clan", "adhocracy", "market", "hierarchy")
                        for p in ("now", "preferred")},
            "questions": {"q1": 4, "q3": 2}}


def test_wave_listed_under_its_programme_series(app, make, world):
    admin = signed_in(app, world.tenant.admin_email)
    _create(admin, world)
    _create(admin, world, name="Tussenmeting", series_label="midway")
    _create(admin, world, name="Losse peiling", programme_id="", series_label="other",
            series_other="Een jaar na de fusie")
    page = admin.text("/t/oost/waves/")
    series, outside = page.split("Waves outside a programme", 1)
    assert "Series of Samen verder" in series and "Nulmeting 2026" in series and "Tussenmeting" in series
    assert series.index("Baseline") < series.index("Midway")
    assert "Losse peiling" in outside and "Een jaar na de fusie" in outside


def test_wrong_input_comes_back_with_messages_and_saves_nothing(app, make, world):
    admin = signed_in(app, world.tenant.admin_email)
    cases = [
        ({"name": ""}, "Please enter a name."),
        ({"instruments": None}, "Choose at least one part of the survey."),
        ({"closes_on": "2026-01-01", "opens_on": "2026-02-01"}, "A wave cannot close before it opens."),
        ({"opens_on": "next week"}, "Please enter a date (yyyy-mm-dd)."),
        ({"questions-1-en": ""}, "Write the question in English too."),
        ({"series_label": "other", "series_other": ""}, "Describe the place in the series"),
        ({"audience_team_ids": ["99999"]}, "Choose from the listed teams."),
        ({"questions-0-kind": "slider"}, "Choose a scale or an open question."),
    ]
    for changes, message in cases:
        response = admin.submit("/t/oost/waves/new", _wave_form(world, **changes))
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and message in body, (changes, body[:3000])
        assert 'class="error' in body or "form-errors" in body
    with make.session(world.tenant.id) as db:
        assert db.scalar(select(func.count()).select_from(Wave)) == 0
    # The consent form: k can only be raised.
    wave_id = _create(admin, world)
    body = _consent(admin, wave_id, min_group_size="3").get_data(as_text=True)
    assert "it can only raise the organisation" in body
    body = _consent(admin, wave_id, decision="").get_data(as_text=True)
    assert "Record the text of the works council" in body


def test_a_wave_whose_close_date_has_passed_is_not_launched(app, make, world):
    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world, opens_on="2026-01-01", closes_on="2026-01-02")
    _consent(admin, wave_id)
    if date.today() > date(2026, 1, 2):
        assert "The close date has passed." in _follow(admin, _launch(admin, wave_id))
        assert _wave(make, world, wave_id).status == "draft"


def test_open_link_is_shown_once_and_labelled_weaker(app, make, world):
    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world)
    _consent(admin, wave_id)
    launched = _follow(admin, _launch(admin, wave_id, invitations="none"))
    assert "No e-mails are sent" in launched
    assert _invitations(make, world, wave_id) == [] and _survey_mails(make, "aal0@oost.example") == []
    refused = _follow(admin, admin.submit(f"/t/oost/waves/{wave_id}/open-link", {}, page=f"/t/oost/waves/{wave_id}"))
    assert "Tick the box" in refused and _wave(make, world, wave_id).open_link_hash is None

    response = admin.submit(f"/t/oost/waves/{wave_id}/open-link", {"understood": "y"}, page=f"/t/oost/waves/{wave_id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "shown only this once" in body and "Anyone who has the link can answer" in body
    url = body.split('id="open-link" value="', 1)[1].split('"', 1)[0]
    assert url.startswith("http://localhost/t/oost/survey/open/")
    with make.session(world.tenant.id) as db:
        assert service.open_link_wave(db, url.rsplit("/", 1)[1]).id == wave_id
    page = admin.text(f"/t/oost/waves/{wave_id}")
    assert "The open link is on." in page and url not in page  # only its hash is kept

    # Renewing makes the old link stop working; switching off ends it.
    body = admin.submit(f"/t/oost/waves/{wave_id}/open-link", {"understood": "y"},
                        page=f"/t/oost/waves/{wave_id}").get_data(as_text=True)
    renewed = body.split('id="open-link" value="', 1)[1].split('"', 1)[0]
    with make.session(world.tenant.id) as db:
        assert service.open_link_wave(db, url.rsplit("/", 1)[1]) is None
        assert service.open_link_wave(db, renewed.rsplit("/", 1)[1]).id == wave_id
    off = _follow(admin, admin.submit(f"/t/oost/waves/{wave_id}/open-link/disable", {"open_link": "off"},
                                      page=f"/t/oost/waves/{wave_id}"))
    assert "The open link is off." in off and _wave(make, world, wave_id).open_link_hash is None


def test_response_rates_hide_small_groups_and_the_next_smallest(app, make, world):
    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world, audience_legacy_org_ids=[str(o) for o in (world.aal, world.bee, world.cur)])
    _consent(admin, wave_id)
    _follow(admin, _launch(admin, wave_id))
    # 5 of the 8 in AAL and 1 in CUR answered.
    answered = [world.people[f"aal{n}@oost.example"] for n in range(5)] + [world.people["cur0@oost.example"]]
    with make.session(world.tenant.id) as db:
        for invitation in db.scalars(select(SurveyInvitation).where(SurveyInvitation.membership_id.in_(answered))):
            invitation.answered = True

    page = admin.text(f"/t/oost/waves/{wave_id}/rates")
    org_table = page.split('id="rates-legacy-org"', 1)[1].split("</table>", 1)[0]
    team_table = page.split('id="rates-team"', 1)[1].split("</table>", 1)[0]
    total = page.split('id="rates-total"', 1)[1].split("</table>", 1)[0]
    assert "<td>16</td><td>6</td><td>38%</td>" in total
    # AAL (8 invited) is shown; CUR (2) is too small; BEE (6) is hidden too, or 16 − 8 − 6 would give CUR away.
    aal, bee, cur = (org_table.split(f"Gemeente {code} (oost)", 1)[1].split("</tr>", 1)[0]
                     for code in ("Aal", "Bee", "Cur"))
    assert "<td>8</td><td>5</td><td>63%</td>" in aal
    assert "fewer than 5 invited" in cur and "<td>" not in cur.replace('<td colspan="3">', "")
    assert "to protect a smaller group" in bee
    # Teams: Balie (2) too small, so Wijkteam (6) hidden too; the 8 in no team are shown.
    wijk, balie, none = (team_table.split(name, 1)[1].split("</tr>", 1)[0]
                         for name in ("Wijkteam", "Balie", "In no team"))
    assert "fewer than 5 invited" in balie and "to protect a smaller group" in wijk
    assert "<td>8</td><td>1</td><td>13%</td>" in none  # aal4 to aal7 and bee2 to bee5; aal4 answered
    # Never a person's name.
    assert "Person" not in page

    # Management reads the rates too, and the access log records both readings.
    assert "to protect a smaller group" in signed_in(app, "mia@oost.example").text(f"/t/oost/waves/{wave_id}/rates")
    log = admin.text("/t/oost/reports/access-log")
    assert "mia@oost.example" in log and log.count("<td>response rates</td>") == 2  # two rows of the log


def _rates(client, wave_id) -> dict[str, dict[str, str]]:
    """The rows of the response-rate page: {table id: {group label: the row's cells}}."""
    page = client.text(f"/t/oost/waves/{wave_id}/rates")
    tables = {}
    for table in ("rates-total", "rates-legacy-org", "rates-team"):
        if f'id="{table}"' not in page:
            continue
        body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
        rows = [row.split('<th scope="row">', 1)[1] for row in body.split("</tr>") if '<th scope="row">' in row]
        tables[table] = {row.split("</th>", 1)[0]: " ".join(row.split("</th>", 1)[1].split()) for row in rows}
    return tables


def _team(make, world, name, emails) -> int:
    """A team with exactly these people, made directly: a person may be in several teams."""
    from saas.programme.models import Team, TeamMember, Theme

    with make.session(world.tenant.id) as db:
        theme = db.scalars(select(Theme)).first()
        team = Team(theme_id=theme.id, name=name)
        db.add(team)
        db.flush()
        for email in emails:
            db.add(TeamMember(team_id=team.id, membership_id=world.people[email]))
        return team.id


def _answer(make, world, *emails):
    with make.session(world.tenant.id) as db:
        for invitation in db.scalars(select(SurveyInvitation).where(
                SurveyInvitation.membership_id.in_([world.people[e] for e in emails]))):
            invitation.answered = True


def test_response_rates_of_partially_overlapping_teams_single_out_no_one(app, make, world):
    # Noord and Zuid overlap without one lying inside the other or inside an organisation. Both have
    # 7 people, so the old rule showed both, and Noord minus Zuid is aal0 and aal1 minus aal6 and aal7.
    aal = [f"aal{n}@oost.example" for n in range(8)]
    _team(make, world, "Noord", aal[:6] + ["bee0@oost.example"])
    _team(make, world, "Zuid", aal[2:] + ["bee0@oost.example"])
    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world, audience_legacy_org_ids=[str(world.aal), str(world.bee)])
    _consent(admin, wave_id)
    _follow(admin, _launch(admin, wave_id))
    _answer(make, world, "aal0@oost.example", "aal1@oost.example", "bee2@oost.example")

    rates = _rates(admin, wave_id)
    assert rates["rates-total"]["All invited people"] == "<td>14</td><td>3</td><td>21%</td>"
    teams = rates["rates-team"]
    assert set(teams) == {"Wijkteam", "Noord", "Zuid", "In no team"}
    assert "fewer than 5 invited" in teams["In no team"]  # bee2 to bee5
    shown = {name for name, cells in teams.items() if "not shown" not in cells}
    assert not {"Noord", "Zuid"} <= shown, teams
    assert any("to protect a smaller group" in cells for cells in teams.values())
    # The organisations are whole and large enough: both are shown.
    assert rates["rates-legacy-org"]["Gemeente Aal (oost)"] == "<td>8</td><td>2</td><td>25%</td>"
    assert rates["rates-legacy-org"]["Gemeente Bee (oost)"] == "<td>6</td><td>1</td><td>17%</td>"


def test_moving_people_after_the_launch_changes_no_response_rate(app, make, world):
    from saas.programme.models import TeamMember
    from tenants.models import Membership

    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world, audience_legacy_org_ids=[str(o) for o in (world.aal, world.bee, world.cur)])
    _consent(admin, wave_id)
    _follow(admin, _launch(admin, wave_id))
    _answer(make, world, *[f"aal{n}@oost.example" for n in range(5)], "cur0@oost.example")
    frozen = {i.membership_id: (i.legacy_org_id, sorted(i.team_ids)) for i in _invitations(make, world, wave_id)}
    assert frozen[world.people["aal0@oost.example"]] == (world.aal, [world.ids.wijkteam])
    assert frozen[world.people["bee5@oost.example"]] == (world.bee, [])
    assert frozen[world.people["cur1@oost.example"]] == (world.cur, [world.ids.balie])
    before = _rates(admin, wave_id)

    # After the launch aal4 (who answered) moves to BEE and into Wijkteam, bee0 leaves Wijkteam and
    # aal5 joins Balie: read live, AAL minus one and BEE plus one would tell that aal4 answered.
    with make.session(world.tenant.id) as db:
        db.get(Membership, world.people["aal4@oost.example"]).legacy_org_id = world.bee
        db.add(TeamMember(team_id=world.ids.wijkteam, membership_id=world.people["aal4@oost.example"]))
        db.add(TeamMember(team_id=world.ids.balie, membership_id=world.people["aal5@oost.example"]))
        db.execute(delete(TeamMember).where(TeamMember.membership_id == world.people["bee0@oost.example"]))
    assert _rates(admin, wave_id) == before
    assert _rates(signed_in(app, "mia@oost.example"), wave_id) == before

    # Everyone leaves CUR; the wave still counts its two invitations there, so CUR cannot be deleted.
    with make.session(world.tenant.id) as db:
        for email in ("cur0@oost.example", "cur1@oost.example"):
            db.get(Membership, world.people[email]).legacy_org_id = world.bee
    refused = _follow(admin, admin.submit(f"/t/oost/admin/legacy-orgs/{world.cur}/delete", {"action": "delete", "confirmed": "yes"},
                                          page="/t/oost/admin/legacy-orgs"))
    assert "still refer to this legacy organisation" in refused
    assert _rates(admin, wave_id) == before


def test_catalogue_changes_reach_new_waves_only(app, make, world):
    admin = signed_in(app, world.tenant.admin_email)
    before_id = _create(admin, world, name="Voor de wijziging")
    before = _wave(make, world, before_id).value_keys
    assert "bureaucracy" in before

    page = admin.text("/t/oost/waves/catalogue")
    assert "Earlier waves keep the values they were made with" in page and "bureaucracy" in page
    added = _follow(admin, admin.submit("/t/oost/waves/catalogue",
                                        {"nl": "Wijkgerichtheid", "en": "Neighbourhood focus"}))
    assert "Neighbourhood focus has been added" in added
    hidden = _follow(admin, admin.submit("/t/oost/waves/catalogue/visibility", {"key": "bureaucracy", "hidden": "1"},
                                         page="/t/oost/waves/catalogue"))
    assert "is hidden from new waves" in hidden
    # The same button twice changes nothing more; a key that does not exist is refused.
    admin.submit("/t/oost/waves/catalogue/visibility", {"key": "bureaucracy", "hidden": "1"},
                 page="/t/oost/waves/catalogue")
    refused = _follow(admin, admin.submit("/t/oost/waves/catalogue/visibility", {"key": "nonsense", "hidden": "1"},
                                          page="/t/oost/waves/catalogue"))
    assert "not in the catalogue" in refused
    duplicate = admin.submit("/t/oost/waves/catalogue", {"nl": "Wijkgerichtheid", "en": "Other words"})
    assert "already has a value with this name" in duplicate.get_data(as_text=True)

    assert _wave(make, world, before_id).value_keys == before
    after = _wave(make, world, _create(admin, world, name="Na de wijziging")).value_keys
    assert "bureaucracy" not in after and "own_neighbourhood_focus" in after
    assert set(after) - set(before) == {"own_neighbourhood_focus"}

    # Showing the value again brings it back for the next wave.
    admin.submit("/t/oost/waves/catalogue/visibility", {"key": "bureaucracy", "hidden": "0"},
                 page="/t/oost/waves/catalogue")
    assert "bureaucracy" in _wave(make, world, _create(admin, world, name="Daarna")).value_keys


# ---- importing earlier results --------------------------------------------------------------

def _csv_line(org="AAL", team="", **cells):
    values = {"legacy_org": org, "team": team, "personal_values": "trust;openness", "team_values": "cooperation",
              "current_values": "bureaucracy", "desired_values": "trust;innovation", "enps": ""}
    for d in range(1, 7):
        for phase in ("now", "preferred"):
            for t, points in zip(("clan", "adhocracy", "market", "hierarchy"), (40, 30, 20, 10)):
                values[f"d{d}_{t}_{phase}"] = points
    values.update(cells)
    return ",".join(str(values[c]) for c in COLUMNS)


def _upload(client, wave_id, *lines, name="earlier.csv"):
    body = "\n".join([",".join(COLUMNS), *lines]) + "\n"
    return client.submit(f"/t/oost/waves/{wave_id}/import",
                         {"file": (io.BytesIO(body.encode("utf-8")), name)},
                         content_type="multipart/form-data")


def _responses(make, world):
    with make.session(world.tenant.id) as db:
        return db.scalar(select(func.count()).select_from(Response))


def test_import_lists_errors_by_line_and_column_and_imports_all_or_nothing(app, make, world):
    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world, name="Nulmeting 2024 (bureau)")
    page = admin.text(f"/t/oost/waves/{wave_id}/import")
    assert "legacy_org" in page and "d1_clan_now" in page

    body = _upload(admin, wave_id, _csv_line(), _csv_line(org="BEE", d3_market_now=19)).get_data(as_text=True)
    assert "Nothing was imported" in body and "line 3, column d3_hierarchy_now: the four" in body
    body = _upload(admin, wave_id, _csv_line(), _csv_line(), _csv_line(org="XYZ")).get_data(as_text=True)
    assert "Nothing was imported" in body and "line 4, column legacy_org: no legacy organisation" in body
    assert _responses(make, world) == 0 and _wave(make, world, wave_id).status == "draft"

    body = _upload(admin, wave_id, name="empty.csv").get_data(as_text=True)
    assert "only the header" in body and _responses(make, world) == 0
    response = admin.submit(f"/t/oost/waves/{wave_id}/import", {"file": (io.BytesIO(b"\xff\xfe\x00\x01"), "x.csv")},
                            content_type="multipart/form-data")
    assert "not UTF-8" in response.get_data(as_text=True) and _responses(make, world) == 0
    assert "Choose a file." in admin.submit(f"/t/oost/waves/{wave_id}/import", {}).get_data(as_text=True)

    done = _follow(admin, _upload(admin, wave_id, _csv_line(), _csv_line(org="BEE", team="Wijkteam"),
                                  _csv_line(org="CUR")))
    assert "3 answers have been imported." in done
    assert _responses(make, world) == 3
    assert _wave(make, world, wave_id).status == "closed"  # it records a survey that took place

    # An open wave takes no imported results.
    open_id = _create(admin, world, name="Lopend")
    _consent(admin, open_id)
    _launch(admin, open_id, invitations="none")
    body = _upload(admin, open_id, _csv_line()).get_data(as_text=True)
    assert "cannot be imported into an open wave" in body and _responses(make, world) == 3


def test_the_import_page_in_dutch_names_bad_rows_in_dutch(app, make, world):
    """The rows are checked by the instruments' own rules, whose messages are translated."""
    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world, name="Nulmeting 2023 (bureau)")
    admin.submit("/language", {"language": "nl", "next": f"/t/oost/waves/{wave_id}/import"},
                 page=f"/t/oost/waves/{wave_id}/import")
    too_many = "trust;openness;respect;honesty;integrity;quality;care;humour;courage;clarity;vision"
    body = _upload(admin, wave_id, _csv_line(d3_market_now=19), _csv_line(d4_clan_now="tien"),
                   _csv_line(personal_values=too_many, d1_clan_now=-10, d1_adhocracy_now=80),
                   _csv_line(d2_clan_now="")).get_data(as_text=True)
    for dutch in ("regel 2, kolom d3_hierarchy_now: de vier &#39;nu&#39;-getallen van dimensie 3 tellen op tot 99",
                  "regel 3, kolom d4_clan_now: &#39;tien&#39; is geen heel getal",
                  "regel 4, kolom personal_values: 11 waarden; hoogstens 10 toegestaan",
                  "regel 4, kolom d1_clan_now: -10 is negatief",
                  "regel 5, kolom d2_clan_now: leeg; vul een heel getal van 0 tot en met 100 in",
                  "Verbeter de fouten hierboven en upload het bestand opnieuw."):
        assert dutch in body, dutch
    assert "is not a whole number" not in body and "add up to" not in body
    # what is checked against the wave and the tenant: after the file's shape
    body = _upload(admin, wave_id, _csv_line(org="XYZ"), _csv_line(desired_values="trust;onzin")).get_data(as_text=True)
    for dutch in ("regel 2, kolom legacy_org: geen voormalige organisatie met code &#39;XYZ&#39;",
                  "regel 3, kolom desired_values: onbekende waarde &#39;onzin&#39; (zie `koers values`)"):
        assert dutch in body, dutch
    assert _responses(make, world) == 0


# ---- who may do what ------------------------------------------------------------------------

def test_management_reads_but_cannot_act_and_a_consultant_manages(app, make, world):
    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world)
    mia = signed_in(app, "mia@oost.example")
    assert "Nulmeting 2026" in mia.text("/t/oost/waves/")
    page = mia.text(f"/t/oost/waves/{wave_id}")
    assert "Nulmeting 2026" in page and "Launch the wave" not in page and "Change the wave" not in page
    assert "Surveys" in mia.text("/t/oost/")
    token = mia.csrf_token("/account")
    for url, data in ((f"/t/oost/waves/{wave_id}/launch", {"invitations": "mail"}),
                      (f"/t/oost/waves/{wave_id}/consent", {"decided_on": "2026-03-02", "decision": "Ja"}),
                      (f"/t/oost/waves/{wave_id}/close", {"confirm": "y"}),
                      ("/t/oost/waves/new", _wave_form(world))):
        assert mia.post(url, data={**data, "csrf_token": token}).status_code == 403, url
    assert mia.get("/t/oost/waves/catalogue").status_code == 403
    assert _wave(make, world, wave_id).status == "draft"

    # A member sees no survey pages at all.
    member = signed_in(app, "aal0@oost.example")
    assert member.get("/t/oost/waves/").status_code == 403
    assert "/t/oost/waves/" not in member.text("/t/oost/")

    # The consultant runs the wave for the organisation.
    carla = signed_in(app, "carla@consult.example")
    assert "has been recorded" in _follow(carla, _consent(carla, wave_id))
    assert "The wave is open." in _follow(carla, _launch(carla, wave_id))
    assert len(_survey_mails(make, "aal0@oost.example")) == 1


def test_another_tenants_wave_is_not_found(app, make, world):
    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world)
    other = make.tenant("west")
    west = signed_in(app, other.admin_email)
    assert west.get(f"/t/west/waves/{wave_id}").status_code == 404
    assert west.get(f"/t/oost/waves/{wave_id}").status_code == 404


# ---- through the real worker ----------------------------------------------------------------

@pytest.mark.worker
def test_launch_sends_the_invitations_through_the_worker(stack, database, make, world, worker):
    from saas import create_app
    from tests.conftest import settings_for
    from tests.helpers import KoersClient

    app = create_app(settings_for(stack, redis_url=stack.redis.url), database=database, testing=True)
    app.test_client_class = KoersClient
    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world, audience_legacy_org_ids=[str(world.cur)])
    _consent(admin, wave_id)
    response = _launch(admin, wave_id)
    assert response.status_code == 302  # the page did not wait for the mails

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        mails = [m for email in ("cur0@oost.example", "cur1@oost.example") for m in _survey_mails(make, email)]
        if len(mails) == 2 and all(m.status == "kept" for m in mails):
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the worker did not send the invitations (see test-artifacts/worker.log)")
    for mail in mails:
        assert _invitation_for(make, world, _token(mail)) is not None
    assert _survey_mails(make, "aal0@oost.example") == []


def test_the_works_council_records_its_consent_and_an_admin_only_uploads_the_signed_decision(app, make, world):
    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world)
    make.member(world.tenant, "wim@oost.example", roles=["works_council"], name="Wim Council")
    wim = signed_in(app, "wim@oost.example")

    # the admin cannot type the works council's consent in, nor upload something that is not a PDF
    typed = _consent(admin, wave_id, signed=False).get_data(as_text=True)
    assert "Upload the works council's signed decision as a PDF file." in typed
    fake = _consent(admin, wave_id, document=(io.BytesIO(b"\x89PNG\r\n\x1a\n not a pdf"), "besluit.pdf"))
    assert "must be a PDF file of at most 10 MB" in fake.get_data(as_text=True)
    assert "works council must consent" in admin.text(f"/t/oost/waves/{wave_id}")

    # Wim finds what waits for consent and records it himself, with a higher k
    overview = wim.text("/t/oost/consent")
    assert "Nulmeting 2026" in overview and "not recorded" in overview
    form = wim.text(f"/t/oost/waves/{wave_id}/consent")
    assert "As a member of the works council, record its decision here." in form and 'type="file"' not in form
    response = _consent(wim, wave_id, signed=False, min_group_size="7")
    assert response.status_code == 302 and response.headers["Location"] == "/t/oost/consent"
    assert "recorded by Wim Council" in wim.text("/t/oost/consent")
    page = admin.text(f"/t/oost/waves/{wave_id}")
    assert "Wim Council, for the works council" in page and "works council must consent" not in page
    with make.session(world.tenant.id) as db:
        from saas.surveys.models import WorksCouncilConsent

        consent = db.scalar(select(WorksCouncilConsent))
        assert (consent.recorded_how, consent.recorded_by_name, consent.min_group_size) == ("works_council",
                                                                                          "Wim Council", 7)

    # an admin's upload keeps the signed decision, which the works council can download
    assert _consent(admin, wave_id).status_code == 302
    assert "who uploaded the works council's signed decision" in admin.text(f"/t/oost/waves/{wave_id}")
    document = wim.get(f"/t/oost/waves/{wave_id}/consent/decision")
    assert document.data == SIGNED_PDF and document.mimetype == "application/pdf"
    assert document.headers["Content-Disposition"].startswith("attachment")

    # both are in the access log the works council reads, with who and how
    log = wim.text("/t/oost/reports/access-log")
    rows = [row for row in log.split("<tbody>", 1)[1].split("<tr>") if "consent recorded" in row]
    assert len(rows) == 2
    assert "Wim Council (wim@oost.example)" in rows[1] and "typed by a member of the works council" in rows[1]
    assert "signed decision uploaded by an administrator" in rows[0] and "file besluit-or.pdf" in rows[0]
    assert all("Nulmeting 2026" in row for row in rows)


def test_a_consent_form_with_text_where_the_file_belongs_is_refused_with_a_message(app, make, world):
    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world)
    response = _consent(admin, wave_id, signed=False, document="not a file")
    assert response.status_code == 200  # taken as no file at all
    assert "Upload the works council's signed decision as a PDF file." in response.get_data(as_text=True)


def test_a_released_waves_response_rates_are_read_not_counted_and_equal_the_counted_ones(app, make, world):
    """The release stores the response rates' counts with their pattern (bench/report_page.py: counting
    75,000 invitations on every report reading): a reading shows what counting would show."""
    import json

    from saas.anonymity import people
    from saas.surveys import invitations
    from tenants.models import Tenant

    admin = signed_in(app, world.tenant.admin_email)
    wave_id = _create(admin, world, audience_legacy_org_ids=[str(o) for o in (world.aal, world.bee, world.cur)])
    _consent(admin, wave_id)
    _follow(admin, _launch(admin, wave_id))
    _answer(make, world, *[f"aal{n}@oost.example" for n in range(5)], "cur0@oost.example")
    with app.test_request_context(), make.session(world.tenant.id) as db:
        tenant, wave = db.get(Tenant, world.tenant.id), db.get(Wave, wave_id)
        stored = json.loads(json.dumps(invitations.participation_pattern(db, tenant, wave)))  # as the release keeps it
        pattern = {key: value for key, value in stored.items() if key != "counts"}
        read = invitations.response_rates(db, tenant, wave, stored=stored)
        assert read == invitations.response_rates(db, tenant, wave, stored=pattern) \
            == invitations.response_rates(db, tenant, wave)
        assert read.total.invited == 16 and read.total.answered == 6 and read.by_team
        # hidden groups keep no answered count in the release
        shown = people.from_json(pattern)
        for kind, rows in (("org", stored["counts"]["orgs"]), ("team", stored["counts"]["teams"])):
            assert any(shown.reason(kind, key) for key, _size, _n in rows)  # BEE, CUR; Wijkteam, Balie
            assert all(n == 0 for key, _size, n in rows if shown.reason(kind, key))
        # read, not counted: what the invitations say now does not change it
        for invitation in db.scalars(select(SurveyInvitation).where(SurveyInvitation.wave_id == wave_id)):
            invitation.answered = True
        db.flush()
        assert invitations.response_rates(db, tenant, wave, stored=stored) == read
        assert invitations.response_rates(db, tenant, wave, stored=stored, teams=False).by_team == []
        db.rollback()
