"""Chart images for a consultant's board deck (issue 17, "what to build" 5): every chart of the comparison
page and of the culture report downloads as a standalone SVG and as a PNG at a slide's width, drawn
from the same stored release as the page (the same figures, the same hidden groups), in the reader's
language, for the roles that may read the page and only in their own tenant."""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from saas.comparison import charts
from tests.helpers import signed_in
from tests.test_reports import MANAGER, WC, _log, council  # noqa: F401  (the fixture)

SVG = "{http://www.w3.org/2000/svg}"


def _texts(root) -> list[str]:
    return [node.text or "" for node in root.iter(f"{SVG}text")]


def _on_page(page: str, chart_id: str):
    """The chart as the page shows it (its inline <svg>), parsed."""
    found = re.search(rf'<svg class="chart" id="{re.escape(chart_id)}".*?</svg>', page, flags=re.S)
    assert found, f"the page has no chart {chart_id!r}"
    return ET.fromstring(found.group(0))


def _svg_file(response, filename: str):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    body = response.get_data(as_text=True)
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(body.split("?>", 1)[1].strip())  # valid XML, an <svg> of its own
    assert root.tag == f"{SVG}svg"
    return body, root


def _comparison(council, chart: str, kind: str = "svg") -> str:
    return f"/t/ors/comparisons/waves/{council.wave}/charts/{chart}.{kind}"


def test_the_svg_download_is_a_standalone_file_with_the_pages_figures(app, make, council):  # noqa: F811
    mia = signed_in(app, MANAGER)
    page = mia.text(f"/t/ors/comparisons/waves/{council.wave}")
    assert page.count("Download SVG") == page.count("Download PNG") >= 3
    assert f'href="{_comparison(council, "entropy")}"' in page
    body, root = _svg_file(mia.get(_comparison(council, "entropy")), f"koers-entropy-wave-{council.wave}-en.svg")
    # a file of its own: its size in pixels, its title and description, fonts with fallbacks, no page CSS
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {width:g} {height:g}" and width >= 300
    assert root.find(f"{SVG}title").text == "Cultural entropy per legacy organisation"
    assert "share of votes" in root.find(f"{SVG}desc").text
    assert root.get("font-family").endswith("sans-serif") and "DejaVu Sans" in root.get("font-family")
    assert "class=" not in body and "<link" not in body and "stylesheet" not in body and "href" not in body
    # exactly the figures the page draws: the same words and numbers, AAL's entropy as the table gives it
    assert _texts(root) == _texts(_on_page(page, "entropy"))
    entropy = re.search(r'<th scope="row">AAL</th><td>(\d+%)</td>', page).group(1)
    assert entropy in _texts(root)
    # BEE (hidden to protect CUR) and CUR (3 answers) are hidden on the page and in the file
    assert not any("BEE" in t or "CUR" in t for t in _texts(root))
    for hidden in ("profile-BEE", "profile-CUR", "values-CUR", "distance-now"):
        assert mia.get(_comparison(council, hidden)).status_code == 404, hidden
        assert mia.get(_comparison(council, hidden, "png")).status_code == 404, hidden
    assert [kind for _email, kind, _details in _log(make, council.tenant.id)] == ["comparison", "chart"]


def test_the_png_is_drawn_on_the_server_at_a_slides_width(app, council):  # noqa: F811
    mia = signed_in(app, MANAGER)
    _body, root = _svg_file(mia.get(_comparison(council, "profile-AAL")),
                            f"koers-profile-aal-wave-{council.wave}-en.svg")
    response = mia.get(_comparison(council, "profile-AAL", "png"))
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="koers-profile-aal-wave-{council.wave}-en.png"'
    image = Image.open(io.BytesIO(response.data))
    assert image.format == "PNG"
    width, height = float(root.get("width")), float(root.get("height"))
    assert image.width == charts.PNG_WIDTH  # and the chart's proportions, to the pixel the renderer rounds to
    assert abs(image.height - charts.PNG_WIDTH * height / width) <= 1
    # drawn, not blank: the bars' colours are in it, and so is dark text
    colours = {colour for _count, colour in image.convert("RGB").getcolors(maxcolors=1 << 20)}
    assert (11, 90, 122) in colours and (154, 74, 0) in colours  # NOW and PREFERRED
    assert any(sum(colour) < 120 for colour in colours)


def test_a_dutch_reader_gets_dutch_labels_and_numbers(app, council):  # noqa: F811
    mia = signed_in(app, MANAGER)
    mia.submit("/language", {"language": "nl"}, page=f"/t/ors/comparisons/waves/{council.wave}")
    page = mia.text(f"/t/ors/comparisons/waves/{council.wave}")
    assert "SVG downloaden" in page and "PNG downloaden" in page
    _body, root = _svg_file(mia.get(_comparison(council, "profile-AAL")),
                            f"koers-profile-aal-wave-{council.wave}-nl.svg")
    texts = _texts(root)
    assert texts == _texts(_on_page(page, "profile-AAL"))
    assert "nu" in texts and "gewenst" in texts and "gemiddelde punten, van 0 tot 100" in texts
    figures = [t for t in texts if re.fullmatch(r"\d+[.,]\d", t)]
    assert figures and all("," in t for t in figures), figures  # 30,2 not 30.2
    _body, root = _svg_file(mia.get(_comparison(council, "entropy")), f"koers-entropy-wave-{council.wave}-nl.svg")
    assert "> 40%: kritiek" in _texts(root) and "≤ 40%: ernstige problemen" in _texts(root)


def test_the_reports_charts_download_with_the_pages_filters_and_hidden_groups(app, make, council):  # noqa: F811
    wim = signed_in(app, WC)
    page = wim.text(f"/t/ors/reports/waves/{council.wave}")
    url = f"/t/ors/reports/waves/{council.wave}/charts"
    assert f'href="{url}/entropy.svg"' in page and f'href="{url}/profile-AAL.png"' in page
    _body, root = _svg_file(wim.get(f"{url}/entropy.svg"), f"koers-entropy-wave-{council.wave}-en.svg")
    texts = _texts(root)
    assert texts == _texts(_on_page(page, "entropy"))
    # BEE and CUR are named (as in the page's table) but have no figure: "not shown"
    for code in ("BEE", "CUR"):
        name = next(i for i, t in enumerate(texts) if f"({code})" in t)
        assert texts[name + 1] == "not shown"
    _svg_file(wim.get(f"{url}/profile-AAL.svg"), f"koers-profile-aal-wave-{council.wave}-en.svg")
    for hidden in ("profile-BEE", "profile-CUR", "nothing"):
        assert wim.get(f"{url}/{hidden}.svg").status_code == 404, hidden
    # the page's filter goes with the download: AAL's own report has AAL's profile as its focus
    page = wim.text(f"/t/ors/reports/waves/{council.wave}?legacy_org=AAL")
    assert f'href="{url}/profile-focus.svg?legacy_org=AAL"' in page
    _body, root = _svg_file(wim.get(f"{url}/profile-focus.svg?legacy_org=AAL"),
                            f"koers-profile-focus-wave-{council.wave}-en.svg")
    assert _texts(root) == _texts(_on_page(page, "profile-focus"))
    assert wim.get(f"{url}/profile-focus.svg?legacy_org=CUR").status_code == 404  # a hidden group's own report
    png = wim.get(f"{url}/entropy.png")
    assert Image.open(io.BytesIO(png.data)).width == charts.PNG_WIDTH
    kinds = [(kind, details) for _email, kind, details in _log(make, council.tenant.id)]
    assert ("chart", {"legacy_org": "AAL", "team": None, "chart": "profile-focus"}) in kinds
    # the works council reads in its access log which chart was downloaded, with which filter
    log = wim.text("/t/ors/reports/access-log")
    assert "chart image" in log and "legacy organisation AAL; chart profile-focus" in log


@pytest.mark.parametrize("role_email, url", [
    (WC, "/t/ors/comparisons/waves/{wave}/charts/entropy.svg"),  # the works council does not see comparisons
    ("mo@ors.example", "/t/ors/reports/waves/{wave}/charts/entropy.png"),  # a member sees no report
    ("mo@ors.example", "/t/ors/comparisons/waves/{wave}/charts/profile-AAL.png"),
])
def test_a_role_that_may_not_see_the_page_gets_no_chart(app, council, role_email, url):  # noqa: F811
    reader = signed_in(app, role_email)
    assert reader.get(url.format(wave=council.wave)).status_code == 403


def test_another_tenants_reader_gets_no_chart(app, make, council):  # noqa: F811
    other = make.tenant("zuid")
    make.member(other, "zoe@zuid.example", roles=["management", "works_council"])
    zoe = signed_in(app, "zoe@zuid.example")
    for slug in ("ors", "zuid"):
        for path in (f"comparisons/waves/{council.wave}/charts/entropy.svg",
                     f"comparisons/waves/{council.wave}/charts/profile-AAL.png",
                     f"reports/waves/{council.wave}/charts/entropy.svg",
                     f"reports/waves/{council.wave}/charts/profile-AAL.png"):
            response = zoe.get(f"/t/{slug}/{path}")
            assert response.status_code == 404, (slug, path)
