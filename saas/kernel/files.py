"""Files that come in and go out: what an upload really is, CSV cells a spreadsheet will not run,
and PDFs that never fetch anything."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from numbers import Number

from babel.numbers import get_decimal_symbol
from openpyxl import Workbook
from openpyxl.styles import Font

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def sniff_content_type(data: bytes) -> str | None:
    """The type of a file by its content, not its name (PDF, PNG, JPEG, PowerPoint, Word); None for
    anything else. Each caller accepts the types it wants of these."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    return None


def _office_type(data: bytes) -> str | None:
    """An Office Open XML file is a zip archive; what it holds says which."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError):
        return None  # a damaged or crafted archive is simply not a document
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("ppt/") for n in names):
        return PPTX
    if "word/document.xml" in names:
        return DOCX
    return None


def csv_cell(value) -> str:
    """A value as a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def table_csv(header, rows, locale) -> bytes:
    """A table as a CSV file the reader's spreadsheet opens in columns: where the locale writes a
    decimal comma (Dutch) the cells are separated by semicolons and numbers get the comma, as a
    Dutch Excel expects; elsewhere commas and decimal points. The byte-order mark tells Excel the
    file is UTF-8, so ë and é survive a double-click. Text is never a formula (`csv_cell`)."""
    point = get_decimal_symbol(locale) if locale is not None else "."
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if point == "," else ",", lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([_number_cell(v, point) if _is_number(v) else csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_xlsx(title: str, header, rows) -> bytes:
    """The same table as an Excel workbook (openpyxl): numbers are numbers whatever the reader's
    locale, text stays text (a cell starting with "=" is stored as a string, never a formula)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet"
    sheet.append([str(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _is_number(value) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)


def _number_cell(value, point: str) -> str:
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    return text.replace(".", point)


def _xlsx_value(value):
    if value is None:
        return None
    if isinstance(value, (date, datetime)) and getattr(value, "tzinfo", None) is None:
        return value  # a real date in the sheet; the caller gives it in the reader's time zone (Excel keeps none)
    if isinstance(value, Decimal):
        return float(value)
    return value if _is_number(value) else str(value)


def pdf(html: str, stylesheet: str, *, images: bool = False) -> bytes:
    """A PDF of our own HTML and CSS (WeasyPrint). It never fetches a URL or a file: whatever a
    user's text links to stays out. `images`: data: URLs are read (an image the caller embedded, such as
    a logo it checked on upload; a user's text is escaped, so it cannot add one), still nothing else."""
    # A documented lazy import: WeasyPrint takes a moment to load, and only PDF exports need it.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=("data",) if images else ())
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[CSS(string=stylesheet, url_fetcher=fetcher)])
