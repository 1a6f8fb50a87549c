"""The team work log: sessions with attendees, decisions and actions; benchmark visits; client
interviews; search; CSV and PDF export; who may read and who may write."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from saas.worklog.models import Action, BenchmarkVisit, ClientInterview, SessionAttendee, WorkSession
from tests.helpers import signed_in


# ---- a tenant with a programme, a theme, its sponsor and a team of two ----------------------

@pytest.fixture
def world(app, make):
    from saas.programme import service
    from tenants.models import Membership

    tenant = make.tenant("noord")
    ids = SimpleNamespace(
        lead=make.member(tenant, "lotte@noord.example", name="Lotte Lead", legacy_org_id=tenant.legacy_org_ids[0]),
        mate=make.member(tenant, "mo@noord.example", name="Mo Mate", legacy_org_id=tenant.legacy_org_ids[1]),
        outsider=make.member(tenant, "olaf@noord.example", name="Olaf Outsider"),
        sponsor=make.member(tenant, "sanne@noord.example", roles=["sponsor"], name="Sanne Sponsor"),
        other_sponsor=make.member(tenant, "bram@noord.example", roles=["sponsor"], name="Bram Elsewhere"),
        manager=make.member(tenant, "mia@noord.example", roles=["management"], name="Mia Manager"),
    )
    with make.session(tenant.id) as db:
        programme = service.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                             ends_on=date(2026, 12, 31))
        theme = service.save_theme(db, programme, None, title="Klant centraal", problem="Lange wachttijden",
                                   why_it_matters="", desired_outcome="", pillar="")
        other_theme = service.save_theme(db, programme, None, title="Digitaal werken", problem="Papier",
                                         why_it_matters="", desired_outcome="", pillar="")
        service.set_sponsors(db, theme, [ids.sponsor])
        service.set_sponsors(db, other_theme, [ids.other_sponsor])
        team = service.propose_team(db, programme, theme, db.get(Membership, ids.lead), name="Wijkteam Oost", goal="")
        service.join_team(db, programme, team, db.get(Membership, ids.mate))
        team_id = team.id
    return SimpleNamespace(tenant=tenant, ids=ids, team_id=team_id, log=f"/t/noord/teams/{team_id}/log")


def _session_form(world, **changes):
    form = {"held_on": "2026-04-07", "attendee_ids": [str(world.ids.lead), str(world.ids.mate)],
            "notes": "We mapped the route of a client through three counters.",
            "decisions": "One front desk for the whole region.",
            "actions-0-description": "Draft the front-desk script", "actions-0-owner_id": str(world.ids.mate),
            "actions-0-due_on": "2026-04-21"}
    form.update(changes)
    return form


def _log_a_session(app, world, **changes):
    lotte = signed_in(app, "lotte@noord.example")
    response = lotte.submit(f"{world.log}/sessions/new", _session_form(world, **changes))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return lotte


def _count(make, world, model) -> int:
    with make.session(world.tenant.id) as db:
        return db.scalar(select(func.count()).select_from(model))


def _the(make, world, model):
    with make.session(world.tenant.id) as db:
        return db.scalars(select(model).order_by(model.id)).all()


# ---- the team keeps its log ------------------------------------------------------------------

@pytest.mark.smoke
def test_team_member_logs_a_session_with_attendees_decisions_and_an_action(app, make, world):
    lotte = _log_a_session(app, world)

    page = lotte.text(f"{world.log}/")
    assert "The work session has been added to the log." in page
    assert "We mapped the route of a client through three counters." in page
    assert "One front desk for the whole region." in page
    assert "Lotte Lead, Mo Mate" in page  # who attended
    assert "Draft the front-desk script" in page and "April 21, 2026" in page
    [action] = _the(make, world, Action)
    assert (action.owner_id, action.due_on, action.done) == (world.ids.mate, date(2026, 4, 21), False)
    [work_session] = _the(make, world, WorkSession)
    assert work_session.created_by_id == world.ids.lead
    assert {a.membership_id for a in _the(make, world, SessionAttendee)} == {world.ids.lead, world.ids.mate}


def test_team_member_marks_an_action_done_and_a_second_click_changes_nothing(app, make, world):
    lotte = _log_a_session(app, world)
    [action] = _the(make, world, Action)

    url = f"{world.log}/actions/{action.id}/done"
    assert lotte.submit(url, {"done": "1"}, page=f"{world.log}/").status_code == 302
    assert lotte.submit(url, {"done": "1"}, page=f"{world.log}/").status_code == 302
    assert _the(make, world, Action)[0].done is True
    assert "Mark as not done" in lotte.text(f"{world.log}/")

    assert lotte.submit(url, {"done": "0"}, page=f"{world.log}/").status_code == 302
    assert _the(make, world, Action)[0].done is False


def test_team_member_edits_a_session_its_attendees_and_actions(app, make, world):
    lotte = _log_a_session(app, world)
    [work_session] = _the(make, world, WorkSession)
    [action] = _the(make, world, Action)
    url = f"{world.log}/sessions/{work_session.id}"
    form = lotte.text(url)
    assert "Draft the front-desk script" in form and 'value="2026-04-07"' in form

    response = lotte.submit(url, {
        "held_on": "2026-04-08", "attendee_ids": [str(world.ids.lead)], "notes": "Corrected notes.",
        "decisions": "",
        "actions-0-id": str(action.id), "actions-0-description": "Draft and test the script",
        "actions-0-owner_id": str(world.ids.mate), "actions-0-due_on": "2026-04-28", "actions-0-done": "y",
        "actions-1-description": "Book a room", "actions-1-owner_id": str(world.ids.lead),
        "actions-1-due_on": "2026-04-10",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    [work_session] = _the(make, world, WorkSession)
    assert (work_session.held_on, work_session.notes, work_session.decisions) == (
        date(2026, 4, 8), "Corrected notes.", "")
    assert [a.membership_id for a in _the(make, world, SessionAttendee)] == [world.ids.lead]
    actions = _the(make, world, Action)
    assert [(a.description, a.due_on, a.done) for a in actions] == [
        ("Draft and test the script", date(2026, 4, 28), True), ("Book a room", date(2026, 4, 10), False)]

    response = lotte.submit(url, {"held_on": "2026-04-08", "attendee_ids": [str(world.ids.lead)],
                                  "notes": "Corrected notes.", "actions-0-id": str(actions[1].id),
                                  "actions-0-remove": "y"})
    assert response.status_code == 302
    assert [a.description for a in _the(make, world, Action)] == ["Draft and test the script"]


def test_editing_a_session_keeps_the_people_who_have_left_the_team_since(app, make, world):
    from saas.programme import service
    from tenants.models import Membership

    lotte = _log_a_session(app, world)  # Mo attended and owns the action
    with make.session(world.tenant.id) as db:
        team = service.get_team(db, world.team_id)
        programme = service.get_programme(db, service.get_theme(db, team.theme_id).programme_id)
        service.leave_team(db, programme, team, db.get(Membership, world.ids.mate), pitch_submitted=False)
    [work_session] = _the(make, world, WorkSession)
    [action] = _the(make, world, Action)
    url = f"{world.log}/sessions/{work_session.id}"
    form = lotte.text(url)
    assert "Mo Mate" in form  # still offered as attendee and owner, and still ticked and chosen
    response = lotte.submit(url, {**_session_form(world, notes="Notes corrected after Mo left."),
                                  "actions-0-id": str(action.id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert {a.membership_id for a in _the(make, world, SessionAttendee)} == {world.ids.lead, world.ids.mate}
    assert _the(make, world, Action)[0].owner_id == world.ids.mate
    # but a new action cannot go to someone outside the team
    response = lotte.submit(url, {**_session_form(world), "actions-0-id": str(action.id),
                                  "actions-1-description": "New work", "actions-1-owner_id": str(world.ids.mate),
                                  "actions-1-due_on": "2026-05-01"})
    assert response.status_code == 200 and "Choose the owner of an action from the team." in response.get_data(
        as_text=True)
    assert _count(make, world, Action) == 1


def test_what_the_team_types_is_shown_as_text_not_run_as_html(app, world):
    lotte = _log_a_session(app, world, notes='<script>alert("x")</script> & <b>bold</b>')
    page = lotte.text(f"{world.log}/")
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;" in page


def test_team_member_logs_a_benchmark_visit_and_a_client_interview(app, make, world):
    mo = signed_in(app, "mo@noord.example")
    response = mo.submit(f"{world.log}/visits/new", {
        "visited_on": "2026-05-12", "organisation": "Gemeente Zuidhaven",
        "learned": "They answer every question at the first counter.\n\nNo hand-offs."})
    assert response.status_code == 302
    form = mo.text(f"{world.log}/interviews/new")
    assert "without a name" in form  # the help text says the profile is anonymous
    response = mo.submit(f"{world.log}/interviews/new", {
        "held_on": "2026-05-14", "client_profile": "Single parent in her thirties, two years in debt counselling",
        "findings": "Had to tell her story four times."})
    assert response.status_code == 302

    page = mo.text(f"{world.log}/")
    assert "Gemeente Zuidhaven" in page and "They answer every question at the first counter." in page
    assert "Single parent in her thirties" in page and "Had to tell her story four times." in page
    assert [v.organisation for v in _the(make, world, BenchmarkVisit)] == ["Gemeente Zuidhaven"]
    assert [i.held_on for i in _the(make, world, ClientInterview)] == [date(2026, 5, 14)]


def test_the_log_shows_the_newest_entries_first(app, world):
    lotte = _log_a_session(app, world, held_on="2026-02-01", notes="The older session.")
    _log_a_session(app, world, held_on="2026-06-01", notes="The newer session.")
    page = lotte.text(f"{world.log}/")
    assert page.index("The newer session.") < page.index("The older session.")


@pytest.mark.smoke
def test_search_finds_entries_with_all_words_in_any_of_their_texts(app, world):
    lotte = _log_a_session(app, world, notes="Visit to the KANTOOR in Beekhoven.", decisions="",
                           **{"actions-0-description": "Call the housing corporation"})
    _log_a_session(app, world, notes="Budget talk, 100% agreed.", **{"actions-0-description": "Write it up"})
    lotte.submit(f"{world.log}/visits/new", {"visited_on": "2026-05-12", "organisation": "Woonstichting Noord",
                                             "learned": "Housing first works."})
    lotte.submit(f"{world.log}/interviews/new", {"held_on": "2026-05-14", "client_profile": "Young man, 20s",
                                                 "findings": "Housing is the first worry."})

    page = lotte.text(f"{world.log}/?q=kantoor")  # case does not matter
    assert "Visit to the KANTOOR in Beekhoven." in page and "Budget talk" not in page
    assert "No benchmark visit matches." in page and "No client interview matches." in page

    page = lotte.text(f"{world.log}/?q=housing")  # an action, a visit and an interview
    assert "Visit to the KANTOOR" in page and "Woonstichting Noord" in page and "Housing is the first worry." in page
    assert "Budget talk" not in page

    page = lotte.text(f"{world.log}/?q=housing+corporation")  # every word must be found
    assert "Visit to the KANTOOR" in page and "Woonstichting Noord" not in page

    page = lotte.text(f"{world.log}/?q=%25")  # a % is a character, not a wildcard
    assert "Budget talk, 100% agreed." in page and "Visit to the KANTOOR" not in page


# ---- exports -------------------------------------------------------------------------------

def test_team_exports_the_log_as_csv_that_excel_opens_safely(app, world):
    lotte = _log_a_session(app, world, notes="=HYPERLINK(\"http://evil.example\",\"click\")",
                           decisions="Ünïcode survives: één loket")
    lotte.submit(f"{world.log}/visits/new", {"visited_on": "2026-05-12", "organisation": "@Gemeente Zuidhaven",
                                             "learned": "+31 is their country code"})
    lotte.submit(f"{world.log}/interviews/new", {"held_on": "2026-05-14", "client_profile": "-Older man",
                                                 "findings": "Plain text stays plain."})

    response = lotte.get(f"{world.log}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for UTF-8
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    by_kind = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(row)
    assert sorted(by_kind) == ["action", "interview", "session", "visit"]
    [session_row], [action], [visit], [interview] = (by_kind[k] for k in ("session", "action", "visit", "interview"))
    assert session_row["date"] == "2026-04-07" and session_row["attendees"] == "Lotte Lead; Mo Mate"
    assert session_row["decisions"] == "Ünïcode survives: één loket"
    assert (action["action"], action["owner"], action["due_on"], action["done"]) == (
        "Draft the front-desk script", "Mo Mate", "2026-04-21", "no")
    # formula injection: cells that a spreadsheet would run start with a quote
    assert session_row["notes"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert visit["organisation"] == "'@Gemeente Zuidhaven" and visit["learned"] == "'+31 is their country code"
    assert interview["client_profile"] == "'-Older man" and interview["findings"] == "Plain text stays plain."


@pytest.mark.smoke
def test_a_dutch_reader_gets_a_csv_in_columns_and_an_xlsx_beside_it(app, world):
    """A Dutch Excel reads a comma-separated file as one column: semicolons for a Dutch reader, and
    the same rows as a workbook (issue 17, defect 9)."""
    import openpyxl

    lotte = _log_a_session(app, world, notes="=SUM(A1:A2), niet uitvoeren", decisions="Eén loket; twee balies")
    lotte.submit("/language", {"language": "nl"}, page=f"{world.log}/")
    body = lotte.get(f"{world.log}/export.csv").get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    session_row = next(r for r in rows if r["kind"] == "session")
    assert session_row["decisions"] == "Eén loket; twee balies" and session_row["attendees"] == "Lotte Lead; Mo Mate"
    response = lotte.get(f"{world.log}/export.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0][:4] == ["kind", "date", "attendees", "notes"] and len(table) == len(rows) + 1
    session_cells = next(r for r in table if r[0] == "session")
    assert session_cells[3] == "=SUM(A1:A2), niet uitvoeren"  # text, not a formula
    assert next(c for c in sheet.iter_rows(min_row=2) if c[0].value == "session")[3].data_type == "s"
    assert "Excel (XLSX)" in lotte.text(f"{world.log}/")


def test_team_exports_the_log_as_pdf_with_its_notes(app, world):
    lotte = _log_a_session(app, world, notes="Kwartiermakers bespraken het eerste loket.")
    response = lotte.get(f"{world.log}/export.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and "attachment" in response.headers["Content-Disposition"]
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
        text = " ".join(text.decode("utf-8").split())
        assert "Kwartiermakers bespraken het eerste loket." in text
        assert "Draft the front-desk script" in text and "Wijkteam Oost" in text


def test_an_export_holds_what_the_search_found(app, world):
    lotte = _log_a_session(app, world, notes="About the counters.")
    _log_a_session(app, world, notes="About the budget.")
    body = lotte.get(f"{world.log}/export.csv?q=budget").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["notes"] for r in rows if r["kind"] == "session"] == ["About the budget."]


# ---- who may read and who may write ---------------------------------------------------------

def test_sponsor_of_the_theme_reads_the_log_but_cannot_write_in_it(app, make, world):
    _log_a_session(app, world)
    [work_session] = _the(make, world, WorkSession)
    [action] = _the(make, world, Action)
    sanne = signed_in(app, "sanne@noord.example")

    page = sanne.text(f"{world.log}/")
    assert "One front desk for the whole region." in page
    assert "Only the members of the team can add to it." in page and "Mark as done" not in page
    assert sanne.get(f"{world.log}/export.csv").status_code == 200
    assert sanne.get(f"{world.log}/export.pdf").status_code == 200

    token = sanne.csrf_token("/account")
    for url in ("/sessions/new", f"/sessions/{work_session.id}", "/visits/new", "/interviews/new"):
        assert sanne.get(world.log + url).status_code == 403, url
        assert sanne.post(world.log + url, data={**_session_form(world), "csrf_token": token}).status_code == 403, url
    response = sanne.post(f"{world.log}/actions/{action.id}/done", data={"done": "1", "csrf_token": token})
    assert response.status_code == 403
    assert _count(make, world, WorkSession) == 1 and _the(make, world, Action)[0].done is False


def test_management_and_the_admin_read_every_teams_log(app, world):
    _log_a_session(app, world)
    for email in ("mia@noord.example", world.tenant.admin_email):
        reader = signed_in(app, email)
        assert "One front desk for the whole region." in reader.text(f"{world.log}/")
        assert reader.get(f"{world.log}/sessions/new").status_code == 403


def test_a_member_outside_the_team_and_another_themes_sponsor_get_403(app, make, world):
    _log_a_session(app, world)
    for email in ("olaf@noord.example", "bram@noord.example"):
        stranger = signed_in(app, email)
        for url in ("/", "/export.csv", "/export.pdf", "/sessions/new", "/visits/new"):
            assert stranger.get(world.log + url).status_code == 403, (email, url)
        response = stranger.submit(f"{world.log}/visits/new", {"visited_on": "2026-05-12", "organisation": "X",
                                                                 "learned": "Y"}, page="/account")
        assert response.status_code == 403
    assert _count(make, world, BenchmarkVisit) == 0


def test_another_tenants_team_is_not_found(app, make, world):
    make.tenant("zuid", "zara@zuid.example")
    zara = signed_in(app, "zara@zuid.example")
    assert zara.get(f"/t/zuid/teams/{world.team_id}/log/").status_code == 404
    assert zara.get(f"{world.log}/").status_code == 404


def test_someone_leaving_the_organisation_does_not_erase_the_log(app, make, world):
    from saas.administration import service
    from tenants.models import Membership

    _log_a_session(app, world)
    with make.session(world.tenant.id) as db:
        service.remove_member(db, db.get(Membership, world.ids.mate))
    [action] = _the(make, world, Action)
    assert action.owner_id is None and action.description == "Draft the front-desk script"
    assert [a.membership_id for a in _the(make, world, SessionAttendee)] == [world.ids.lead]
    page = signed_in(app, "lotte@noord.example").text(f"{world.log}/")
    assert "No owner any more" in page and "One front desk for the whole region." in page


# ---- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, message", [
    ({"held_on": ""}, "Please enter a date (yyyy-mm-dd)."),
    ({"held_on": "2026-02-30"}, "Please enter a date (yyyy-mm-dd)."),
    ({"held_on": "0226-02-03"}, "Please enter a date between 2000-01-01 and 2099-12-31."),
    ({"held_on": "2099-06-01"}, "This date is in the future: the work log records what has happened."),
    ({"held_on": "2025-12-31"}, "This date is before the programme began on January 1, 2026."),
    ({"notes": "   "}, "Please fill this in."),
    ({"notes": "x" * 10_001}, "At most 10000 characters."),
    ({"attendee_ids": []}, "Tick at least one person who attended."),
    ({"attendee_ids": ["OUTSIDER"]}, "Choose people from the team."),
    ({"attendee_ids": ["abc"]}, "Tick at least one person who attended."),
    ({"actions-0-owner_id": ""}, "Choose who owns this action."),
    ({"actions-0-owner_id": "OUTSIDER"}, "Choose people from the team."),
    ({"actions-0-due_on": "soon"}, "Please enter a date (yyyy-mm-dd)."),
    ({"actions-0-description": ""}, "Describe the action."),
    ({"actions-0-id": "12345"}, "This action is not part of the session."),
])
def test_a_bad_session_is_refused_with_a_message_and_saves_nothing(app, make, world, changes, message):
    changes = {k: ([str(world.ids.outsider)] if v == ["OUTSIDER"] else str(world.ids.outsider) if v == "OUTSIDER"
                   else v) for k, v in changes.items()}
    lotte = signed_in(app, "lotte@noord.example")
    response = lotte.submit(f"{world.log}/sessions/new", _session_form(world, **changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    for model in (WorkSession, SessionAttendee, Action):
        assert _count(make, world, model) == 0


@pytest.mark.smoke
def test_a_session_dated_after_tomorrow_is_refused_naming_the_last_allowed_day_in_dutch_too(app, make, world):
    """Issue 17, defect 12: a work session dated 2099 was accepted. Tomorrow (the tenant's time zone) still is."""
    from datetime import datetime, timedelta

    from saas.kernel.formatting import time_zone

    lotte = signed_in(app, "lotte@noord.example")
    lotte.submit("/language", {"language": "nl"}, page=f"{world.log}/")
    tomorrow = datetime.now(time_zone("Europe/Amsterdam")).date() + timedelta(days=1)
    after = tomorrow + timedelta(days=1)
    response = lotte.submit(f"{world.log}/sessions/new", _session_form(world, held_on=after.isoformat()))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Deze datum ligt in de toekomst" in page
    assert "We mapped the route of a client through three counters." in page  # what was typed is still there
    assert _count(make, world, WorkSession) == 0
    assert lotte.submit(f"{world.log}/sessions/new", _session_form(world, held_on=tomorrow.isoformat())
                        ).status_code == 302
    [work_session] = _the(make, world, WorkSession)
    response = lotte.submit(f"{world.log}/sessions/{work_session.id}", _session_form(world, held_on="2099-01-01"))
    assert response.status_code == 200 and "Deze datum ligt in de toekomst" in response.get_data(as_text=True)
    assert _the(make, world, WorkSession)[0].held_on == tomorrow


def test_a_refused_edit_leaves_the_session_as_it_was(app, make, world):
    lotte = _log_a_session(app, world)
    [work_session] = _the(make, world, WorkSession)
    [action] = _the(make, world, Action)
    response = lotte.submit(f"{world.log}/sessions/{work_session.id}", {
        "held_on": "2026-04-09", "attendee_ids": [str(world.ids.lead)], "notes": "Changed",
        "actions-0-id": str(action.id), "actions-0-description": "Changed too",
        "actions-0-owner_id": str(world.ids.mate),
        "actions-0-due_on": "2026-04-30", "actions-1-description": "An action without owner or date"})
    assert response.status_code == 200 and "Choose who owns this action." in response.get_data(as_text=True)
    assert _the(make, world, WorkSession)[0].notes == "We mapped the route of a client through three counters."
    assert _the(make, world, Action)[0].description == "Draft the front-desk script"
    assert _count(make, world, SessionAttendee) == 2


@pytest.mark.parametrize("url, form, message", [
    ("/visits/new", {"visited_on": "2026-05-12", "organisation": "", "learned": "Something"}, "Please fill this in."),
    ("/visits/new", {"visited_on": "12-05-2026", "organisation": "Zuidhaven", "learned": "Something"},
     "Please enter a date (yyyy-mm-dd)."),
    ("/visits/new", {"visited_on": "2026-05-12", "organisation": "Z" * 161, "learned": "Something"},
     "At most 160 characters."),
    ("/interviews/new", {"held_on": "2026-05-14", "client_profile": "", "findings": "Something"},
     "Please fill this in."),
    ("/interviews/new", {"held_on": "2026-05-14", "client_profile": "Reach her at j.jansen@mail.example",
                         "findings": "Something"}, "Describe the client without anything that identifies them."),
    ("/interviews/new", {"held_on": "2026-05-14", "client_profile": "Older man",
                         "findings": "Call him on 0612345678"}, "Describe the client without anything that identifies"),
    ("/visits/new", {"visited_on": "2099-05-12", "organisation": "Zuidhaven", "learned": "Something"},
     "This date is in the future"),
    ("/interviews/new", {"held_on": "2025-05-14", "client_profile": "Older man", "findings": "Something"},
     "This date is before the programme began"),
])
def test_a_bad_visit_or_interview_is_refused_with_a_message_and_saves_nothing(app, make, world, url, form, message):
    mo = signed_in(app, "mo@noord.example")
    response = mo.submit(world.log + url, form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(make, world, BenchmarkVisit) == _count(make, world, ClientInterview) == 0


def test_a_tampered_done_button_changes_nothing(app, make, world):
    lotte = _log_a_session(app, world)
    [action] = _the(make, world, Action)
    for data in ({}, {"done": "maybe"}):
        response = lotte.submit(f"{world.log}/actions/{action.id}/done", data, page=f"{world.log}/")
        assert response.status_code == 302
    assert _the(make, world, Action)[0].done is False
    assert lotte.submit(f"{world.log}/actions/999999/done", {"done": "1"}, page=f"{world.log}/").status_code == 404
