"""Drivers and eNPS in a wave's release (issue 21 point 4): computed once in the release, stored with it, and
shown from the stored figures only. The stored figures are recomputed here from the responses by other
means (plain counting for eNPS; Johnson's route through the singular value decomposition and an OLS fit for
the weights, tests/test_drivers_maths.py); a group too small for the minimum-n rule says why and carries no
number in the JSON, the page, the CSV and the PDF; values enter only where k people have them and k do not."""
from __future__ import annotations

import csv
import io
import re
import subprocess
from types import SimpleNamespace

import numpy as np
import pytest
from sqlalchemy import select

from saas.anonymity import drivers as rule
from saas.anonymity import releases
from saas.comparison import synth
from saas.reports.release import release_wave
from saas.surveys import service as surveys
from saas.surveys.instruments import contract_index
from saas.surveys.models import Response
from tenants.models import LegacyOrganisation, Tenant
from tests.helpers import signed_in
from tests.test_drivers_maths import _johnson_by_svd, _r2

WC = "wim@drivers.example"


@pytest.fixture
def drivers_wave(app, make):
    """AAL 90 and BEE 70 answers (enough for drivers), CUR 12 (shown, but too few for drivers); the wave asks
    eNPS and one scale question, whose answers lean on the respondent's eNPS."""
    tenant = make.tenant("drivers", legacy_orgs=("AAL", "BEE", "CUR"))
    make.member(tenant, WC, roles=["works_council"])
    with make.session(tenant.id) as db:
        orgs = {o.code: o.id for o in db.scalars(select(LegacyOrganisation))}
        wave = surveys.create_wave(db, name="Tussenmeting", groupings=("legacy_org",), asks_enps=True,
                                   questions=[{"kind": "likert", "nl": "Ik voel me gehoord", "en": "I feel heard"}])
        wave.status = "closed"
        db.flush()
        for code, count, archetype in (("AAL", 90, 0), ("BEE", 70, 1), ("CUR", 12, 2)):
            synth.add_answers(db, wave, orgs[code], count, archetype=archetype, seed=archetype + 10)
        rng = np.random.default_rng(7)
        for response in db.scalars(select(Response).where(Response.wave_id == wave.id).order_by(Response.id)):
            heard = int(np.clip(round(1 + response.answers["enps"] / 2.5 + rng.normal(0, 0.8)), 1, 5))
            response.answers = {**response.answers, "questions": {"q1": heard}}
        db.flush()
        release_wave(db, db.get(Tenant, tenant.id), wave)
        db.commit()
        return SimpleNamespace(tenant=tenant, wave=wave.id, orgs=orgs)


def _stored(make, fixture):
    with make.session(fixture.tenant.id) as db:
        release = releases.latest_release(db, "wave", fixture.wave)
        groups = {(g.org_id, g.team_id): g.figures for g in releases.groups(db, release)}
        answers = [(r.legacy_org_id, r.answers) for r in db.scalars(select(Response).where(Response.wave_id == fixture.wave))]
        return release.k, groups, answers


def test_enps_and_drivers_are_the_stored_release_recomputed_independently(app, make, drivers_wave):
    k, groups, answers = _stored(make, drivers_wave)
    whole = groups[(None, None)]

    # eNPS by plain counting, per group
    for org in (None, *drivers_wave.orgs.values()):
        given = [a["enps"] for o, a in answers if org is None or o == org]
        promoters, detractors = sum(1 for x in given if x >= 9), sum(1 for x in given if x <= 6)
        figure = groups[(org, None)]["enps"]
        assert figure["n"] == len(given) and figure["score"] == round(100 * (promoters - detractors) / len(given))
        assert figure["interval"][0] <= figure["score"] <= figure["interval"][1]

    # drivers of the whole wave: the predictors as stored, the weights recomputed by Johnson's own route
    [contract, enps] = whole["drivers"]["outcomes"]
    assert (contract["outcome"], enps["outcome"]) == ("contract", "enps") and not contract["hidden"]
    keys = [(w["kind"], w["key"]) for w in contract["weights"]]
    assert ("question", "q1") in keys and any(kind == "value" for kind, _key in keys)
    assert [w["weight"] for w in contract["weights"]] == sorted((w["weight"] for w in contract["weights"]), reverse=True)

    def column(kind, key, answer):
        if kind == "question":
            return answer["questions"][key]
        values = answer["values"]
        return float(key in values["personal"] and key in values["org_current"])

    for outcome, target in ((contract, lambda a: contract_index(a["contract"])), (enps, lambda a: a["enps"])):
        order = [(w["kind"], w["key"]) for w in outcome["weights"]]
        X = np.array([[column(kind, key, a) for kind, key in order] for _o, a in answers])
        y = np.array([target(a) for _o, a in answers])
        expected = _johnson_by_svd(X, y)
        assert [w["weight"] for w in outcome["weights"]] == pytest.approx(expected, abs=6e-5)
        assert outcome["r2"] == pytest.approx(_r2(X, y), abs=6e-4)
        assert sum(w["weight"] for w in outcome["weights"]) == pytest.approx(outcome["r2"], abs=1e-3)
        assert sum(w["share"] for w in outcome["weights"]) == pytest.approx(100, abs=0.1 * len(order))
        assert outcome["n"] == len(answers) and outcome["predictors"] == len(order)
        for w in outcome["weights"]:
            assert w["interval"][0] <= w["interval"][1] and w["share_interval"][0] <= w["share_interval"][1]
        for kind, key in order:  # each value: at least k answers have it and k do not
            if kind == "value":
                flags = [column(kind, key, a) for _o, a in answers]
                assert rule.indicator_usable(int(sum(flags)), len(flags), k)

    # AAL (90) and BEE (70) show drivers over their own answers, with the values that may enter there; CUR (12)
    # is shown, but not its drivers
    for code in ("AAL", "BEE"):
        org = drivers_wave.orgs[code]
        own = [a for o, a in answers if o == org]
        stored = groups[(org, None)]["drivers"]["outcomes"][0]
        order = [(w["kind"], w["key"]) for w in stored["weights"]]
        assert stored["n"] == len(own) >= rule.drivers_min_n(len(order), k) and stored["predictors"] == len(order)
        assert set(order) <= set(keys) and ("question", "q1") in order
        for kind, key in set(keys) - {("question", "q1")}:
            flags = [column(kind, key, a) for a in own]
            assert rule.indicator_usable(int(sum(flags)), len(flags), k) == ((kind, key) in order)
        X = np.array([[column(kind, key, a) for kind, key in order] for a in own])
        y = np.array([contract_index(a["contract"]) for a in own])
        assert [w["weight"] for w in stored["weights"]] == pytest.approx(_johnson_by_svd(X, y), abs=6e-5)
    cur = groups[(drivers_wave.orgs["CUR"], None)]
    assert cur["drivers"] == {"outcomes": [{"outcome": "contract", "hidden": rule.TOO_FEW_FOR_DRIVERS},
                                           {"outcome": "enps", "hidden": rule.TOO_FEW_FOR_DRIVERS}]}


def test_drivers_show_on_the_page_json_csv_and_pdf_and_a_small_group_only_says_why(app, make, drivers_wave, tmp_path):
    _k, groups, _answers = _stored(make, drivers_wave)
    whole = groups[(None, None)]["drivers"]["outcomes"][0]
    base = f"/t/drivers/reports/waves/{drivers_wave.wave}"
    with signed_in(app, WC) as wim:
        report = wim.get(base + ".json").get_json()
        assert report["focus"]["drivers"] == groups[(None, None)]["drivers"]
        assert report["focus"]["enps"] == groups[(None, None)]["enps"]
        cur = next(item for item in report["breakdown"] if item["group"]["legacy_org"] == "CUR")
        assert cur["drivers"]["outcomes"][0] == {"outcome": "contract", "hidden": "too_few_for_drivers"}
        enps_column = next(m for m in report["heatmap"]["measures"] if m["key"] == "enps")
        assert enps_column["value"] == groups[(None, None)]["enps"]["score"]

        page = wim.text(base)
        section = re.search(r'<section aria-labelledby="drivers-heading".*?</section>', page, re.S).group(0)
        assert "It is an association, not a cause" in section and "Question: I feel heard" in section
        assert "Psychological-contract index" in section and "Share of R²" in section
        cur_part = section.split("Gemeente Cur")[1].split("<h3>")[0] if "Gemeente Cur" in section else \
            section.split("(CUR)")[1].split("<h3>")[0]
        assert "Too few answers to weigh" in cur_part and not re.search(r"\d", re.sub(r"eNPS: [^<]*", "", cur_part)
                                                                           .split("Drivers of")[1])

        rows = list(csv.DictReader(io.StringIO(wim.get(base + ".csv").get_data(as_text=True).lstrip("\ufeff"))))
        drivers_rows = [r for r in rows if r["measure"] in ("driver", "drivers", "drivers_r2")]
        assert any(r["measure"] == "driver" and r["item"].startswith("Psychological-contract index: Question")
                   for r in drivers_rows)
        hidden = [r for r in drivers_rows if "CUR" in r["group"]]
        assert hidden and all(r["measure"] == "drivers" and r["value"] == "" and r["answers"] == "" for r in hidden)
        assert any(r["measure"] == "enps" and r["group"].startswith("Everyone") for r in rows)

        with make.session(drivers_wave.tenant.id) as db:
            db.execute(Tenant.__table__.update().where(Tenant.id == drivers_wave.tenant.id).values(language="nl"))
            db.commit()
        wim.submit("/language", {"language": "nl", "next": base}, page=base)
        dutch = wim.text(base)
        assert "Het is een samenhang, geen oorzaak" in dutch

        path = tmp_path / "report.pdf"
        response = wim.submit(base + "/pdf", {"action": "pdf"}, page=base)
        path.write_bytes(wim.get(response.headers["Location"] + "/download").data)
        text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True,
                                       text=True).stdout.split())
        assert "geen oorzaak" in text and "eNPS" in text
        top = whole["weights"][0]
        assert f"{top['weight']:.4f}".replace(".", ",") in text
