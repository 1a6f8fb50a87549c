"""The charts as a reader sees them in Chromium on a phone (390 px) and a laptop (1,280 px), in English
and Dutch (issue 17, "what to build" 5): each chart fits its box and the box the screen, fills the box,
its text is drawn at a readable size inside the chart, and no two of its labels overlap; axe checks
every page, the download links under the charts included."""
from __future__ import annotations

import pytest

from saas.comparison import synth
from saas.surveys.models import Wave
from tenants.models import Tenant
from tests.conftest import ARTIFACTS
from tests.helpers import PASSWORD
from saas.reports.release import release_and_compare

pytestmark = pytest.mark.browser

SMALLEST_TEXT_PX = 9.0  # no chart text smaller than this on screen, at any width
MEASURE = """() => Array.from(document.querySelectorAll('svg.chart')).map(svg => {
  const box = svg.closest('.chart-box').getBoundingClientRect();
  const drawn = svg.getBoundingClientRect();
  const scale = drawn.width / svg.viewBox.baseVal.width;
  return {id: svg.id, box: [box.left, box.right], svg: [drawn.left, drawn.top, drawn.right, drawn.bottom],
          scale: scale, viewport: window.innerWidth,
          texts: Array.from(svg.querySelectorAll('text')).map(t => {
            const b = t.getBoundingClientRect();
            return {text: t.textContent, box: [b.left, b.top, b.right, b.bottom],
                    px: parseFloat(t.getAttribute('font-size')) * scale};
          })};
})"""


@pytest.fixture
def readers(app, make):
    tenant = make.tenant("oost")
    make.member(tenant, "cas@oost.example", roles=["consultant"], name="Cas Consultant")
    make.member(tenant, "wim@oost.example", roles=["works_council"], name="Wim Works Council")
    with make.session(tenant.id) as db:
        wave_ids = synth.synthesise(db, respondents=90, legacy_orgs=3, waves=2, seed=4)
        for wave_id in wave_ids:
            release_and_compare(db, db.get(Tenant, tenant.id), db.get(Wave, wave_id))
    return wave_ids


def _log_in(page, email: str, language: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.click_and_wait(page.get_by_role("button", name="Log in"))
    if language == "nl":  # the language switch in the page's header
        page.click_and_wait(page.locator("button[name=language][value=nl]"))


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _overlap(a, b) -> bool:
    """Overlapping by more than a pixel each way (glyph boxes of neighbouring lines may touch)."""
    return min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1


def _check_charts(page, width: int, expected: int, widest: float = 640) -> None:
    """`widest`: how wide comparison.css lets a chart grow (40rem on screen, 16 cm in print)."""
    page.set_viewport_size({"width": width, "height": 900})
    found = page.evaluate(MEASURE)
    assert len(found) >= expected, [c["id"] for c in found]
    for chart in found:
        where = f"{chart['id']} at {width} px"
        left, right = chart["box"]
        assert left >= 0 and right <= chart["viewport"], f"{where}: the chart's box runs off the screen {chart['box']}"
        x1, y1, x2, y2 = chart["svg"]
        assert x1 >= left - 0.5 and x2 <= right + 0.5, f"{where}: the chart is wider than its box"
        assert x2 - x1 >= min(right - left, widest) - 2, f"{where}: the chart does not fill its box"
        for n, text in enumerate(chart["texts"]):
            assert text["px"] >= SMALLEST_TEXT_PX, f"{where}: {text['text']!r} is drawn at {text['px']:.1f} px"
            tx1, ty1, tx2, ty2 = text["box"]
            assert tx1 >= x1 - 1 and tx2 <= x2 + 1 and ty1 >= y1 - 1 and ty2 <= y2 + 1, \
                f"{where}: {text['text']!r} runs off the chart"
            for other in chart["texts"][n + 1:]:
                assert not _overlap(text["box"], other["box"]), f"{where}: {text['text']!r} and {other['text']!r} overlap"


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_comparisons_charts_fit_and_read_on_a_phone_and_a_laptop(new_page, readers, language):
    page = new_page()
    _log_in(page, "cas@oost.example", language)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/t/oost/comparisons/waves/{readers[1]}")
        # profiles (3), distances now and preferred, top values (3), entropy, over the waves
        _check_charts(page, width, 10)
        _screenshot(page, f"charts-comparison-{language}-{width}")
        download = "SVG downloaden" if language == "nl" else "Download SVG"
        assert page.get_by_role("link", name=download).count() >= 10
    # printed (an A4 page is about 794 px wide): every chart whole within the paper, no links to click on it
    page.page.emulate_media(media="print")
    _check_charts(page, 794, 10, widest=16 / 2.54 * 96)
    assert page.locator(".chart-downloads").first.is_hidden()
    page.page.emulate_media(media="screen")


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_reports_charts_fit_and_read_on_a_phone_and_a_laptop(new_page, readers, language):
    page = new_page()
    _log_in(page, "wim@oost.example", language)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/t/oost/reports/waves/{readers[1]}")
        # the whole wave's profile and values, a profile per legacy organisation, entropy, over the waves
        _check_charts(page, width, 7)
        _screenshot(page, f"charts-report-{language}-{width}")
