"""The demo: every demo account has something real to see (issue 4, point 9)."""
import pytest
from sqlalchemy import func, select

from saas.demo import DEMO_PASSWORD, TEAMS, seed
from saas.pitches.models import Pitch
from saas.programme.models import Programme, Team
from tests.helpers import signed_in


@pytest.fixture
def demo(app, database, make):
    with app.app_context(), database.Session() as db:
        seed(only_if_empty=False, db=db)
    with make.session() as db:
        from tenants.models import Tenant

        tenant = db.scalar(select(Tenant).where(Tenant.slug == "regio-noord"))
    with make.session(tenant.id) as db:
        programme = db.scalar(select(Programme))
        member_team = db.scalar(select(Team).where(Team.name == TEAMS[-1][1]))
        return {"tenant": tenant, "programme": programme.id, "member_team": member_team.id}


def test_the_demo_programme_has_five_themes_nine_teams_and_pitches_in_every_state(make, demo):
    with make.session(demo["tenant"].id) as db:
        assert db.scalar(select(func.count()).select_from(Team)) == 9
        states = set(db.execute(select(Pitch.status, Pitch.decision)).all())
    assert {s for s, _ in states} == {"draft", "submitted", "in_review", "decided"}
    assert {d for _, d in states if d} == {"approved", "approved_with_conditions", "parked", "rejected"}


def test_every_demo_account_has_something_to_see(app, demo):
    p, team = demo["programme"], demo["member_team"]
    member = signed_in(app, "member@demo.example.org", DEMO_PASSWORD)
    assert "Samen Koers" in member.text(f"/t/regio-noord/programmes/{p}")
    assert "Slim plannen" in member.text(f"/t/regio-noord/teams/{team}/pitch")
    assert "Sociale Dienst Drechtsteden" in member.text(f"/t/regio-noord/teams/{team}/log/")

    sponsor = signed_in(app, "sponsor@demo.example.org", DEMO_PASSWORD)
    assert "Eén loket voor de klant" in sponsor.text(f"/t/regio-noord/programmes/{p}")

    manager = signed_in(app, "management@demo.example.org", DEMO_PASSWORD)
    board = manager.text(f"/t/regio-noord/programmes/{p}/board")
    assert all(name in board for _, name in TEAMS)
    assert "Loket Noord" in manager.text(f"/t/regio-noord/programmes/{p}/pitch-day")

    council = signed_in(app, "works-council@demo.example.org", DEMO_PASSWORD)
    assert "Loket Noord" in council.text(f"/t/regio-noord/programmes/{p}/pitches")
    assert council.get(f"/t/regio-noord/programmes/{p}/pitch-day").status_code == 403

    assert "Loket Noord" in signed_in(app, "consultant@demo.example.org", DEMO_PASSWORD).text(f"/t/regio-noord/programmes/{p}/board")
    assert "Mo El Amrani" in signed_in(app, "admin@demo.example.org", DEMO_PASSWORD).text("/t/regio-noord/admin/members")


def test_the_demo_has_a_closed_baseline_with_a_comparison_and_an_open_midway_wave(app, make, demo):
    from saas.comparison.models import Comparison
    from saas.surveys.models import Response, Wave

    with make.session(demo["tenant"].id) as db:
        baseline, midway = db.scalars(select(Wave).order_by(Wave.id)).all()
        assert (baseline.status, baseline.series_label, midway.status, midway.series_label) == (
            "closed", "baseline", "open", "midway")
        per_org = dict(db.execute(select(Response.legacy_org_id, func.count()).where(Response.wave_id == baseline.id)
                                  .group_by(Response.legacy_org_id)).all())
        assert len(per_org) == 3 and min(per_org.values()) >= 5  # all three municipalities, each shown
        result = db.scalar(select(Comparison).where(Comparison.wave_id == baseline.id)).result
    assert {org["code"] for org in result["orgs"] if not org["suppressed"]} == {"AAL", "BEE", "CUR"}
    assert len(result["pairs"]) == 3
    # the demo member is invited to the midway wave and has not answered it yet
    assert "Vragenlijst invullen" in signed_in(app, "member@demo.example.org", DEMO_PASSWORD).text("/t/regio-noord/survey/mine")  # in Dutch


def test_the_demo_programme_form_saves_unchanged_and_a_wrong_phase_names_the_phase(app, make, demo):
    """The demo's phases follow each other around today, so saving the programme as shown works; a phase
    that ends before it starts, or starts before the one before it ends, is refused with the phase's name."""
    from datetime import date

    p = demo["programme"]
    manager = signed_in(app, "management@demo.example.org", DEMO_PASSWORD)
    edit = f"/t/regio-noord/programmes/{p}/edit"
    form = manager.form_on(edit)
    starts = {phase: date.fromisoformat(form[f"{phase}_starts_on"][0])
              for phase in ("recruitment", "team_work", "pitching", "decisions")}
    assert starts["pitching"] <= date.today() <= date.fromisoformat(form["pitching_ends_on"][0])
    assert list(starts.values()) == sorted(starts.values())
    response = manager.post(edit, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]

    wrong = dict(form, pitching_ends_on=form["team_work_ends_on"])  # ends before it starts
    page = manager.post(edit, data=wrong).get_data(as_text=True)
    assert "Fase Pitchen: de deadline ligt vóór de start." in page  # the demo tenant speaks Dutch
    wrong = dict(form, decisions_starts_on=form["pitching_starts_on"])  # starts while pitching runs
    page = manager.post(edit, data=wrong).get_data(as_text=True)
    assert "Fase Besluitvorming begint voordat fase Pitchen eindigt" in page


def test_the_demo_themes_are_in_the_tenants_language(make, demo):
    from saas.programme.models import Theme

    with make.session(demo["tenant"].id) as db:
        themes = db.scalars(select(Theme)).all()
    assert demo["tenant"].language == "nl"
    assert "Klanten vertellen hun verhaal drie keer, aan het loket van elke voormalige gemeente." in \
        {t.problem for t in themes}
    assert {t.pillar for t in themes} == {"Klant eerst", "Eén organisatie", "Ondernemend"}
