"""Charts drawn on the server as SVG: no JavaScript, nothing inline that the CSP forbids.

Every chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>`
(aria-labelledby), and the page puts a table with the same figures beside it. Colours are never
the only cue: bars carry their values as text, series differ in dash pattern and marker too, and
text meets WCAG AA contrast against what it stands on. Labels arrive translated; everything put
into the SVG is escaped here.
"""
from __future__ import annotations

import re
from typing import Callable, Sequence

import resvg_py
from markupsafe import Markup, escape

INK = "#1b1f24"
MUTED = "#4a5560"
GRID = "#c9d1d9"
NOW = "#0b5a7a"  # 7.4:1 on white
PREFERRED = "#9a4a00"  # 6.1:1 on white
LIMITING = "#a4161a"
# the widest sans fonts first (the layout measures text for DejaVu Sans, `text_width`), so a chart
# opened in a slide program without them still gets a sans font no wider than planned
FONT_FAMILY = "'DejaVu Sans', Verdana, 'Liberation Sans', Arial, Helvetica, sans-serif"
FONT = f'font-family="{FONT_FAMILY}"'
# Heat map steps: (upper bound of distance, fill, text colour); every pair has ≥ 4.5:1 contrast.
HEAT = ((5, "#eef5f8", INK), (10, "#cfe3ec", INK), (20, "#8fbfd3", INK), (30, "#1f6f8f", "#ffffff"),
        (101, "#0b3a50", "#ffffff"))
SERIES = (("#0b5a7a", ""), ("#9a4a00", "6 3"), ("#1e6b34", "2 3"), ("#6a3d9a", "8 3 2 3"), ("#a4161a", "4 4"),
          ("#4a5560", "10 4"))
MARKERS = ("circle", "square", "diamond", "triangle")
# Charts are drawn narrow (about 340 to 420 units) and scaled to the width of their box: on a phone
# of 390 px the text stays at about its drawn size, and no text is drawn smaller than SMALL.
TEXT, SMALL, TITLE = 13, 12, 15
PNG_WIDTH = 1600  # a downloaded PNG: wide enough for a full-width slide of a board deck


def _svg(chart_id: str, title: str, desc: str, width: int, height: int, body: str) -> Markup:
    """The chart: its title drawn on top (wrapped to its width), no fixed size (the viewBox gives the
    proportions; the page's CSS makes it as wide as its box, `standalone` gives a file its size)."""
    lines = _wrap(title, width - 20, TITLE, bold=True)
    title_h = 12 + 19 * len(lines)
    height += title_h
    heading = "".join(_text(10, 24 + 19 * n, line, size=TITLE, weight="bold") for n, line in enumerate(lines))
    return Markup(
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-labelledby="{escape(chart_id)}-title '
        f'{escape(chart_id)}-desc" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT} font-size="{TEXT}">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
        f'{heading}'
        f'<g transform="translate(0 {title_h})">{body}</g></svg>'
    )


def size(svg: str) -> tuple[float, float]:
    """A chart's drawn width and height (its viewBox)."""
    _x, _y, width, height = (float(n) for n in re.search(r'viewBox="([^"]+)"', str(svg)).group(1).split())
    return width, height


def standalone(svg: str) -> str:
    """The chart as a file of its own, for a slide or a document: an XML declaration, its size in
    pixels, and everything it needs inside it (its colours, sizes and fonts are presentation
    attributes, its title and description are there; nothing refers to the page's CSS)."""
    width, height = size(svg)
    opening = re.match(r"<svg [^>]*>", str(svg)).group(0)
    attributes = (opening.replace(' class="chart"', "").replace(' width="100%"', f' width="{width:g}" height="{height:g}"')
                  .replace(f' {FONT}', f' version="1.1" {FONT}'))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + attributes + str(svg)[len(opening):] + "\n"


def png(svg: str, width: int = PNG_WIDTH) -> bytes:
    """The chart as a PNG `width` pixels wide on white, drawn by resvg with the system's fonts."""
    return bytes(resvg_py.svg_to_bytes(svg_string=standalone(svg), width=width, background="#ffffff"))


FORMATS = {"svg": "image/svg+xml", "png": "image/png"}


def as_file(svg: str, kind: str) -> tuple[bytes, str]:
    """The chart as a downloaded file of `kind` ("svg" or "png"): its bytes and content type."""
    body = standalone(svg).encode() if kind == "svg" else png(svg)
    return body, FORMATS[kind]


def filename(chart_id: str, wave_id: int, language: str, kind: str) -> str:
    """What the file is, without the tenant's name: koers-entropy-wave-3-nl.svg."""
    name = re.sub(r"[^a-z0-9]+", "-", chart_id.lower()).strip("-") or "chart"
    return f"koers-{name}-wave-{wave_id}-{language}.{kind}"


def _note(x: float, y: float, text: str, width: float, *, font: int = SMALL) -> tuple[str, float]:
    """`text` wrapped to `width`, its first baseline at `y`; and the height it takes."""
    if not text:
        return "", 0.0
    lines = _wrap(text, width, font)
    step = font + 4
    return "".join(_text(x, y + step * n, line, size=font) for n, line in enumerate(lines)), float(step * len(lines))


def _ticks(x0: float, y: float, scale: float, ticks, fmt: Callable[[float], str]) -> str:
    return "".join(f'<line x1="{x0 + t * scale:.1f}" y1="{y - 5:.1f}" x2="{x0 + t * scale:.1f}" y2="{y:.1f}" '
                   f'stroke="{MUTED}"/>' + _text(x0 + t * scale, y + SMALL + 2, fmt(t), anchor="middle", size=SMALL)
                   for t in ticks)


def _text(x, y, label, *, anchor="start", size=TEXT, fill=INK, weight="normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
            f'font-weight="{weight}">{escape(label)}</text>')


def profile_chart(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, float, float]],
                  legend: tuple[str, str], fmt: Callable[[float], str], axis: str = "") -> Markup:
    """Four types as pairs of horizontal bars (now, preferred) on a 0–100 point scale, the scale
    marked below them and named by `axis`."""
    left, bar_w, gap = 10, 220, 10
    top, group_h, bar_h = 34, 42, 16
    names = [_wrap(label, 120, TEXT) for label, _n, _p in rows]  # "Hiërarchie" over "(beheersen)"
    label_w = max([text_width(line, TEXT) for lines in names for line in lines] + [40.0])
    x0 = left + label_w + gap
    value_w = max([text_width(fmt(v), SMALL) for _l, now, pref in rows for v in (now, pref)] + [30.0]) + 8
    width = int(x0 + bar_w + value_w + 10)
    scale = bar_w / 100
    body = [_legend(left, 16, [(legend[0], NOW, ""), (legend[1], PREFERRED, "")])]
    for i, (lines, (_label, now, preferred)) in enumerate(zip(names, rows)):
        y = top + i * group_h
        first = y + bar_h + 2 - 8 * (len(lines) - 1)  # the lines centred on the pair of bars
        for n, line in enumerate(lines):
            body.append(_text(left, first + 16 * n, line))
        for j, (value, colour) in enumerate(((now, NOW), (preferred, PREFERRED))):
            yy = y + j * (bar_h + 2)
            body.append(f'<rect x="{x0:.1f}" y="{yy}" width="{max(0.0, value) * scale:.1f}" height="{bar_h}" '
                        f'fill="{colour}"/>')
            body.append(_text(x0 + max(0.0, value) * scale + 4, yy + bar_h - 3, fmt(value), size=SMALL))
    bottom = top + group_h * len(rows)
    body.append(f'<line x1="{x0:.1f}" y1="{top - 4}" x2="{x0:.1f}" y2="{bottom}" stroke="{MUTED}"/>')
    body.append(_ticks(x0, bottom + 4, scale, (0, 25, 50, 75, 100), lambda t: str(t)))
    note, note_h = _note(left, bottom + 40, axis, width - 2 * left)
    body.append(note)
    return _svg(chart_id, title, desc, width, int(bottom + 26 + note_h + 8), "".join(body))


HEAT_COLUMNS = 4  # at most this many columns side by side: wider, a phone would shrink the text below 9 px


def heatmap(chart_id: str, title: str, desc: str, codes: Sequence[str],
            cells: dict[tuple[str, str], tuple[float, float, float]], fmt: Callable[[float], str],
            note: str = "") -> Markup:
    """A grid of distances, each pair once: the lower triangle (a row's organisation against each
    column's organisation listed before it), each cell the distance and, below it, its interval;
    `note` (below the grid) says how to read a cell.

    A chart is as wide as its box, so a wide grid would be drawn small on a phone: the columns come
    in blocks of at most HEAT_COLUMNS, one under the other, each with its own column heads, so the
    chart stays about 400 units wide (its text at least 9 px on a 390 px phone) however many
    organisations there are."""
    cell_w, cell_h, head = 88, 46, 30
    left = max([text_width(code, TEXT, bold=True) for code in codes] + [30.0]) + 18
    columns = list(codes[:-1])
    blocks = [columns[i:i + HEAT_COLUMNS] for i in range(0, len(columns), HEAT_COLUMNS)] or [[]]
    width = max(int(left + cell_w * min(HEAT_COLUMNS, max(1, len(columns))) + 10), 300)
    body, top = [], head
    for number, block in enumerate(blocks):
        first = number * HEAT_COLUMNS  # the index in `codes` of the block's first column
        for j, code in enumerate(block):
            body.append(_text(left + j * cell_w + cell_w / 2, top - 10, code, anchor="middle", weight="bold"))
        for i, row in enumerate(codes[first + 1:]):
            y = top + i * cell_h
            body.append(_text(left - 8, y + cell_h / 2 + 4, row, anchor="end", weight="bold"))
            for j, column in enumerate(block):
                if j > i:  # above the diagonal: the same pair is drawn below it
                    continue
                x = left + j * cell_w
                value = cells.get((row, column)) or cells.get((column, row))
                if value is None:
                    body.append(f'<rect x="{x:.1f}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                                f'fill="#f7f8fa" stroke="{GRID}"/>')
                    body.append(_text(x + cell_w / 2, y + cell_h / 2 + 4, "–", anchor="middle", fill=MUTED))
                    continue
                distance, low, high = value
                fill, ink = next((f, t) for bound, f, t in HEAT if distance < bound)
                body.append(f'<rect x="{x:.1f}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}"/>')
                body.append(_text(x + cell_w / 2, y + 19, fmt(distance), anchor="middle", fill=ink, size=TEXT + 1,
                                  weight="bold"))
                body.append(_text(x + cell_w / 2, y + 37, f"{fmt(low)}–{fmt(high)}", anchor="middle", fill=ink,
                                  size=SMALL))
        top += cell_h * len(codes[first + 1:]) + head + 6
    grid_bottom = top - head - 6
    text, note_h = _note(10, grid_bottom + 18, note, width - 20)
    body.append(text)
    return _svg(chart_id, title, desc, width, int(grid_bottom + 8 + note_h + (6 if note_h else 0)), "".join(body))


def bar_chart(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, float, bool]],
              fmt: Callable[[float], str], marked: str = "", maximum: float = 100.0, axis: str = "") -> Markup:
    """Horizontal bars with their values, each bar's name on the line above it (wrapped to the
    chart's width), so a long Dutch value name neither widens the chart nor lies under a bar.
    Rows whose flag is set are drawn in LIMITING and their name gets `marked` after it (so the mark
    is not colour alone); the scale is marked below the bars and named by `axis`."""
    left, bar_w, bar_h, line_h = 10, 280, 16, 17
    labels = [f"{label} {marked}" if flagged and marked else label for label, _value, flagged in rows]
    values = [fmt(value) for _label, value, _flagged in rows]
    width = int(left + bar_w + max([text_width(v, SMALL) for v in values] + [30.0]) + 18)
    scale = bar_w / maximum if maximum else 0
    body, y = [], 4.0
    for label, shown, (_label, value, flagged) in zip(labels, values, rows):
        lines = _wrap(label, width - 2 * left, TEXT)
        for n, line in enumerate(lines):
            body.append(_text(left, y + 13 + line_h * n, line))
        y += line_h * len(lines) + 3
        body.append(f'<rect x="{left}" y="{y:.1f}" width="{max(0.0, value) * scale:.1f}" height="{bar_h}" '
                    f'fill="{LIMITING if flagged else NOW}"/>')
        body.append(_text(left + max(0.0, value) * scale + 4, y + bar_h - 3, shown, size=SMALL))
        y += bar_h + 9
    ticks = [maximum * n / 4 for n in range(5)] if maximum else []
    body.append(_ticks(left, y + 4, scale, ticks, fmt))
    note, note_h = _note(left, y + 40, axis, width - 2 * left)
    body.append(note)
    return _svg(chart_id, title, desc, width, int(y + 26 + note_h + 8), "".join(body))


def entropy_chart(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, float | None]],
                  bands: Sequence[tuple[float, str, str]], fmt: Callable[[float], str], missing: str) -> Markup:
    """Cultural entropy (in %) per organisation over the customary bands, 0–60 %.

    `bands`: (upper bound in %, label, fill), in order; the last one runs to the right edge.
    Nothing overlaps in any language: each name is on the line(s) above its bar (wrapped to the
    chart's width), the bar lies on a strip of the bands, and the bands are named in a legend above
    the plot, laid out in rows by the width of their words, not inside bands too narrow for
    "kleine problemen".
    """
    left, bar_h, strip_h, line_h, top_axis = 10, 16, 22, 17, 60.0
    bar_w = 300
    scale = bar_w / top_axis
    values = [fmt(value) if value is not None else missing for _code, value in rows]
    right = max([text_width(v, SMALL, bold=True) for v, (_c, value) in zip(values, rows) if value is not None]
                + [30.0]) + 12  # a missing value is said inside the plot
    width = int(left + bar_w + right + 10)
    # the legend: "≤ 10 %: healthy" … "> 40 %: critical", in rows that fit the width
    body, legend_items, lower = [], [], 0.0
    for i, (upper, label, fill) in enumerate(bands):
        bound = f"> {fmt(lower)}" if i == len(bands) - 1 else f"≤ {fmt(upper)}"
        legend_items.append((f"{bound}: {label}", fill))
        lower = upper
    legend_y, x = 14.0, left
    for text, fill in legend_items:
        item_w = 14 + 6 + text_width(text, SMALL) + 18
        if x > left and x + item_w > width - 10:
            legend_y, x = legend_y + 20, left
        body.append(f'<rect x="{x:.1f}" y="{legend_y - 11:.1f}" width="14" height="14" fill="{fill}" '
                    f'stroke="{MUTED}"/>')
        body.append(_text(x + 20, legend_y, text, size=SMALL))
        x += item_w
    y = legend_y + 14
    for (code, value), shown_value in zip(rows, values):
        lines = _wrap(code, width - 2 * left, TEXT, bold=True)
        for n, line in enumerate(lines):
            body.append(_text(left, y + 13 + line_h * n, line, weight="bold"))
        y += line_h * len(lines) + 3
        lower = 0.0
        for upper, _label, fill in bands:  # the bands, as a strip behind this bar
            upper = min(upper, top_axis)
            body.append(f'<rect x="{left + lower * scale:.1f}" y="{y:.1f}" width="{(upper - lower) * scale:.1f}" '
                        f'height="{strip_h}" fill="{fill}"/>')
            lower = upper
        middle = y + strip_h / 2
        if value is None:
            body.append(_text(left + 4, middle + 4, shown_value, size=SMALL))
        else:
            shown = min(max(0.0, value), top_axis)
            body.append(f'<rect x="{left}" y="{middle - bar_h / 2:.1f}" width="{shown * scale:.1f}" height="{bar_h}" '
                        f'fill="{INK}"/>')
            body.append(_text(left + shown * scale + 4, middle + 4, shown_value, size=SMALL, weight="bold"))
        y += strip_h + 8
    body.append(_ticks(left, y + 4, scale, range(0, int(top_axis) + 1, 10), fmt))
    return _svg(chart_id, title, desc, width, int(y + 26), "".join(body))


LABEL_MAX = 260  # the widest a column of names gets before they wrap


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """A generous estimate of how wide `text` is drawn, so that nothing is placed on it: the widest
    system sans fonts (DejaVu Sans in the PDF) average about 0.6 em a character, capitals and
    digits more; this counts 0.62 em for narrow and 0.76 em for wide ones, 8 % more in bold."""
    wide = sum(1 for c in text if c.isupper() or c.isdigit() or c in "mwMW%@")
    em = 0.62 * (len(text) - wide) + 0.76 * wide
    return em * size * (1.08 if bold else 1.0)


def _wrap(text: str, limit: float, size: float, *, bold: bool = False) -> list[str]:
    """`text` in lines no wider than `limit` (a word longer than that is cut between characters)."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size, bold=bold) <= limit:
            line = candidate
            continue
        if line:
            lines.append(line)
        while text_width(word, size, bold=bold) > limit:
            cut = next((n for n in range(len(word), 0, -1) if text_width(word[:n], size, bold=bold) <= limit), 1)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line or not lines:
        lines.append(line)
    return lines


def line_chart(chart_id: str, title: str, desc: str, x_labels: Sequence[str],
               series: Sequence[tuple[str, Sequence[tuple[float, float, float] | None]]],
               fmt: Callable[[float], str], y_label: str) -> Markup:
    """Distance per wave: one line per pair, with its interval as a whisker at every wave."""
    left, top = 58, 14
    wave_lines = [_wrap(label, 100, SMALL) for label in x_labels]  # centred under their point, ≤ 50 either side
    bottom = 12 + (SMALL + 4) * max([len(lines) for lines in wave_lines] + [1])
    ends = [f"{name} {fmt(next((p[0] for p in reversed(points) if p), 0.0))}" for name, points in series]
    right = max([text_width(end, SMALL) for end in ends] + [60.0]) + 18
    plot_w, plot_h = max(220, 110 * max(1, len(x_labels) - 1)), 200
    width, height = int(left + plot_w + right), top + plot_h + bottom
    highest = max([high for _n, points in series for p in points if p for high in (p[2],)] + [10.0])
    y_max = 10 * ((int(highest) // 10) + 1)

    def x(i):
        return left + (plot_w * i / (len(x_labels) - 1) if len(x_labels) > 1 else plot_w / 2)

    def y(v):
        return top + plot_h * (1 - v / y_max)

    body = [_text(16, top + plot_h / 2, y_label, anchor="middle", size=SMALL).replace(
        "<text ", f'<text transform="rotate(-90 16 {top + plot_h / 2:.1f})" ', 1)]
    step = 5 if y_max <= 30 else 10 if y_max <= 60 else 20  # round steps: 0, 5, 10 … not 0, 6, 12 …
    for tick in range(0, y_max + 1, step):
        body.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + plot_w}" y2="{y(tick):.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, y(tick) + 4, str(tick), anchor="end", size=SMALL))
    for i, lines in enumerate(wave_lines):
        for n, line in enumerate(lines):
            body.append(_text(x(i), top + plot_h + 20 + (SMALL + 4) * n, line, anchor="middle", size=SMALL))
    labels = []
    for s, (name, points) in enumerate(series):
        colour, dash = SERIES[s % len(SERIES)]
        shown = [(i, p) for i, p in enumerate(points) if p is not None]
        if len(shown) > 1:
            path = " ".join(f"{x(i):.1f},{y(p[0]):.1f}" for i, p in shown)
            dashing = f' stroke-dasharray="{dash}"' if dash else ""
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashing}/>')
        for i, (value, low, high) in shown:
            body.append(f'<line x1="{x(i):.1f}" y1="{y(low):.1f}" x2="{x(i):.1f}" y2="{y(high):.1f}" '
                        f'stroke="{colour}" stroke-width="1.5"/>')
            body.append(_marker(MARKERS[s % len(MARKERS)], x(i), y(value), colour))
        if shown:
            i, (value, _l, _h) = shown[-1]
            labels.append([y(value) + 4, x(i) + 10, f"{name} {fmt(value)}", colour])
    height = _end_labels(body, labels, height)
    return _svg(chart_id, title, desc, width, height, "".join(body))


def _end_labels(body: list[str], labels: list[list], height: int) -> int:
    """The labels at the ends of a chart's lines ([y, x, text, colour] each), moved apart downwards where they
    would overlap, added to `body`; returns the chart's height, grown where the lowest label needs it."""
    labels.sort()
    for previous, label in zip(labels, labels[1:]):
        label[0] = max(label[0], previous[0] + SMALL + 3)
    for label_y, label_x, label, colour in labels:
        body.append(_text(label_x, label_y, label, size=SMALL, fill=colour))
    return max(height, int(labels[-1][0]) + 10) if labels else height


def _legend(x, y, items) -> str:
    out = []
    for label, colour, _dash in items:
        out.append(f'<rect x="{x}" y="{y - 10}" width="14" height="12" fill="{colour}"/>')
        out.append(_text(x + 20, y, label))
        x += 20 + text_width(label, TEXT) + 16
    return "".join(out)


def _marker(kind: str, cx: float, cy: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{cx - 4:.1f}" y="{cy - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "diamond":
        return (f'<polygon points="{cx:.1f},{cy - 5:.1f} {cx + 5:.1f},{cy:.1f} {cx:.1f},{cy + 5:.1f} '
                f'{cx - 5:.1f},{cy:.1f}" fill="{colour}"/>')
    if kind == "triangle":
        return (f'<polygon points="{cx:.1f},{cy - 5:.1f} {cx + 5:.1f},{cy + 4:.1f} {cx - 5:.1f},{cy + 4:.1f}" '
                f'fill="{colour}"/>')
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="{colour}"/>'


def progress_chart(chart_id: str, title: str, desc: str, x_ticks: Sequence[tuple[float, str]], end: float,
                   series: Sequence[tuple[str, Sequence[tuple[float, float, float, float]],
                                      tuple[float, float, float] | None, tuple[float, float | None] | None]],
                   threshold: float, threshold_label: str, fmt: Callable[[float], str], y_label: str,
                   years: Sequence[tuple[float, str]] = ()) -> Markup:
    """Merger progress on a time axis: per series its distances at the waves' dates (whiskers: their
    intervals), a dotted line from the fitted value at the latest wave to the projected crossing, and
    at the threshold's height a bar over the crossing's interval (an arrow at the edge when it is
    unbounded). `x_ticks`: (day, label) of the waves; `end`: the last day the axis shows; a series is
    (name, [(day, distance, low, high)], (from_day, from_value, to_day) or None, (low_day, high_day or
    None) or None); `years`: (day, label) of the first days of the years on the axis, drawn at its top."""
    left, top = 58, 30
    tick_lines = [_wrap(label, 100, SMALL) for _day, label in x_ticks]
    bottom = 12 + (SMALL + 4) * max([len(lines) for lines in tick_lines] + [1])
    ends = [f"{name} {fmt(points[-1][1])}" for name, points, _p, _i in series if points]
    right = max([text_width(label, SMALL) for label in ends] + [60.0]) + 18
    plot_w, plot_h = 340, 220
    width, height = int(left + plot_w + right), top + plot_h + bottom + 22
    highest = max([p[3] for _n, points, _p, _i in series for p in points] + [threshold, 10.0])
    y_max = 10 * ((int(highest) // 10) + 1)
    span = max(end, 1.0)

    def x(day):
        return left + plot_w * min(max(day, 0.0), span) / span

    def y(value):
        return top + plot_h * (1 - value / y_max)

    body = [_text(16, top + plot_h / 2, y_label, anchor="middle", size=SMALL).replace(
        "<text ", f'<text transform="rotate(-90 16 {top + plot_h / 2:.1f})" ', 1)]
    step = 5 if y_max <= 30 else 10 if y_max <= 60 else 20
    for tick in range(0, y_max + 1, step):
        body.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + plot_w}" y2="{y(tick):.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, y(tick) + 4, str(tick), anchor="end", size=SMALL))
    for (day, _label), lines in zip(x_ticks, tick_lines):
        body.append(f'<line x1="{x(day):.1f}" y1="{top + plot_h:.1f}" x2="{x(day):.1f}" y2="{top + plot_h + 5:.1f}" '
                    f'stroke="{MUTED}"/>')
        for n, line in enumerate(lines):
            body.append(_text(x(day), top + plot_h + 20 + (SMALL + 4) * n, line, anchor="middle", size=SMALL))
    body.append(f'<line x1="{left}" y1="{y(threshold):.1f}" x2="{left + plot_w}" y2="{y(threshold):.1f}" '
                f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="8 4"/>')
    for day, label in years:
        body.append(f'<line x1="{x(day):.1f}" y1="{top:.1f}" x2="{x(day):.1f}" y2="{top + plot_h:.1f}" '
                    f'stroke="{GRID}" stroke-dasharray="2 2"/>')
        body.append(_text(x(day), top - 6, label, anchor="middle", size=SMALL, fill=MUTED))
    body.append(_text(left + plot_w - 4, y(threshold) - 5, threshold_label, anchor="end", size=SMALL))
    labels = []
    for s, (name, points, projection, interval) in enumerate(series):
        colour, dash = SERIES[s % len(SERIES)]
        if len(points) > 1:
            path = " ".join(f"{x(day):.1f},{y(value):.1f}" for day, value, _l, _h in points)
            dashing = f' stroke-dasharray="{dash}"' if dash else ""
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashing}/>')
        for day, value, low, high in points:
            body.append(f'<line x1="{x(day):.1f}" y1="{y(low):.1f}" x2="{x(day):.1f}" y2="{y(high):.1f}" '
                        f'stroke="{colour}" stroke-width="1.5"/>')
            body.append(_marker(MARKERS[s % len(MARKERS)], x(day), y(value), colour))
        if projection is not None:
            from_day, from_value, to_day = projection
            body.append(f'<line x1="{x(from_day):.1f}" y1="{y(from_value):.1f}" x2="{x(to_day):.1f}" '
                        f'y2="{y(threshold):.1f}" stroke="{colour}" stroke-width="1.5" stroke-dasharray="2 3"/>')
        if interval is not None:
            low_day, high_day = interval
            band_y = y(threshold) + 4 + 5 * s
            far = x(high_day) if high_day is not None else left + plot_w
            body.append(f'<line x1="{x(low_day):.1f}" y1="{band_y:.1f}" x2="{far:.1f}" y2="{band_y:.1f}" '
                        f'stroke="{colour}" stroke-width="3"/>')
            if high_day is None:
                body.append(f'<polygon points="{far:.1f},{band_y - 4:.1f} {far + 7:.1f},{band_y:.1f} '
                            f'{far:.1f},{band_y + 4:.1f}" fill="{colour}"/>')
        if points:
            day, value, _l, _h = points[-1]
            labels.append([y(value) + 4, left + plot_w + 10, f"{name} {fmt(value)}", colour])
    height = _end_labels(body, labels, height)
    return _svg(chart_id, title, desc, width, height, "".join(body))
