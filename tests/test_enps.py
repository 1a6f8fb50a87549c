"""The eNPS question (issue 21 point 4): off unless a wave turns it on; answered on the survey's pages
without JavaScript as a radio group 0–10 with named ends; taken in by the JSON submission (the intake's
fast path) and the CSV import like every other answer; counted in the release as eNPS =
% promoters (9–10) − % detractors (0–6). Every channel without e-mail (answer codes, SMS, kiosk) runs
these same step pages (saas.surveys.answering.views._step)."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from saas.surveys import importer, service
from saas.surveys.instruments import CONTRACT_ITEMS
from saas.surveys.models import PooledAnswer, Response, Wave
from tenants.models import LegacyOrganisation, Membership, Tenant
from tests.helpers import works_council
from tests.test_respond import CONTRACT, Respondent, culture


@pytest.fixture
def enps_survey(app, make):
    tenant = make.tenant("aanbeveel")
    for i, name in enumerate(("ans", "bob")):
        make.member(tenant, f"{name}@aanbeveel.example", legacy_org_id=tenant.legacy_org_ids[i])
    with make.session(tenant.id) as db:
        wave = service.create_wave(db, name="Meting", instruments=("contract",), groupings=("legacy_org",),
                                   asks_enps=True)
        assert wave.asks_enps and not service.create_wave(db, name="Zonder", instruments=("contract",)).asks_enps
        service.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 11, 2), decision="Akkoord.")
        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        members = [m for m in db.scalars(select(Membership)) if m.user.email.endswith("@aanbeveel.example")]
        tenant.tokens = {m.user.email.split("@")[0]: token for m, token in service.invite(db, wave, members)}
        tenant.wave_id = wave.id
    return tenant


def test_the_enps_step_is_a_labelled_radio_group_that_must_be_answered(app, make, enps_survey):
    ans = Respondent(app)
    ans.open(f"/t/aanbeveel/survey/{enps_survey.tokens['ans']}")
    ans.send()
    ans.send({"legacy_org_id": str(enps_survey.legacy_org_ids[0])})
    ans.send(CONTRACT)
    assert ans.step == "recommend"
    page = ans.page()
    tenant_name = page.split("<legend>How likely is it that you would recommend ", 1)[1].split(" as an employer")[0]
    assert tenant_name and "as an employer to a friend or acquaintance?</legend>" in page
    assert page.count('type="radio" id="enps-') == 11 and 'name="enps" value="0"' in page \
        and 'name="enps" value="10"' in page
    assert "Not at all likely" in page and "Extremely likely" in page and 'aria-describedby="enps-help"' in page

    response = ans.send({})  # nothing chosen: the same page, with the reason, linked to the first choice
    assert response.status_code == 200 and ans.step == "recommend"
    refused = response.get_data(as_text=True)
    assert "Choose a number from 0 to 10." in refused and 'href="#enps-0"' in refused
    ans.send({"enps": "11"})
    assert ans.step == "recommend"  # 11 is no answer
    ans.send({"enps": "9"})
    assert ans.step == "review" and ">9</dd>" in ans.page()
    ans.send(action="submit")
    assert ans.step == "thanks"
    with make.session(enps_survey.id) as db:
        [pooled] = db.scalars(select(PooledAnswer)).all()
        assert pooled.payload["answers"]["enps"] == 9

    preview = f"/t/aanbeveel/survey/preview/{enps_survey.wave_id}/step/recommend"
    dutch = app.test_client()
    dutch.login(enps_survey.admin_email)
    dutch.submit("/language", {"language": "nl", "next": preview}, page=preview)
    dutch_page = dutch.text(preview)
    assert "Hoe waarschijnlijk is het dat je" in dutch_page and "Zeer onwaarschijnlijk" in dutch_page


def test_the_json_submission_takes_enps_and_refuses_it_missing_or_out_of_range(app, make, enps_survey):
    api = app.test_client()
    url = f"/t/aanbeveel/survey/{enps_survey.tokens['bob']}/answers.json"
    contract = {item.key: 3 for item in CONTRACT_ITEMS}
    for enps in (None, 11, -1, "7", True):
        answers = {"contract": contract, **({} if enps is None else {"enps": enps})}
        response = api.post(url, json={"answers": answers})
        assert response.status_code == 400 and response.get_json()["part"] == "enps", enps
    response = api.post(url, json={"answers": {"contract": contract, "enps": 0}})
    assert response.status_code == 201
    with make.session(enps_survey.id) as db:
        [pooled] = db.scalars(select(PooledAnswer)).all()
        assert pooled.payload["answers"]["enps"] == 0
        other = service.create_wave(db, name="Zonder eNPS", instruments=("contract",))
        with pytest.raises(service.DomainError):  # a wave that does not ask it refuses it
            service.clean_answers(other, {"contract": contract, "enps": 5})


def test_the_csv_import_takes_an_optional_enps_column(app, make, enps_survey):
    header = ",".join(importer.COLUMNS)
    culture_cells = {**{k: v for k, v in culture("now").items()}, **culture("preferred")}

    def line(enps: str) -> str:
        cells = {"legacy_org": "AAL", "team": "", "personal_values": "", "team_values": "", "current_values": "",
                 "desired_values": "", **culture_cells, "enps": enps}
        return ",".join(cells[c] for c in importer.COLUMNS)

    rows = importer.read_rows(io.StringIO("\n".join([header, line("10"), line(""), line("3")]) + "\n", newline=""))
    assert [row["enps"] for row in rows] == [10, None, 3]
    with pytest.raises(importer.ImportErrors) as wrong:
        importer.read_rows(io.StringIO("\n".join([header, line("12"), line("x")]) + "\n", newline=""))
    assert [e.split(":")[0] for e in wrong.value.errors] == ["line 2, column enps", "line 3, column enps"]
    with make.session(enps_survey.id) as db:
        wave = service.create_wave(db, name="Earlier", instruments=("values", "culture"), asks_enps=True)
        org_code = db.scalars(select(LegacyOrganisation.code).order_by(LegacyOrganisation.code)).first()
        rows = importer.read_rows(io.StringIO("\n".join([header, line("10").replace("AAL", org_code, 1),
                                                          line("").replace("AAL", org_code, 1)]) + "\n", newline=""))
        assert importer.import_responses(db, wave, rows) == 2
        stored = sorted((r.answers.get("enps", -1) for r in db.scalars(select(Response).where(Response.wave_id == wave.id))))
        assert stored == [-1, 10]
        without = service.create_wave(db, name="Earlier without", instruments=("values", "culture"))
        with pytest.raises(importer.ImportErrors) as refused:
            importer.import_responses(db, without, rows)
        assert "does not ask the eNPS question" in refused.value.errors[0]
        db.rollback()


def test_the_admin_turns_enps_on_when_setting_up_a_wave(app, make, enps_survey):
    admin = app.test_client()
    admin.login(enps_survey.admin_email)
    form = admin.text("/t/aanbeveel/waves/new")
    assert 'name="asks_enps"' in form and "Also ask the eNPS question" in form
    with make.session(enps_survey.id) as db:
        wave = db.get(Wave, enps_survey.wave_id)
        assert wave.asks_enps
    page = admin.text(f"/t/aanbeveel/waves/{enps_survey.wave_id}")
    assert "The eNPS question (0 to 10)" in page
