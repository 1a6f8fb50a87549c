"""The board pack (issue 21): one A4 PDF per closed wave for a board, readable by admin, management and the
consultant (README "The board pack").

It holds only whole-organisation and legacy-organisation figures, the ones the comparison pages already show
those readers: merger progress with its projection, the differences between the legacy organisations (points
and Aitchison, with intervals and a plain reading), the whole organisation's culture profile now and preferred,
the themes of the open answers (counts and a few answers, as released), eNPS and its drivers (whole and legacy
organisations, as the release stores them) and the organisation against its sector norm. No team, no cell, no heat map row
below a legacy organisation. Everything comes from the wave's stored final release, its stored comparison and
its stored themes (saas.reports.service.wave_report without filters), so the pack never shows more than the
culture report's JSON does; it is laid out with the culture report's PDF tooling (saas.kernel.files.pdf and
templates/reports/report_pdf.css) in the reader's language, with the tenant's (or its consultancy's) logo.

eNPS, drivers and the sector norm are laid out by the culture report's own partials
(templates/reports/_drivers_section.html, _benchmark_section.html), fed by the same plain dicts.
"""
from __future__ import annotations

import base64
import re
from datetime import date

from flask import render_template
from sqlalchemy import select

from saas.administration import branding
from saas.anonymity import access, releases
from saas.comparison import progress as merger_progress
from saas.comparison.models import Comparison
from saas.kernel import audit
from saas.kernel.files import pdf
from saas.reports import service
from saas.reports.export import ReportView
from saas.surveys.models import Wave

SIGNIFICANT = 0.05  # below this p-value a difference is read as unlikely to be chance (as the comparison page says)


def build(db, tenant, wave: Wave) -> dict | None:
    """The pack's figures as plain data; None when the wave has no final release with a comparison of it
    (the comparison page then shows none either)."""
    if wave.status != "closed":
        return None
    report = service.wave_report(db, tenant, wave)
    if not report["figures_ready"] or not report["release"]["final"] or not report["comparisons"]["computed"]:
        return None
    whole = report["focus"]
    drivers = ReportView(db, report).drivers_pack()  # the unfiltered report's groups: whole and legacy organisations
    drivers["groups"] = [group for group in drivers["groups"] if not group["hidden"]]  # the pack names no hidden group
    return {
        "wave": report["wave"], "k": report["k"], "free_text_k": report["free_text_k"], "release": report["release"],
        "participation": report["participation"]["total"],
        "whole": {"n": whole["n"], "hidden": whole["hidden"], "culture": whole.get("culture")},
        "pairs": [{**pair, "reading_now": _reading(pair.get("p_now")),
                   "reading_aitchison": _reading(pair.get("p_aitchison_now"))} for pair in report["comparisons"]["pairs"]],
        "merger_progress": report["merger_progress"],
        "themes": report["themes"] if report["free_text"] else {"computed": False, "questions": []},
        "legacy_orgs": report["filter_options"]["legacy_orgs"],
        # for ReportView (names, labels): the report's own keys, with nothing below a legacy organisation
        "filters": {"legacy_org": None, "team": None},
        "filter_options": {"legacy_orgs": report["filter_options"]["legacy_orgs"], "teams": []},
        "drivers": drivers if drivers["asks_enps"] or drivers["has_drivers"] else None,
        "benchmark": report["benchmark"],
    }


def latest_wave(db) -> Wave | None:
    """The latest closed wave that has a board pack (a final release and a comparison of it), for the home."""
    for wave in db.scalars(select(Wave).where(Wave.status == "closed")
                           .order_by(Wave.closes_on.desc().nulls_last(), Wave.id.desc()).limit(5)):
        release = releases.latest_release(db, "wave", wave.id)
        compared = db.scalar(select(Comparison).where(Comparison.wave_id == wave.id))
        if release is not None and release.final and compared is not None \
                and compared.result.get("release") == release.number:
            return wave
    return None


def _reading(p: float | None) -> str | None:
    """"clear" when the difference is unlikely to be chance, else "unclear" (None: no figure)."""
    if p is None:
        return None
    return "clear" if p < SIGNIFICANT else "unclear"


def render(db, tenant, wave: Wave, pack: dict, made_on: date) -> bytes:
    view = ReportView(db, pack)
    chart = merger_progress.layout(pack["merger_progress"])["chart"] if pack["merger_progress"] else None
    culture = pack["whole"]["culture"]
    profile = view.profile_chart({"group": {}, "culture": culture}, "board-profile") \
        if culture and not culture.get("hidden") else None
    logo = branding.logo_for(db, tenant)
    logo_url = f"data:{logo[1]};base64,{base64.b64encode(logo[0]).decode()}" if logo else None
    html = render_template("reports/board_pack.html", pack=pack, view=view, wave=wave, tenant=tenant,
                           made_on=made_on, progress_chart=chart, profile_chart=profile, logo_url=logo_url)
    css = render_template("reports/report_pdf.css") + render_template("reports/board_pack.css")
    return pdf(html, css, images=logo_url is not None)


def log(db, user, wave: Wave) -> None:
    """A board pack taken away: in the access log like every reading, and on the audit trail as an export."""
    access.log(db, user, "board_pack", wave_id=wave.id)
    audit.record(db, "report.exported", obj=wave, detail={"format": "pdf", "of": "board_pack"})


def filename(wave: Wave, lang: str) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", wave.name.lower()).strip("-")[:60] or "wave"
    return f"board-pack-{name}-{lang}.pdf"
