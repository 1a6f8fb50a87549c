"""Merger progress (issue 21 point 1): per wave the distances between legacy organisations and to the
merged organisation's preferred culture, who moves most, and when each distance falls below the
tenant's threshold. Recomputed here by another route (numpy's polyfit, plain loops, a brute-force
bootstrap) on generated data; then the page, its JSON and CSV, which must agree and hide what a release
hides."""
from __future__ import annotations

import csv
import io
import math
from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from saas.comparison import maths, progress
from saas.comparison.models import Comparison
from saas.reports.release import release_and_compare
from saas.surveys.models import Wave
from tenants.models import Tenant
from tests import test_comparison
from tests.helpers import signed_in

series = test_comparison.series  # the fixture: three synthetic waves; DRO, too small, in the last one

# ---- the numbers, without a database ---------------------------------------------------------------


def test_the_fit_and_the_crossing_are_numpys_least_squares_line():
    rng = np.random.default_rng(3)
    for _ in range(20):
        days = np.sort(rng.choice(2000, size=rng.integers(3, 7), replace=False)).astype(float)
        values = 40 - 0.01 * days + rng.normal(0, 2, len(days))
        intercept, slope = progress.fit(days, values)
        b, a = np.polyfit(days, values, 1)
        assert intercept == pytest.approx(a, abs=1e-9) and slope == pytest.approx(b, abs=1e-12)
        threshold = 10.0
        expected = (threshold - a) / b if b < 0 else None
        found = progress.crossing(intercept, slope, threshold)
        assert (found is None) == (expected is None) and (found is None or found == pytest.approx(expected))


def _quantiles_of(rng, centre, spread):
    return maths.quantiles(rng.normal(centre, spread, 1000))


def test_the_interval_of_the_crossing_is_a_brute_force_bootstrap_of_the_waves_draws():
    rng = np.random.default_rng(5)
    days, values = [0, 180, 400, 550], [30.0, 26.0, 21.0, 19.0]
    quantile_lists = [_quantiles_of(rng, v, 1.5) for v in values]
    result = progress.project(days, values, quantile_lists, 10, replicates=2000, seed=7)
    assert result["state"] == "projected"
    b, a = np.polyfit(days, values, 1)
    assert result["crossing_day"] == pytest.approx((10 - a) / b)
    # the same draws, by loops: per replicate, per wave, one stored quantile; polyfit; the crossing
    draws_rng = np.random.default_rng(7)
    picks = [draws_rng.integers(0, 100, size=2000) for _ in days]
    crossings = []
    for r in range(2000):
        ys = [quantile_lists[w][picks[w][r]] for w in range(len(days))]
        slope, intercept = np.polyfit(days, ys, 1)
        crossing = (10 - intercept) / slope if slope < 0 else math.inf
        crossings.append(math.inf if crossing > 550 + 20 * 365 else crossing)
    crossings.sort()
    low, high = result["ci_days"]
    assert low == pytest.approx(crossings[49]) and high == pytest.approx(crossings[1949])
    assert low < result["crossing_day"] < high


def test_too_few_waves_a_wrong_direction_an_unbounded_interval_and_a_reached_threshold_are_said_plainly():
    rng = np.random.default_rng(8)
    two = progress.project([0, 300], [30, 20], [_quantiles_of(rng, 30, 1), _quantiles_of(rng, 20, 1)], 10)
    assert two["state"] == "too_few_waves" and two["crossing_day"] is None and two["ci_days"] is None
    same_day = progress.project([0, 300, 300], [30, 20, 21], [_quantiles_of(rng, v, 1) for v in (30, 20, 21)], 10)
    assert same_day["state"] == "too_few_waves"
    growing = progress.project([0, 200, 400], [20, 24, 27], [_quantiles_of(rng, v, 1) for v in (20, 24, 27)], 10)
    assert growing["state"] == "wrong_direction" and growing["crossing_day"] is None
    assert growing["slope_per_year"] > 0 and growing["ci_days"] == [None, None]
    # a slight fall with wide intervals: many replicates never cross, so there is no upper end
    vague = progress.project([0, 200, 400], [30, 29.5, 29], [_quantiles_of(rng, v, 6) for v in (30, 29.5, 29)], 10)
    assert vague["ci_days"][1] is None
    below = progress.project([0, 200, 400], [14, 11, 9], [_quantiles_of(rng, v, 1) for v in (14, 11, 9)], 10)
    assert below["state"] == "reached"


def test_the_change_of_who_moves_most_is_a_brute_force_bootstrap_too():
    rng = np.random.default_rng(9)
    first, latest = _quantiles_of(rng, 30, 2), _quantiles_of(rng, 22, 2)
    moved, ci = progress.change(first, latest, 30.0, 22.0, replicates=2000, seed=4)
    draws_rng = np.random.default_rng(4)
    a, b = draws_rng.integers(0, 100, size=2000), draws_rng.integers(0, 100, size=2000)
    brute = sorted(first[i] - latest[j] for i, j in zip(a, b))
    assert moved == 8.0 and ci == [pytest.approx(brute[49]), pytest.approx(brute[1949])]


def _wave(rng, sizes, hidden_rest=0):
    """A wave's answers: organisations O0, O1, O2 of `sizes`, plus `hidden_rest` people without one."""
    org = np.concatenate([np.full(n, g) for g, n in enumerate(sizes)] + [np.full(hidden_rest, -1)])
    n = len(org)

    def points():
        out = rng.integers(0, 35, size=(n, 6, 4)).astype(float)
        out[:, :, 3] = 100 - out[:, :, :3].sum(axis=2)
        return out

    return maths.WaveAnswers(org_codes=["O0", "O1", "O2"], org=org, culture_now=points(),
                             culture_preferred=points(), value_keys=["trust"], limiting=np.array([False]),
                             picks={}, contract=np.full(n, math.nan))


def test_the_distance_to_the_preferred_culture_and_its_interval_recomputed_by_a_plain_bootstrap():
    rng = np.random.default_rng(12)
    answers = _wave(rng, (40, 30, 25), hidden_rest=7)
    result = maths.compare(answers, 5, bootstrap=2000, permutations=100, seed=1)
    now = answers.culture_now.mean(axis=1)  # type means per respondent
    preferred = answers.culture_preferred.mean(axis=1)
    target = preferred.mean(axis=0)  # everyone who answered, with an organisation or not
    assert [result.progress["target"][t] for t in maths.TYPES] == pytest.approx(list(target))
    groups = [np.flatnonzero(answers.org == g) for g in (0, 1, 2)] + [np.flatnonzero(answers.org == -1)]
    brute_rng = np.random.default_rng(99)
    draws = {g: [] for g in range(3)}
    for _ in range(2000):  # respondents resampled within each group, the preferred culture from the same resample
        picked = [rng_idx[brute_rng.integers(0, len(rng_idx), len(rng_idx))] for rng_idx in groups]
        whole = preferred[np.concatenate(picked)].mean(axis=0)
        for g in range(3):
            draws[g].append(0.5 * np.abs(now[picked[g]].mean(axis=0) - whole).sum())
    for g in range(3):
        figure = result.progress["orgs"][f"O{g}"]
        expected = 0.5 * np.abs(now[groups[g]].mean(axis=0) - target).sum()
        assert figure["distance"] == pytest.approx(expected)
        low, high = np.percentile(draws[g], [2.5, 97.5])
        assert figure["ci"][0] == pytest.approx(min(low, expected), abs=0.6)
        assert figure["ci"][1] == pytest.approx(max(high, expected), abs=0.6)
        assert len(figure["quantiles"]) == 100 and figure["quantiles"] == sorted(figure["quantiles"])
    pair = next(p for p in result.pairs if (p["a"], p["b"]) == ("O0", "O1"))
    assert result.progress["pairs"]["O0|O1"]["distance"] == pair["distance_now"]
    assert result.progress["pairs"]["O0|O1"]["ci"] == pair["ci_now"]


def test_a_group_the_release_hides_has_no_figure_of_merger_progress():
    rng = np.random.default_rng(13)
    answers = _wave(rng, (40, 30, 25))
    result = maths.compare(answers, 5, bootstrap=200, permutations=100,
                           shown={"all": ["O0", "O1", "O2"], "culture": ["O0", "O1"]})
    assert set(result.progress["orgs"]) == {"O0", "O1"} and set(result.progress["pairs"]) == {"O0|O1"}
    nothing = maths.compare(answers, 5, bootstrap=200, permutations=100, shown={"all": [], "culture": []})
    assert nothing.progress == {}


# ---- from the stored comparisons: the page, its JSON and CSV -------------------------------------

def _compare_all(make, tenant, wave_ids, closes):
    with make.session(tenant.id) as db:
        for wave_id, day in zip(wave_ids, closes):
            wave = db.get(Wave, wave_id)
            wave.closes_on = day
            release_and_compare(db, db.get(Tenant, tenant.id), wave)


def test_the_page_json_and_csv_show_the_same_released_figures(app, make, series):
    closes = [date(2025, 1, 31), date(2025, 9, 30), date(2026, 6, 30)]
    _compare_all(make, series.tenant, series.waves, closes)
    council = signed_in(app, "wim@noord.example")  # the works council reads released figures
    base = f"/t/noord/comparisons/waves/{series.last}/progress"
    figures = council.get(f"{base}.json").get_json()
    assert [w["included"] for w in figures["waves"]] == [True, True, True]
    codes = [entry["code"] for entry in figures["to_preferred"]]
    assert codes == ["AAL", "BEE", "CUR"]  # DRO: fewer than k answers in its one wave, hidden everywhere
    assert all(p["a"] != "DRO" and p["b"] != "DRO" for p in figures["pairs"])
    with make.session(series.tenant.id) as db:
        stored = {c.wave_id: c for c in db.scalars(select(Comparison))}
        for w, day in zip(series.waves, closes):
            result = stored[w].result
            for entry in figures["to_preferred"]:
                point = entry["points"][series.waves.index(w)]
                org = next(o for o in result["orgs"] if o["code"] == entry["code"])
                target = stored[w].details["progress"]["target"]
                assert point["distance"] == pytest.approx(
                    0.5 * sum(abs(org["profile_now"][t] - target[t]) for t in maths.TYPES))
            for entry in figures["pairs"]:
                pair = next(p for p in result["pairs"] if (p["a"], p["b"]) == (entry["a"], entry["b"]))
                assert entry["points"][series.waves.index(w)] == {"distance": pair["distance_now"],
                                                                   "ci": pair["ci_now"]}
    # synthetic organisations move towards the same preferred culture: the fit falls; three waves, so a projection
    aal = figures["to_preferred"][0]
    days = [(day - closes[0]).days for day in closes]
    b, a = np.polyfit(days, [p["distance"] for p in aal["points"]], 1)
    assert aal["projection"]["slope_per_year"] == pytest.approx(b * 365.25)
    assert aal["projection"]["state"] in ("projected", "reached", "beyond_horizon")
    if aal["projection"]["state"] == "projected":
        assert aal["projection"]["crossing"] == (closes[0] + timedelta(days=round((10 - a) / b))).isoformat()
    assert figures["most"]["code"] == figures["movers"][0]["code"]

    csv_text = council.get(f"{base}.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(csv_text)))
    header, body = rows[0], rows[1:]
    csv_points = {(r[0], r[1], r[2], r[3]): float(r[5]) for r in body if r[0] in ("to_preferred", "pair")}
    names = [w["name"] for w in figures["waves"]]
    for entry in figures["to_preferred"]:
        for name, point in zip(names, entry["points"]):
            assert csv_points[("to_preferred", entry["code"], "", name)] == pytest.approx(point["distance"])
    for entry in figures["pairs"]:
        for name, point in zip(names, entry["points"]):
            assert csv_points[("pair", entry["a"], entry["b"], name)] == pytest.approx(point["distance"])
    assert len(header) == 13 and not any("DRO" in r for r in body)

    page = council.text(base)
    assert 'id="merger-progress"' in page and "DRO" not in page
    for entry in figures["to_preferred"]:
        for point in entry["points"]:
            assert f"{point['distance']:.1f}" in page
    assert figures["most"]["code"] in page.split("Who moves most")[1]
    # earlier waves only: two of them, too few to project (said plainly); the chart file is the page's
    early = council.get(f"/t/noord/comparisons/waves/{series.waves[1]}/progress.json").get_json()
    assert all(e["projection"]["state"] in ("too_few_waves", "reached") for e in early["to_preferred"])
    assert "too few waves to project" in council.text(f"/t/noord/comparisons/waves/{series.waves[1]}/progress").lower()
    svg = council.get(f"{base}/charts/merger-progress.svg")
    assert svg.status_code == 200 and b"<title" in svg.data
    assert "merger-progress" in svg.headers["Content-Disposition"] and svg.headers["Cache-Control"] == "no-store"
    # only the page's own chart: the comparison's charts are not served under the progress address
    assert council.get(f"{base}/charts/entropy.svg").status_code == 404
    assert signed_in(app, "sam@noord.example").get(base).status_code == 403


def test_the_admin_sets_the_threshold_within_its_limits(app, make, series):
    admin = signed_in(app, series.tenant.admin_email)
    url = f"/t/noord/comparisons/waves/{series.last}/progress"
    assert "below 10.0 points" in admin.text(url) and 'name="threshold"' in admin.text(url)
    admin.submit(f"{url}/threshold", {"threshold": "15"}, page=url)
    assert admin.get(f"{url}.json").get_json()["threshold"] == 15
    refused = admin.submit(f"{url}/threshold", {"threshold": "80"}, page=url)
    assert "Choose a number from 1 to 50." in admin.text(refused.headers["Location"])
    assert admin.get(f"{url}.json").get_json()["threshold"] == 15
    assert 'name="threshold"' not in signed_in(app, "mia@noord.example").text(url)
