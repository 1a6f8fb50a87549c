"""Red team (issue 7 point 4): someone holding the works council and management roles tries every filter
combination through the pages and the JSON, over two waves, and must never get a figure that rests on
fewer than k answers, directly or by adding and subtracting figures they were shown.

The data is built to tempt: a legacy organisation with 3 answers (CUR); a team of 4 inside a legacy
organisation of 6 (Klein team in EEM); a team that holds all but 2 of a legacy organisation's answers
(Groot team in AAL), so that the organisation minus the team would be 2 people.
"""
from __future__ import annotations

import itertools
from datetime import date
from types import SimpleNamespace

import numpy as np
import pytest
from sqlalchemy import select, update

from saas.comparison import service as comparison, synth
from saas.comparison.models import Comparison
from saas.programme.models import Programme, Team, Theme
from saas.surveys import service as surveys
from saas.surveys.instruments import DIMENSIONS, TYPES
from saas.surveys.models import Response, Wave
from tenants.models import LegacyOrganisation, Tenant
from saas.reports.release import release_and_compare

K = 5
ATTACKER = "ors@rood.example"


@pytest.fixture
def tempting(make, built_once):
    """Built once per test process and restored for each test (tests/snapshots.py)."""
    return built_once(lambda: _tempting(make))


def _tempting(make):
    tenant = make.tenant("rood", legacy_orgs=("AAL", "BEE", "CUR", "EEM"))
    make.member(tenant, ATTACKER, roles=["works_council", "management"])
    make.member(tenant, "lid@rood.example", roles=["member"])
    with make.session(tenant.id) as db:
        orgs = {o.code: o.id for o in db.scalars(select(LegacyOrganisation))}
        programme = Programme(name="Samen verder", goal="", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
        db.add(programme)
        db.flush()
        theme = Theme(programme_id=programme.id, title="Dienstverlening")
        db.add(theme)
        db.flush()
        big, small = Team(theme_id=theme.id, name="Groot team"), Team(theme_id=theme.id, name="Klein team")
        db.add_all([big, small])
        db.flush()
        waves = []
        for number, (aal, bee, cur, eem) in enumerate(((30, 25, 3, 6), (31, 24, 3, 6)), start=1):
            wave = surveys.create_wave(db, name=f"Meting {number}", groupings=("legacy_org", "team"),
                                       programme_id=programme.id, series_label=f"M{number}",
                                       opens_on=date(2026, 3 * number, 1),
                                       questions=[{"kind": "likert", "nl": "Ik voel me thuis", "en": "I feel at home"}])
            wave.status = "closed"
            db.flush()
            for code, count, archetype in (("AAL", aal, 0), ("BEE", bee, 1), ("CUR", cur, 2), ("EEM", eem, 3)):
                synth.add_answers(db, wave, orgs[code], count, archetype=archetype, seed=number * 10 + archetype)
            _questions(db, wave)
            _team(db, wave, orgs["AAL"], big.id, aal - 2)  # the organisation minus the team: 2 people
            _team(db, wave, orgs["EEM"], small.id, 4)  # a team of 4 inside an organisation of 6
            release_and_compare(db, db.get(Tenant, tenant.id), wave,
                                    params=comparison.parameters(bootstrap=200, permutations=200))
            waves.append(wave.id)
    return SimpleNamespace(tenant=tenant, orgs=orgs, waves=waves, teams={"Groot team": big.id, "Klein team": small.id})


def _team(db, wave, org_id, team_id, count):
    ids = db.scalars(select(Response.id).where(Response.wave_id == wave.id, Response.legacy_org_id == org_id,
                                               Response.team_id.is_(None)).order_by(Response.id).limit(count)).all()
    db.execute(update(Response).where(Response.id.in_(ids)).values(team_id=team_id))


def _questions(db, wave):
    key = wave.questions[0]["key"]
    for i, response in enumerate(db.scalars(select(Response).where(Response.wave_id == wave.id).order_by(Response.id))):
        response.answers = {**response.answers, "questions": {key: 1 + i % 5}}


def _truth(make, tenant_id, wave_id):
    """Every answer of the wave as (id, legacy org code, team id), read straight from the database."""
    with make.session(tenant_id) as db:
        codes = {o.id: o.code for o in db.scalars(select(LegacyOrganisation))}
        return [(rid, codes.get(org), team) for rid, org, team in
                db.execute(select(Response.id, Response.legacy_org_id, Response.team_id)
                           .where(Response.wave_id == wave_id))]


def _members(truth, group):
    return frozenset(rid for rid, org, team in truth
                     if (group.get("legacy_org") is None or org == group["legacy_org"])
                     and (group.get("team") is None or team == group["team"]))


def _all_filters(world):
    orgs = [None, *world.orgs]
    teams = [None, *world.teams.values()]
    return [{"legacy_org": o, "team": t} for o, t in itertools.product(orgs, teams)]


def _query(filters):
    return "&".join(f"{key}={value}" for key, value in filters.items() if value is not None)


def _shown_groups(report, wave_id):
    """(wave id, group, n, figures) of every group the report shows figures for."""
    if report["wave"]["id"] == wave_id and report["figures_ready"]:
        for item in [report["focus"], *report["breakdown"]]:
            if item["n"] is not None:
                yield wave_id, item["group"], item["n"], item
    for point in report["trend"]:
        if point["n"] is not None:
            yield point["wave"]["id"], report["filters"], point["n"], point


def test_no_figure_of_fewer_than_k_through_any_filter_page_or_json(app, make, tempting):
    attacker = app.test_client()
    attacker.login(ATTACKER)
    seen = {}  # (wave, group as frozen items) -> n
    for wave_id in tempting.waves:
        for filters in _all_filters(tempting):
            response = attacker.get(f"/t/rood/reports/waves/{wave_id}.json?{_query(filters)}")
            assert response.status_code == 200, response.get_data(as_text=True)
            report = response.get_json()
            page = attacker.get(f"/t/rood/reports/waves/{wave_id}?{_query(filters)}")
            assert page.status_code == 200
            for shown_wave, group, n, _figures in _shown_groups(report, wave_id):
                key = (shown_wave, frozenset((k, v) for k, v in group.items() if v is not None))
                assert seen.setdefault(key, n) == n  # the same group always gets the same figure
    truths = {wave_id: _truth(make, tempting.tenant.id, wave_id) for wave_id in tempting.waves}
    for (wave_id, group), n in seen.items():
        members = _members(truths[wave_id], dict(group))
        assert len(members) == n >= K, (wave_id, dict(group), n)
    # every sum and difference of shown figures of one wave covers 0 or at least k answers
    for wave_id in tempting.waves:
        groups = [_members(truths[wave_id], dict(group)) for (w, group) in seen if w == wave_id]
        atoms = sorted({rid for group in groups for rid in group} | {rid for rid, *_ in truths[wave_id]})
        for coefficients in itertools.product((-1, 0, 1), repeat=len(groups)):
            weight = dict.fromkeys(atoms, 0)
            for c, group in zip(coefficients, groups):
                for rid in group:
                    weight[rid] += c
            # the whole wave is shown, so it may be added or subtracted too
            for total in (-1, 0, 1):
                covered = sum(1 for rid in atoms if weight[rid] + total != 0)
                assert covered == 0 or covered >= K, (wave_id, coefficients, total)
    # across waves: a difference between two waves is between two disjoint sets of answers
    first, second = (set(_members(truths[w], {})) for w in tempting.waves)
    assert not first & second


def test_the_tempting_groups_say_fewer_than_k_or_stay_hidden(app, make, tempting):
    attacker = app.test_client()
    attacker.login(ATTACKER)
    wave_id = tempting.waves[0]
    cur = attacker.get(f"/t/rood/reports/waves/{wave_id}.json?legacy_org=CUR").get_json()
    assert cur["focus"] == {"group": {"legacy_org": "CUR", "team": None}, "n": None, "hidden": "fewer_than_k"}
    assert "Fewer than 5 answers" in attacker.text(f"/t/rood/reports/waves/{wave_id}?legacy_org=CUR")
    small = attacker.get(f"/t/rood/reports/waves/{wave_id}.json?team={tempting.teams['Klein team']}").get_json()
    assert small["focus"]["hidden"] == "fewer_than_k"
    # Groot team (28) and AAL (30) differ by 2: one of the two must not be shown
    big = attacker.get(f"/t/rood/reports/waves/{wave_id}.json?team={tempting.teams['Groot team']}").get_json()
    aal = attacker.get(f"/t/rood/reports/waves/{wave_id}.json?legacy_org=AAL").get_json()
    assert big["focus"]["hidden"] or aal["focus"]["hidden"]
    hidden_one = big if big["focus"]["hidden"] else aal
    assert hidden_one["focus"]["hidden"] == "complementary"
    whole = attacker.get(f"/t/rood/reports/waves/{wave_id}.json").get_json()
    # CUR has 3: with the whole wave shown, one more legacy organisation is hidden, or CUR could be
    # worked out as the total minus the others
    hidden = [item["group"]["legacy_org"] for item in whole["breakdown"] if item["hidden"]]
    assert "CUR" in hidden and len(hidden) >= 2
    assert all(pair["a"] not in hidden and pair["b"] not in hidden for pair in whole["comparisons"]["pairs"])
    # the comparison pages (management sees them too) show exactly the organisations the report shows,
    # so a profile there minus a figure here cannot give a small group away either
    with make.session(tempting.tenant.id) as db:
        stored = db.scalar(select(Comparison.result).where(Comparison.wave_id == wave_id))
    assert {o["code"] for o in stored["orgs"] if not o["suppressed"]} == \
        {item["group"]["legacy_org"] for item in whole["breakdown"] if not item["hidden"]}


@pytest.mark.parametrize("team", ["99999999999999999999", "-1", "abc", "1.5", " ", "0"])
def test_a_team_filter_that_is_no_team_is_a_clear_400(app, make, tempting, team):
    attacker = app.test_client()
    attacker.login(ATTACKER)
    response = attacker.get(f"/t/rood/reports/waves/{tempting.waves[0]}.json", query_string={"team": team})
    assert response.status_code == 400 and response.get_json()["detail"] == "There is no such team."


def test_the_figures_shown_are_the_figures_of_the_answers(app, make, tempting):
    """What the works council reads is right: BEE's culture profile recomputed from its answers."""
    attacker = app.test_client()
    attacker.login(ATTACKER)
    wave_id = tempting.waves[0]
    bee = attacker.get(f"/t/rood/reports/waves/{wave_id}.json?legacy_org=BEE").get_json()
    with make.session(tempting.tenant.id) as db:
        answers = db.scalars(select(Response.answers).where(Response.wave_id == wave_id,
                                                            Response.legacy_org_id == tempting.orgs["BEE"])).all()
    now = np.array([[sum(a["culture"][f"d{d}_{t}_now"] for d in range(1, len(DIMENSIONS) + 1)) / len(DIMENSIONS) for t in TYPES]
                    for a in answers]).mean(axis=0)
    assert bee["focus"]["n"] == 25
    assert [bee["focus"]["culture"]["now"][t] for t in TYPES] == pytest.approx(now, abs=0.051)
