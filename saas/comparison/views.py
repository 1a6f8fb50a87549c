"""Comparison pages: a wave's comparison with its charts, running it on demand, following the job.

Admins, management and consultants see them. Everything shown comes from the stored result, which
already obeys the k rule; the page only lays it out.
"""
from __future__ import annotations

from flask import abort, g, jsonify, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from saas.anonymity import access, releases
from saas.comparison import charts, maths, progress, service
from saas.comparison.forms import ThresholdForm
from saas.comparison.bands import ENTROPY_BANDS, LEVEL
from saas.comparison.bands import band as _band
from saas.kernel.db import session
from saas.kernel.downloads import attachment
from saas.kernel.files import CSV, table_csv
from saas.kernel.formatting import percent as _percent
from saas.kernel.formatting import percent_of_100 as _percent_of_100
from saas.kernel.formatting import points as _points
from saas.kernel.formatting import pvalue as _pvalue
from saas.kernel.formatting import share as _share
from saas.kernel.formatting import signed as _signed
from saas.kernel.i18n import language
from saas.kernel.views import ButtonForm, press, send
from saas.surveys.catalogue import all_values
from saas.surveys.forms import series_text
from saas.surveys.instruments import TYPE_NAMES, TYPES
from saas.surveys.loaders import wave_or_404
from saas.surveys.models import Wave
from tenants.guards import requires, tenant_blueprint
from tenants.models import Role

bp = tenant_blueprint("comparison", __name__, "/comparisons")
READERS = (Role.ADMIN, Role.MANAGEMENT, Role.CONSULTANT)
PROGRESS_READERS = (*READERS, Role.WORKS_COUNCIL)  # merger progress shows released figures only
TRENDS = {"shrinking": _l("shrinking"), "growing": _l("growing"), "unclear": _l("no clear change")}


@bp.route("/")
@requires(*READERS)
def index():
    db = session()
    waves = list(db.scalars(select(Wave).where(Wave.status != "draft").order_by(Wave.opens_on.desc(), Wave.id.desc())))
    stored = service.stored_for(db, waves)
    return render_template("comparison/index.html", waves=waves, stored=stored)


@bp.route("/waves/<int:wave_id>")
@requires(*READERS)
def wave(wave_id: int):
    db = session()
    wave = wave_or_404(wave_id)
    release, comparison = _shown(db, wave)
    run = service.latest_run(db, wave)
    context = {"wave": wave, "comparison": comparison, "run": run, "form": ButtonForm(), "release": release,
               "k": service.current_k(db, g.tenant, wave),
               "level": LEVEL, "bands": ENTROPY_BANDS, "points": _points, "signed": _signed, "share": _share,
               "percent": _percent, "pvalue": _pvalue, "zero_replacement": maths.ZERO_REPLACEMENT}
    if comparison is not None:
        context.update(_figures(db, wave, comparison))
    # every reading of the comparison is in the access log, in the transaction of the reading (the status
    # JSON the page's script polls shows no figures and is not logged)
    access.log(db, current_user, "comparison", wave_id=wave.id)
    page = render_template("comparison/wave.html", **context)
    db.commit()
    return page


@bp.route("/waves/<int:wave_id>/charts/<chart>.svg")
@requires(*READERS)
def chart_svg(wave_id: int, chart: str):
    """One of the page's charts as an SVG file of its own (for a board deck), with the page's figures."""
    return _chart(wave_id, chart, "svg")


@bp.route("/waves/<int:wave_id>/charts/<chart>.png")
@requires(*READERS)
def chart_png(wave_id: int, chart: str):
    """One of the page's charts as a PNG, drawn on the server at a slide's width."""
    return _chart(wave_id, chart, "png")


def _chart(wave_id: int, chart: str, kind: str):
    """A chart exactly as the page draws it, from the same stored comparison (so a hidden group is
    not in it, and a chart the page does not show is not found); the reading is logged as the page's."""
    db = session()
    wave = wave_or_404(wave_id)
    _release, comparison = _shown(db, wave)
    return _chart_file(db, wave, _figures(db, wave, comparison)["drawn"] if comparison is not None else {}, chart, kind)


def _chart_file(db, wave: Wave, drawn: dict, chart: str, kind: str):
    """One of the charts a page drew (`drawn`: {name: chart}) as an SVG or PNG download; 404 for a chart the page
    does not draw. The reading is logged and committed."""
    if chart not in drawn:
        abort(404)
    body, content_type = charts.as_file(drawn[chart], kind)
    service.log_chart(db, current_user, wave, chart, kind)
    db.commit()
    return attachment(body, content_type, charts.filename(chart, wave.id, language(), kind))


def _shown(db, wave: Wave):
    """The wave's release and the comparison the page shows: only what the release shows, never a
    picture of answers that came in later."""
    release = releases.latest_release(db, "wave", wave.id) if wave.status == "closed" else None
    comparison = service.get_comparison(db, wave)
    if comparison is not None and (release is None or comparison.result.get("release") != release.number):
        comparison = None
    return release, comparison


@bp.route("/waves/<int:wave_id>/run", methods=["POST"])
@requires(*READERS)
def run(wave_id: int):
    db = session()
    wave = wave_or_404(wave_id)
    return press("run", lambda: service.request_comparison(db, g.tenant, wave),
                 then=url_for("comparison.wave", wave_id=wave.id),
                 done=lambda outcome: {
                     "queued": _("The comparison has been started. This page shows when it is ready."),
                     "running": _("The comparison is already running."),
                     "up_to_date": _("The comparison is up to date: no answers have been added since it was made."),
                 }[outcome])


@bp.route("/waves/<int:wave_id>/status")
@requires(*READERS)
def status(wave_id: int):
    """The job's state as JSON, for the page's script that follows the progress."""
    db = session()
    wave = wave_or_404(wave_id)
    run = service.latest_run(db, wave)
    comparison = service.get_comparison(db, wave)
    return jsonify({
        "run": None if run is None else {"status": run.status, "status_label": run.status_label,
                                         "progress": run.progress, "finished": not run.active},
        "computed_at": comparison.computed_at.isoformat() if comparison else None,
    })


# --- what the page shows, from the stored result --------------------------------------------------

def _figures(db, wave: Wave, comparison) -> dict:
    lang = language()
    values = all_values(db)
    result, details = comparison.result, comparison.details.get("orgs", {})
    visible = [org for org in result["orgs"] if not org["suppressed"]]
    reasons = comparison.details.get("suppressed", {})
    suppressed = [org["code"] for org in result["orgs"]
                  if org["suppressed"] and reasons.get(org["code"], "fewer_than_k") == "fewer_than_k"]
    also_hidden = [org["code"] for org in result["orgs"] if org["suppressed"] and reasons.get(org["code"]) == "complementary"]
    type_names = {t: TYPE_NAMES[t].get(lang) for t in TYPES}

    def label(key):
        return values[key].label(lang) if key in values else key

    def limiting(key):
        return key in values and values[key].limiting

    profiles = []
    for org in visible:
        if org["profile_now"] is None:
            continue
        rows = [(type_names[t], org["profile_now"][t], org["profile_preferred"][t]) for t in TYPES]
        profiles.append({
            "org": org, "rows": rows, "id": f"profile-{org['code']}",
            "gaps": [(type_names[t], org["profile_preferred"][t] - org["profile_now"][t]) for t in TYPES],
            "chart": charts.profile_chart(
                f"profile-{org['code']}", _("Culture profile of %(org)s, now and preferred", org=org["code"]),
                _("Bars per culture type: the average points now and preferred, on a scale of 0 to 100."),
                rows, (_("now"), _("preferred")), _points, _("average points, from 0 to 100")),
        })

    pairs = [p for p in result["pairs"]]
    codes = [org["code"] for org in visible if org["profile_now"] is not None]
    heatmaps = []
    for phase, caption in (("now", _("Distance between the culture profiles now")),
                           ("preferred", _("Distance between the preferred culture profiles"))):
        cells = {(p["a"], p["b"]): (p[f"distance_{phase}"], *p[f"ci_{phase}"]) for p in pairs
                 if p[f"distance_{phase}"] is not None}
        if cells:
            heatmaps.append({"phase": phase, "caption": caption, "id": f"distance-{phase}", "chart": charts.heatmap(
                f"distance-{phase}", caption,
                _("A grid of the legacy organisations; each cell shows the distance in points (0 to 100) and "
                  "below it the %(level)s interval. Darker cells: larger distances.", level=LEVEL),
                codes, cells, _points,
                _("In each cell: the distance in points (0 to 100), below it the %(level)s interval.", level=LEVEL))})

    top_values = []
    for org in visible:
        rows = (details.get(org["code"]) or {}).get("top_values", {}).get("org_current")
        if not rows:
            continue
        top_values.append({"org": org, "id": f"values-{org['code']}", "rows": [(label(key), count, share, limiting(key)) for key, count, share in rows],
                           "chart": charts.bar_chart(
                               f"values-{org['code']}", _("Top values of %(org)s today", org=org["code"]),
                               _("Bars per value: the share of respondents who chose it for the organisation "
                                 "today. Values that can hold an organisation back are marked."),
                               [(label(key), 100 * share, limiting(key)) for key, _c, share in rows],
                               _percent_of_100, marked=_("(limiting)"),
                               axis=_("share of the respondents who chose the value"))})

    entropy_rows = [(org["code"], None if org["entropy"] is None else 100 * org["entropy"]) for org in visible]
    entropy = {
        "id": "entropy", "rows": [(code, value, _band(value)) for code, value in entropy_rows],
        "chart": charts.entropy_chart(
            "entropy", _("Cultural entropy per legacy organisation"),
            _("Bars per legacy organisation: the share of votes for the organisation today that went to values that "
              "can hold it back, against the customary bands from healthy to critical."),
            entropy_rows, [(upper, str(name), fill) for upper, name, fill in ENTROPY_BANDS], _percent_of_100,
            _("not enough answers")),
    } if visible else None

    alignment = []
    for org in visible:
        info = details.get(org["code"]) or {}
        matches = info.get("alignment") or {}
        alignment.append({"code": org["code"],
                          "personal_current": [label(k) for k in matches.get("personal_current") or []]
                          if matches.get("personal_current") is not None else None,
                          "current_desired": [label(k) for k in matches.get("current_desired") or []]
                          if matches.get("current_desired") is not None else None,
                          "contract_index": info.get("contract_index")})

    trend = service.series_trend(db, wave)
    series = [(f"{p['a']}–{p['b']}", [None if point is None else
                                      (point["distance_now"], *point["ci_now"]) for point in p["points"]])
              for p in trend["pairs"]]
    over_waves = None
    if len(trend["waves"]) > 1 and any(point for _name, points in series for point in points):
        over_waves = {
            "id": "over-waves", "waves": trend["waves"], "pairs": [{**p, "trend_label": TRENDS.get(p["trend"])} for p in trend["pairs"]],
            "chart": charts.line_chart(
                "over-waves", _("Distance now over the waves"),
                _("One line per pair of legacy organisations: the distance between their culture profiles now in "
                  "each wave of the series, with its %(level)s interval as a vertical line.", level=LEVEL),
                [series_text(w["label"]) or w["name"] for w in trend["waves"]], series, _points,
                _("distance (points)")),
        }
    drawn = {item["id"]: item["chart"] for item in [*profiles, *heatmaps, *top_values, entropy, over_waves] if item}
    return {"drawn": drawn, "visible": visible, "suppressed": suppressed, "also_hidden": also_hidden, "profiles": profiles, "pairs": pairs,
            "heatmaps": heatmaps, "top_values": top_values, "entropy": entropy, "alignment": alignment,
            "over_waves": over_waves, "visible_total": comparison.details.get("responses", 0)}


# --- merger progress (issue 21 point 1): the page, its JSON and CSV, its chart as a file ------------

@bp.route("/waves/<int:wave_id>/progress")
@requires(*PROGRESS_READERS)
def progress_page(wave_id: int):
    db = session()
    wave = wave_or_404(wave_id)
    figures = progress.progress(db, g.tenant, wave)
    laid_out = progress.layout(figures)
    access.log(db, current_user, "comparison", wave_id=wave.id, details={"of": "progress"})
    page = render_template("comparison/progress.html", wave=wave, figures=figures,
                           form=ThresholdForm(formdata=None, threshold=figures["threshold"]),
                           points=_points, signed=_signed, **laid_out)
    db.commit()
    return page


@bp.route("/waves/<int:wave_id>/progress.json")
@requires(*PROGRESS_READERS)
def progress_json(wave_id: int):
    db = session()
    wave = wave_or_404(wave_id)
    figures = progress.progress(db, g.tenant, wave)
    service.log_progress_export(db, current_user, wave, "json")
    db.commit()
    return jsonify(figures)


@bp.route("/waves/<int:wave_id>/progress.csv")
@requires(*PROGRESS_READERS)
def progress_csv(wave_id: int):
    db = session()
    wave = wave_or_404(wave_id)
    figures = progress.progress(db, g.tenant, wave)
    service.log_progress_export(db, current_user, wave, "csv")
    db.commit()
    header, rows = progress_rows(figures)
    lang = language()
    return attachment(table_csv(header, rows, get_locale()), CSV, f"koers-merger-progress-wave-{wave.id}-{lang}.csv")


@bp.route("/waves/<int:wave_id>/progress/charts/<chart>.svg")
@requires(*PROGRESS_READERS)
def progress_chart_svg(wave_id: int, chart: str):
    return _progress_chart(wave_id, chart, "svg")


@bp.route("/waves/<int:wave_id>/progress/charts/<chart>.png")
@requires(*PROGRESS_READERS)
def progress_chart_png(wave_id: int, chart: str):
    return _progress_chart(wave_id, chart, "png")


@bp.route("/waves/<int:wave_id>/progress/threshold", methods=["POST"])
@requires(Role.ADMIN)
def progress_threshold(wave_id: int):
    db = session()
    wave = wave_or_404(wave_id)
    form = ThresholdForm()
    return send(form, lambda: progress.set_threshold(db, g.tenant, form.threshold.data),
                then=url_for("comparison.progress_page", wave_id=wave.id),
                done=_("The threshold has been saved."))


def _progress_chart(wave_id: int, chart: str, kind: str):
    db = session()
    wave = wave_or_404(wave_id)
    drawn = progress.layout(progress.progress(db, g.tenant, wave))["chart"]
    return _chart_file(db, wave, {} if drawn is None else {"merger-progress": drawn}, chart, kind)


def progress_rows(figures: dict) -> tuple[list[str], list[list]]:
    """The CSV: one row per distance and wave (its figure, interval) with the distance's projection, and
    one row per legacy organisation's change. The same numbers as the page and the JSON, unrounded."""
    header = [_("What"), _("Legacy organisation"), _("Other legacy organisation"), _("Wave"), _("Date"),
              _("Distance (points)"), _("Interval from"), _("Interval to"), _("Projection"),
              _("Threshold (points)"), _("Crossing"), _("Crossing from"), _("Crossing to")]
    waves = [w for w in figures["waves"] if w["included"]]
    rows = []
    for kind, entries in (("to_preferred", figures["to_preferred"]), ("pair", figures["pairs"])):
        for entry in entries:
            a, b = (entry["code"], "") if kind == "to_preferred" else (entry["a"], entry["b"])
            p = entry["projection"]
            ci = p["ci"] or [None, None]
            for w, point in zip(waves, entry["points"]):
                if point is None:
                    continue
                rows.append([kind, a, b, w["name"], w["date"], point["distance"], point["ci"][0], point["ci"][1],
                             p["state"], figures["threshold"], p["crossing"], ci[0],
                             ci[1] if ci[1] is not None or p["ci"] is None else "unbounded"])
    for mover in figures["movers"]:
        rows.append(["change", mover["code"], "", f"{mover['from_wave']}–{mover['to_wave']}", "", mover["change"],
                     mover["ci"][0], mover["ci"][1], "", "", "", "", ""])
    return header, rows
