"""From result to action (issue 21 point 6): a manager starts an action plan from the contract index of
legacy organisation Oost in the baseline; once the next wave closes, the plan's page shows the value then,
the value now, the change and whether it goes beyond the noise. A figure the release hides cannot be cited,
and nothing shown is a figure the releases do not hold (only the difference of two released figures)."""
from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from saas.actions import figures, service
from saas.actions.models import FigureCitation
from saas.anonymity import releases
from saas.anonymity.models import ReportAccess
from saas.comparison import service as comparison, synth
from saas.kernel.audit import AuditEntry
from saas.programme.models import Programme
from saas.reports import heatmap
from saas.reports.release import release_wave
from saas.strategy.models import ActionPlan
from saas.surveys import service as surveys
from saas.surveys.models import Wave
from tenants.models import LegacyOrganisation, Membership, Tenant
from tests.helpers import signed_in

BOSS, WC, MEMBER = "baas@acts.example", "or@acts.example", "lid@acts.example"


def _wave(db, programme, name, opens, closes, counts, *, status="closed"):
    wave = surveys.create_wave(db, name=name, groupings=("legacy_org",), programme_id=programme.id,
                               opens_on=opens, closes_on=closes)
    wave.status = "closed"
    db.flush()
    for org, (count, archetype) in counts.items():
        synth.add_answers(db, wave, org, count, archetype=archetype, seed=archetype + count)
    wave.status = status
    return wave


@pytest.fixture
def world(app, make):
    """OOST 20 and WEST 20 answers in the baseline (KLEIN: 3, hidden), and six without an organisation;
    the midway wave is open until the test closes it."""
    tenant = make.tenant("acts", legacy_orgs=("OOST", "WEST", "KLEIN"))
    make.member(tenant, BOSS, roles=["management"])
    make.member(tenant, WC, roles=["works_council"])
    make.member(tenant, MEMBER, roles=["member"])
    with make.session(tenant.id) as db:
        orgs = {o.code: o.id for o in db.scalars(select(LegacyOrganisation))}
        programme = Programme(name="Samen", goal="", starts_on=date(2026, 1, 1), ends_on=date(2027, 12, 31))
        db.add(programme)
        db.flush()
        baseline = _wave(db, programme, "Nulmeting", date(2026, 3, 1), date(2026, 3, 31),
                         {orgs["OOST"]: (20, 0), orgs["WEST"]: (20, 1), orgs["KLEIN"]: (3, 2), None: (6, 3)})
        release_wave(db, db.get(Tenant, tenant.id), baseline)
        midway = _wave(db, programme, "Tussenmeting", date(2026, 9, 1), date(2026, 9, 30),
                       {orgs["OOST"]: (20, 2), orgs["WEST"]: (3, 1), None: (6, 3)}, status="open")
        return SimpleNamespace(tenant=tenant, orgs=orgs, programme=programme.id, baseline=baseline.id,
                               midway=midway.id)


def _contract(make, world, wave_id, org):
    """The contract index of an organisation as the wave's release stores it (None: hidden)."""
    with make.session(world.tenant.id) as db:
        release = releases.latest_release(db, "wave", wave_id)
        group = releases.group(db, release, org, None)
        return None if group is None or group.figures["contract"].get("hidden") else group.figures["contract"]["index"]


def _close(make, world, wave_id):
    with make.session(world.tenant.id) as db:
        wave = db.get(Wave, wave_id)
        wave.status = "closed"
        release_wave(db, db.get(Tenant, world.tenant.id), wave)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_plan_started_from_oost_s_contract_index_shows_whether_it_moved_in_the_next_wave(app, make, world):
    boss = signed_in(app, BOSS)
    oost = world.orgs["OOST"]
    key = f"contract@org:{oost}"
    # the report offers "Act on this" beside Oost; the page lists its figures, each with its own link
    report = boss.get(f"/t/acts/reports/waves/{world.baseline}").get_data(as_text=True)
    assert f"/t/acts/actions/waves/{world.baseline}/act?legacy_org=OOST" in report
    chooser = boss.get(f"/t/acts/actions/waves/{world.baseline}/act?legacy_org=OOST").get_data(as_text=True)
    assert f"act?figure=contract@org:{oost}" in chooser
    act = f"/t/acts/actions/waves/{world.baseline}/act?figure={key}"
    page = boss.get(act)
    then = _contract(make, world, world.baseline, oost)
    assert page.status_code == 200 and f"{then:.2f}" in _text(page.get_data(as_text=True))
    # the value is never taken from the request: a made-up one is ignored
    response = boss.submit(f"/t/acts/actions/waves/{world.baseline}/plans",
                           {"plan-figure": key, "plan-year": "2026", "plan-unit_kind": "region",
                            "plan-unit_name": "Oost", "plan-coordinator_id": "", "plan-value": "3.99"}, page=act)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with make.session(world.tenant.id) as db:
        plan = db.scalar(select(ActionPlan).where(ActionPlan.unit_name == "Oost"))
        [citation] = db.scalars(select(FigureCitation).where(FigureCitation.plan_id == plan.id)).all()
        assert (citation.figure, citation.value, citation.wave_id) == (key, then, world.baseline)
        # the figure's page is a reading of the release, in the access log like the report's page
        assert db.scalar(select(ReportAccess.filters).where(ReportAccess.wave_id == world.baseline,
                                                            ReportAccess.kind == "page")
                         .order_by(ReportAccess.id.desc()).limit(1))["figure"] == key
        assert db.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "action_plans",
                                                         AuditEntry.object_id == str(plan.id))) \
            == "figure.plan_started"
    page = _text(boss.get(f"/t/acts/strategy/plans/{plan.id}").get_data(as_text=True))
    assert "Contract index · Gemeente Oost (acts) (OOST)" in page
    assert "No later wave has closed yet" in page  # the midway wave is still open: nothing live

    _close(make, world, world.midway)
    now = _contract(make, world, world.midway, oost)
    assert now is not None and now != then
    change = round(now - then, 2)
    page = _text(boss.get(f"/t/acts/strategy/plans/{plan.id}").get_data(as_text=True))
    row = page[page.index("Tussenmeting"):]
    assert row.startswith(f"Tussenmeting {now:.2f} {change:+.2f}".replace("+", "+" if change > 0 else ""))
    expected = "Within the noise" if abs(change) < 0.25 else ("Moved up" if change > 0 else "Moved down")
    assert expected in row
    # the midway report says, beside the figure, which plan cited it in the baseline (page and JSON)
    midway = _text(boss.get(f"/t/acts/reports/waves/{world.midway}").get_data(as_text=True))
    assert "Acted on in an earlier wave" in midway and "action plan Oost 2026" in midway
    [cited] = boss.get(f"/t/acts/reports/waves/{world.midway}.json").get_json()["cited"]
    assert cited["figure"] == key and cited["cited_in"]["value"] == then and cited["now"]["value"] == now
    assert cited["by"] == {"kind": "plan", "id": plan.id, "title": "Oost 2026"}
    # a member reads the plan, not the numbers (those are for the culture report's readers)
    member = _text(signed_in(app, MEMBER).get(f"/t/acts/strategy/plans/{plan.id}").get_data(as_text=True))
    assert "Contract index" in member and f"{now:.2f}" not in member and f"{then:.2f}" not in member
    # erasing the person who cited it keeps the citation (its figure and values are no one's), not the link
    from saas.auth.models import User
    from saas.privacy import people

    with make.session(world.tenant.id) as db:
        removed = people.erase(db, db.get(Tenant, world.tenant.id), db.scalar(select(User).where(User.email == BOSS)))
        db.commit()
    assert removed["citations"] == 1
    with make.session(world.tenant.id) as db:
        assert db.scalar(select(FigureCitation.cited_by_id).where(FigureCitation.plan_id == plan.id)) is None


def test_a_hidden_figure_or_an_unknown_key_cannot_be_cited_and_says_why(app, make, world):
    boss = signed_in(app, BOSS)
    klein = world.orgs["KLEIN"]
    act = f"/t/acts/actions/waves/{world.baseline}/act?figure=contract@org:{klein}"
    page = boss.get(act)
    assert page.status_code == 400
    assert "not shown in the wave's released figures" in page.get_data(as_text=True)
    assert 'id="plan-heading"' not in page.get_data(as_text=True)  # no form to cite it with
    for figure in (f"contract@org:{klein}", "contract@org:99999", "nonsense", f"distance@pair:{klein}.{klein}"):
        response = boss.submit(f"/t/acts/actions/waves/{world.baseline}/promises",
                               {"promise-figure": figure, "promise-text": "We listen"},
                               page=f"/t/acts/actions/waves/{world.baseline}/act")
        assert response.status_code == 400, figure
        assert "cannot be cited" in response.get_data(as_text=True) or "no such figure" in response.get_data(as_text=True)
    with make.session(world.tenant.id) as db:
        assert db.scalar(select(FigureCitation.id)) is None
    # in Dutch too
    with make.session(world.tenant.id) as db:
        db.scalar(select(Membership).join(Membership.user).where(Membership.user.has(email=BOSS))).user.locale = "nl"
    dutch = signed_in(app, BOSS).get(act).get_data(as_text=True)
    assert "kan niet worden aangehaald" in dutch and "Act on a figure" not in dutch


def test_citing_and_reading_back_shows_only_released_figures_or_differences_of_two(app, make, world):
    """Every figure of the whole wave and of each organisation cited; later, a figure the midway release
    hides (WEST, 3 answers) says so with no number, and every number is a released one or a change."""
    _close(make, world, world.midway)
    with make.session(world.tenant.id) as db:
        boss = db.scalar(select(Membership).join(Membership.user).where(Membership.user.has(email=BOSS)))
        baseline, midway = db.get(Wave, world.baseline), db.get(Wave, world.midway)
        plan = service.start_plan(db, baseline, f"contract@org:{world.orgs['WEST']}", boss, year=2026,
                                  unit_kind="region", unit_name="West", coordinator_id=None)
        cited = [f"contract@org:{world.orgs['WEST']}"]
        for org in (None, world.orgs["OOST"]):
            for figure in figures.citable(db, baseline, org=org):
                if figure.key not in cited:
                    service.cite(db, baseline, figure.key, boss, plan=plan)
                    cited.append(figure.key)
        assert len(cited) > 12
        with pytest.raises(service.NotCitable):
            service.cite(db, baseline, f"entropy@org:{world.orgs['KLEIN']}", boss, plan=plan)
        stored = {(w.id, g.org_id): g.figures for w in (baseline, midway)
                  for g in releases.groups(db, releases.latest_release(db, "wave", w.id))}
        for item in (service.movement(db, c) for c in service.citations_of(db, plan_id=plan.id)):
            then = _released(stored, world.baseline, item.figure)
            assert then is not None and item.citation.value == then
            [point] = item.points
            now = _released(stored, world.midway, item.figure)
            if now is None:
                assert point.reading.value is None and point.change is None
                assert point.verdict in ("hidden", "not_measured")
            else:
                assert point.reading.value == now and point.change == round(now - then, figures.PLACES[item.figure.kind])
        west = service.movement(db, service.citations_of(db, plan_id=plan.id)[0])
        assert west.points[0].verdict == "hidden" and west.points[0].reading.hidden == "fewer_than_k"
        assert [c["figure"] for c in service.cited_in_earlier_waves(db, midway)] == sorted(cited)
        plan_id = plan.id
    page = signed_in(app, WC).get(f"/t/acts/strategy/plans/{plan_id}").get_data(as_text=True)
    section = _text(page[page.index('id="cited-figures"'):])
    west_table = section[:section.index("Entropy")]
    assert "Not shown in that wave: Too few answers" in west_table
    assert re.findall(r"-?\d+\.\d\d", west_table.split("Tussenmeting")[1]) == []


def _released(stored: dict, wave_id: int, figure) -> float | None:
    """A group figure as the release stores it, read here on its own (None: hidden or not there)."""
    group = stored.get((wave_id, figure.org))
    if group is None:
        return None
    if figure.kind == "points":
        phase, culture_type = figure.measure.split(".")
        part = group["culture"]
        return None if part.get("hidden") else part[phase.split("_")[1]][culture_type]
    if figure.kind in ("entropy", "matches"):
        part = group["values"]
        if part.get("hidden"):
            return None
        return round(100 * part["entropy"], 1) if figure.kind == "entropy" \
            else len(part["alignment"][figure.measure.split(".")[1]])
    part = group["contract"]
    return None if part.get("hidden") else part["index"]


def test_a_comparison_figure_moves_only_when_the_intervals_part(app, make, world):
    """The distance between two organisations carries its 95 % interval: cited from the comparison of the
    baseline, read from the comparison of the midway wave, and judged by whether the intervals overlap."""
    _close(make, world, world.midway)
    with make.session(world.tenant.id) as db:
        tenant = db.get(Tenant, world.tenant.id)
        params = comparison.parameters(bootstrap=200, permutations=100)
        for wave_id in (world.baseline, world.midway):
            comparison.compare_wave(db, tenant, db.get(Wave, wave_id), params=params)
        boss = db.scalar(select(Membership).join(Membership.user).where(Membership.user.has(email=BOSS)))
        baseline = db.get(Wave, world.baseline)
        oost, west = world.orgs["OOST"], world.orgs["WEST"]
        promise = service.start_promise(db, baseline, f"to_preferred@org:{oost}", boss, "We meet every month")
        service.cite(db, baseline, f"distance@pair:{west}.{oost}", boss, promise=promise)
        stored = db.scalar(select(comparison.Comparison).where(comparison.Comparison.wave_id == world.baseline))
        pair = next(p for p in stored.result["pairs"] if {p["a"], p["b"]} == {"OOST", "WEST"})
        [to_preferred, distance] = [service.movement(db, c) for c in service.citations_of(db, promise_id=promise.id)]
        assert distance.citation.figure == f"distance@pair:{oost}.{west}"
        assert distance.citation.value == round(pair["distance_now"], 1)
        assert distance.citation.ci == [round(v, 1) for v in pair["ci_now"]]
        assert distance.points[0].verdict == "hidden"  # WEST has 3 answers in the midway wave
        later = db.scalar(select(comparison.Comparison).where(comparison.Comparison.wave_id == world.midway))
        found = later.details["progress"]["orgs"]["OOST"]
        point = to_preferred.points[0]
        assert point.reading.value == round(found["distance"], 1)
        low, high = to_preferred.citation.ci
        parted = point.reading.ci[0] > high or point.reading.ci[1] < low
        assert point.verdict == (("up" if point.change > 0 else "down") if parted else "within_noise")


def test_the_verdict_reads_intervals_and_otherwise_the_report_s_smallest_step():
    reading = figures.Reading
    assert service.verdict(10.0, [8.0, 12.0], reading(value=13.0, ci=[11.5, 14.5]), "points") == (3.0, "within_noise")
    assert service.verdict(10.0, [8.0, 12.0], reading(value=15.0, ci=[12.5, 17.0]), "points") == (5.0, "up")
    assert service.verdict(0.4, None, reading(value=0.16), "contract") == (-0.24, "within_noise")
    assert service.verdict(0.4, None, reading(value=0.15), "contract") == (-0.25, "down")
    assert service.verdict(0.4, None, reading(hidden="complementary"), "contract") == (None, "hidden")
    assert service.verdict(0.4, None, reading(missing="not_compared"), "contract") == (None, "not_measured")
    # the smallest step is the heat map's first one, for every kind a report figure has
    assert service.NOISE == {kind: steps[0] for kind, steps in heatmap.STEPS.items()}
    # eNPS is cited like the other report figures, read with the interval it is released with
    enps = figures.parse("enps@all")
    assert enps.kind == "enps" and figures._value({"score": 12, "interval": [3, 20], "n": 40}, enps) == 12
    assert service.verdict(12, [3, 20], reading(value=30, ci=[22, 38]), "enps") == (18, "up")
