"""The demo: every demo account has something real to see (issue 4, point 9)."""
import pytest
from babel.dates import format_date
from babel.numbers import format_decimal
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


def test_every_demo_account_has_something_to_see(app, make, demo):
    _the_demo_shows_the_sector_norm_to_regio_noord_and_its_consultancy_and_no_peer(app, make, demo)
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


def test_the_demo_shows_merger_progress_with_a_projection_themes_and_an_open_follow_up(app, make, demo):
    """Three closed waves (a measurement before the merger, the baseline, the midway wave), each released and
    compared by the job's code, with the municipalities moving towards each other; the baseline and midway
    waves carry open answers that come out as themes; merger progress projects with an interval; a short
    follow-up is open for the demo member (issue 21, "the demo shows all of it")."""
    from saas.comparison import progress
    from saas.comparison.models import Comparison
    from saas.opentext.models import AnswerThemes
    from saas.surveys.models import Response, Wave

    with make.session(demo["tenant"].id) as db:
        before, baseline, midway, follow_up = db.scalars(select(Wave).order_by(Wave.id)).all()
        assert [w.status for w in (before, baseline, midway, follow_up)] == ["closed", "closed", "closed", "open"]
        assert (baseline.series_label, midway.series_label) == ("baseline", "midway")
        distances = []
        for wave in (before, baseline, midway):
            per_org = dict(db.execute(select(Response.legacy_org_id, func.count()).where(Response.wave_id == wave.id)
                                      .group_by(Response.legacy_org_id)).all())
            assert len(per_org) == 3 and min(per_org.values()) >= 5  # all three municipalities, each shown
            result = db.scalar(select(Comparison).where(Comparison.wave_id == wave.id)).result
            assert {org["code"] for org in result["orgs"] if not org["suppressed"]} == {"AAL", "BEE", "CUR"}
            distances.append({(p["a"], p["b"]): p["distance_now"] for p in result["pairs"]})
        assert all(earlier[pair] > later[pair] for earlier, later in zip(distances, distances[1:]) for pair in earlier)
        for wave in (baseline, midway):  # the open answers of both waves, as themes of at least 10 answers
            [question] = db.scalar(select(AnswerThemes).where(AnswerThemes.wave_id == wave.id)).result["questions"]
            assert question["hidden"] is None and len(question["themes"]) >= 3, question
            assert all(theme["count"] >= 10 for theme in question["themes"])
        with app.test_request_context():
            figures = progress.progress(db, demo["tenant"], midway)
        assert [w["included"] for w in figures["waves"]] == [True, True, True]
        states = [entry["projection"]["state"] for entry in figures["to_preferred"] + figures["pairs"]]
        assert "projected" in states and set(states) <= {"projected", "reached"}
        assert all(all(entry["projection"]["ci"]) for entry in figures["to_preferred"] + figures["pairs"]
                   if entry["projection"]["state"] == "projected")
        pairs = {(p["a"], p["b"]): p for p in db.scalar(select(Comparison).where(Comparison.wave_id == midway.id))
                 .result["pairs"]}
        themes = db.scalar(select(AnswerThemes).where(AnswerThemes.wave_id == midway.id)).result["questions"][0]
        from saas.anonymity import releases

        whole = releases.group(db, releases.latest_release(db, "wave", midway.id), None, None).figures
    # the demo member is invited to the open follow-up and has not answered it yet
    assert "Vragenlijst invullen" in signed_in(app, "member@demo.example.org", DEMO_PASSWORD).text("/t/regio-noord/survey/mine")  # in Dutch

    # the consultant's board pack of the midway wave (issue 21): from the home, in Dutch and English, with the
    # released figures of the whole organisation and the legacy organisations, and no team
    consultant = signed_in(app, "consultant@demo.example.org", DEMO_PASSWORD)
    pack = f"/t/regio-noord/reports/waves/{midway.id}/board-pack.pdf"
    with make.session() as db:  # the consultancy's house style: its logo on the cover
        import io

        from PIL import Image

        from billing.models import BillingAccount

        logo = io.BytesIO()
        Image.new("RGB", (40, 20), "#0b5a7a").save(logo, "PNG")
        account = db.scalar(select(BillingAccount).where(BillingAccount.name == "Smit Cultuuradvies"))
        account.brand_logo, account.brand_logo_type = logo.getvalue(), "image/png"
    assert pack in consultant.text("/t/regio-noord/")
    assert pack in consultant.text(f"/t/regio-noord/comparisons/waves/{midway.id}")
    for language in ("nl", "en"):
        consultant.submit("/language", {"language": language, "next": "/t/regio-noord/"}, page="/account")
        response = consultant.get(pack)
        assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
        text = _pdf_text(response.data)
        assert _pdf_images(response.data) == 1  # the logo
        assert ("Voortgang van de fusie" if language == "nl" else "Merger progress") in text
        for (a, b), pair in pairs.items():  # as printed: rounded half to even, the language's decimal sign
            assert f"{a}–{b} {format_decimal(pair['distance_now'], '0.0', locale=language)}" in text
            assert format_decimal(pair["aitchison_now"], "0.00", locale=language) in text
        from saas.surveys.instruments import TYPE_NAMES, TYPES

        for t in TYPES:  # the whole organisation's profile now and preferred, as released
            now, preferred = (format_decimal(whole["culture"][phase][t], "0.0", locale=language)
                              for phase in ("now", "preferred"))
            assert f"{TYPE_NAMES[t].get(language)} {now} {preferred}" in text
        for theme in themes["themes"]:
            assert f"{', '.join(theme['words'])} {theme['count']}" in text and theme["examples"][0] in text
        assert not any(name in text for _i, name in TEAMS), "no team in a board pack"
        # the midway wave asked eNPS: its released score for the whole organisation, and the drivers' section
        assert f"eNPS: {format_decimal(whole['enps']['score'], '0', locale=language)} (interval" in text
        assert ("(drivers)" if language == "en" else "(drijfveren)") in text
        # the sector norm the tenant's report shows (Regio Noord contributed its baseline)
        assert ("Your organisation and the sector norm" if language == "en" else "Uw organisatie en de sectornorm") in text
    with make.session(demo["tenant"].id) as db:
        from saas.kernel.audit import AuditEntry

        exported = [e.detail for e in db.scalars(select(AuditEntry).where(AuditEntry.action == "report.exported"))]
    assert exported.count({"format": "pdf", "of": "board_pack"}) == 2
    council = signed_in(app, "works-council@demo.example.org", DEMO_PASSWORD)
    assert council.get(pack).status_code == 403  # the works council reads the culture report instead


def _pdf_images(data: bytes) -> int:
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(data)
        file.flush()
        listing = subprocess.run(["pdfimages", "-list", file.name], capture_output=True, check=True, text=True).stdout
    return len(listing.splitlines()) - 2  # below a header of two lines


def _pdf_text(data: bytes) -> str:
    import subprocess

    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return " ".join(text.split())


def _the_demo_shows_the_sector_norm_to_regio_noord_and_its_consultancy_and_no_peer(app, make, demo):
    """(Part of the test of every demo account: one demo seed less.) Four peer organisations and Regio Noord contributed their baselines' released figures: the norm of that
    half-year, made by the real code, stands in the baseline's report and on the consultant's dashboard."""
    from saas.surveys.models import Wave

    with make.session(demo["tenant"].id) as db:
        baseline = db.scalar(select(Wave).where(Wave.series_label == "baseline"))
    report = signed_in(app, "admin@demo.example.org", DEMO_PASSWORD).text(f"/t/regio-noord/reports/waves/{baseline.id}")
    assert "Uw organisatie en de sectornorm" in report and "gemiddelde van 5 organisaties" in report
    dashboard = signed_in(app, "consultant@demo.example.org", DEMO_PASSWORD).text("/billing/consultancy")
    assert "Sociale Dienst Regio Noord and the sector norm" in dashboard  # the consultancy pages are in English
    assert not [peer for peer in ("West", "Oost", "Zuid", "Midden") if f"Sociale Dienst {peer}" in report + dashboard]


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

        waves = db.scalars(select(Wave).order_by(Wave.id)).all()
        *closed, follow_up = waves
        assert [w.status for w in waves] == ["closed", "closed", "closed", "open"]
        assert all(w.opens_on < w.closes_on < later.opens_on for w, later in zip(waves, waves[1:]))
        assert follow_up.opens_on <= today < follow_up.closes_on
        assert follow_up.closes_on - today >= timedelta(weeks=3)  # the demo member can still answer
        for wave in waves:
            consent = db.scalar(select(WorksCouncilConsent).where(WorksCouncilConsent.wave_id == wave.id))
            assert consent.decided_on < wave.opens_on
            assert programme.starts_on <= wave.opens_on  # the programme began with the first measurement
        released = {r.collection_id: r for r in db.scalars(select(Release).where(Release.collection == "wave"))}
        assert set(released) == {w.id for w in closed} and all(r.final for r in released.values())
        assert all(w.closes_on <= released[w.id].released_on <= today for w in closed)

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
