"""Files that come in and go out: what an upload really is, CSV cells a spreadsheet will not run,
and PDFs that never fetch anything."""
from __future__ import annotations

import io
import zipfile

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
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


def pdf(html: str, stylesheet: str) -> bytes:
    """A PDF of our own HTML and CSS (WeasyPrint). It never fetches a URL or a file: whatever a
    user's text links to stays out."""
    # A documented lazy import: WeasyPrint takes a moment to load, and only PDF exports need it.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=())
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[CSS(string=stylesheet, url_fetcher=fetcher)])
