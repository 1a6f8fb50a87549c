"""The demo: every demo account has something real to see (issue 4, point 9)."""
import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from saas.demo import DEMO_PASSWORD, TEAMS, seed
from saas.pitches.models import Pitch
from saas.programme.models import Programme, Team
from tests.helpers import signed_in


@pytest.fixture
def demo(seed_demo, make):
    seed_demo()
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


def test_the_demo_made_a_year_from_now_has_coherent_dates_and_the_same_story(app, database, make):
    """Every date of the demo is counted from the day it is made (issue 17, defect 5): made on a day a year
    from now (passed in, the clock untouched), every wave, pulse check, 360 round, session, action and
    phase still comes in order around that day, and the story holds."""
    from datetime import date, timedelta

    from saas.anonymity.models import Release
    from saas.leadership.models import FeedbackRound, PulseRound
    from saas.programme.models import PHASES, ProgrammePhase
    from saas.strategy.models import ActionPlan, Contribution, ExpectationRound, KnowledgeDay, PlanAction
    from saas.surveys.models import Wave, WorksCouncilConsent
    from saas.worklog.models import Action, WorkSession
    from tenants.models import Tenant

    today = date.today() + timedelta(days=365)
    with app.app_context(), database.Session() as db:
        seed(only_if_empty=False, db=db, today=today)
    with make.session() as db:
        tenant_id = db.scalar(select(Tenant.id).where(Tenant.slug == "regio-noord"))
    with make.session(tenant_id) as db:
        programme = db.scalar(select(Programme))
        phases = {p.phase: p for p in db.scalars(select(ProgrammePhase))}
        spans = [(phases[name].starts_on, phases[name].ends_on) for name in PHASES]
        assert all(start <= end for start, end in spans)
        assert all(before[1] < after[0] for before, after in zip(spans, spans[1:])), spans
        assert programme.starts_on <= spans[0][0] and spans[-1][1] <= programme.ends_on
        assert programme.phase == "pitching" and phases["pitching"].starts_on <= today <= phases["pitching"].ends_on

        baseline, midway = db.scalars(select(Wave).order_by(Wave.id)).all()
        assert (baseline.status, midway.status) == ("closed", "open")
        assert baseline.opens_on < baseline.closes_on < midway.opens_on <= today < midway.closes_on
        assert midway.closes_on - today >= timedelta(weeks=3)  # the demo member can still answer
        for wave in (baseline, midway):
            consent = db.scalar(select(WorksCouncilConsent).where(WorksCouncilConsent.wave_id == wave.id))
            assert consent.decided_on < wave.opens_on
            assert phases["recruitment"].starts_on <= wave.opens_on
        [release] = db.scalars(select(Release).where(Release.collection == "wave")).all()
        assert release.collection_id == baseline.id and release.final
        assert baseline.closes_on <= release.released_on <= today

        rounds = db.scalars(select(PulseRound).order_by(PulseRound.id)).all()
        assert [r.status for r in rounds] == ["closed", "closed"]
        assert rounds[0].closes_on < rounds[1].opens_on
        for pulse in rounds:
            assert pulse.consent_on is None or pulse.consent_on <= pulse.opens_on
            assert pulse.opens_on <= pulse.closes_on < today
            assert pulse.name == "Pulscheck " + format_date(pulse.opens_on, "MMMM", locale="nl")
        [feedback_round] = db.scalars(select(FeedbackRound)).all()
        assert feedback_round.status == "closed" and feedback_round.closes_on < today

        for session in db.scalars(select(ExpectationRound)):
            assert session.held_on is None or session.held_on <= today
            assert session.published_on is None or session.held_on <= session.published_on <= today
        assert all(c.written_on <= today for c in db.scalars(select(Contribution)))
        assert {plan.year for plan in db.scalars(select(ActionPlan))} == {today.year + 1}
        assert all(today < action.due_on <= programme.ends_on + timedelta(weeks=8)
                   for action in db.scalars(select(PlanAction)))
        [day] = db.scalars(select(KnowledgeDay)).all()
        assert today < day.held_on

        sessions = db.scalars(select(WorkSession)).all()
        assert sessions and all(phases["team_work"].starts_on <= s.held_on <= today for s in sessions)
        assert all(a.due_on >= phases["team_work"].starts_on for a in db.scalars(select(Action)))
