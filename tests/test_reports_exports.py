"""The culture report's downloads as the works council opens them (issue 17): every table of the PDF
fits the A4 page with all its column headers, in Dutch and English; the CSV a Dutch spreadsheet reads
(semicolons, decimal commas, a BOM) and the XLSX beside it, with the same released figures."""
from __future__ import annotations

import html
import re
import subprocess
from xml.etree import ElementTree as ET

import pytest

from tests.helpers import signed_in
from tests.test_reports import WC, council  # noqa: F401  (the fixture)


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
