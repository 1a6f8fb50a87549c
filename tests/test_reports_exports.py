"""The culture report's downloads as the works council opens them (issue 17): every table of the PDF
fits the A4 page with all its column headers, in Dutch and English; the CSV a Dutch spreadsheet reads
(semicolons, decimal commas, a BOM) and the XLSX beside it, with the same released figures."""
from __future__ import annotations

import csv
import html
import io
import re
import subprocess

import openpyxl
import pytest

from saas.kernel.files import XLSX as XLSX_TYPE
from tests.helpers import signed_in
from tests.test_reports import WC, _log, council  # noqa: F401  (the fixture)


def _headers(page: str) -> list[str]:
    """The column headers of every table on the report page (the PDF lays out the same body)."""
    found = []
    for head in re.findall(r"<thead>(.*?)</thead>", page, flags=re.S):
        for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, flags=re.S):
            found.append(html.unescape(re.sub(r"<[^>]+>", "", cell)).strip())
    return [h for h in found if h]


def _words_on_pages(pdf: bytes, tmp_path) -> tuple[list[str], list[str]]:
    """(words drawn inside their page, words drawn beyond its right or bottom edge), by pdftotext -bbox."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True).stdout
    inside, outside = [], []
    for page in re.findall(r"<page (.*?)</page>", out, flags=re.S):
        width = float(re.search(r'width="([\d.]+)"', page).group(1))
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        for x_max, y_max, word in re.findall(r'<word xMin="[\d.-]+" yMin="[\d.-]+" xMax="([\d.-]+)" '
                                             r'yMax="([\d.-]+)">(.*?)</word>', page):
            (inside if float(x_max) <= width and float(y_max) <= height else outside).append(html.unescape(word))
    return inside, outside


def _pdf(client, wave: int) -> bytes:
    response = client.submit(f"/t/ors/reports/waves/{wave}/pdf", {"action": "pdf"},
                             page=f"/t/ors/reports/waves/{wave}")
    assert response.status_code == 303
    download = client.get(response.headers["Location"] + "/download")
    assert download.mimetype == "application/pdf"
    return download.data


@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_column_header_of_every_table_is_on_the_pdf_page(app, council, tmp_path, language):  # noqa: F811
    wim = signed_in(app, WC)
    if language == "nl":
        wim.submit("/language", {"language": "nl"}, page=f"/t/ors/reports/waves/{council.wave}")
    page = wim.text(f"/t/ors/reports/waves/{council.wave}")
    headers = _headers(page)
    assert ("Contractindex" if language == "nl" else "Contract index") in headers
    inside, outside = _words_on_pages(_pdf(wim, council.wave), tmp_path)
    assert not outside, f"drawn off the page: {outside[:20]}"
    for header in headers:  # a header may wrap inside its cell: each of its words is on the page
        missing = [word for word in header.split() if word not in inside]
        assert not missing, f"column header {header!r} is not on the page: {missing}"


# ---- CSV and XLSX for spreadsheets -------------------------------------------------------------

def test_the_dutch_csv_has_semicolons_decimal_commas_and_readable_notes(app, council):  # noqa: F811
    """A Dutch Excel reads a comma-separated file as one column; the Dutch CSV is what it expects."""
    wim = signed_in(app, WC)
    wim.submit("/language", {"language": "nl"}, page=f"/t/ors/reports/waves/{council.wave}")
    body = wim.get(f"/t/ors/reports/waves/{council.wave}.csv").get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    report = wim.get(f"/t/ors/reports/waves/{council.wave}.json").get_json()
    clan_now = next(r for r in rows if r["legacy_org"] == "AAL" and r["measure"] == "culture_now")
    expected = report["breakdown"][0]["culture"]["now"]["clan"]
    assert clan_now["value"] == f"{expected}".replace(".", ",") and "," in clan_now["value"]
    assert float(clan_now["value"].replace(",", ".")) == expected
    assert not any("." in r["value"] for r in rows)
    # the wave's answers came without personal invitations: no rate, said so, with the answers counted
    participation = rows[0]
    assert participation["measure"] == "participation" and participation["answers"] == str(report["focus"]["n"])
    assert "niemand persoonlijk uitgenodigd" in participation["note"].lower() and "too_small" not in body.decode()
    cur = [r for r in rows if r["legacy_org"] == "CUR"]  # the breakdown's row and the heat map's
    assert len(cur) == 2 and all(r["value"] == "" and "Minder dan 5 antwoorden" in r["note"] for r in cur)


def test_the_xlsx_holds_the_csvs_released_figures_as_numbers(app, make, council):  # noqa: F811
    wim = signed_in(app, WC)
    response = wim.get(f"/t/ors/reports/waves/{council.wave}.xlsx?legacy_org=")
    assert response.status_code == 200 and response.mimetype == XLSX_TYPE
    assert "culture-report-nulmeting.xlsx" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0] == ["group", "legacy_org", "team", "measure", "item", "value", "answers", "note"]
    csv_rows = list(csv.reader(io.StringIO(wim.get(f"/t/ors/reports/waves/{council.wave}.csv")
                                           .get_data(as_text=True).lstrip("\ufeff"))))
    assert len(table) == len(csv_rows)
    report = wim.get(f"/t/ors/reports/waves/{council.wave}.json").get_json()
    by = {(r[1], r[3], r[4]): r for r in table[1:]}
    aal = report["breakdown"][0]
    clan = next(name for name in (r[4] for r in table[1:] if r[3] == "culture_now"))
    assert by[("AAL", "culture_now", clan)][5] == aal["culture"]["now"]["clan"]
    assert isinstance(by[("AAL", "answers", None)][5], int) and by[("AAL", "answers", None)][5] == aal["n"]
    cur = [r for r in table[1:] if r[1] == "CUR"]  # hidden: a row that says so, with no number (and the heat map's)
    assert len(cur) == 2 and all(r[5] is None and "Fewer than 5 answers" in r[7] for r in cur)
    assert not [r for r in table[1:] if r[1] == "BEE" and r[5] is not None]
    assert [kind for _e, kind, _f in _log(make, council.tenant.id)][0] == "xlsx"
    assert "XLSX" in wim.text(f"/t/ors/reports/waves/{council.wave}")  # the page offers it
