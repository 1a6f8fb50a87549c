"""Culture reports for the works council (and admin and management): page, JSON, CSV, PDF, access log.

All four formats lay out the one dict of `service.wave_report`, so the same rules hold in each,
and each view or download is written to the access log in the same transaction.
"""
from __future__ import annotations

from datetime import date

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from saas.anonymity import access
from saas.comparison import charts
from saas.kernel import formatting
from saas.kernel.db import session
from saas.kernel.downloads import attachment
from saas.kernel.files import CSV, XLSX, table_csv, table_xlsx
from saas.kernel.errors import json_problem
from saas.kernel.jobs import enqueue_after_commit
from saas.kernel.views import ButtonForm, press
from saas.leadership.models import FeedbackRound, Promise, PulseRound
from saas.programme.models import Programme
from saas.reports import boardpack, export, service
from saas.reports.forms import AccessLogForm
from saas.reports.models import ReportFile
from saas.surveys.loaders import wave_or_404
from saas.surveys.models import Wave
from tenants.guards import requires, tenant_blueprint
from tenants.models import Role

bp = tenant_blueprint("reports", __name__, "/reports")
READERS = (Role.WORKS_COUNCIL, Role.ADMIN, Role.MANAGEMENT)
LOG_READERS = (Role.WORKS_COUNCIL, Role.ADMIN)
# the board pack holds only the whole organisation's and legacy organisations' figures, which the comparison
# pages show these readers already (saas.reports.boardpack); the culture report stays the works council's
BOARD_PACK_READERS = (Role.ADMIN, Role.MANAGEMENT, Role.CONSULTANT)
PDF_JOB = "saas.reports.jobs.render_report_pdf"


@bp.route("/")
@requires(*READERS)
def index():
    """The waves with a report. The report page's filter form comes here to switch waves (GET, no script)."""
    db = session()
    chosen = request.args.get("wave", "")
    if chosen.isdigit():
        query = {key: request.args[key] for key in ("legacy_org", "team") if request.args.get(key)}
        return redirect(url_for("reports.wave", wave_id=int(chosen), **query))
    files = list(db.scalars(select(ReportFile).where(ReportFile.requested_by == current_user.id)
                            .order_by(ReportFile.requested_at.desc()).limit(20)))
    waves = service.readable_waves(db)
    return render_template("reports/index.html", waves=waves, files=files, waves_by_id={w.id: w for w in waves})


@bp.route("/waves/<int:wave_id>")
@requires(*READERS)
def wave(wave_id: int):
    db = session()
    try:
        wave, filters, report = _read(wave_id, "page")
    except service.UnknownFilter as error:
        return _unfiltered(wave_id, error)
    return render_template("reports/wave.html", wave=wave, report=report, view=export.ReportView(db, report),
                           form=ButtonForm(), query={key: v for key, v in filters.as_dict().items() if v},
                           waves=service.readable_waves(db))


@bp.route("/waves/<int:wave_id>.json")
@requires(*READERS)
def wave_json(wave_id: int):
    try:
        _wave_row, _filters_read, report = _read(wave_id, "json")
    except service.UnknownFilter as error:
        return json_problem(400, error.message, field=error.field)
    return jsonify(report)


@bp.route("/waves/<int:wave_id>.csv")
@requires(*READERS)
def wave_csv(wave_id: int):
    try:
        wave, _filters_read, report = _read(wave_id, "csv")
    except service.UnknownFilter as error:
        return _unfiltered(wave_id, error)
    return attachment(export.report_csv(export.ReportView(session(), report)), CSV, export.filename(wave, "csv"))


@bp.route("/waves/<int:wave_id>.xlsx")
@requires(*READERS)
def wave_xlsx(wave_id: int):
    """The CSV's rows as an Excel workbook, for spreadsheets whose locale reads a CSV in one column."""
    try:
        wave, _filters_read, report = _read(wave_id, "xlsx")
    except service.UnknownFilter as error:
        return _unfiltered(wave_id, error)
    return attachment(export.report_xlsx(export.ReportView(session(), report), wave), XLSX,
                      export.filename(wave, "xlsx"))


@bp.route("/waves/<int:wave_id>/charts/<chart>.svg")
@requires(*READERS)
def chart_svg(wave_id: int, chart: str):
    """One of the report's charts, with the page's filters, as an SVG file of its own (for a board deck)."""
    return _chart(wave_id, chart, "svg")


@bp.route("/waves/<int:wave_id>/charts/<chart>.png")
@requires(*READERS)
def chart_png(wave_id: int, chart: str):
    """One of the report's charts as a PNG, drawn on the server at a slide's width."""
    return _chart(wave_id, chart, "png")


def _chart(wave_id: int, chart: str, kind: str):
    """The chart as the page draws it from the same release (a hidden group has no chart: not found);
    the download is in the access log like every other reading of the report."""
    db = session()
    wave = _wave(wave_id)
    try:
        filters = _filters(wave)
    except service.UnknownFilter as error:
        return _unfiltered(wave_id, error)
    view = export.ReportView(db, service.wave_report(db, g.tenant, wave, filters))
    svg = view.chart(chart)
    if svg is None:
        abort(404)
    body, content_type = charts.as_file(svg, kind)
    service.log_chart(db, current_user, wave, filters, chart, kind)
    db.commit()
    return attachment(body, content_type, charts.filename(chart, wave.id, view.lang, kind))


@bp.route("/waves/<int:wave_id>/pdf", methods=["POST"])
@requires(*READERS)
def request_pdf(wave_id: int):
    """Ask for a printable report with the current filters; a job makes it (it takes a few seconds)."""
    db = session()
    wave = _wave(wave_id)

    def work():
        file = ReportFile(wave_id=wave.id, filters=_filters(wave, request.form).as_dict(),
                          language=str(get_locale() or "en")[:2], requested_by=current_user.id)
        db.add(file)
        db.flush()
        enqueue_after_commit(db, PDF_JOB, g.tenant.id, file.id)
        return url_for("reports.file", file_id=file.id)

    # a filter that does not fit the wave is refused: back to the report, saying why
    return press("pdf", work, then=url_for("reports.wave", wave_id=wave.id), follow=True)


@bp.route("/waves/<int:wave_id>/board-pack.pdf")
@requires(*BOARD_PACK_READERS)
def board_pack(wave_id: int):
    """The board pack of a closed wave, in the reader's language (a few A4 pages: made while one waits)."""
    db = session()
    wave = _wave(wave_id)
    pack = boardpack.build(db, g.tenant, wave)
    if pack is None:
        abort(404)
    body = boardpack.render(db, g.tenant, wave, pack, date.today())
    boardpack.log(db, current_user, wave)
    db.commit()
    return attachment(body, "application/pdf", boardpack.filename(wave, str(get_locale() or "en")[:2]))


@bp.route("/files/<int:file_id>")
@requires(*READERS)
def file(file_id: int):
    """The PDF's state, with a link to look again (no automatic reload: WCAG 2.2.1 lets people choose when)."""
    report_file = _file(file_id)
    return render_template("reports/file.html", file=report_file, wave=_wave(report_file.wave_id))


@bp.route("/files/<int:file_id>/download")
@requires(*READERS)
def download(file_id: int):
    db = session()
    report_file = _file(file_id)
    if report_file.status != "done":
        return redirect(url_for("reports.file", file_id=report_file.id))
    wave = _wave(report_file.wave_id)
    filters = service.parse_filters(db, wave, report_file.filters.get("legacy_org"),
                                    str(report_file.filters.get("team") or ""))
    service.log_access(db, current_user, wave, "pdf", filters)
    db.commit()
    return attachment(report_file.content, "application/pdf", export.filename(wave, "pdf"))


@bp.route("/access-log")
@requires(*LOG_READERS)
def access_log():
    """The log, filtered through the URL (who, what, the reader's role, a period) and a page at a time."""
    db = session()
    form = AccessLogForm(request.args).offer(KINDS)
    if not form.validate():
        return render_template("reports/access_log.html", form=form, page=None, rows=[]), 400
    page = access.page(db, form.readings(g.tenant), number=form.number, size=form.per_page)
    return render_template("reports/access_log.html", form=form, page=page, rows=_described(db, page.items))


@bp.route("/access-log.csv")
@requires(*LOG_READERS)
def access_log_csv():
    return _access_log_export("csv")


@bp.route("/access-log.xlsx")
@requires(*LOG_READERS)
def access_log_xlsx():
    return _access_log_export("xlsx")


def _access_log_export(kind: str):
    """Every entry the filters find (not only a page), as CSV in the reader's locale or as an Excel workbook:
    moments in the tenant's time zone."""
    db = session()
    form = AccessLogForm(request.args).offer(KINDS)
    if not form.validate():
        return render_template("reports/access_log.html", form=form, page=None, rows=[]), 400
    rows = _described(db, access.matching(db, form.readings(g.tenant)))
    service.log_access_log_export(db, kind, form.query(page=None, size=None), len(rows))
    db.commit()
    header = [_("When"), _("Who"), _("Report"), _("Details"), _("How")]
    name = f"access-log-{g.tenant.slug}.{kind}"
    if kind == "csv":
        lines = [[formatting.moment(r["at"], "seconds"), r["who"], r["subject"], r["details"], r["how"]] for r in rows]
        return attachment(table_csv(header, lines, get_locale()), CSV, name)
    lines = [[formatting.local(r["at"]).replace(tzinfo=None), r["who"], r["subject"], r["details"], r["how"]]
             for r in rows]  # a date Excel sorts and filters (it keeps no time zone: the tenant's)
    return attachment(table_xlsx(_("Report access log"), header, lines), XLSX, name)


def _described(db, entries) -> list[dict]:
    waves = {w.id: w for w in db.scalars(select(Wave))}
    programmes = {p.id: p for p in db.scalars(select(Programme))}
    pulse_rounds = {r.id: r for r in db.scalars(select(PulseRound))}
    feedback_rounds = {r.id: r for r in db.scalars(select(FeedbackRound))}
    promises = {p.id: p for p in db.scalars(select(Promise))}
    return [_describe(entry, waves, programmes, pulse_rounds, feedback_rounds, promises) for entry in entries]


KINDS = {"page": _l("page"), "json": "JSON", "csv": "CSV", "xlsx": "XLSX", "pdf": "PDF", "rates": _l("response rates"),
         "pulse": _l("pulse-check results"), "comparison": _l("culture comparison"),
         "chart": _l("chart image"), "consistency": _l("consistency check"), "evidence": _l("evidence page"),
         "feedback": _l("360-degree feedback report"), "workshop": _l("workshop evaluation"),
         "expectations": _l("expectations board"), "board_pack": _l("board pack (PDF)"),
         "setting": _l("setting changed"), "consent": _l("consent recorded")}
SETTINGS = {"min_group_size": _l("Minimum group size (k)"), "country": _l("Country"),
            "consent_required": _l("Works council consent required")}
HOW = {"works_council": _l("typed by a member of the works council"),
       "upload": _l("signed decision uploaded by an administrator")}


def _describe(entry, waves, programmes, pulse_rounds, feedback_rounds=None, promises=None) -> dict:
    """One access-log row in words a works council member reads: who, what, details, how."""
    details = entry.filters or {}
    if entry.wave_id:
        subject = waves[entry.wave_id].name if entry.wave_id in waves else str(entry.wave_id)
    elif entry.programme_id:
        name = programmes[entry.programme_id].name if entry.programme_id in programmes else entry.programme_id
        if entry.kind == "consistency":
            subject = _("Consistency check of %(programme)s", programme=name)
        elif entry.kind == "evidence":
            subject = _("Evidence for a promise of %(programme)s", programme=name)
        elif entry.kind == "feedback":
            feedback_round = (feedback_rounds or {}).get(details.get("feedback_round"))
            subject = _("360-degree feedback report of %(name)s",
                        name=feedback_round.subject.user.name if feedback_round is not None and feedback_round.subject
                        else _("a former member"))
        elif entry.kind in ("pulse", "consent"):
            subject = _("Pulse checks of %(programme)s", programme=name)
        else:
            subject = str(name)
    else:
        subject = _("The organisation's settings")
    parts = []
    if details.get("round") is not None:
        pulse = pulse_rounds.get(details["round"])
        parts.append(pulse.name if pulse is not None else str(details["round"]))
    if details.get("title") and entry.kind in ("workshop", "expectations"):
        parts.append(details["title"])
    if details.get("promise") is not None:
        promise = (promises or {}).get(details["promise"])
        parts.append(promise.text[:80] if promise is not None else _("a removed promise"))
    if entry.kind == "setting":
        field = details.get("field")
        parts.append(_("%(setting)s: %(before)s → %(after)s", setting=SETTINGS.get(field, field),
                       before=_value(details.get("from")), after=_value(details.get("to"))))
    elif entry.kind == "consent":
        if details.get("decided_on"):
            parts.append(_("decided on %(date)s", date=formatting.day(details["decided_on"])))
        if details.get("k"):
            parts.append(_("minimum group size %(k)s", k=details["k"]))
        if details.get("how") in HOW:
            parts.append(str(HOW[details["how"]]))
        if details.get("file"):
            parts.append(_("file %(name)s", name=details["file"]))
    else:
        if details.get("legacy_org"):
            parts.append(_("legacy organisation %(code)s", code=details["legacy_org"]))
        if details.get("team"):
            parts.append(_("team %(id)s", id=details["team"]))
        if details.get("chart"):
            parts.append(_("chart %(chart)s", chart=details["chart"]))
    return {"at": entry.at, "who": f"{entry.user_name} ({entry.user_email})", "subject": subject,
            "details": "; ".join(parts) or _("none"), "how": str(KINDS.get(entry.kind, entry.kind))}


def _value(value) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return "–" if value is None else str(value)


def _filters(wave: Wave, source=None) -> service.Filters:
    source = source if source is not None else request.args
    return service.parse_filters(session(), wave, source.get("legacy_org") or None, source.get("team") or None)


def _wave(wave_id: int) -> Wave:
    """The wave (saas.surveys.loaders); a wave in preparation has no report yet."""
    wave = wave_or_404(wave_id)
    return wave if wave.status in ("open", "closed") else abort(404)


def _file(file_id: int) -> ReportFile:
    return session().scalar(select(ReportFile).where(ReportFile.id == file_id)) or abort(404)


def _read(wave_id: int, kind: str):
    """The wave, its filters from the URL and its report read as `kind` (read_report logs the reading),
    committed; a filter that does not fit the wave raises service.UnknownFilter."""
    db = session()
    wave = _wave(wave_id)
    filters = _filters(wave)
    report = service.read_report(db, g.tenant, current_user, wave, filters, kind)
    db.commit()
    return wave, filters, report


def _unfiltered(wave_id: int, error: service.UnknownFilter):
    """A filter that does not fit the wave: the report without filters, saying why."""
    flash(str(error.message), "error")
    return redirect(url_for("reports.wave", wave_id=wave_id))
