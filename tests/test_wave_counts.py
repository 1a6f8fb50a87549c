"""How a wave's answer count is worded (issue 17, defects 8 and 9): "so far" while it is open, the final
count once it is closed ("Tot nu toe 157 antwoorden" was shown on a closed wave), and the participation rows
of the CSV and XLSX in words, never the status key `too_small`."""
import csv
import io
from datetime import date

import openpyxl
from sqlalchemy import select

from saas.reports.release import release_wave
from saas.surveys import service
from saas.surveys.models import Wave
from tests.helpers import signed_in, works_council
from tenants.models import Membership, Tenant

ADMIN, WC = "ada@oost.example", "wim@oost.example"


def _values(wave, i):
    return {"values": {"personal": [wave.value_keys[i % len(wave.value_keys)]], "team_current": [],
                       "org_current": [wave.value_keys[(i + 1) % len(wave.value_keys)]], "org_desired": []}}


def test_an_open_wave_counts_answers_so_far_and_a_closed_one_gives_the_final_count(app, make):
    tenant = make.tenant("oost")  # legacy organisations AAL, BEE, CUR
    make.member(tenant, ADMIN, roles=["admin"], legacy_org_id=tenant.legacy_org_ids[0])
    make.member(tenant, WC, roles=["works_council"], legacy_org_id=tenant.legacy_org_ids[0])
    for i in range(12):  # BEE gets 3 invitations: too few to show its rate
        make.member(tenant, f"p{i}@oost.example", legacy_org_id=tenant.legacy_org_ids[0 if i < 9 else 1])
    with make.session(tenant.id) as db:
        wave = service.create_wave(db, name="Meting", instruments=("values",), groupings=("legacy_org",))
        service.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 11, 2), decision="De OR stemt in.")
        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        members = db.scalars(select(Membership).order_by(Membership.id)).all()
        tokens = [token for _m, token in service.invite(db, wave, members)]
        wave_id = wave.id
    for i, token in enumerate(tokens[:8]):
        with make.session(tenant.id) as db:
            wave = db.get(Wave, wave_id)
            service.submit(db, wave, service.invitation_for_token(db, token), _values(wave, i),
                           {"legacy_org_id": tenant.legacy_org_ids[0]}, date.today())

    ada = signed_in(app, ADMIN)
    page = ada.text(f"/t/oost/waves/{wave_id}")
    assert "8 of them have answered so far." in page and "final count" not in page
    ada.submit("/language", {"language": "nl"}, page=f"/t/oost/waves/{wave_id}")
    assert "tot nu toe" in ada.text(f"/t/oost/waves/{wave_id}").lower()

    with make.session(tenant.id) as db:
        service.close_wave(db, db.get(Wave, wave_id))
    with make.session(tenant.id) as db:
        release_wave(db, db.get(Tenant, tenant.id), db.get(Wave, wave_id))
    page = ada.text(f"/t/oost/waves/{wave_id}")
    assert "tot nu toe" not in page.lower() and "8 van hen hebben geantwoord: het eindtotaal" in page
    ada.submit("/language", {"language": "en"}, page=f"/t/oost/waves/{wave_id}")
    page = ada.text(f"/t/oost/waves/{wave_id}")
    assert "so far" not in page and "8 of them answered: the final count, the wave is closed." in page

    # the participation rows of the exports say in words why a rate is not shown
    wim = signed_in(app, WC)
    body = wim.get(f"/t/oost/reports/waves/{wave_id}.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = [r for r in csv.DictReader(io.StringIO(body)) if r["measure"] == "participation"]
    assert rows and "too_small" not in body and "complementary" not in body
    assert any(r["value"] == "" and "Fewer than" in r["note"] or "Not shown" in r["note"] for r in rows)
    sheet = openpyxl.load_workbook(io.BytesIO(wim.get(f"/t/oost/reports/waves/{wave_id}.xlsx").data)).active
    cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert "participation" in cells and not any("too_small" in cell or "complementary" in cell for cell in cells)
