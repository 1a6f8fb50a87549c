"""Laying out a report (the dict of `service.wave_report`) for people: labels, charts, CSV and PDF.

Nothing here computes a figure: it only names and draws what the report holds, so the page, the
CSV and the PDF can never show more than the JSON.
"""
from __future__ import annotations

import re
from datetime import date

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from saas.actions import figures as actions_figures
from saas.anonymity.audit import COMPLEMENTARY, FEWER_THAN_K
from saas.anonymity.drivers import TOO_FEW_FOR_DRIVERS
from saas.comparison import charts
from saas.comparison.bands import ENTROPY_BANDS, LEVEL, band
from saas.kernel.files import pdf, table_csv, table_xlsx
from saas.kernel.formatting import fixed_in, number, percent_of_100_in, points_in, pvalue
from saas.reports.heatmap import PLACES, STEPS
from saas.surveys.catalogue import all_values
from saas.surveys.forms import series_text
from saas.surveys.instruments import TYPE_NAMES, TYPES


class ReportView:
    """Names and charts for the report's figures, in the reader's language."""

    def __init__(self, db, report: dict):
        self.report = report
        self.lang = str(get_locale() or "en")[:2]
        self.values = all_values(db)
        self.org_names = {o["code"]: o["name"] for o in report["filter_options"]["legacy_orgs"]}
        self.team_names = {t["id"]: t["name"] for t in report["filter_options"]["teams"]}
        self.types = [(t, TYPE_NAMES[t].get(self.lang)) for t in TYPES]
        self._labels = {}
        self._profile_words = None  # the words every profile chart shares, translated once
        self.level, self.bands = LEVEL, ENTROPY_BANDS
        self.points, self.percent, self.band = points_in(get_locale()), percent_of_100_in(get_locale()), band
        self._fixed = {(places, sign): fixed_in(get_locale(), places, sign=sign)
                       for places in set(PLACES.values()) for sign in (False, True)}
        self._heat_columns = None

    # -- words --------------------------------------------------------------------------------
    def group_label(self, group: dict | None = None) -> str:
        group = group if group is not None else self.report["filters"]
        org, team = group.get("legacy_org"), group.get("team")
        # each group is named in its table row, its chart and the entropy chart: hundreds of teams
        if (org, team) not in self._labels:
            self._labels[org, team] = self._group_label(org, team)
        return self._labels[org, team]

    def _group_label(self, org, team) -> str:
        org_label = f"{self.org_names.get(org, org)} ({org})" if org else None
        team_label = self.team_names.get(team) if team else None
        if org_label and team_label:
            return _("%(team)s in %(org)s", team=team_label, org=org_label)
        return org_label or team_label or _("Everyone who answered")

    def hidden_text(self, reason: str | None) -> str:
        k = self.report["k"]
        if reason == COMPLEMENTARY:
            return _("Not shown, so that no one can work out a group of fewer than %(k)d by subtracting figures.",
                     k=k)
        if reason == "fewer_than_free_text_k":
            return _("Fewer than %(n)d answers: not shown.", n=self.report["free_text_k"])
        if reason == "too_few_for_themes":
            return _("Too few answers alike to form themes of at least %(n)d answers each.",
                     n=self.report["free_text_k"])
        if reason == "not_asked":
            return _("This wave did not ask for teams.")
        if reason == "not_yet":
            return _("This group did not exist yet when this wave's figures were released.")
        if reason == TOO_FEW_FOR_DRIVERS:
            return _("Too few answers to weigh what goes with the outcome without it saying something about "
                     "individual people: not shown.")
        if reason == FEWER_THAN_K or reason:
            return _("Fewer than %(k)d answers", k=k)
        return ""

    def theme_label(self, theme: dict) -> str:
        """A theme named by its words, in the language its answers were written in."""
        return ", ".join(theme["words"])

    def participation_note(self, row: dict) -> str:
        """Why a participation row has no rate, in words (never the status key, "too_small")."""
        if not row["invited"]:
            return _("Nobody was invited personally to this wave (its answers were imported, or came through the "
                     "open link), so there is no response rate.")
        return self.hidden_text(FEWER_THAN_K if row["hidden"] == "too_small" else COMPLEMENTARY)

    def value_label(self, key: str) -> str:
        return self.values[key].label(self.lang) if key in self.values else key

    def labels(self, keys) -> str:
        return ", ".join(self.value_label(key) for key in keys)

    def limiting(self, key: str) -> bool:
        return key in self.values and self.values[key].limiting

    def cited_label(self, item: dict) -> str:
        """A figure an earlier wave's plan or promise cited (saas.actions): its measure and group."""
        figure = actions_figures.parse(item["figure"])
        return f"{actions_figures.measure_label(figure, None, self.lang)}, {item['group'] or _('Everyone who answered')}"

    def question_text(self, question: dict) -> str:
        text = question.get("text") or {}
        return text.get(self.lang) or text.get("en") or text.get("nl") or question["key"]

    # -- eNPS and drivers (saas.reports.drivers) ----------------------------------------------------
    def outcome_label(self, outcome: str) -> str:
        return {"contract": _("Psychological-contract index"), "enps": _("eNPS")}[outcome]

    def predictor_label(self, weight: dict) -> str:
        if weight["kind"] == "question":
            return _("Question: %(text)s", text=self.question_text(weight))
        return _("Value: %(value)s (own value, also seen in the organisation today)", value=self.value_label(weight["key"]))

    def drivers_pack(self) -> dict:
        """eNPS and drivers of the groups this report lays out (the focus, then the breakdown), as a plain dict with
        every name resolved, for templates/reports/_drivers_section.html (the page, the PDF, a board pack):
        {"asks_enps", "has_drivers", "groups": [{"label", "hidden", "enps", "outcomes": [{"outcome", "label",
        "hidden", "n", "r2", "r2_interval", "rows": [{"label", "kind", "direction", "weight", "interval", "share",
        "share_interval"}]}]}]}. A hidden group, eNPS or outcome has its reason in words and no number."""
        report = self.report
        out = {"asks_enps": False, "has_drivers": False, "groups": []}
        if not report.get("figures_ready"):
            return out
        for figures in [report["focus"], *report.get("breakdown", [])]:
            group = {"label": self.group_label(figures["group"]), "hidden": None, "enps": None, "outcomes": []}
            if figures.get("hidden"):
                group["hidden"] = self.hidden_text(figures["hidden"])
                out["groups"].append(group)
                continue
            enps = figures.get("enps")
            if enps is not None:
                out["asks_enps"] = True
                group["enps"] = {"hidden": self.hidden_text(enps["hidden"])} if enps.get("hidden") else \
                    {"hidden": None, **{key: enps[key] for key in ("n", "score", "interval", "promoters", "passives",
                                                                 "detractors")}}
            for item in (figures.get("drivers") or {}).get("outcomes", []):
                out["has_drivers"] = True
                if item.get("hidden"):
                    group["outcomes"].append({"outcome": item["outcome"], "label": self.outcome_label(item["outcome"]),
                                              "hidden": self.hidden_text(item["hidden"])})
                    continue
                group["outcomes"].append({
                    "outcome": item["outcome"], "label": self.outcome_label(item["outcome"]), "hidden": None,
                    "n": item["n"], "r2": item["r2"], "r2_interval": item["r2_interval"],
                    "rows": [{"label": self.predictor_label(w), "kind": w["kind"], "direction": w.get("direction", 0),
                              "weight": w["weight"],
                              "interval": w["interval"], "share": w["share"], "share_interval": w["share_interval"]}
                             for w in item["weights"]]})
            if group["enps"] is not None or group["outcomes"]:
                out["groups"].append(group)
        if not out["asks_enps"] and not out["has_drivers"]:
            out["groups"] = []
        return out

    # -- the heat map (saas.reports.heatmap) -----------------------------------------------------
    def heat_columns(self) -> list[dict]:
        """The heat map's measures with their column headings: {"measure", "label"}."""
        if self._heat_columns is None:
            names = dict(self.types)
            columns, asked = [], 0
            for measure in self.report["heatmap"]["measures"]:
                key = measure["key"]
                if key.startswith("culture_now."):
                    label = _("%(type)s now", type=names[key.split(".")[1]])
                elif key.startswith("culture_preferred."):
                    label = _("%(type)s preferred", type=names[key.split(".")[1]])
                elif key == "entropy":
                    label = _("Entropy")
                elif key == "alignment.personal_current":
                    label = _("Matching values: own and today")
                elif key == "alignment.current_desired":
                    label = _("Matching values: today and wanted")
                elif key == "contract":
                    label = _("Contract index")
                elif key == "enps":
                    label = _("eNPS")
                else:
                    asked += 1
                    label = _("Question %(number)d", number=asked)
                columns.append({"measure": measure, "label": label,
                                "question": self.question_text(measure) if "text" in measure else None})
            self._heat_columns = columns
        return self._heat_columns

    def heat_chunks(self, size: int | None = None) -> list[list[tuple[int, dict]]]:
        """The columns with their index, as tables: one table (the page, which scrolls sideways), or
        (`size`, the PDF's A4 page) the culture profile now, the one preferred, then the other measures,
        each in tables of at most `size` columns."""
        columns = list(enumerate(self.heat_columns()))
        if size is None:
            return [columns]
        families: dict = {}
        for index, column in columns:
            key = column["measure"]["key"].split(".")[0] if column["measure"]["kind"] == "points" else "other"
            families.setdefault(key, []).append((index, column))
        return [family[i:i + size] for family in families.values() for i in range(0, len(family), size)] or [[]]

    def heat_lines(self) -> list[dict]:
        """The heat map's rows as the page and the PDF print them: {"label", "hidden": why the whole
        group has no figures, or None, "cells": [(class, text)] per column}; the first row is the whole
        wave's own figures (class ""). Laid out once, in Python: a large organisation has many teams."""
        heat, kinds = self.report["heatmap"], [c["measure"]["kind"] for c in self.heat_columns()]
        lines = [{"label": _("%(group)s (the figures themselves)", group=self.group_label(heat["reference"]["group"])),
                  "hidden": None, "reference": True,
                  "cells": [("", self.heat_hidden(m["hidden"]) if m["hidden"] else self.heat_figure(m["value"], m["kind"]))
                            for m in heat["measures"]]}]
        for row in heat["rows"]:
            line = {"label": self.group_label(row["group"]), "reference": False,
                    "hidden": self.hidden_text(row["hidden"]) if row["hidden"] else None, "cells": []}
            for kind, cell in zip(kinds, row["cells"] or ()):
                text = self.heat_hidden(cell["hidden"]) if cell.get("hidden") \
                    else self.heat_figure(cell["difference"], kind, sign=True)
                line["cells"].append((self.heat_class(cell), text))
            lines.append(line)
        return lines

    def heat_figure(self, value, kind: str, *, sign: bool = False) -> str:
        """A heat-map figure as printed: the measure's own decimals, a difference with its sign."""
        return "–" if value is None else self._fixed[(PLACES[kind], sign)](value)

    @staticmethod
    def heat_class(cell: dict) -> str:
        """The cell's colour on the diverging scale (comparison.css, report_pdf.css): heat-m3 … heat-0 … heat-p3."""
        if cell.get("hidden"):
            return "heat-hidden"
        step = cell.get("step")
        if step is None:
            return "heat-none"
        return "heat-0" if step == 0 else f"heat-{'p' if step > 0 else 'm'}{abs(step)}"

    def heat_hidden(self, reason: str) -> str:
        """Why a cell has no figure, short enough for a cell (the legend says it in full)."""
        if reason == COMPLEMENTARY:
            return _("Hidden: protects a smaller group")
        return self.hidden_text(reason)

    def heat_words(self, step: int | None) -> str:
        if step is None:
            return ""
        if step == 0:
            return _("about the same as everyone")
        if step > 0:
            return _("higher than everyone, step %(step)d of 3", step=step)
        return _("lower than everyone, step %(step)d of 3", step=-step)

    def heat_legend(self) -> list[dict]:
        """Per step of the scale: its colour, its words and, per kind of measure, the differences it holds."""
        kinds = [kind for kind in STEPS if any(c["measure"]["kind"] == kind for c in self.heat_columns())]
        rows = []
        for step in range(-3, 4):
            ranges = {}
            for kind in kinds:
                bounds = [self.heat_figure(float(b), kind) for b in STEPS[kind]]
                size = abs(step)
                if size == 0:
                    ranges[kind] = _("less than %(bound)s either way", bound=bounds[0])
                elif size == 3:
                    ranges[kind] = _("%(bound)s or more", bound=bounds[2])
                else:
                    ranges[kind] = _("%(low)s to under %(high)s", low=bounds[size - 1], high=bounds[size])
            rows.append({"class": self.heat_class({"step": step}), "words": self.heat_words(step), "ranges": ranges})
        return rows

    def heat_kind_label(self, kind: str) -> str:
        return {"points": _("Culture profile (points)"), "entropy": _("Entropy (percentage points)"),
                "matches": _("Matching values"), "contract": _("Contract index"),
                "scale": _("Own questions (1 to 5)"), "enps": _("eNPS (−100 to 100)")}[kind]

    # -- charts -------------------------------------------------------------------------------
    def chart_key(self, figures: dict) -> str:
        """The id of a group's profile chart in the breakdown (and of its download): its organisation's code
        and team, never a position that another filter would change."""
        group = figures["group"]
        parts = ["profile", group.get("legacy_org") or "", f"team-{group['team']}" if group.get("team") else ""]
        return re.sub(r"[^A-Za-z0-9]+", "-", "-".join(p for p in parts if p)).strip("-")

    def chart(self, chart_id: str):
        """One of the charts the page shows, by its id, drawn as the page draws it (a download of it);
        None for a chart the page does not show (a hidden group has none)."""
        report = self.report
        if not report["figures_ready"]:
            return None
        focus = report["focus"]
        if chart_id in ("profile-focus", "values-focus"):
            if focus.get("hidden"):
                return None
            draw = self.profile_chart if chart_id == "profile-focus" else self.values_chart
            return draw(focus, chart_id)
        if chart_id == "entropy" and report.get("breakdown"):
            return self.entropy_chart()
        if chart_id == "trend":
            return self.trend_chart()
        for item in report.get("breakdown", []):
            if not item.get("hidden") and self.chart_key(item) == chart_id:
                return self.profile_chart(item, chart_id)
        return None

    def profile_chart(self, figures: dict, chart_id: str):
        culture = figures.get("culture")
        if not culture or culture.get("hidden"):
            return None
        rows = [(name, culture["now"][t], culture["preferred"][t]) for t, name in self.types]
        if self._profile_words is None:
            self._profile_words = (
                _("Bars per culture type: the average points now and preferred, on a scale of 0 to 100."),
                (_("now"), _("preferred")), _("average points, from 0 to 100"))
        desc, legend, axis = self._profile_words
        return charts.profile_chart(
            chart_id, _("Culture profile of %(group)s, now and preferred", group=self.group_label(figures["group"])),
            desc, rows, legend, self.points, axis)

    def values_chart(self, figures: dict, chart_id: str):
        values = figures.get("values")
        if not values or values.get("hidden") or not values["top"]["org_current"]:
            return None
        rows = [(self.value_label(v["key"]), 100 * v["share"], self.limiting(v["key"]))
                for v in values["top"]["org_current"]]
        return charts.bar_chart(
            chart_id, _("Top values of %(group)s today", group=self.group_label(figures["group"])),
            _("Bars per value: the share of respondents who chose it for the organisation today. Values that "
              "can hold an organisation back are marked."), rows, self.percent, marked=_("(limiting)"),
            axis=_("share of the respondents who chose the value"))

    def entropy_chart(self):
        rows = [(self.group_label(item["group"]),
                 100 * item["values"]["entropy"] if _shown(item, "values") and item["values"]["entropy"] is not None
                 else None) for item in self.report.get("breakdown", [])]
        if not any(value is not None for _label, value in rows):
            return None
        return charts.entropy_chart(
            "entropy", _("Cultural entropy per group"),
            _("Bars per group: the share of votes for the organisation today that went to values that can hold it "
              "back, against the customary bands from healthy to critical."),
            rows, [(upper, str(name), fill) for upper, name, fill in ENTROPY_BANDS], self.percent,
            _("not shown"))

    def trend_chart(self):
        trend = self.report.get("trend") or []
        if len(trend) < 2:
            return None
        pairs = sorted({(d["a"], d["b"]) for point in trend for d in point.get("distances", [])})
        series = []
        for a, b in pairs:
            points = []
            for point in trend:
                found = next((d for d in point.get("distances", []) if (d["a"], d["b"]) == (a, b)), None)
                points.append((found["distance_now"], *found["ci_now"])
                              if found and found["distance_now"] is not None else None)
            series.append((f"{a}–{b}", points))
        if not any(p for _name, points in series for p in points):
            return None
        return charts.line_chart(
            "trend", _("Distance now over the waves"),
            _("One line per pair of legacy organisations: the distance between their culture profiles now in each "
              "wave of the series, with its %(level)s interval as a vertical line.", level=LEVEL),
            [series_text(p["wave"]["series_label"]) or p["wave"]["name"] for p in trend], series, self.points,
            _("distance (points)"))


def _shown(figures: dict, measure: str) -> bool:
    return not figures.get("hidden") and measure in figures and not figures[measure].get("hidden")


# ---- CSV -------------------------------------------------------------------------------------

CSV_COLUMNS = ("group", "legacy_org", "team", "measure", "item", "value", "answers", "note")


def report_csv(view: ReportView) -> bytes:
    """One row per figure of the focus group and the breakdown, with the group it belongs to;
    a hidden figure is a row that says so, with no number. Separators and decimal signs as the
    reader's spreadsheet expects them (saas.kernel.files.table_csv)."""
    return table_csv(CSV_COLUMNS, _table(view), get_locale())


def report_xlsx(view: ReportView, wave) -> bytes:
    """The same rows as the CSV, as a workbook: the same released figures, nothing more."""
    return table_xlsx(wave.name, CSV_COLUMNS, _table(view))


def _table(view: ReportView):
    for row in _csv_rows(view, view.report):
        yield [row.get(key) for key in CSV_COLUMNS]


def _csv_rows(view: ReportView, report: dict):
    participation = report["participation"]
    for row in [participation["total"], *participation["by_legacy_org"]]:
        answers = row["answered"]
        if not row["invited"] and report["figures_ready"] and not any(report["filters"].values()):
            answers = report["focus"].get("n")  # no rate, but the answers the report counts
        yield {"group": row["label"], "measure": "participation", "value": row["percent"],
               "answers": answers, "note": view.participation_note(row) if row["hidden"] else ""}
    if not report["figures_ready"]:
        return
    for figures in [report["focus"], *report["breakdown"]]:
        yield from _figure_rows(view, figures)
    yield from _heat_rows(view, report["heatmap"])
    yield from _driver_rows(view)
    for pair in report["comparisons"]["pairs"]:
        for phase in ("now", "preferred"):
            if pair[f"distance_{phase}"] is not None:
                low, high = pair[f"ci_{phase}"]
                yield {"group": f"{pair['a']}–{pair['b']}", "measure": f"distance_{phase}",
                       "value": round(pair[f"distance_{phase}"], 1),
                       "note": f"{LEVEL}: {view.points(low)}–{view.points(high)}; p = {pvalue(pair[f'p_{phase}'])}"}
        for phase in ("now", "preferred"):
            if pair.get(f"aitchison_{phase}") is not None:
                low, high = pair[f"ci_aitchison_{phase}"]
                yield {"group": f"{pair['a']}–{pair['b']}", "measure": f"aitchison_{phase}",
                       "value": round(pair[f"aitchison_{phase}"], 3),
                       "note": f"{LEVEL}: {number(low, '0.00')}–{number(high, '0.00')}; "
                               f"p = {pvalue(pair[f'p_aitchison_{phase}'])}"}
    yield from _theme_rows(view, report.get("themes") or {})
    yield from _benchmark_rows(report.get("benchmark"))


def _benchmark_rows(shown: dict | None):
    """The sector norm beside the organisation's own figure (saas.benchmark): the norm's mean as the value, its
    spread and how many organisations in the note; the group names the sector and period, never an organisation."""
    for row in (shown or {}).get("rows", ()):
        yield {"group": f"{shown['sector']} {shown['period']}", "measure": f"norm_{row['measure']}",
               "value": row["mean"], "answers": row["n"],
               "note": _("sector norm of %(n)d organisations; standard deviation %(sd)s", n=shown["contributors"],
                         sd=number(row["sd"], PATTERNS.get(row["decimals"], "0.0")))}


PATTERNS = {1: "0.0", 2: "0.00", 3: "0.000"}


def _theme_rows(view: ReportView, themes: dict):
    """What people say: per open question a row per theme (its words and count of answers), a row per
    answer shown with it, and the other answers' count; a question without themes is a row that says why."""
    for question in themes.get("questions", []):
        base = {"group": view.group_label({}), "item": view.question_text(question)}
        if question.get("hidden"):
            yield {**base, "measure": "theme", "note": view.hidden_text(question["hidden"])}
            continue
        for theme in question["themes"]:
            yield {**base, "measure": "theme", "value": theme["count"], "answers": question["answers"],
                   "note": view.theme_label(theme)}
            for text in theme["examples"]:
                yield {**base, "measure": "theme_example", "note": text}
        if question.get("other") is not None:
            yield {**base, "measure": "theme_other", "value": question["other"], "answers": question["answers"],
                   "note": _("Other")}


def _driver_rows(view: ReportView):
    """eNPS per group ("enps": the score, its interval and shares in the note) and drivers per group and outcome
    ("drivers_r2", then "driver" per predictor, ranked: the weight, its share of R² and intervals in the note); a
    hidden one is a row that says why, with no number."""
    pack = view.drivers_pack()
    for group in pack["groups"]:
        base = {"group": group["label"]}
        if group["hidden"]:
            continue  # the group's own row says so already (_figure_rows)
        enps = group["enps"]
        if enps is not None:
            if enps["hidden"]:
                yield {**base, "measure": "enps", "note": enps["hidden"]}
            else:
                yield {**base, "measure": "enps", "value": enps["score"], "answers": enps["n"],
                       "note": _("%(level)s: %(low)s to %(high)s; promoters %(p)s%%, passives %(m)s%%, detractors %(d)s%%",
                                 level=LEVEL, low=number(enps["interval"][0], "0"), high=number(enps["interval"][1], "0"),
                                 p=number(enps["promoters"], "0.0"), m=number(enps["passives"], "0.0"),
                                 d=number(enps["detractors"], "0.0"))}
        for outcome in group["outcomes"]:
            item = outcome["label"]
            if outcome["hidden"]:
                yield {**base, "measure": "drivers", "item": item, "note": outcome["hidden"]}
                continue
            yield {**base, "measure": "drivers_r2", "item": item, "value": outcome["r2"], "answers": outcome["n"],
                   "note": f"{LEVEL}: {number(outcome['r2_interval'][0], '0.000')}–{number(outcome['r2_interval'][1], '0.000')}"}
            for row in outcome["rows"]:
                yield {**base, "measure": "driver", "item": f"{item}: {row['label']}", "value": row["weight"],
                       "answers": outcome["n"],
                       "note": _("%(direction)s; %(share)s%% of R²; %(level)s: %(low)s to %(high)s "
                                 "(%(share_low)s%% to %(share_high)s%%)",
                                 direction=_("goes with a higher score") if row["direction"] > 0
                                 else _("goes with a lower score") if row["direction"] < 0 else "–", share=number(row["share"], "0.0"), level=LEVEL,
                                 low=number(row["interval"][0], "0.0000"), high=number(row["interval"][1], "0.0000"),
                                 share_low=number(row["share_interval"][0], "0.0"),
                                 share_high=number(row["share_interval"][1], "0.0"))}


def _heat_rows(view: ReportView, heat: dict):
    """The heat map: the whole wave's figure per measure ("heatmap_reference"), then per group and
    measure its difference from it ("heatmap_difference", the step in words in the note); a hidden
    group or cell is a row that says why, with no number."""
    reference = heat["reference"]
    base = {"group": view.group_label(reference["group"]), "legacy_org": "", "team": ""}
    if reference["hidden"]:
        yield {**base, "measure": "heatmap_reference", "note": view.hidden_text(reference["hidden"])}
        return
    columns = view.heat_columns()
    for column in columns:
        measure = column["measure"]
        item = column["label"] + (f": {column['question']}" if column["question"] else "")
        if measure["hidden"]:
            yield {**base, "measure": "heatmap_reference", "item": item, "note": view.hidden_text(measure["hidden"])}
        else:
            yield {**base, "measure": "heatmap_reference", "item": item, "value": measure["value"],
                   "answers": measure["n"]}
    for row in heat["rows"]:
        group = row["group"]
        base = {"group": view.group_label(group), "legacy_org": group.get("legacy_org") or "",
                "team": group.get("team") or ""}
        if row["hidden"]:
            yield {**base, "measure": "heatmap_difference", "note": view.hidden_text(row["hidden"])}
            continue
        for column, cell in zip(columns, row["cells"]):
            item = column["label"] + (f": {column['question']}" if column["question"] else "")
            if cell.get("hidden"):
                yield {**base, "measure": "heatmap_difference", "item": item, "note": view.hidden_text(cell["hidden"])}
            else:
                yield {**base, "measure": "heatmap_difference", "item": item, "value": cell["difference"],
                       "answers": cell["n"], "note": view.heat_words(cell["step"])}


def _figure_rows(view: ReportView, figures: dict):
    group = figures["group"]
    base = {"group": view.group_label(group), "legacy_org": group.get("legacy_org") or "",
            "team": group.get("team") or ""}
    if figures.get("hidden"):
        yield {**base, "measure": "answers", "note": view.hidden_text(figures["hidden"])}
        return
    yield {**base, "measure": "answers", "value": figures["n"]}
    culture = figures.get("culture")
    if culture is not None:
        if culture.get("hidden"):
            yield {**base, "measure": "culture", "note": view.hidden_text(culture["hidden"])}
        else:
            for phase in ("now", "preferred"):
                for t, name in view.types:
                    yield {**base, "measure": f"culture_{phase}", "item": name, "value": culture[phase][t],
                           "answers": culture["n"]}
    values = figures.get("values")
    if values is not None:
        if values.get("hidden"):
            yield {**base, "measure": "values", "note": view.hidden_text(values["hidden"])}
        else:
            for name, items in values["top"].items():
                for item in items:
                    yield {**base, "measure": f"top_values_{name}", "item": view.value_label(item["key"]),
                           "value": item["share"], "answers": values["n"]}
            yield {**base, "measure": "entropy", "value": values["entropy"], "answers": values["n"]}
    contract = figures.get("contract")
    if contract is not None:
        if contract.get("hidden"):
            yield {**base, "measure": "contract_index", "note": view.hidden_text(contract["hidden"])}
        else:
            yield {**base, "measure": "contract_index", "value": contract["index"], "answers": contract["n"]}
    for question in figures.get("questions", []):
        if question.get("hidden"):
            yield {**base, "measure": "question", "item": view.question_text(question),
                   "note": view.hidden_text(question["hidden"])}
        else:
            yield {**base, "measure": "question", "item": view.question_text(question), "value": question["mean"],
                   "answers": question["n"]}


# ---- PDF -------------------------------------------------------------------------------------

def report_pdf(view: ReportView, wave, tenant, made_on: date) -> bytes:
    html = render_template("reports/report_pdf.html", report=view.report, view=view, wave=wave, tenant=tenant,
                           made_on=made_on)
    return pdf(html, render_template("reports/report_pdf.css"))


def filename(wave, extension: str) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", wave.name.lower()).strip("-")[:60] or "wave"
    return f"culture-report-{name}.{extension}"
