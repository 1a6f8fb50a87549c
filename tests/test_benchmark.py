"""The benchmark across tenants (issue 21 point 7): sector norms from released figures of at least five tenants.

Small worlds: tiny tenants, each with a closed wave and a stored final release of its whole-organisation figures
(the benchmark reads releases only), no answers and no demo. The norm is recomputed here independently (NumPy on
the generated figures); the rules (five tenants, four unknown to every viewer), made-once, opting out, a
differencing attack over two periods, the audit trails, deletion, the pages and the command are checked.
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from billing.models import CONSULTANCY, BillingAccount, TenantBilling
from saas.anonymity import releases
from saas.benchmark import service
from saas.benchmark.models import BenchmarkContribution, BenchmarkParticipation, BenchmarkRelease
from saas.kernel import audit
from saas.kernel.db import utcnow
from saas.surveys.instruments import TYPES
from saas.surveys.models import Wave
from tenants.models import Tenant
from tenants.scoping import cross_tenant, set_scope
from tests.test_cli import koers

H1, H2 = service.Period(2025, 1), service.Period(2025, 2)
AFTER = date(2026, 1, 15)  # both periods have ended
SECTOR = "water_board"


def figures_of(rng, *, contract_hidden=False) -> dict:
    """A release's whole-organisation figures, generated (as saas.reports.release stores them)."""
    def profile():
        raw = rng.dirichlet(np.ones(4)) * 100
        return {t: round(float(v), 1) for t, v in zip(TYPES, raw)}
    picks = [f"v{i}" for i in rng.choice(20, size=int(rng.integers(0, 8)), replace=False)]
    return {"n": 40, "culture": {"n": 40, "now": profile(), "preferred": profile(), "change_wish": []},
            "values": {"n": 40, "top": {}, "entropy": round(float(rng.uniform(0.05, 0.4)), 3),
                       "alignment": {"personal_current": sorted(picks), "current_desired": []}},
            "contract": {"hidden": "fewer_than_k"} if contract_hidden else
            {"n": 40, "index": round(float(rng.normal(-0.4, 0.5)), 2)}}


def add_wave(db, tenant_id: int, name: str, released_on: date, figures: dict) -> int:
    set_scope(db, tenant_id=tenant_id)
    wave = Wave(name=name, status="closed", instruments=["culture", "values", "contract"], groupings=["legacy_org"],
                audience_legacy_org_ids=[], value_keys=[], closes_on=released_on)
    db.add(wave)
    db.flush()
    release = releases.store_release(db, "wave", wave.id, k=5, answers=40, figures={}, released_on=released_on)
    releases.add_group(db, release, None, None, figures)
    db.flush()
    return wave.id


def tenants(make, count: int, *, prefix: str = "t", sector: str | None = SECTOR) -> list[int]:
    """Tiny tenants (a row each; taking part in `sector` unless None), in one transaction."""
    ids = []
    with make.session(platform=True) as db:
        for i in range(count):
            tenant = Tenant(name=f"Organisation ({prefix}{i})", slug=f"{prefix}{i}-bench", consent_required=False,
                            language="en")
            db.add(tenant)
            db.flush()
            ids.append(tenant.id)
            if sector:
                set_scope(db, tenant_id=tenant.id)
                db.add(BenchmarkParticipation(sector=sector))
                db.flush()
        set_scope(db, tenant_id=None)
    return ids


def world(make, count: int, *, seed: int, period=H1, **options):
    """`count` taking-part tenants with one wave released in `period`; returns ({tenant: figures}, ids)."""
    rng = np.random.default_rng(seed)
    ids = tenants(make, count, **options)
    made = {}
    with make.session(platform=True) as db:
        for tenant_id in ids:
            made[tenant_id] = figures_of(rng)
            add_wave(db, tenant_id, f"Wave ({tenant_id})", period.first.replace(day=20), made[tenant_id])
    return made, ids


def release(make, period=H1, **options) -> list[BenchmarkRelease]:
    with make.session(platform=True) as db:
        made = service.release_period(db, period, today=AFTER, **options)
        return made


def norm_of(make, period=H1, sector=SECTOR) -> BenchmarkRelease:
    with make.session(platform=True) as db, cross_tenant(db):
        return db.scalar(select(BenchmarkRelease).where(BenchmarkRelease.period == period.key,
                                                        BenchmarkRelease.sector == sector))


def expected(figures: dict) -> dict:
    """The norm recomputed independently: NumPy's mean and sample standard deviation per measure, rounded."""
    columns = {}
    for f in figures.values():
        for phase in ("now", "preferred"):
            for t in TYPES:
                columns.setdefault((f"culture_{phase}.{t}", 1), []).append(f["culture"][phase][t])
        if "index" in f["contract"]:
            columns.setdefault(("contract", 2), []).append(f["contract"]["index"])
        columns.setdefault(("entropy", 3), []).append(f["values"]["entropy"])
        columns.setdefault(("alignment", 1), []).append(len(f["values"]["alignment"]["personal_current"]))
    return {key: {"n": len(v), "mean": round(float(np.mean(v)), places), "sd": round(float(np.std(v, ddof=1)), places)}
            for (key, places), v in columns.items()}


def test_the_norm_is_the_mean_and_spread_of_the_taking_part_tenants_recomputed_independently(make):
    made, ids = world(make, 6, seed=11)
    outsider = tenants(make, 1, prefix="out", sector=None)[0]  # does not take part: its wave counts nowhere
    other_sector = tenants(make, 1, prefix="prov", sector="province")[0]
    with make.session(platform=True) as db:
        rng = np.random.default_rng(5)
        add_wave(db, outsider, "Wave (outsider)", date(2025, 3, 1), figures_of(rng))
        add_wave(db, other_sector, "Wave (province)", date(2025, 3, 1), figures_of(rng))
        # an earlier wave of the first tenant in the same period: only the last one counts
        add_wave(db, ids[0], "Earlier wave", date(2025, 1, 2), figures_of(rng))
        # one tenant's contract index is hidden by its release: it counts for the other measures only
        hidden = figures_of(rng, contract_hidden=True)
        add_wave(db, ids[5], "Last wave", date(2025, 6, 30), hidden)
    made[ids[5]] = hidden
    release(make)
    norm = norm_of(make)
    assert norm.status == "published" and norm.contributors == 6 and norm.candidates == 6
    assert norm.figures["contract"]["n"] == 5
    assert norm.figures == expected(made)
    assert not set(norm.figures["culture_now.clan"]) - {"n", "mean", "sd"}  # no minimum, maximum or median
    # each contributor's audit trail says which wave went into which norm; the platform's says it was made
    with make.session(platform=True) as db, cross_tenant(db):
        entries = db.scalars(select(audit.AuditEntry).where(audit.AuditEntry.action == "benchmark.contributed")).all()
        assert {e.tenant_id for e in entries} == set(ids)
        last = next(e for e in entries if e.tenant_id == ids[5])
        assert last.detail["wave"] == "Last wave" and last.detail["period"] == "2025-H1"
        assert last.detail["contributors"] == 6 and last.object_type == "survey_waves"
        platform = db.scalars(select(audit.PlatformAuditEntry)
                              .where(audit.PlatformAuditEntry.action == "benchmark.released")).all()
        assert {(e.detail["sector"], e.detail["status"]) for e in platform} >= {(SECTOR, "published"),
                                                                                ("province", "withheld")}
        assert all(audit.verify(db, tenant_id=t).intact for t in ids)
        assert audit.verify(db, platform=True).intact
        contributors = set(db.scalars(select(BenchmarkContribution.tenant_id)))
    assert contributors == set(ids)  # neither the outsider nor the province's lone tenant


def test_four_tenants_give_no_norm_and_nobody_is_told_they_contributed(make):
    world(make, 4, seed=3)
    release(make, sectors=[SECTOR])
    norm = norm_of(make)
    assert norm.status == "withheld" and norm.contributors == 0 and norm.candidates == 4
    assert {f["withheld"] for f in norm.figures.values()} == {"fewer_than_5_tenants"}
    with make.session(platform=True) as db, cross_tenant(db):
        assert db.scalar(select(func.count()).select_from(BenchmarkContribution)) == 0
        assert db.scalar(select(func.count()).select_from(audit.AuditEntry)
                         .where(audit.AuditEntry.action == "benchmark.contributed")) == 0


def _consultancy(make, clients) -> int:
    with make.session(platform=True) as db, cross_tenant(db):
        account = BillingAccount(kind=CONSULTANCY, name="Advies (bench)", trial_ends_at=utcnow())
        db.add(account)
        db.flush()
        for tenant_id in clients:
            db.add(TenantBilling(tenant_id=tenant_id, account_id=account.id))
        db.flush()
        return account.id


def test_a_consultancy_with_too_many_clients_among_the_contributors_withholds_the_norm(make):
    _made, ids = world(make, 6, seed=4)
    _consultancy(make, ids[:3])  # knows 3 of 6: the other 3 would be pinned down to their mean
    release(make, sectors=[SECTOR])
    norm = norm_of(make)
    assert norm.status == "withheld"
    assert {f["withheld"] for f in norm.figures.values()} == {"a_viewer_knows_too_many"}


def test_a_person_who_reads_the_figures_of_two_contributors_out_of_five_withholds_the_norm(make):
    from saas.administration import service as admin_service

    _made, ids = world(make, 5, seed=15)
    person = make.user("both@bench.example")
    for tenant_id, role in ((ids[0], "admin"), (ids[1], "works_council")):
        with make.session(tenant_id) as db:
            admin_service.add_member(db, person, [role], None)
    with make.session(ids[2]) as db:  # a plain member reads no figures: knows nothing more
        admin_service.add_member(db, person, ["member"], None)
    release(make, sectors=[SECTOR])
    assert {f["withheld"] for f in norm_of(make).figures.values()} == {"a_viewer_knows_too_many"}


def test_a_consultancy_sees_a_norm_only_while_four_contributors_remain_unknown_to_it(make):
    made, ids = world(make, 6, seed=5)
    account = _consultancy(make, ids[:2])  # 6 - 2 = 4 unknown: published
    release(make, sectors=[SECTOR])
    assert norm_of(make).status == "published"
    names = [(t, f"Organisation ({t})") for t in ids[:2]]
    with make.session(platform=True) as db:
        shown = service.for_clients(db, account, names)
    assert set(shown) == set(ids[:2])
    row = next(r for r in shown[ids[0]]["rows"] if r["measure"] == "entropy")
    assert row["own"] == made[ids[0]]["values"]["entropy"] and row["n"] == 6
    # later the consultancy takes on a third contributor as a client: it would now know 3 of 6
    with make.session(platform=True) as db, cross_tenant(db):
        db.add(TenantBilling(tenant_id=ids[2], account_id=account))
        db.flush()
    with make.session(platform=True) as db:
        assert service.for_clients(db, account, names + [(ids[2], "x")]) == {}


def test_a_norm_is_made_once_and_opting_out_or_in_later_changes_nothing(make):
    _made, ids = world(make, 5, seed=6)
    first = release(make, sectors=[SECTOR])[0]
    with make.session(ids[0]) as db:
        service.set_sector(db, db.get(Tenant, ids[0]), None)  # opts out after the norm was published
    late = tenants(make, 1, prefix="late")[0]
    with make.session(platform=True) as db:
        add_wave(db, late, "Wave (late)", date(2025, 5, 5), figures_of(np.random.default_rng(1)))
    again = release(make, sectors=[SECTOR])[0]
    assert (again.id, again.figures, again.contributors, again.made_on) == \
        (first.id, first.figures, first.contributors, first.made_on)
    with make.session(platform=True) as db, cross_tenant(db):
        assert sorted(db.scalars(select(BenchmarkContribution.tenant_id))) == sorted(ids)
        assert db.scalar(select(func.count()).select_from(audit.PlatformAuditEntry)
                         .where(audit.PlatformAuditEntry.action == "benchmark.released")) == 1
    # the change of participation is on the tenant's audit trail
    with make.session(ids[0]) as db:
        change = db.scalar(select(audit.AuditEntry).where(audit.AuditEntry.action == "settings.benchmark"))
        assert change.detail == {"from": SECTOR, "to": None}
        assert service.participation(db) is None


def test_differencing_two_periods_finds_no_tenants_figure(make):
    """Tenants A–E in the first half-year, A–F in the second: the norms rest on different waves (each tenant's
    last of its period), so the newcomer's figure is not what subtracting one norm's sum from the other's gives."""
    first, ids = world(make, 5, seed=7, period=H1)
    joined = tenants(make, 1, prefix="f")[0]
    rng = np.random.default_rng(8)
    second = {}
    with make.session(platform=True) as db:
        for tenant_id in [*ids, joined]:
            second[tenant_id] = figures_of(rng)
            add_wave(db, tenant_id, f"Second ({tenant_id})", date(2025, 9, 9), second[tenant_id])
    release(make, H1, sectors=[SECTOR])
    release(make, H2, sectors=[SECTOR])
    one, two = norm_of(make, H1), norm_of(make, H2)
    assert one.figures == expected(first) and two.figures == expected(second)
    with make.session(platform=True) as db, cross_tenant(db):
        waves = db.execute(select(BenchmarkContribution.benchmark_id, BenchmarkContribution.wave_id)).all()
    assert not ({w for b, w in waves if b == one.id} & {w for b, w in waves if b == two.id})  # no shared data
    for key, a in one.figures.items():
        b = two.figures[key]
        derived = b["n"] * b["mean"] - a["n"] * a["mean"]  # "the newcomer's figure", if norms shared data
        newcomer = _flat(second[joined])[key]
        assert abs(derived - newcomer) > 0.05 * max(1.0, abs(newcomer)), key


def _flat(figures: dict) -> dict:
    out = {f"culture_{p}.{t}": figures["culture"][p][t] for p in ("now", "preferred") for t in TYPES}
    out.update(contract=figures["contract"].get("index"), entropy=figures["values"]["entropy"],
               alignment=len(figures["values"]["alignment"]["personal_current"]))
    return out


def test_only_a_contributor_sees_the_norm_and_never_another_tenants_name_or_figure(app, make):
    made, ids = world(make, 5, seed=9)
    outsider = make.tenant("bench-out")
    with make.session(platform=True) as db:
        add_wave(db, outsider.id, "Wave (outsider)", date(2025, 4, 4), figures_of(np.random.default_rng(2)))
    release(make, sectors=[SECTOR])
    own = made[ids[0]]
    with make.session(ids[0]) as db:
        release_row = releases.latest_release(db, "wave", db.scalar(select(Wave.id)))
        shown = service.for_report(db, release_row, {**own, "hidden": None})
    assert shown["contributors"] == 5 and shown["period"] == "2025-H1"
    clan = next(r for r in shown["rows"] if r["measure"] == "culture_now.clan")
    assert clan["own"] == own["culture"]["now"]["clan"]
    assert clan["mean"] == expected(made)["culture_now.clan"]["mean"]
    with make.session(outsider.id) as db:  # gave nothing, gets nothing
        release_row = releases.latest_release(db, "wave", db.scalar(select(Wave.id)))
        assert service.for_report(db, release_row, {**own, "hidden": None}) is None
    # the contributor's admin on the benchmark page: the norm, its own figures, no other tenant's name or figure
    with make.session(ids[0]) as db:
        from saas.administration import service as admin_service

        admin = make.user("admin@t0-bench.example")
        admin_service.add_member(db, admin, ["admin"], None)
    client = app.test_client()
    client.login("admin@t0-bench.example")
    page = client.text("/t/t0-bench/benchmark/")
    assert "2025-H1" in page and "Organisation (t1)" not in page
    assert f"{expected(made)['entropy']['mean']:.3f}" in page
    others = {f"{made[t]['values']['entropy']:.3f}" for t in ids[1:]} - {f"{own['values']['entropy']:.3f}"}
    assert not [figure for figure in others if figure in page]
    outsider_admin = app.test_client()
    outsider_admin.login(outsider.admin_email)
    page = outsider_admin.text("/t/bench-out/benchmark/")
    assert "2025-H1" not in page and "Organisation (t" not in page
    # choosing a sector that is not in the list is refused with a message, nothing saved
    response = outsider_admin.submit("/t/bench-out/benchmark/sector", {"sector": "banks"},
                                     page="/t/bench-out/benchmark/")
    assert response.status_code == 302
    assert "Not a valid choice" in outsider_admin.text("/t/bench-out/benchmark/")
    with make.session(outsider.id) as db:
        assert service.participation(db) is None
    # taking part, then an empty form (a stray request) changes nothing; "not taking part" is a choice
    outsider_admin.submit("/t/bench-out/benchmark/sector", {"sector": "province"}, page="/t/bench-out/benchmark/")
    outsider_admin.submit("/t/bench-out/benchmark/sector", {}, page="/t/bench-out/benchmark/")
    with make.session(outsider.id) as db:
        assert service.participation(db).sector == "province"
    outsider_admin.submit("/t/bench-out/benchmark/sector", {"sector": "none"}, page="/t/bench-out/benchmark/")
    with make.session(outsider.id) as db:
        assert service.participation(db) is None


def test_a_deleted_contributor_leaves_no_row_and_the_published_norm_stays(make, settings_for_exit):
    from saas.exit.service import delete_tenant

    _made, ids = world(make, 5, seed=10)
    release(make, sectors=[SECTOR])
    before = norm_of(make)
    with make.session(platform=True) as db:
        delete_tenant(db, settings_for_exit, db.get(Tenant, ids[0]))
    with make.session(platform=True) as db, cross_tenant(db):
        for model in (BenchmarkContribution, BenchmarkParticipation):
            assert db.scalar(select(func.count()).select_from(model).where(model.tenant_id == ids[0])) == 0
        assert db.scalar(select(func.count()).select_from(BenchmarkContribution)) == 4
    after = norm_of(make)
    assert (after.figures, after.contributors) == (before.figures, before.contributors)


@pytest.fixture
def settings_for_exit(stack, tmp_path):
    from tests.conftest import settings_for

    return settings_for(stack, export_dir=str(tmp_path / "exports"))


def test_the_command_makes_a_period_once_and_refuses_a_bad_or_unfinished_period(stack, app, make):
    world(make, 5, seed=12)
    out = koers(stack, "benchmark-release", "--period", "2025-H1", "--sector", SECTOR)
    assert "2025-H1\twater_board\tpublished\t5 contributor(s) of 5" in out
    # the platform admin's list: counts only, no organisation's name; nobody else has the page
    with make.session() as db:
        from saas.auth.models import User

        db.get(User, make.user("ops@bench.example").id).is_platform_admin = True
    ops = app.test_client()
    ops.login("ops@bench.example")
    page = ops.text("/platform/benchmarks")
    assert "2025-H1" in page and "Water board" in page and "Organisation (t" not in page
    tenant_admin = app.test_client()
    tenant_admin.login(make.tenant("bench-x").admin_email)
    assert tenant_admin.get("/platform/benchmarks").status_code == 404
    assert "published" in koers(stack, "benchmark-release", "--period", "2025-h1", "--sector", SECTOR)
    assert norm_of(make).contributors == 5
    bad = koers(stack, "benchmark-release", "--period", "2025-H3", expect=1)
    assert "calendar half-year, written as 2026-H1" in bad
    assert "not ended yet" in koers(stack, "benchmark-release", "--period", f"{date.today().year + 1}-H1",
                                    expect=1)
    assert "unknown sector" in koers(stack, "benchmark-release", "--period", "2025-H1", "--sector", "banks",
                                     expect=1)


def test_the_sweeper_makes_the_last_ended_period_once(app, make, database):
    world(make, 5, seed=13, period=H2)
    with app.app_context():
        # within a month of the period's end the sweeper still makes the one before (its last waves' final
        # releases may not be in yet); that one holds no wave here, and a sector nobody contributed to is not frozen
        assert service.release_due(database.Session, date(2026, 1, 15)) == 0
        swept = date(2026, 1, 1) + timedelta(days=service.GRACE_DAYS)
        assert service.release_due(database.Session, swept) == 1  # the one sector that took part
        assert service.release_due(database.Session, swept) == 0
    assert norm_of(make, H2).status == "published"


def test_periods_are_parsed_strictly():
    assert service.parse_period(" 2026-h2 ") == service.Period(2026, 2)
    assert service.period_of(date(2026, 6, 30)).key == "2026-H1" and service.Period(2026, 1).previous().key == "2025-H2"
    for bad in ("", "2026", "2026-H0", "2026-Q1", "26-H1", "1999-H1", None):
        with pytest.raises(service.BadPeriod):
            service.parse_period(bad)


def test_the_culture_report_shows_the_norm_in_page_json_csv_and_pdf(app, make, tmp_path):
    """A real released wave of a taking-part tenant beside four tiny peers: its whole-organisation figures against
    the norm of this half-year (made early, as the demo does), in every format; a filtered report has none."""
    import csv
    import io
    import subprocess

    from saas.comparison import synth
    from saas.reports.release import release_wave
    from saas.surveys import service as surveys
    from tests.helpers import signed_in
    from tests.test_reports_heatmap import _pdf

    tenant = make.tenant("heat", legacy_orgs=("AAL", "BEE"))
    make.member(tenant, "wc@heat.example", roles=["works_council"])
    with make.session(tenant.id) as db:
        wave = surveys.create_wave(db, name="Nulmeting", groupings=("legacy_org",), opens_on=date.today())
        wave.status = "closed"
        db.flush()
        synth.add_answers(db, wave, tenant.legacy_org_ids[0], 8, archetype=0, seed=1)
        synth.add_answers(db, wave, tenant.legacy_org_ids[1], 7, archetype=1, seed=2)
        release = release_wave(db, db.get(Tenant, tenant.id), wave)
        whole = releases.group(db, release, None, None).figures
        db.add(BenchmarkParticipation(sector=SECTOR))
        wave_id = wave.id
    peers, _ids = world(make, 4, seed=14, period=service.period_of(date.today()))
    with make.session(platform=True) as db:
        service.release_period(db, service.period_of(date.today()), today=date.today(), sectors=[SECTOR],
                               before_end=True)
    norm = expected({**peers, tenant.id: whole})
    wim = signed_in(app, "wc@heat.example")
    base = f"/t/heat/reports/waves/{wave_id}"
    shown = wim.get(base + ".json").get_json()["benchmark"]
    assert shown["contributors"] == 5
    rows = {row["measure"]: row for row in shown["rows"]}
    assert rows["contract"]["own"] == whole["contract"]["index"]
    assert {k: (r["n"], r["mean"], r["sd"]) for k, r in rows.items()} == \
        {k: (f["n"], f["mean"], f["sd"]) for k, f in norm.items()}
    assert "Your organisation and the sector norm" in wim.text(base)
    assert wim.get(base + ".json?legacy_org=AAL").get_json()["benchmark"] is None
    lines = list(csv.DictReader(io.StringIO(wim.get(base + ".csv").get_data(as_text=True).lstrip("\ufeff"))))
    entropy = next(line for line in lines if line["measure"] == "norm_entropy")
    assert entropy["value"] == f"{norm['entropy']['mean']}" and entropy["answers"] == "5"
    assert not any("Organisation (t" in line["group"] for line in lines)
    path = tmp_path / "report.pdf"
    path.write_bytes(_pdf(wim, wave_id))
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True,
                                   text=True).stdout.split())
    assert "Your organisation and the sector norm" in text and "Organisation (t" not in text
