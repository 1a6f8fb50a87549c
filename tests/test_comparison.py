"""The cross-culture comparison of a wave, as people use it: `koers synth` and `koers compare`, the
stored result and its replacement, the job, and the page with its charts and tables."""
from __future__ import annotations

import json
import re
from types import SimpleNamespace

import numpy as np
import pytest
from sqlalchemy import func, select

from saas.comparison import maths, service, synth
from saas.comparison.models import Comparison
from saas.surveys.models import Wave
from tenants.models import LegacyOrganisation, Tenant
from tests.test_cli import koers
from saas.reports.release import release_and_compare
from tests.helpers import signed_in

ORG_KEYS = ["code", "n", "suppressed", "profile_now", "profile_preferred", "entropy", "top_values_current"]
PAIR_KEYS = ["a", "b", "distance_now", "ci_now", "p_now", "distance_preferred", "ci_preferred", "p_preferred",
             "jaccard_current", "aitchison_now", "ci_aitchison_now", "p_aitchison_now",
             "aitchison_preferred", "ci_aitchison_preferred", "p_aitchison_preferred"]
TYPES = ["clan", "adhocracy", "market", "hierarchy"]


# ---- a tenant with three waves of synthetic answers and a small fourth legacy organisation ------

@pytest.fixture
def series(make, built_once):
    """Three waves (baseline, midway, end) of 120 answers from AAL, BEE and CUR; in the last one,
    three answers (fewer than k = 5) from a fourth organisation, DRO, and five from people without a
    legacy organisation (so that subtracting the shown organisations from the total isolates 8).
    Built once per test process and restored for each test (tests/snapshots.py)."""
    return built_once(lambda: _series(make))


def _series(make):
    tenant = make.tenant("noord", legacy_orgs=("AAL", "BEE", "CUR", "DRO"))
    for email, role in (("mia@noord.example", "management"), ("cas@noord.example", "consultant"),
                        ("wim@noord.example", "works_council"), ("sam@noord.example", "sponsor"),
                        ("mo@noord.example", "member")):
        make.member(tenant, email, roles=[role])
    with make.session(tenant.id) as db:
        wave_ids = synth.synthesise(db, respondents=120, legacy_orgs=3, waves=3, seed=11)
        last = db.get(Wave, wave_ids[-1])
        dro = db.scalar(select(LegacyOrganisation.id).where(LegacyOrganisation.code == "DRO"))
        synth.add_answers(db, last, dro, 3, archetype=3, seed=2)
        synth.add_answers(db, last, None, 5, archetype=4, seed=3)  # people without a legacy organisation
    return SimpleNamespace(tenant=tenant, waves=wave_ids, last=wave_ids[-1])


def _compare(make, tenant, wave_id, **params):
    with make.session(tenant.id) as db:
        outcome = release_and_compare(db, db.get(Tenant, tenant.id), db.get(Wave, wave_id),
                                       params=service.parameters(**params) if params else None)
        return outcome.computed, outcome.comparison.result, outcome.comparison.computed_at



# ---- the stored result --------------------------------------------------------------------------

@pytest.mark.smoke  # also on SQLite, the embedded default
def test_the_stored_result_has_exactly_the_documented_shape(make, series):
    computed, result, _ = _compare(make, series.tenant, series.last)
    assert computed
    assert list(result) == ["wave", "method_version", "k", "release", "orgs", "pairs"]
    assert result["wave"] == series.last and result["method_version"] == service.METHOD_VERSION and result["k"] == 5
    assert [org["code"] for org in result["orgs"]] == ["AAL", "BEE", "CUR", "DRO"]
    for org in result["orgs"]:
        assert list(org) == ORG_KEYS
    for pair in result["pairs"]:
        assert list(pair) == PAIR_KEYS
    aal = result["orgs"][0]
    assert list(aal["profile_now"]) == TYPES and len(aal["top_values_current"]) == 10


def test_a_legacy_organisation_with_fewer_than_k_answers_is_suppressed_with_no_pair(make, series):
    _, result, _ = _compare(make, series.tenant, series.last)
    dro = result["orgs"][3]
    assert dro == {"code": "DRO", "n": None, "suppressed": True, "profile_now": None, "profile_preferred": None,
                   "entropy": None, "top_values_current": None}
    assert [(p["a"], p["b"]) for p in result["pairs"]] == [("AAL", "BEE"), ("AAL", "CUR"), ("BEE", "CUR")]
    with make.session(series.tenant.id) as db:
        stored = db.scalar(select(Comparison))
        assert "DRO" not in stored.details["orgs"]


def test_synthetic_organisations_differ_as_designed_and_grow_closer(make, series):
    results = [_compare(make, series.tenant, wave_id)[1] for wave_id in series.waves]
    aal, bee, cur, _dro = results[0]["orgs"]
    assert max(aal["profile_now"], key=aal["profile_now"].get) == "clan"
    assert max(bee["profile_now"], key=bee["profile_now"].get) == "hierarchy"
    assert max(cur["profile_now"], key=cur["profile_now"].get) == "market"
    assert bee["entropy"] > aal["entropy"]
    first, last = results[0]["pairs"], results[-1]["pairs"]
    assert all(b["distance_now"] < a["distance_now"] for a, b in zip(first, last))
    assert all(p["p_now"] < 0.01 for p in first)  # clearly different organisations at the baseline
    with make.session(series.tenant.id) as db:
        trend = service.series_trend(db, db.get(Wave, series.last))
    assert [w["label"] for w in trend["waves"]] == ["baseline", "midway", "end"]
    assert {p["trend"] for p in trend["pairs"]} == {"shrinking"}


def test_the_same_seed_gives_the_same_stored_result(make, series):
    _, first, _ = _compare(make, series.tenant, series.waves[0], seed=5)
    with make.session(series.tenant.id) as db:
        db.delete(db.scalar(select(Comparison)))
    _, again, _ = _compare(make, series.tenant, series.waves[0], seed=5)
    assert first == again


def test_a_rerun_with_nothing_new_changes_nothing_and_with_new_answers_replaces_the_row(make, series):
    _, before, computed_at = _compare(make, series.tenant, series.last)
    computed, same, same_at = _compare(make, series.tenant, series.last)
    assert not computed and same == before and same_at == computed_at
    with make.session(series.tenant.id) as db:
        dro = db.scalar(select(LegacyOrganisation.id).where(LegacyOrganisation.code == "DRO"))
        synth.add_answers(db, db.get(Wave, series.last), dro, 4, archetype=3, seed=3)  # DRO now has 7
    computed, after, after_at = _compare(make, series.tenant, series.last)
    assert computed and after_at > computed_at and after["release"] == before["release"] + 1
    # a later release of the same wave shows nothing its earlier release hid: the two could be subtracted
    assert after["orgs"][3]["suppressed"] and len(after["pairs"]) == len(before["pairs"])
    with make.session(series.tenant.id) as db:
        assert db.scalar(select(func.count()).select_from(Comparison)) == 1


def test_a_run_that_fails_halfway_leaves_the_previous_result_untouched(make, series, monkeypatch):
    _, before, computed_at = _compare(make, series.tenant, series.last)

    def broken(*args, **kwargs):
        raise RuntimeError("the worker died")

    monkeypatch.setattr(maths, "compare", broken)
    with pytest.raises(RuntimeError):
        _compare(make, series.tenant, series.last, bootstrap=200)  # other parameters: it must recompute
    with make.session(series.tenant.id) as db:
        stored = db.scalar(select(Comparison))
        assert stored.result == before and stored.computed_at == computed_at


def test_the_job_stores_the_comparison_is_idempotent_and_stays_in_its_tenant(app, make, series):
    from saas.reports.jobs import release_and_compare

    other = make.tenant("zuid")
    with app.app_context():
        assert release_and_compare(series.tenant.id, series.last) == "computed"
        assert release_and_compare(series.tenant.id, series.last) == "up to date"
        assert release_and_compare(other.id, series.last) == "no such wave"
    with make.session(series.tenant.id) as db:
        assert db.scalar(select(func.count()).select_from(Comparison)) == 1
    with make.session(other.id) as db:
        assert db.scalar(select(func.count()).select_from(Comparison)) == 0


def test_reading_in_parallel_parts_gives_exactly_the_same_arrays(make, series):
    from saas.surveys import answers as extract

    with make.session(series.tenant.id) as db:
        wave = db.get(Wave, series.last)
        whole = extract.read_wave(db, wave, parts=1)
        if db.connection().dialect.name != "postgresql":
            pytest.skip("parallel reading is for PostgreSQL")
        split = extract.read_wave(db, wave, parts=3)
    assert set(whole) == set(split)
    for key in whole:
        assert np.array_equal(whole[key], split[key], equal_nan=whole[key].dtype.kind == "f"), key


# ---- the command line ---------------------------------------------------------------------------

@pytest.mark.smoke  # also on SQLite, the embedded default
def test_synth_and_compare_from_the_command_line(stack, make):
    out = koers(stack, "synth", "--tenant", "demo-cli", "--respondents", "200", "--legacy-orgs", "4", "--waves", "2",
                "--seed", "3")
    wave_ids = [int(line) for line in out.split()]
    assert len(wave_ids) == 2
    printed = json.loads(koers(stack, "compare", "--tenant", "demo-cli", "--wave", str(wave_ids[0]), "--json",
                               "--bootstrap", "200", "--permutations", "200", "--seed", "1"))
    assert list(printed) == ["wave", "method_version", "k", "release", "orgs", "pairs"]
    assert printed["wave"] == wave_ids[0] and [o["code"] for o in printed["orgs"]] == ["AAL", "BEE", "CUR", "DRO"]
    assert all(list(pair) == PAIR_KEYS for pair in printed["pairs"]) and len(printed["pairs"]) == 6
    with make.session() as db:
        tenant = db.scalar(select(Tenant).where(Tenant.slug == "demo-cli"))
    with make.session(tenant.id) as db:
        stored = db.scalar(select(Comparison).where(Comparison.wave_id == wave_ids[0]))
        assert stored.result == printed and stored.parameters == {"bootstrap": 200, "permutations": 200, "seed": 1}
    summary = koers(stack, "compare", "--tenant", "demo-cli", "--wave", str(wave_ids[1]))
    assert "AAL–BEE: distance now" in summary
    assert "Usage:" in koers(stack, "synth", "--help") and "Usage:" in koers(stack, "compare", "--help")


def test_command_line_mistakes_are_explained(stack, make):
    make.tenant("oost")
    assert "no wave 999" in koers(stack, "compare", "--tenant", "oost", "--wave", "999", "--json", expect=1)
    assert "no tenant 'nowhere'" in koers(stack, "compare", "--tenant", "nowhere", "--wave", "1", expect=1)
    assert "--legacy-orgs" in koers(stack, "synth", "--tenant", "oost", "--respondents", "10", "--legacy-orgs", "13",
                                    expect=2)
    assert "no account for" in koers(stack, "synth", "--tenant", "new-one", "--respondents", "10", "--legacy-orgs", "2",
                                     "--admin", "nobody@example.org", expect=1)


# ---- the page -----------------------------------------------------------------------------------

def test_management_sees_every_chart_beside_its_table(app, make, series):
    _compare(make, series.tenant, series.waves[0])
    _compare(make, series.tenant, series.waves[1])
    _compare(make, series.tenant, series.last)
    page = signed_in(app, "mia@noord.example").text(f"/t/noord/comparisons/waves/{series.last}")
    charts = re.findall(r'<svg class="chart" id="([\w-]+)" role="img" aria-labelledby="\1-title \1-desc"', page)
    assert set(charts) >= {"profile-AAL", "profile-BEE", "profile-CUR", "distance-now", "distance-preferred",
                           "values-AAL", "entropy", "over-waves"}
    assert "profile-DRO" not in charts
    assert page.count("<table>") >= 8
    for caption in ("Culture profile of AAL (", "Distances between the legacy organisations",
                    "Top values of BEE today", "Cultural entropy per legacy organisation",
                    "Value alignment and psychological-contract index", "Distance now per wave of the series"):
        assert caption in page
    assert "Not shown, because fewer than 5 people from these legacy organisations answered" in page and "DRO" in page
    assert "shrinking" in page
    assert "<script" not in page.split("</head>")[1]  # no inline script; the only script is the static file


@pytest.mark.smoke  # also on SQLite, the embedded default
def test_running_the_comparison_from_the_page(app, make, series):
    manager = signed_in(app, "cas@noord.example")
    url = f"/t/noord/comparisons/waves/{series.waves[0]}"
    assert "has not been made yet" in manager.text(url)
    response = manager.submit(f"{url}/run", {"action": "run"})
    assert response.status_code == 302
    page = manager.text(url)
    assert "The comparison has been started" in page  # no Redis in these tests: it ran right after the commit
    assert 'id="profile-AAL"' in page
    again = manager.submit(f"{url}/run", {"action": "run"})
    assert "The comparison is up to date" in manager.text(again.headers["Location"])
    status = manager.get(f"{url}/status").get_json()
    assert status["run"]["status"] == "done" and status["run"]["finished"] and status["computed_at"]


def test_the_page_shows_a_running_job_and_its_progress(app, make, series):
    import uuid

    from saas.kernel.db import utcnow
    from saas.kernel.job_models import JobRun, args_key

    args = [series.tenant.id, series.last]
    with make.session(series.tenant.id) as db:
        db.add(JobRun(id=uuid.uuid4().hex, function=service.JOB, args=args, args_key=args_key(args), status="running",
                      progress=40, attempts=1, started_at=utcnow(), created_at=utcnow()))
    admin = signed_in(app, series.tenant.admin_email)
    page = admin.text(f"/t/noord/comparisons/waves/{series.last}")
    assert "The comparison is being made" in page and 'value="40"' in page
    response = admin.submit(f"/t/noord/comparisons/waves/{series.last}/run", {"action": "run"})
    assert "The comparison is already running" in admin.text(response.headers["Location"])
    assert admin.get(f"/t/noord/comparisons/waves/{series.last}/status").get_json()["run"]["progress"] == 40


def test_only_admins_management_and_consultants_see_comparisons(app, make, series):
    for email in ("wim@noord.example", "sam@noord.example", "mo@noord.example"):
        person = signed_in(app, email)
        assert person.get("/t/noord/comparisons/").status_code == 403
        assert person.get(f"/t/noord/comparisons/waves/{series.last}").status_code == 403
    for email in (series.tenant.admin_email, "mia@noord.example", "cas@noord.example"):
        listing = signed_in(app, email).text("/t/noord/comparisons/")
        assert "Synthetic wave 3 of 3" in listing


def test_another_tenants_wave_is_not_found(app, make, series):
    make.tenant("zuid", "zoe@zuid.example")
    stranger = signed_in(app, "zoe@zuid.example")
    assert stranger.get(f"/t/zuid/comparisons/waves/{series.last}").status_code == 404
    assert stranger.submit(f"/t/zuid/comparisons/waves/{series.last}/run", {"action": "run"},
                           page="/t/zuid/comparisons/").status_code == 404
    with make.session(series.tenant.id) as db:
        assert db.scalar(select(func.count()).select_from(Comparison)) == 0


def test_the_page_speaks_dutch_too(app, make, series):
    _compare(make, series.tenant, series.last)
    with make.session() as db:
        from saas.auth.models import User

        db.execute(User.__table__.update().where(User.email == "mia@noord.example").values(locale="nl"))
    page = signed_in(app, "mia@noord.example").text(f"/t/noord/comparisons/waves/{series.last}")
    assert 'lang="nl"' in page
    assert "Familie (samenwerken)" in page  # the culture types come from the instrument, in Dutch


@pytest.mark.smoke  # also on SQLite, the embedded default
def test_a_wave_without_answers_has_a_comparison_with_everyone_suppressed(app, make):
    tenant = make.tenant("leeg")
    with make.session(tenant.id) as db:
        wave_id = synth.synthesise(db, respondents=0, legacy_orgs=2, seed=1)[0]
    computed, result, _ = _compare(make, tenant, wave_id)
    assert computed and result["pairs"] == []
    assert all(org["suppressed"] for org in result["orgs"])
    page = signed_in(app, tenant.admin_email).text(f"/t/leeg/comparisons/waves/{wave_id}")
    assert "No legacy organisation has enough answers to be shown yet." in page


def test_an_organisation_is_hidden_too_when_subtraction_would_give_a_small_one_away(app, make, series):
    """Without the five people who have no legacy organisation, the total minus AAL, BEE and CUR would be
    DRO's three answers: so the smallest shown organisation is hidden as well."""
    tenant = make.tenant("west", legacy_orgs=("AAL", "BEE", "CUR", "DRO"))
    with make.session(tenant.id) as db:
        [wave_id] = synth.synthesise(db, respondents=120, legacy_orgs=3, seed=11)
        dro = db.scalar(select(LegacyOrganisation.id).where(LegacyOrganisation.code == "DRO"))
        synth.add_answers(db, db.get(Wave, wave_id), dro, 3, seed=2)
    _, result, _ = _compare(make, tenant, wave_id)
    shown = {org["code"]: org["n"] for org in result["orgs"] if not org["suppressed"]}
    assert len(shown) == 2 and "DRO" not in shown
    page = signed_in(app, tenant.admin_email).text(f"/t/west/comparisons/waves/{wave_id}")
    assert "Also not shown, so that the answers of the organisations above" in page


def test_fill_wave_adds_answers_per_legacy_organisation_to_an_existing_wave(make):
    from saas.surveys.models import Response

    tenant = make.tenant("demo-fill")
    aal, bee, _cur = tenant.legacy_org_ids
    with make.session(tenant.id) as db:
        [wave_id] = synth.synthesise(db, respondents=0, legacy_orgs=3, seed=1)
        assert synth.fill_wave(db, db.get(Wave, wave_id), {aal: 7, bee: 5, None: 2}, seed=4) == 14
    with make.session(tenant.id) as db:
        counts = dict(db.execute(select(Response.legacy_org_id, func.count()).group_by(Response.legacy_org_id)).all())
    assert counts == {aal: 7, bee: 5, None: 2}
    _, result, _ = _compare(make, tenant, wave_id)
    assert max(result["orgs"][0]["profile_now"], key=result["orgs"][0]["profile_now"].get) == "clan"


def test_every_reading_of_a_comparison_is_in_the_access_log_but_not_the_status_the_page_polls(app, make, series):
    from saas.anonymity.models import ReportAccess

    _compare(make, series.tenant, series.last)
    mia = signed_in(app, "mia@noord.example")
    url = f"/t/noord/comparisons/waves/{series.last}"
    mia.text(url)
    mia.get(f"{url}/status")
    mia.get(f"{url}/status")
    signed_in(app, "cas@noord.example").text(url)
    with make.session(series.tenant.id) as db:
        rows = list(db.scalars(select(ReportAccess).order_by(ReportAccess.id)))
        assert [(r.kind, r.wave_id, r.user_email) for r in rows] == [
            ("comparison", series.last, "mia@noord.example"), ("comparison", series.last, "cas@noord.example")]
    log = signed_in(app, "wim@noord.example").text("/t/noord/reports/access-log")
    rows = [row for row in log.split("<tbody>", 1)[1].split("<tr>") if "culture comparison" in row]
    assert len(rows) == 2 and all("Synthetic wave 3 of 3" in row for row in rows)
    # a refused reading leaves no trace
    assert signed_in(app, "mo@noord.example").get(url).status_code == 403
    with make.session(series.tenant.id) as db:
        assert db.scalar(select(func.count()).select_from(ReportAccess)) == 2
