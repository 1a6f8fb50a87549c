"""Charts drawn on the server as SVG: no JavaScript, nothing inline that the CSP forbids.

Every chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>`
(aria-labelledby), and the page puts a table with the same figures beside it. Colours are never
the only cue: bars carry their values as text, series differ in dash pattern and marker too, and
text meets WCAG AA contrast against what it stands on. Labels arrive translated; everything put
into the SVG is escaped here.
"""
from __future__ import annotations

from typing import Callable, Sequence

from markupsafe import Markup, escape

INK = "#1b1f24"
MUTED = "#4a5560"
GRID = "#c9d1d9"
NOW = "#0b5a7a"  # 7.4:1 on white
PREFERRED = "#9a4a00"  # 6.1:1 on white
LIMITING = "#a4161a"
FONT = 'font-family="system-ui, sans-serif"'
# Heat map steps: (upper bound of distance, fill, text colour); every pair has ≥ 4.5:1 contrast.
HEAT = ((5, "#eef5f8", INK), (10, "#cfe3ec", INK), (20, "#8fbfd3", INK), (30, "#1f6f8f", "#ffffff"),
        (101, "#0b3a50", "#ffffff"))
SERIES = (("#0b5a7a", ""), ("#9a4a00", "6 3"), ("#1e6b34", "2 3"), ("#6a3d9a", "8 3 2 3"), ("#a4161a", "4 4"),
          ("#4a5560", "10 4"))
MARKERS = ("circle", "square", "diamond", "triangle")


TITLE_HEIGHT = 28  # the chart's title is also drawn on top of it, for those who see it


def _svg(chart_id: str, title: str, desc: str, width: int, height: int, body: str) -> Markup:
    height += TITLE_HEIGHT
    return Markup(
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-labelledby="{escape(chart_id)}-title '
        f'{escape(chart_id)}-desc" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT} font-size="13">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
        f'{_text(10, 19, title, size=14, weight="bold")}'
        f'<g transform="translate(0 {TITLE_HEIGHT})">{body}</g></svg>'
    )


def _text(x, y, label, *, anchor="start", size=13, fill=INK, weight="normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
            f'font-weight="{weight}">{escape(label)}</text>')


def profile_chart(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, float, float]],
                  legend: tuple[str, str], fmt: Callable[[float], str]) -> Markup:
    """Four types as pairs of horizontal bars (now, preferred) on a 0–100 point scale."""
    label_w, bar_w, left = 190, 300, 10
    top, group_h, bar_h = 40, 46, 16
    width, height = left + label_w + bar_w + 60, top + group_h * len(rows) + 10
    scale = bar_w / 100
    body = [_legend(left, 18, [(legend[0], NOW, ""), (legend[1], PREFERRED, "")])]
    x0 = left + label_w
    for i, (label, now, preferred) in enumerate(rows):
        y = top + i * group_h
        body.append(_text(left, y + bar_h + 2, label))
        for j, (value, colour) in enumerate(((now, NOW), (preferred, PREFERRED))):
            yy = y + j * (bar_h + 2)
            body.append(f'<rect x="{x0}" y="{yy}" width="{max(0.0, value) * scale:.1f}" height="{bar_h}" '
                        f'fill="{colour}"/>')
            body.append(_text(x0 + max(0.0, value) * scale + 4, yy + bar_h - 3, fmt(value), size=12))
    body.append(f'<line x1="{x0}" y1="{top - 4}" x2="{x0}" y2="{height - 8}" stroke="{MUTED}"/>')
    return _svg(chart_id, title, desc, width, height, "".join(body))


def heatmap(chart_id: str, title: str, desc: str, codes: Sequence[str],
            cells: dict[tuple[str, str], tuple[float, float, float]], fmt: Callable[[float], str]) -> Markup:
    """A symmetric grid of distances; each cell shows the distance and, below it, its interval."""
    cell_w, cell_h, left, top = 104, 46, 64, 34
    width, height = left + cell_w * len(codes) + 10, top + cell_h * len(codes) + 10
    body = []
    for j, code in enumerate(codes):
        body.append(_text(left + j * cell_w + cell_w / 2, top - 10, code, anchor="middle", weight="bold"))
    for i, row in enumerate(codes):
        y = top + i * cell_h
        body.append(_text(left - 8, y + cell_h / 2 + 4, row, anchor="end", weight="bold"))
        for j, column in enumerate(codes):
            x = left + j * cell_w
            value = cells.get((row, column)) or cells.get((column, row))
            if row == column or value is None:
                body.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="#f7f8fa" '
                            f'stroke="{GRID}"/>')
                body.append(_text(x + cell_w / 2, y + cell_h / 2 + 4, "–", anchor="middle", fill=MUTED))
                continue
            distance, low, high = value
            fill, ink = next((f, t) for bound, f, t in HEAT if distance < bound)
            body.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}"/>')
            body.append(_text(x + cell_w / 2, y + 19, fmt(distance), anchor="middle", fill=ink, weight="bold"))
            body.append(_text(x + cell_w / 2, y + 36, f"{fmt(low)}–{fmt(high)}", anchor="middle", fill=ink,
                              size=11))
    return _svg(chart_id, title, desc, width, height, "".join(body))


def bar_chart(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, float, bool]],
              fmt: Callable[[float], str], marked: str = "", maximum: float = 100.0) -> Markup:
    """Horizontal bars with their values; rows whose flag is set are drawn in LIMITING and their
    label gets `marked` after it (so the mark is not colour alone). The labels' column is as wide as
    the widest label (measured generously, `text_width`), so no bar is drawn on a long Dutch name."""
    bar_w, left, top, row_h = 260, 10, 12, 24
    labels = [f"{label} {marked}" if flagged and marked else label for label, _value, flagged in rows]
    label_w = max([text_width(label, 13) for label in labels] + [120.0]) + 12
    values = [fmt(value) for _label, value, _flagged in rows]
    width = int(left + label_w + bar_w + max([text_width(v, 12) for v in values] + [30.0]) + 14)
    height = top + row_h * len(rows) + 8
    scale = bar_w / maximum if maximum else 0
    x0 = left + label_w
    body = []
    for i, (shown_label, (_label, value, flagged)) in enumerate(zip(labels, rows)):
        y = top + i * row_h
        body.append(_text(left, y + 15, shown_label))
        body.append(f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(0.0, value) * scale:.1f}" height="16" '
                    f'fill="{LIMITING if flagged else NOW}"/>')
        body.append(_text(x0 + max(0.0, value) * scale + 4, y + 16, values[i], size=12))
    body.append(f'<line x1="{x0:.1f}" y1="{top}" x2="{x0:.1f}" y2="{height - 6}" stroke="{MUTED}"/>')
    return _svg(chart_id, title, desc, width, height, "".join(body))


def entropy_chart(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, float | None]],
                  bands: Sequence[tuple[float, str, str]], fmt: Callable[[float], str], missing: str) -> Markup:
    """Cultural entropy (in %) per organisation over the customary bands, 0–60 %.

    `bands`: (upper bound in %, label, fill), in order; the last one runs to the right edge.
    Nothing overlaps in any language: the names have a column of their own as wide as the widest
    (wrapped onto more lines past LABEL_MAX), and the bands are named in a legend above the plot,
    laid out in rows by the width of their words, not inside bands too narrow for "kleine problemen".
    """
    left, gap, bar_h, top_axis = 10, 12, 16, 60.0
    bar_w = 480
    names = [_wrap(code, LABEL_MAX, 13, bold=True) for code, _value in rows]
    label_w = max([text_width(line, 13, bold=True) for lines in names for line in lines] + [40.0])
    x0 = left + label_w + gap
    scale = bar_w / top_axis
    values = [fmt(value) if value is not None else missing for _code, value in rows]
    right = max(text_width(v, 12, bold=True) for v in values) + 12 if values else 40
    width = int(x0 + bar_w + right + 10)
    # the legend: "≤ 10 %: healthy" … "> 40 %: critical", in rows that fit the width
    body, legend_items, lower = [], [], 0.0
    for i, (upper, label, fill) in enumerate(bands):
        bound = f"> {fmt(lower)}" if i == len(bands) - 1 else f"≤ {fmt(upper)}"
        legend_items.append((f"{bound}: {label}", fill))
        lower = upper
    legend_y, x = 14.0, left
    for text, fill in legend_items:
        item_w = 14 + 6 + text_width(text, 12) + 18
        if x > left and x + item_w > width - 10:
            legend_y, x = legend_y + 20, left
        body.append(f'<rect x="{x:.1f}" y="{legend_y - 11:.1f}" width="14" height="14" fill="{fill}" '
                    f'stroke="{MUTED}"/>')
        body.append(_text(x + 20, legend_y, text, size=12))
        x += item_w
    top = legend_y + 16
    heights = [max(28, 17 * len(lines) + 10) for lines in names]
    plot_h = sum(heights) + 8
    lower = 0.0
    for upper, _label, fill in bands:
        upper = min(upper, top_axis)
        body.append(f'<rect x="{x0 + lower * scale:.1f}" y="{top:.1f}" width="{(upper - lower) * scale:.1f}" '
                    f'height="{plot_h}" fill="{fill}"/>')
        lower = upper
    for tick in range(0, int(top_axis) + 1, 10):
        body.append(_text(x0 + tick * scale, top + plot_h + 16, fmt(tick), anchor="middle", size=11, fill=INK))
    y = top + 4
    for lines, (code, value), shown_value, row_h in zip(names, rows, values, heights):
        middle = y + row_h / 2
        first = middle - 8.5 * (len(lines) - 1) + 4
        for n, line in enumerate(lines):
            body.append(_text(left, first + 17 * n, line, weight="bold"))
        if value is None:
            body.append(_text(x0 + 4, middle + 4, shown_value, size=12))
        else:
            shown = min(max(0.0, value), top_axis)
            body.append(f'<rect x="{x0}" y="{middle - bar_h / 2:.1f}" width="{shown * scale:.1f}" height="{bar_h}" '
                        f'fill="{INK}"/>')
            body.append(_text(x0 + shown * scale + 4, middle + 4, shown_value, size=12, weight="bold"))
        y += row_h
    height = int(top + plot_h + 24)
    return _svg(chart_id, title, desc, width, height, "".join(body))


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
    left, right, top, bottom = 56, 150, 20, 40
    plot_w, plot_h = max(300, 150 * max(1, len(x_labels) - 1)), 220
    width, height = left + plot_w + right, top + plot_h + bottom
    highest = max([high for _n, points in series for p in points if p for high in (p[2],)] + [10.0])
    y_max = 10 * ((int(highest) // 10) + 1)

    def x(i):
        return left + (plot_w * i / (len(x_labels) - 1) if len(x_labels) > 1 else plot_w / 2)

    def y(v):
        return top + plot_h * (1 - v / y_max)

    body = [_text(14, top + plot_h / 2, y_label, anchor="middle", size=11).replace(
        "<text ", f'<text transform="rotate(-90 14 {top + plot_h / 2:.1f})" ', 1)]
    for tick in range(0, y_max + 1, max(5, y_max // 5)):
        body.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + plot_w}" y2="{y(tick):.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, y(tick) + 4, str(tick), anchor="end", size=11))
    for i, label in enumerate(x_labels):
        body.append(_text(x(i), top + plot_h + 18, label, anchor="middle", size=11))
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
    # the labels at the ends of the lines, moved apart where they would overlap
    labels.sort()
    for previous, label in zip(labels, labels[1:]):
        label[0] = max(label[0], previous[0] + 14)
    for label_y, label_x, label, colour in labels:
        body.append(_text(label_x, label_y, label, size=11, fill=colour))
    height = max(height, int(labels[-1][0]) + 10) if labels else height
    return _svg(chart_id, title, desc, width, height, "".join(body))


def _legend(x, y, items) -> str:
    out = []
    for label, colour, _dash in items:
        out.append(f'<rect x="{x}" y="{y - 10}" width="14" height="12" fill="{colour}"/>')
        out.append(_text(x + 20, y, label))
        x += 30 + 8 * len(label)
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
