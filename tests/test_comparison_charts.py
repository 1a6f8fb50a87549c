"""The entropy chart as a reader sees it, on the page and in the PDF: names, bars, values and the
bands' legend never drawn on each other, in English and in Dutch; and a value's band is the one the
legend gives for the figure shown (issue 17, defect 4)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask_babel import force_locale

from saas.comparison import charts
from saas.comparison.bands import ENTROPY_BANDS, band
from saas.kernel.formatting import percent_of_100

SVG = "{http://www.w3.org/2000/svg}"


def _width(text: str, size: float, bold: bool) -> float:
    """The test's own, more generous, estimate: 0.62 em a character, 0.78 em for capitals and digits."""
    wide = sum(1 for c in text if c.isupper() or c.isdigit() or c in "mwMW%@")
    return (0.62 * (len(text) - wide) + 0.78 * wide) * size * (1.08 if bold else 1.0)


def _boxes(svg: str):
    """(texts, rects) inside the chart's body, as (x1, y1, x2, y2, what)."""
    root = ET.fromstring(str(svg))
    body = root.find(f"{SVG}g")
    texts, rects = [], []
    for node in body:
        if node.tag == f"{SVG}text":
            x, y, size = float(node.get("x")), float(node.get("y")), float(node.get("font-size"))
            w = _width(node.text or "", size, node.get("font-weight") == "bold")
            x1 = {"start": x, "middle": x - w / 2, "end": x - w}[node.get("text-anchor")]
            texts.append((x1, y - size, x1 + w, y + 0.25 * size, node.text))
        elif node.tag == f"{SVG}rect":
            x, y = float(node.get("x")), float(node.get("y"))
            rects.append((x, y, x + float(node.get("width")), y + float(node.get("height")), node.get("fill")))
    return root, texts, rects


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


ROWS = [("AAL", 12.5), ("Gemeente Noorderkwartier (GNK)", 40.3), ("BEE", None), ("CUR", 64.0),
        ("Zorggroep Oost en West-Betuwe, afdeling Welzijn (ZOW)", 3.0), ("Team Onderhoud in Buitendienst", 29.7)]


@pytest.mark.parametrize("language", ["en", "nl"])
def test_names_bars_values_and_the_bands_legend_never_overlap(app, language):
    with app.test_request_context(), force_locale(language):
        svg = charts.entropy_chart("entropy", "Entropy", "desc", ROWS,
                                   [(upper, str(name), fill) for upper, name, fill in ENTROPY_BANDS],
                                   percent_of_100, "not shown" if language == "en" else "niet getoond")
    root, texts, rects = _boxes(svg)
    width = float(charts.size(svg)[0])
    bars = [r for r in rects if r[4] == charts.INK]
    assert len(bars) == 5
    band_fills = {fill for _u, _n, fill in ENTROPY_BANDS}
    plot = [r for r in rects if r[4] in band_fills and r[2] - r[0] > 14]  # the bands behind the bars
    for i, text in enumerate(texts):
        assert text[0] >= 0 and text[2] <= width, f"{text[4]!r} runs off the chart"
        for bar in bars:
            assert not _overlap(text, bar), f"{text[4]!r} is drawn on a bar"
        for other in texts[i + 1:]:
            assert not _overlap(text, other), f"{text[4]!r} and {other[4]!r} overlap"
    # each name is on its own line(s) above its strip of bands: only a value (or "not shown") lies on the bands
    with app.test_request_context(), force_locale(language):
        on_the_bands = {percent_of_100(value) for _code, value in ROWS if value is not None}
    on_the_bands.add("not shown" if language == "en" else "niet getoond")
    legend = [t for t in texts if ":" in (t[4] or "")]
    assert len(legend) == len(ENTROPY_BANDS)
    for text in texts:
        if text[4] in on_the_bands:
            continue
        for area in plot:
            assert not _overlap(text, area), f"{text[4]!r} is drawn on the bands"
    # every organisation's name is there, whole (wrapped lines joined)
    drawn = " ".join(t[4] for t in texts)
    for code, _value in ROWS:
        assert all(word in drawn for word in code.split())


@pytest.mark.parametrize("value, expected", [(10, "healthy"), (10.5, "healthy"), (11, "minor issues"),
                                              (20, "minor issues"), (30, "significant"), (40, "serious"),
                                              (40.3, "serious"), (40.5, "serious"), (40.6, "critical"),
                                              (41, "critical")])
def test_the_band_of_a_value_is_the_legends_band_for_the_figure_shown(app, value, expected):
    """The legend says "up to 40 %: serious"; a value shown as "40%" is serious, "41%" critical.
    Figures are shown as whole percents rounded half to even: 10.5 reads "10%", 40.5 "40%"."""
    with app.test_request_context(), force_locale("en"):
        shown = percent_of_100(value)
        assert str(band(value)) == expected
        upper = int(shown.rstrip("%"))
        legend = next(str(name) for bound, name, _fill in ENTROPY_BANDS if upper <= bound)
        assert str(band(value)) == legend
    with app.test_request_context(), force_locale("nl"):
        assert str(band(40)) == "ernstige problemen" and str(band(41)) == "kritiek"


def test_no_bar_of_the_top_values_chart_is_drawn_on_a_long_dutch_value_name(app):
    rows = [("hiërarchie om de hiërarchie zelf", 62.0, True), ("werkplezier", 40.0, False),
            ("samenwerking over de grenzen van de oude gemeenten heen", 100.0, False)]
    with app.test_request_context(), force_locale("nl"):
        svg = charts.bar_chart("values", "Topwaarden", "desc", rows, percent_of_100, marked="(beperkend)")
    root, texts, rects = _boxes(svg)
    assert len(rects) == 3
    for i, text in enumerate(texts):
        assert text[2] <= float(charts.size(svg)[0]), f"{text[4]!r} runs off the chart"
        for bar in rects:
            assert not _overlap(text, bar), f"{text[4]!r} is drawn on a bar"
        for other in texts[i + 1:]:
            assert not _overlap(text, other), f"{text[4]!r} and {other[4]!r} overlap"
