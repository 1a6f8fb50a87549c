"""Merger progress (issue 21 point 1): are the legacy organisations growing together, and by when?

Read only from stored comparisons of closed waves (each made from its wave's release, under its k
rule): nothing here reads answers, so an open wave never shows. Definitions (README "Merger progress"):

- the series: the waves of a wave's programme up to and including it, in order of their closing date,
  that are closed and whose stored comparison belongs to their latest release; t_w = the wave's closing
  date (its release date when it has none), in days since the first wave of the series.
- per wave: `distance_now` of each shown pair (the comparison's), and each shown legacy organisation's
  distance to the merged organisation's preferred culture (maths._progress), each with its 95 % interval
  and its bootstrap distribution kept as QUANTILES quantiles.
- the fit: the least-squares line d = a + b t over the waves in which the distance is shown; the
  projection: the day t* = (threshold − a) / b on which the line reaches the tenant's threshold, when
  b < 0. Its interval: REPLICATES times, draw for every wave, independently, one of its stored quantiles
  at random (all equally likely: a resample of the wave's own bootstrap distribution), fit the line,
  and take its crossing (none when its slope is not negative or the crossing lies more than HORIZON_DAYS
  after the latest wave: counted as later than every date); the interval runs from the 50th to the
  1,950th of the 2,000 sorted crossings (the 2.5 % and 97.5 % order statistics); an end that is "none"
  makes the interval unbounded. It carries the sampling uncertainty of each wave, not whether the
  straight line is the right shape.
- who moves most: per organisation shown in at least two waves, change = its distance to the preferred
  culture in its first shown wave minus that in its latest (positive: it came closer), with an interval
  from the same kind of replicates (a random quantile of each of the two waves).
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.anonymity import releases
from saas.comparison import charts
from saas.comparison.bands import LEVEL
from saas.comparison.models import Comparison
from saas.kernel import audit
from saas.kernel.errors import DomainError
from saas.kernel.formatting import points as _points
from saas.surveys.forms import series_text
from saas.surveys.models import Wave

MIN_WAVES = 3
REPLICATES = 2000
SEED = 0
HORIZON_DAYS = 20 * 365  # a crossing more than 20 years after the latest wave counts as none
DEFAULT_THRESHOLD = 10
THRESHOLD_LIMITS = (1, 50)
LOW, HIGH = 50, 1950  # 1-based order statistics of REPLICATES sorted draws: the 2.5 % and 97.5 % ends
# a projection's state: too_few_waves, reached, wrong_direction, beyond_horizon or projected (said in
# words by templates/comparison/_projection.html)


# ---- the numbers (no database) ------------------------------------------------------------------

def fit(days, values) -> tuple[float, float]:
    """(a, b) of the least-squares line d = a + b t: b = Σ (t − t̄)(d − d̄) / Σ (t − t̄)², a = d̄ − b t̄."""
    t, d = np.asarray(days, dtype=np.float64), np.asarray(values, dtype=np.float64)
    dt = t - t.mean()
    slope = float((dt * (d - d.mean())).sum() / (dt * dt).sum())
    return float(d.mean() - slope * t.mean()), slope


def crossing(intercept: float, slope: float, threshold: float) -> float | None:
    """The day on which the line reaches the threshold; None when it does not fall."""
    return (threshold - intercept) / slope if slope < 0 else None


def _fits(days, draws) -> tuple[np.ndarray, np.ndarray]:
    """Intercepts and slopes of many lines at once: `draws` (R, waves)."""
    t = np.asarray(days, dtype=np.float64)
    dt = t - t.mean()
    slopes = (draws - draws.mean(axis=1, keepdims=True)) @ dt / (dt * dt).sum()
    return draws.mean(axis=1) - slopes * t.mean(), slopes


def resample(quantile_lists, replicates: int = REPLICATES, seed: int = SEED) -> np.ndarray:
    """(R, waves): per replicate and wave, one of the wave's stored quantiles, drawn uniformly."""
    rng = np.random.default_rng(seed)
    columns = []
    for q in quantile_lists:
        q = np.asarray(q, dtype=np.float64)
        columns.append(q[rng.integers(0, len(q), size=replicates)])
    return np.stack(columns, axis=1)


def order_interval(values: np.ndarray) -> tuple[float, float]:
    """The 2.5 % and 97.5 % ends of REPLICATES draws: the LOW-th and HIGH-th smallest (inf stays inf)."""
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    scale = len(ordered) / REPLICATES
    return float(ordered[max(0, int(round(LOW * scale)) - 1)]), float(ordered[max(0, int(round(HIGH * scale)) - 1)])


def project(days, values, quantile_lists, threshold: float, *, replicates: int = REPLICATES,
            seed: int = SEED) -> dict:
    """The projection of one distance (see the module doc). `days`: t_w of the waves in which it is
    shown (days since the series' first wave), `values` its distances, `quantile_lists` their stored
    bootstrap quantiles. Days of the crossing are in the same scale (None where there is none)."""
    out = {"state": None, "waves": len(values), "intercept": None, "slope_per_year": None, "crossing_day": None,
           "ci_days": None}
    if len(set(days)) < MIN_WAVES:
        out["state"] = "too_few_waves"
        return out
    intercept, slope = fit(days, values)
    out["intercept"], out["slope_per_year"] = intercept, slope * 365.25
    latest = max(days)
    if values[int(np.argmax(days))] < threshold:
        out["state"] = "reached"
        return out
    day = crossing(intercept, slope, threshold)
    if day is None:
        out["state"] = "wrong_direction"
    elif day > latest + HORIZON_DAYS:
        out["state"] = "beyond_horizon"
    else:
        out["state"], out["crossing_day"] = "projected", day
    intercepts, slopes = _fits(days, resample(quantile_lists, replicates, seed))
    with np.errstate(divide="ignore", invalid="ignore"):
        days_r = np.where(slopes < 0, (threshold - intercepts) / slopes, np.inf)
    days_r[days_r > latest + HORIZON_DAYS] = np.inf
    low, high = order_interval(days_r)
    out["ci_days"] = [None if np.isinf(low) else low, None if np.isinf(high) else high]
    return out


def change(first_quantiles, latest_quantiles, first: float, latest: float, *, replicates: int = REPLICATES,
           seed: int = SEED) -> tuple[float, list[float]]:
    """first − latest, with its interval from replicates of (a random quantile of each wave)."""
    draws = resample([first_quantiles, latest_quantiles], replicates, seed)
    return first - latest, list(order_interval(draws[:, 0] - draws[:, 1]))


# ---- from the stored comparisons ----------------------------------------------------------------

class BadThreshold(DomainError):
    default_message = _l("Choose a threshold from %(low)d to %(high)d points.", low=THRESHOLD_LIMITS[0],
                         high=THRESHOLD_LIMITS[1])


def set_threshold(db, tenant, value) -> None:
    """The tenant's threshold for the projection, in points; the caller commits."""
    low, high = THRESHOLD_LIMITS
    if value is None or not low <= int(value) <= high:
        raise BadThreshold(field="threshold")
    if tenant.merger_threshold != int(value):
        audit.record(db, "settings.merger_threshold", obj=tenant,
                     detail={"from": tenant.merger_threshold, "to": int(value)})
    tenant.merger_threshold = int(value)
    db.flush()


def waves_of(db, wave: Wave) -> list[Wave]:
    """The series the page is about: the wave's programme's waves, in order, up to and including it."""
    if wave.programme_id is None:
        return [wave]
    waves = list(db.scalars(select(Wave).where(Wave.programme_id == wave.programme_id)))
    waves.sort(key=lambda w: (w.closes_on or w.opens_on or date.max, w.id))
    return waves[:waves.index(wave) + 1]


def progress(db, tenant, wave: Wave) -> dict:
    """Every figure of the page, the JSON and the CSV (one dict: they cannot differ)."""
    threshold = tenant.merger_threshold or DEFAULT_THRESHOLD
    waves = waves_of(db, wave)
    ids = [w.id for w in waves]
    stored = {c.wave_id: c for c in db.scalars(select(Comparison).where(Comparison.wave_id.in_(ids)))}
    released = releases.releases_of(db, "wave", ids)
    series = []  # (wave, day, comparison) of the waves that count
    listed = []
    for w in waves:
        release, comparison = released.get(w.id), stored.get(w.id)
        on = w.closes_on or (release.released_on if release is not None else None)
        if w.status != "closed" or release is None or on is None:
            reason = "not_released"
        elif comparison is None or comparison.result.get("release") != release.number \
                or "progress" not in comparison.details:
            reason = "not_compared"  # not made yet, or made before merger progress (method version 2)
        elif not comparison.details["progress"]:
            reason = "nothing_shown"  # the release shows no legacy organisation's culture profile
        else:
            reason = None
        usable = reason is None
        listed.append({"id": w.id, "name": w.name, "label": w.series_label, "date": on.isoformat() if on else None,
                       "included": usable, "reason": reason,
                       "target": comparison.details["progress"].get("target") if usable else None})
        if usable:
            series.append((w, on, comparison.details["progress"]))
    first = series[0][1] if series else None
    included = [item for item in listed if item["included"]]

    def line(points_of):
        """Per included wave a point or None, and the projection over the shown ones."""
        points, days, values, quantiles = [], [], [], []
        for _w, on, figures in series:
            found = points_of(figures)
            if found is None:
                points.append(None)
                continue
            points.append({"distance": found["distance"], "ci": found["ci"]})
            days.append((on - first).days)
            values.append(found["distance"])
            quantiles.append(found["quantiles"])
        projection = project(days, values, quantiles, threshold)
        projection["crossing"] = _on(first, projection.pop("crossing_day"))
        ci = projection.pop("ci_days")
        projection["ci"] = None if ci is None else [_on(first, ci[0]), _on(first, ci[1])]
        projection["unbounded"] = ci is not None and ci[1] is None
        return {"points": points, "projection": projection, "_q": quantiles, "_v": values}

    codes = sorted({code for _w, _on, figures in series for code in figures.get("orgs", {})})
    to_preferred = []
    for code in codes:
        entry = line(lambda figures: figures.get("orgs", {}).get(code))
        to_preferred.append({"code": code, **entry})
    pair_names = sorted({tuple(name.split("|")) for _w, _on, figures in series for name in figures.get("pairs", {})})
    pairs = []
    for a, b in pair_names:
        pairs.append({"a": a, "b": b, **line(lambda figures, name=f"{a}|{b}": figures.get("pairs", {}).get(name))})

    ranking = []
    for entry in to_preferred:
        if len(entry["_v"]) < 2:
            continue
        shown = [(item, point) for item, point in zip(included, entry["points"]) if point is not None]
        moved, ci = change(entry["_q"][0], entry["_q"][-1], entry["_v"][0], entry["_v"][-1])
        ranking.append({"code": entry["code"], "from_wave": shown[0][0]["id"], "to_wave": shown[-1][0]["id"],
                        "change": moved, "ci": ci})
    ranking.sort(key=lambda r: (-r["change"], r["code"]))
    most = None
    if ranking:
        top = ranking[0]
        overlaps = len(ranking) > 1 and top["ci"][0] <= ranking[1]["ci"][1]
        most = {"code": top["code"], "overlaps": overlaps, "runner_up": ranking[1]["code"] if overlaps else None,
                "clear": top["ci"][0] > 0}
    for entry in [*to_preferred, *pairs]:
        del entry["_q"], entry["_v"]
    return {"wave": wave.id, "threshold": threshold, "waves": listed, "to_preferred": to_preferred,
            "pairs": pairs, "movers": ranking, "most": most}


def _on(first: date | None, day: float | None) -> str | None:
    if first is None or day is None:
        return None
    return (first + timedelta(days=int(round(day)))).isoformat()


# ---- the chart (the progress page, its downloads, the board pack) ----------------------------------

def layout(figures: dict) -> dict:
    """The chart of the progress page (and of the board pack), from the figures (nothing else):
    {"chart": the SVG or None, "included": the waves counted}."""
    waves = [w for w in figures["waves"] if w["included"]]
    if not waves:
        return {"chart": None, "included": waves}
    first = date.fromisoformat(waves[0]["date"])

    def days(iso):
        return (date.fromisoformat(iso) - first).days

    latest = days(waves[-1]["date"])
    end = latest
    series = []
    for entry in figures["to_preferred"]:
        shown = [(days(w["date"]), p["distance"], *p["ci"]) for w, p in zip(waves, entry["points"]) if p]
        proj, projection, interval = entry["projection"], None, None
        if proj["state"] == "projected" and proj["crossing"]:
            crossing = days(proj["crossing"])
            if crossing > shown[-1][0]:
                projection = (shown[-1][0], proj["intercept"] + proj["slope_per_year"] / 365.25 * shown[-1][0],
                              crossing)
                end = max(end, crossing)
        if proj["ci"] and proj["ci"][0]:
            low = days(proj["ci"][0])
            high = days(proj["ci"][1]) if proj["ci"][1] else None
            interval = (max(low, 0), high)
            end = max(end, high if high is not None else low)
        series.append((entry["code"], shown, projection, interval))
    end = min(end, latest + 10 * 365) or 365  # the axis stops ten years after the latest wave
    chart = charts.progress_chart(
        "merger-progress", _("Distance of each legacy organisation to the preferred culture"),
        _("One line per legacy organisation: the distance in points (0 to 100) between its culture now and the "
          "culture the whole organisation prefers, at each wave's date, with its %(level)s interval as a vertical "
          "line. The dashed horizontal line is the threshold; a dotted line continues the fitted trend to it, "
          "and a bar on the threshold spans the interval of that date (an arrow: no upper end).", level=LEVEL),
        [(days(w["date"]), series_text(w["label"]) or w["name"]) for w in waves], float(end), series,
        float(figures["threshold"]), _("threshold %(points)s", points=_points(figures["threshold"])), _points,
        _("distance (points)"),
        [((date(year, 1, 1) - first).days, str(year)) for year in range(first.year + 1, first.year + 2 + int(end) // 365)
         if 0 < (date(year, 1, 1) - first).days <= end]) if series else None
    return {"chart": chart, "included": waves}
