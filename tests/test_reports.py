"""The works council's culture report (issue 7): the page in both languages, its JSON, CSV and PDF, the
filters, the consent, and the access log that nobody can change."""
from __future__ import annotations

import csv
import io
import subprocess
import time
from datetime import date
from types import SimpleNamespace

import pytest
from PIL import Image
from sqlalchemy import select, text

from saas.comparison import service as comparison, synth
from saas.anonymity.models import ReportAccess
from saas.reports.models import ReportFile
from saas.surveys import service as surveys
from saas.surveys.models import Wave
from tenants.models import LegacyOrganisation, Tenant
from saas.reports.release import release_and_compare
from tests.helpers import signed_in, works_council

WC = "wim@ors.example"
MANAGER = "mia@ors.example"
TOP_LEVEL_KEYS = ["wave", "k", "free_text_k", "filters", "filter_options", "consent", "participation", "figures_ready",
                  "release",
                  "focus", "breakdown", "heatmap", "comparisons", "trend", "free_text", "themes", "merger_progress",
                  "cited", "benchmark"]


@pytest.fixture
def council(app, make):
    tenant = make.tenant("ors", legacy_orgs=("AAL", "BEE", "CUR"))
    make.member(tenant, WC, roles=["works_council"])
    make.member(tenant, MANAGER, roles=["management"])
    make.member(tenant, "mo@ors.example", roles=["member"])
    with make.session(tenant.id) as db:
        orgs = {o.code: o.id for o in db.scalars(select(LegacyOrganisation))}
        wave = surveys.create_wave(db, name="Nulmeting", series_label="T0", opens_on=date(2026, 2, 1),
                                   questions=[{"kind": "open", "nl": "Wat moet blijven?", "en": "What must stay?"}])
        surveys.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 1, 20), decision="De OR stemt in.",
                               conditions="Alleen groepen van minstens 5.")
        wave.status = "closed"
        db.flush()
        for code, count, archetype in (("AAL", 30, 0), ("BEE", 25, 1), ("CUR", 3, 2)):
            synth.add_answers(db, wave, orgs[code], count, archetype=archetype, seed=archetype)
        release_and_compare(db, db.get(Tenant, tenant.id), wave,
                                params=comparison.parameters(bootstrap=200, permutations=200))
        open_wave = surveys.create_wave(db, name="Tussenmeting", series_label="T1")
        surveys.record_consent(db, open_wave, by=works_council(db), decided_on=date(2026, 5, 1), decision="De OR stemt in.")
        surveys.open_wave(db, db.get(Tenant, tenant.id), open_wave)
        return SimpleNamespace(tenant=tenant, wave=wave.id, open_wave=open_wave.id, orgs=orgs)


def _log(make, tenant_id):
    """The readings in the access log (not the consents the fixture recorded)."""
    with make.session(tenant_id) as db:
        return [(a.user_email, a.kind, a.filters) for a in db.scalars(
            select(ReportAccess).where(ReportAccess.kind.notin_(("consent", "setting"))).order_by(ReportAccess.id))]


def test_the_works_council_reads_the_report_in_english_and_dutch(app, make, council):
    wim = signed_in(app, WC)
    page = wim.text(f"/t/ors/reports/waves/{council.wave}")
    for words in ("Culture report: Nulmeting", "How to read this report", "Participation", "Culture profile",
                  "Top values", "Cultural entropy", "Value alignment", "Psychological contract",
                  "Differences between the legacy organisations", "Over the waves", "Fewer than 5 answers",
                  "De OR stemt in.", "<svg"):
        assert words in page, words
    wim.submit("/language", {"language": "nl"}, page=f"/t/ors/reports/waves/{council.wave}")
    page = wim.text(f"/t/ors/reports/waves/{council.wave}")
    for words in ("Cultuurrapport: Nulmeting", "Zo lees je dit rapport", "Deelname", "Cultuurprofiel",
                  "Minder dan 5 antwoorden"):
        assert words in page, words
    log = _log(make, council.tenant.id)  # two readings, and the page read again for the language form
    assert [(email, kind) for email, kind, _filters in log] == [(WC, "page")] * 3


def test_the_json_has_the_documented_shape_and_takes_the_same_filters(app, make, council):
    wim = signed_in(app, WC)
    report = wim.get(f"/t/ors/reports/waves/{council.wave}.json").get_json()
    assert sorted(report) == sorted(TOP_LEVEL_KEYS)
    assert report["k"] == 5 and report["figures_ready"] is True
    assert report["consent"]["decision"] == "De OR stemt in."
    assert [item["group"]["legacy_org"] for item in report["breakdown"]] == ["AAL", "BEE", "CUR"]
    aal = wim.get(f"/t/ors/reports/waves/{council.wave}.json?legacy_org=AAL").get_json()
    assert aal["filters"] == {"legacy_org": "AAL", "team": None}
    assert aal["focus"]["n"] == 30
    assert set(aal["focus"]) >= {"culture", "values", "contract"}
    assert sorted(aal["focus"]["culture"]["now"]) == ["adhocracy", "clan", "hierarchy", "market"]
    # CUR has 3 answers; with AAL and BEE shown the whole wave minus them would give CUR away, so
    # the smaller of the two is hidden too
    assert [item["hidden"] for item in report["breakdown"]] == [None, "complementary", "fewer_than_k"]
    assert report["comparisons"]["pairs"] == []
    # free text only with at least 10 answers: nobody answered the open question
    assert report["free_text"][0]["answers"] is None


def test_a_bad_filter_is_a_clear_4xx_and_a_page_that_says_why(app, make, council):
    wim = signed_in(app, WC)
    response = wim.get(f"/t/ors/reports/waves/{council.wave}.json?legacy_org=ZZZ")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "no legacy organisation with this code" in response.get_json()["detail"]
    response = wim.get(f"/t/ors/reports/waves/{council.wave}.json?team=12")
    assert response.status_code == 400 and "did not ask for teams" in response.get_json()["detail"]
    page = wim.get(f"/t/ors/reports/waves/{council.wave}?legacy_org=ZZZ", follow_redirects=True)
    assert page.status_code == 200
    assert "There is no legacy organisation with this code." in page.get_data(as_text=True)
    assert wim.get("/t/ors/reports/waves/999999.json").status_code == 404


def test_the_filter_form_switches_waves_and_keeps_the_filters(app, make, council):
    wim = signed_in(app, WC)
    response = wim.get(f"/t/ors/reports/?wave={council.open_wave}&legacy_org=AAL&team=")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/t/ors/reports/waves/{council.open_wave}?legacy_org=AAL")
    assert '<option value="%d" selected>Tussenmeting (T1)</option>' % council.open_wave in \
        wim.text(response.headers["Location"])


def test_an_open_wave_shows_participation_but_no_figures(app, make, council):
    wim = signed_in(app, WC)
    report = wim.get(f"/t/ors/reports/waves/{council.open_wave}.json").get_json()
    assert report["figures_ready"] is False and "focus" not in report
    assert "Its figures appear here once it is closed" in wim.text(f"/t/ors/reports/waves/{council.open_wave}")


def test_csv_holds_the_same_figures_and_says_what_is_hidden(app, make, council):
    wim = signed_in(app, WC)
    body = wim.get(f"/t/ors/reports/waves/{council.wave}.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    report = wim.get(f"/t/ors/reports/waves/{council.wave}.json").get_json()
    clan_now = [r for r in rows if r["legacy_org"] == "AAL" and r["measure"] == "culture_now"][0]
    aal = report["breakdown"][0]
    assert float(clan_now["value"]) == aal["culture"]["now"]["clan"]
    cur = [r for r in rows if r["legacy_org"] == "CUR"]  # the breakdown's row and the heat map's
    assert [r["measure"] for r in cur] == ["answers", "heatmap_difference"]
    assert all(r["value"] == "" and "Fewer than 5 answers" in r["note"] for r in cur)
    assert not [r for r in rows if r["legacy_org"] == "BEE" and r["value"]]
    assert [kind for _e, kind, _f in _log(make, council.tenant.id)] == ["csv", "json"]


def test_the_access_log_is_readable_by_the_council_and_the_admin_and_changeable_by_nobody(app, make, council,
                                                                                           owner_engine):
    wim, mia = signed_in(app, WC), signed_in(app, MANAGER)
    mia.get(f"/t/ors/reports/waves/{council.wave}?legacy_org=AAL")
    log = wim.text("/t/ors/reports/access-log")
    assert MANAGER in log and "legacy organisation AAL" in log
    assert signed_in(app, council.tenant.admin_email).get("/t/ors/reports/access-log").status_code == 200
    assert mia.get("/t/ors/reports/access-log").status_code == 403
    with make.session(council.tenant.id) as db:
        with pytest.raises(Exception, match="cannot be changed"):
            db.execute(text("UPDATE report_access_log SET user_email = 'someone@else.example'"))
    with make.session(council.tenant.id) as db:
        with pytest.raises(Exception, match="cannot be changed"):
            db.execute(text("DELETE FROM report_access_log"))
    assert _log(make, council.tenant.id)[0][0] == MANAGER


def test_the_pdf_is_made_by_a_job_with_its_charts_and_its_download_is_logged(app, make, council, tmp_path):
    wim = signed_in(app, WC)
    response = wim.submit(f"/t/ors/reports/waves/{council.wave}/pdf", {"legacy_org": "AAL", "action": "pdf"},
                          page=f"/t/ors/reports/waves/{council.wave}?legacy_org=AAL")
    assert response.status_code == 303
    status_page = response.headers["Location"]
    assert "The PDF is ready." in wim.text(status_page)  # no Redis here: the job ran in-process
    pdf = wim.get(status_page + "/download")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    _assert_charts_in(pdf.data, tmp_path)
    assert [(kind, filters) for _e, kind, filters in _log(make, council.tenant.id)][-1] == \
        ("pdf", {"legacy_org": "AAL", "team": None})


@pytest.mark.worker
def test_the_pdf_job_runs_on_the_real_worker(stack, database, make, council, worker, tmp_path):
    from saas import create_app
    from tests.conftest import settings_for
    from tests.helpers import KoersClient

    app = create_app(settings_for(stack, redis_url=stack.redis.url), database=database, testing=True)
    app.test_client_class = KoersClient
    wim = signed_in(app, WC)
    response = wim.submit(f"/t/ors/reports/waves/{council.wave}/pdf", {"action": "pdf"}, page=f"/t/ors/reports/waves/{council.wave}")
    status_page = response.headers["Location"]
    assert "The PDF is being made" in wim.text(status_page)
    deadline = time.monotonic() + 60
    while "The PDF is ready." not in wim.text(status_page):
        assert time.monotonic() < deadline, "the worker did not make the PDF (see test-artifacts/worker.log)"
        time.sleep(0.3)
    _assert_charts_in(wim.get(status_page + "/download").data, tmp_path)
    with make.session(council.tenant.id) as db:
        assert db.scalar(select(ReportFile.status)) == "done"


def _assert_charts_in(pdf: bytes, tmp_path):
    """Render every page to an image, as a reader's PDF viewer would, and look for the charts' colours:
    the bars of the culture profile (now: dark blue, preferred: dark orange)."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages
    colours = set()
    for page in pages:
        colours |= {colour for _count, colour in Image.open(page).convert("RGB").getcolors(maxcolors=1 << 20)}
    assert _near(colours, (0x0B, 0x5A, 0x7A)) and _near(colours, (0x9A, 0x4A, 0x00))


def _near(colours, target, tolerance=12):
    return any(all(abs(a - b) <= tolerance for a, b in zip(colour, target)) for colour in colours)


def test_the_reports_quick_number_formats_write_what_babel_writes(app):
    """The report page formats thousands of figures for a large organisation; it does so without
    babel's per-call work (bench/report_page.py), and a reader sees exactly babel's text."""
    import random
    from decimal import Decimal

    from babel import Locale

    from saas.kernel.formatting import percent_of_100, percent_of_100_in, points, points_in
    from flask_babel import force_locale

    rng = random.Random(15)
    values = [0, 0.0, -0.0, -0.04, -0.05, 0.05, 0.15, 0.25, 2.45, 99.95, 100, 1234567.25, 1e-9, -12.35, 5,
              Decimal("2.25")] + [rng.uniform(-200, 200) for _ in range(3000)] + \
        [round(rng.uniform(0, 100), 2) for _ in range(3000)]
    for language in ("en", "nl"):
        with app.test_request_context(), force_locale(language):
            fast_points, fast_percent = points_in(Locale.parse(language)), percent_of_100_in(Locale.parse(language))
            assert [fast_points(v) for v in values] == [points(v) for v in values]
            assert [fast_percent(v) for v in values] == [percent_of_100(v) for v in values]
