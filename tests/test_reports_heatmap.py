"""The culture report's heat map (issue 21 point 3): groups × measures against the whole wave, from the
stored release only. Its cells are recomputed here from the release's stored groups, independently of
saas.reports.heatmap; hidden cells and groups say why and carry no number in the page, the JSON, the
CSV and the PDF; a team or cell the release hides never appears; nothing shown is a figure the release
does not hold (the adversary's rule: only released figures and differences of two of them)."""
from __future__ import annotations

import csv
import html
import io
import re
import subprocess
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from saas.anonymity import releases
from saas.anonymity.models import ReleaseGroup
from saas.comparison import charts, synth
from saas.programme.models import Programme, Team, Theme
from saas.reports.release import release_wave
from saas.surveys import service as surveys
from saas.surveys.instruments import TYPES
from saas.surveys.models import Response
from tenants.models import LegacyOrganisation, Tenant
from tests.helpers import signed_in

WC = "wil@heat.example"
ROOT = Path(__file__).resolve().parent.parent
# The README's breakpoints and decimals per kind of measure, written out again here.
BREAKS = {"points": (2, 5, 10), "entropy": (2, 5, 10), "matches": (1, 2, 3), "contract": (0.25, 0.5, 1),
          "scale": (0.1, 0.25, 0.5)}
PLACES = {"points": 1, "entropy": 1, "matches": 0, "contract": 2, "scale": 2}


@pytest.fixture
def heat(app, make):
    """AAL 30 (a team of 28 in it: one of the two is hidden), BEE 25 (a team of 10, none of whom
    answered the scale question; only 3 of BEE did), CUR 12 (a team of 4), DRO 3: DRO has fewer than k,
    and with the whole wave shown one more organisation is hidden to protect it."""
    tenant = make.tenant("heat", legacy_orgs=("AAL", "BEE", "CUR", "DRO"))
    make.member(tenant, WC, roles=["works_council"])
    with make.session(tenant.id) as db:
        orgs = {o.code: o.id for o in db.scalars(select(LegacyOrganisation))}
        programme = Programme(name="Samen", goal="", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
        db.add(programme)
        db.flush()
        theme = Theme(programme_id=programme.id, title="Werk")
        db.add(theme)
        db.flush()
        teams = {name: Team(theme_id=theme.id, name=name) for name in ("Groot team", "Midden team", "Klein team")}
        db.add_all(teams.values())
        db.flush()
        wave = surveys.create_wave(db, name="Nulmeting", groupings=("legacy_org", "team"), programme_id=programme.id,
                                   series_label="T0", opens_on=date(2026, 3, 1),
                                   questions=[{"kind": "likert", "nl": "Ik voel me thuis", "en": "I feel at home"}])
        wave.status = "closed"
        db.flush()
        for code, count, archetype in (("AAL", 30, 0), ("BEE", 25, 1), ("CUR", 12, 2), ("DRO", 3, 3)):
            synth.add_answers(db, wave, orgs[code], count, archetype=archetype, seed=archetype)
        for org, team, count in (("AAL", "Groot team", 28), ("BEE", "Midden team", 10), ("CUR", "Klein team", 4)):
            ids = db.scalars(select(Response.id).where(Response.wave_id == wave.id, Response.legacy_org_id == orgs[org])
                             .order_by(Response.id).limit(count)).all()
            db.execute(update(Response).where(Response.id.in_(ids)).values(team_id=teams[team].id))
        key = wave.questions[0]["key"]
        bee_answering = 0
        for i, response in enumerate(db.scalars(select(Response).where(Response.wave_id == wave.id)
                                                .order_by(Response.id))):
            if response.legacy_org_id == orgs["BEE"]:
                if response.team_id is not None or bee_answering == 3:
                    continue
                bee_answering += 1
            response.answers = {**response.answers, "questions": {key: 1 + i % 5}}
        db.flush()
        release_wave(db, db.get(Tenant, tenant.id), wave)
        db.commit()
        return SimpleNamespace(tenant=tenant, wave=wave.id, orgs=orgs, teams={n: t.id for n, t in teams.items()})


def _stored(make, heat):
    """The release's stored groups: (org id, team id) -> figures; and its pattern of all answers."""
    with make.session(heat.tenant.id) as db:
        release = releases.latest_release(db, "wave", heat.wave)
        groups = {(g.org_id, g.team_id): g.figures
                  for g in db.scalars(select(ReleaseGroup).where(ReleaseGroup.release_id == release.id))}
        return groups, release.patterns["all"]


def _figure(figures: dict, key: str):
    """A measure's released figure, read the README's way (None when the release hides it)."""
    part, _dot, item = key.partition(".")
    if part.startswith("culture_"):
        culture = figures["culture"]
        return None if culture.get("hidden") else culture[part.split("_")[1]][item]
    if part in ("entropy", "alignment"):
        values = figures["values"]
        if values.get("hidden"):
            return None
        return 100 * values["entropy"] if part == "entropy" else len(values["alignment"][item])
    if part == "contract":
        return None if figures["contract"].get("hidden") else figures["contract"]["index"]
    question = next(q for q in figures["questions"] if q["key"] == item)
    return None if question.get("hidden") else question["mean"]


def _kind(key: str) -> str:
    return {"culture_now": "points", "culture_preferred": "points", "entropy": "entropy", "alignment": "matches",
            "contract": "contract", "question": "scale"}[key.split(".")[0]]


def _filters(heat):
    codes = [None, *heat.orgs]
    teams = [None, *heat.teams.values()]
    return [(o, t) for o in codes for t in teams]


def test_every_cell_is_two_released_figures_subtracted_and_hidden_groups_never_appear(app, make, heat):
    groups, pattern = _stored(make, heat)
    codes = {code: org for code, org in heat.orgs.items()}
    whole = groups[(None, None)]
    wim = signed_in(app, WC)
    seen_rows = 0
    for org, team in _filters(heat):
        query = "&".join(p for p in (f"legacy_org={org}" if org else "", f"team={team}" if team else "") if p)
        report = wim.get(f"/t/heat/reports/waves/{heat.wave}.json?{query}").get_json()
        hm = report["heatmap"]
        assert hm["reference"]["n"] == whole["n"] and hm["reference"]["hidden"] is None
        assert [m["key"] for m in hm["measures"]] == [f"culture_{p}.{t}" for p in ("now", "preferred") for t in TYPES] \
            + ["entropy", "alignment.personal_current", "alignment.current_desired", "contract",
               f"question.{whole['questions'][0]['key']}"]
        for measure in hm["measures"]:  # the first row: the whole wave's released figure itself
            assert measure["value"] == pytest.approx(_figure(whole, measure["key"]), abs=1e-9)
        # the rows are the groups the report lays out: its focus when filtered, then its breakdown
        laid_out = ([report["focus"]] if org or team else []) + report["breakdown"]
        assert [row["group"] for row in hm["rows"]] == [item["group"] for item in laid_out]
        for row in hm["rows"]:
            seen_rows += 1
            key = (codes.get(row["group"]["legacy_org"]), row["group"]["team"])
            stored = groups.get(key)
            if stored is None:
                # hidden by the release: listed only as the group the filters chose, or as a legacy organisation
                # (all of them, or those within the chosen team, as the breakdown lists them), with its reason;
                # never a team within an organisation
                assert (row is hm["rows"][0] and (org or team)) or \
                    (row["group"]["legacy_org"] is not None and row["group"]["team"] == team), row
                assert row["cells"] is None and row["n"] is None
                assert row["hidden"] == releases.reason_in(pattern, *key)
                continue
            assert row["n"] == stored["n"] and row["hidden"] is None
            for measure, cell in zip(hm["measures"], row["cells"]):
                mine, everyone = _figure(stored, measure["key"]), _figure(whole, measure["key"])
                if mine is None:
                    assert set(cell) == {"measure", "hidden"} and cell["hidden"] in ("fewer_than_k", "complementary")
                    continue
                kind = _kind(measure["key"])
                difference = round(mine - everyone, PLACES[kind])
                steps = sum(1 for bound in BREAKS[kind] if abs(difference) >= bound - 1e-9)
                assert cell["value"] == pytest.approx(mine, abs=1e-9), (key, measure["key"])
                assert cell["difference"] == pytest.approx(difference, abs=1e-9), (key, measure["key"])
                assert cell["step"] == (steps if difference > 0 else -steps), (key, measure["key"], difference)
    assert seen_rows >= 20
    # the data holds what the test is about: a hidden cell of a shown group, hidden groups of both reasons
    report = wim.get(f"/t/heat/reports/waves/{heat.wave}.json").get_json()
    rows = report["heatmap"]["rows"]
    by_code = {row["group"]["legacy_org"]: row for row in rows}
    assert by_code["DRO"]["hidden"] == "fewer_than_k" and "complementary" in {row["hidden"] for row in rows}
    assert by_code["BEE"]["cells"][-1] == {"measure": report["heatmap"]["measures"][-1]["key"], "hidden": "fewer_than_k"}
    assert {cell["step"] for row in rows if row["cells"] for cell in row["cells"] if cell.get("step")}
    # a team the release hides (4 people) is no row anywhere, whichever filter is chosen
    assert (None, heat.teams["Klein team"]) not in groups and (heat.orgs["CUR"], heat.teams["Klein team"]) not in groups
    for org, team in _filters(heat):
        query = "&".join(p for p in (f"legacy_org={org}" if org else "", f"team={team}" if team else "") if p)
        rows = wim.get(f"/t/heat/reports/waves/{heat.wave}.json?{query}").get_json()["heatmap"]["rows"]
        assert all(row["group"]["team"] != heat.teams["Klein team"] or row["cells"] is None for row in rows)


def _pdf(client, wave: int) -> bytes:
    response = client.submit(f"/t/heat/reports/waves/{wave}/pdf", {"action": "pdf"}, page=f"/t/heat/reports/waves/{wave}")
    assert response.status_code == 303
    download = client.get(response.headers["Location"] + "/download")
    assert download.mimetype == "application/pdf"
    return download.data


def _heat_section(page: str) -> str:
    return re.search(r'<section aria-labelledby="heatmap-heading">.*?</section>', page, re.S).group(0)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_hidden_cells_say_why_and_carry_no_number_in_page_json_csv_and_pdf(app, make, heat, tmp_path):
    wim = signed_in(app, WC)
    base = f"/t/heat/reports/waves/{heat.wave}"
    report = wim.get(base + ".json").get_json()
    hm = report["heatmap"]
    shown = sum(1 for row in hm["rows"] if row["cells"] for cell in row["cells"] if cell.get("difference") is not None)
    hidden_cells = [cell for row in hm["rows"] if row["cells"] for cell in row["cells"] if cell.get("hidden")]
    hidden_rows = [row for row in hm["rows"] if row["hidden"]]
    assert hidden_cells and hidden_rows and shown
    assert all(set(cell) == {"measure", "hidden"} for cell in hidden_cells)

    # the page: every hidden cell and row says why, and no hidden cell holds a figure
    section = _heat_section(wim.text(base))
    table = section.split('class="heat-legend"')[0]
    hidden_tds = re.findall(r'<td[^>]*class="heat-hidden"[^>]*>(.*?)</td>', table, re.S)
    assert len(hidden_tds) == len(hidden_cells) + len(hidden_rows)
    for td in hidden_tds:
        words = _text(td)
        assert words in ("Fewer than 5 answers", "Hidden: protects a smaller group",
                         "Not shown, so that no one can work out a group of fewer than 5 by subtracting figures."), words
    figures = re.findall(r'<td class="heat-(?:[mp][123]|0)">(.*?)</td>', table)
    assert len(figures) == shown and all(re.fullmatch(r"[+-]\d+(?:\.\d+)?", figure) for figure in figures)
    assert "Klein team" not in section
    assert "Question 1: I feel at home" in _text(section)

    # the CSV: a hidden cell or group is a row with its reason and no value
    rows = list(csv.DictReader(io.StringIO(wim.get(base + ".csv").get_data(as_text=True).lstrip("\ufeff"))))
    differences = [r for r in rows if r["measure"] == "heatmap_difference"]
    assert sum(1 for r in differences if r["value"]) == shown
    quiet = [r for r in differences if not r["value"]]
    assert len(quiet) == len(hidden_cells) + len(hidden_rows)
    assert all(r["note"].startswith(("Fewer than 5 answers", "Not shown, so that")) and not r["answers"] for r in quiet)
    for row in hidden_rows:  # one line, no figure
        assert [r["value"] for r in differences if r["legacy_org"] == row["group"]["legacy_org"]] == [""]
    assert not any("Klein" in r["group"] for r in rows)

    # the PDF (its text by pdftotext): the signed numbers are exactly the shown differences, and every
    # hidden row (in each of its tables) and cell says why
    path = tmp_path / "report.pdf"
    path.write_bytes(_pdf(wim, heat.wave))
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True,
                                   text=True).stdout.split())
    heat_text = text.split("Heat map: each group against everyone")[1].split("Key to the heat map")[0]
    negative = sum(1 for measure in hm["measures"] if (measure["value"] or 0) < 0)  # the whole wave's own
    assert len(re.findall(r"(?<![\w.])[+-]\d+(?:\.\d+)?", heat_text)) == shown + negative
    tables = heat_text.count("Difference from everyone, per group and measure")
    assert tables == 3  # the culture profile now, the one preferred, the other measures
    fewer = sum(1 for row in hidden_rows if row["hidden"] == "fewer_than_k") * tables \
        + sum(1 for cell in hidden_cells if cell["hidden"] == "fewer_than_k")
    assert heat_text.count("Fewer than 5") == fewer
    assert heat_text.count("Not shown, so that") == tables * sum(1 for r in hidden_rows if r["hidden"] == "complementary")
    assert "Klein" not in text


@pytest.mark.parametrize("stylesheet", ["saas/static/comparison.css", "templates/reports/report_pdf.css"])
def test_the_scale_diverges_and_every_text_reads_on_its_fill(stylesheet):
    """WCAG 1.4.3: at least 4.5:1 for the text on each step's fill, in the page's and the PDF's styles alike."""
    css = (ROOT / stylesheet).read_text()
    rules = {name: (fill, ink) for name, fill, ink in
             re.findall(r"\.(heat-[mp0-9]+) \{ background: (#[0-9a-f]{6}); color: (#[0-9a-f]{6}); \}", css)}
    assert sorted(rules) == ["heat-0", "heat-m1", "heat-m2", "heat-m3", "heat-p1", "heat-p2", "heat-p3"]

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    for name, (fill, ink) in rules.items():
        light, dark = sorted((luminance(fill), luminance(ink)), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, name
    # darker with each step away from 0, on both sides
    for side in "mp":
        assert luminance(rules["heat-0"][0]) > luminance(rules[f"heat-{side}1"][0]) \
            > luminance(rules[f"heat-{side}2"][0]) > luminance(rules[f"heat-{side}3"][0])
    if stylesheet.endswith("report_pdf.css"):  # the same colours as on the page
        page = (ROOT / "saas/static/comparison.css").read_text()
        for name, (fill, ink) in rules.items():
            assert f".{name} {{ background: {fill}; color: {ink}; }}" in page


def test_the_distance_grid_stays_readable_on_a_phone_with_many_organisations():
    """The comparison's grid of distances (a known defect: with more than four legacy organisations it was
    drawn wider and so, scaled into a phone's box, its text fell below 9 px): each pair once, in blocks."""
    codes = ["AAL", "BEE", "CUR", "DRO", "EMM", "FOX", "GRA", "HUI"]
    cells = {(a, b): (10.0 + i, 8.0 + i, 12.0 + i) for i, (a, b) in
             enumerate((a, b) for n, a in enumerate(codes) for b in codes[n + 1:])}
    svg = str(charts.heatmap("distance-now", "Distance", "desc", codes, cells, lambda v: f"{v:.1f}", "note"))
    width, _height = charts.size(svg)
    assert charts.SMALL * (358 / width) >= 9  # a 390 px phone leaves the chart a box of about 358 px
    for distance, low, high in cells.values():  # every pair drawn once, with its interval
        assert svg.count(f">{distance:.1f}<") == 1 and svg.count(f">{low:.1f}–{high:.1f}<") == 1
