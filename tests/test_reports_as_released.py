"""A closed wave's report shows the organisations as they were when the wave was released (issue 17,
defect 12): a legacy organisation added after the close is no group of that wave, on the page, in the
JSON, the CSV, the XLSX and the PDF."""
from __future__ import annotations

import io
import subprocess
from datetime import date

import openpyxl

from saas.anonymity import releases
from saas.comparison import synth
from saas.programme.models import Programme
from saas.reports.release import release_wave
from saas.surveys import service as surveys
from saas.surveys.models import Wave
from tenants.models import LegacyOrganisation, Tenant
from tests.helpers import signed_in
from tests.test_reports import WC, council  # noqa: F401  (the fixture)
from tests.test_reports_exports import _pdf

LATE = "Laatkomer Zorg"


def test_an_organisation_added_after_the_close_is_in_no_format_of_that_waves_report(app, make, council, tmp_path):  # noqa: F811
    with make.session(council.tenant.id) as db:
        db.add(LegacyOrganisation(tenant_id=council.tenant.id, code="LAT", name=LATE))
        db.commit()
    wim = signed_in(app, WC)
    base = f"/t/ors/reports/waves/{council.wave}"
    page = wim.text(base)
    assert "AAL" in page and LATE not in page and "(LAT)" not in page
    report = wim.get(base + ".json").get_json()
    assert [o["code"] for o in report["filter_options"]["legacy_orgs"]] == ["AAL", "BEE", "CUR"]
    assert [row["group"]["legacy_org"] for row in report["breakdown"]] == ["AAL", "BEE", "CUR"]
    assert all(LATE not in row["label"] for row in report["participation"]["by_legacy_org"])
    csv_text = wim.get(base + ".csv").get_data(as_text=True)
    assert "AAL" in csv_text and LATE not in csv_text and "LAT" not in csv_text.replace("LATE", "")
    sheet = openpyxl.load_workbook(io.BytesIO(wim.get(base + ".xlsx").data)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any("AAL" in c for c in cells) and not any(LATE in c or c == "LAT" for c in cells)
    path = tmp_path / "report.pdf"
    path.write_bytes(_pdf(wim, council.wave))
    words = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    assert "AAL" in words and "Laatkomer" not in words and "LAT)" not in words
    # asking for the late organisation's figures of that wave: it is no group of it
    late = wim.get(base + ".json?legacy_org=LAT")
    assert late.status_code == 400 and "added after this wave" in late.get_json()["detail"]
    with make.session(council.tenant.id) as db:
        release = releases.latest_release(db, "wave", council.wave)
        assert sorted(release.figures["groups"]["orgs"]) == sorted(council.orgs.values())


def test_a_later_wave_with_the_new_organisation_says_it_did_not_exist_yet_in_the_earlier_one(app, make, council):  # noqa: F811
    with make.session(council.tenant.id) as db:
        programme = Programme(name="Samen verder", goal="", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
        db.add(programme)
        db.flush()
        db.get(Wave, council.wave).programme_id = programme.id
        late = LegacyOrganisation(tenant_id=council.tenant.id, code="LAT", name=LATE)
        db.add(late)
        db.flush()
        later = surveys.create_wave(db, name="Eindmeting", series_label="T2", programme_id=programme.id,
                                    opens_on=date(2026, 9, 1))
        later.status = "closed"
        db.flush()
        for org, count, archetype in ((council.orgs["AAL"], 30, 0), (council.orgs["BEE"], 25, 1), (late.id, 12, 3)):
            synth.add_answers(db, later, org, count, archetype=archetype, seed=archetype)
        release_wave(db, db.get(Tenant, council.tenant.id), later)
        later_id = later.id
        db.commit()
    wim = signed_in(app, WC)
    report = wim.get(f"/t/ors/reports/waves/{later_id}.json?legacy_org=LAT").get_json()
    assert report["focus"]["n"] == 12
    assert [(p["wave"]["series_label"], p["n"], p["hidden"]) for p in report["trend"]] == \
        [("T0", None, "not_yet"), ("T2", 12, None)]
    page = wim.text(f"/t/ors/reports/waves/{later_id}?legacy_org=LAT")
    assert "This group did not exist yet when this wave&#39;s figures were released." in page
    # the earlier wave's report, asked for the new organisation: refused, saying why, not "fewer than 5 answers"
    earlier = wim.get(f"/t/ors/reports/waves/{council.wave}?legacy_org=LAT", follow_redirects=True)
    assert "was added after this wave&#39;s figures were released" in earlier.get_data(as_text=True)
    refused = wim.submit(f"/t/ors/reports/waves/{council.wave}/pdf", {"legacy_org": "LAT", "action": "pdf"},
                         page=f"/t/ors/reports/waves/{council.wave}")
    assert "/files/" not in refused.headers.get("Location", "")
