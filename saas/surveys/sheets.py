"""The printable sheets of answer codes (issue 20, point 2): slips to cut out and a poster (WeasyPrint, segno).

The slips are made once, from the plain codes in memory (saas.surveys.codes.order_batch keeps only hashes):
ten to an A4, each with the code, a QR code that opens the survey with it, the close date and two lines on
anonymity, in the tenant's language. The poster holds no code: the survey's short address (the page where a
code is typed) and a QR code to it, for the canteen wall; it can be printed again at any time.
"""
from __future__ import annotations

import segno
from flask import render_template, url_for
from flask_babel import force_locale

from saas.kernel.files import pdf
from saas.kernel.mail import on_base_url
from saas.surveys import codes as answer_codes

SLIPS_PER_PAGE = 10
# Cost: some 0.1 s a slip (the QR code's SVG and the text), measured on 2 busy cores (200 slips: 29 s, of which
# 4.7 s load WeasyPrint); flexbox cost three times that, so the slips float. codes.MAX_COUNT keeps a sheet small
# enough to make within a request.


def slips_pdf(tenant, wave, code_list: list[str]) -> bytes:
    """A wave's slips, in the order of `code_list`; each QR code opens the survey with its code (on BASE_URL)."""
    return slips(tenant, code_list, title=wave.name, closes_on=wave.closes_on, code_endpoint="answer_code.by_code",
                 entry_endpoint="answer_code.enter")


def slips(tenant, code_list: list[str], *, title: str, closes_on, code_endpoint: str, entry_endpoint: str) -> bytes:
    """Slips for codes of any kind (a wave's, a pulse check's: saas.leadership.pulse_codes): `title` heads each
    slip, `closes_on` (or None) is the last day to answer, `code_endpoint` the page a QR code opens (it takes
    the tenant's `slug` and the `answer_code`), `entry_endpoint` the page where a code is typed."""
    with on_base_url():
        links = [url_for(code_endpoint, slug=tenant.slug, answer_code=code, _external=True) for code in code_list]
    entry_url = entry_address(tenant, entry_endpoint)
    cut = [{"code": answer_codes.shown(code), "qr": _qr(link)} for code, link in zip(code_list, links)]
    pages = [cut[i:i + SLIPS_PER_PAGE] for i in range(0, len(cut), SLIPS_PER_PAGE)]
    with force_locale(tenant.language):
        return pdf(render_template("surveys/codes/slips.html", tenant=tenant, title=title, closes_on=closes_on,
                                   pages=pages, entry_url=_bare(entry_url)),
                   render_template("surveys/codes/sheets.css"))


def poster_pdf(tenant, wave) -> bytes:
    """An A4 poster with the survey's short address and a QR code to it."""
    entry_url = entry_address(tenant)
    with force_locale(tenant.language):
        return pdf(render_template("surveys/codes/poster.html", tenant=tenant, wave=wave, qr=_qr(entry_url),
                                   entry_url=_bare(entry_url)),
                   render_template("surveys/codes/sheets.css"))


def entry_address(tenant, endpoint: str = "answer_code.enter") -> str:
    """The page where a code is typed, on BASE_URL: the survey's short address (a pulse check's has its own)."""
    with on_base_url():
        return url_for(endpoint, slug=tenant.slug, _external=True)


def filename(wave, kind: str, of: str = "wave") -> str:
    return f"{kind}-{of}-{wave.id}.pdf"


def _qr(url: str) -> str:
    """An inline SVG QR code (no file, no URL: the PDF fetches nothing); sized by the style sheet."""
    return segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True)


def _bare(url: str) -> str:
    """An address as it is typed: without https://."""
    return url.split("://", 1)[-1]
