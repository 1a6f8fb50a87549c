"""The demo's works council member reads the baseline culture report in a real Chromium (issue 7 point 8):
opens it, filters by municipality, switches language, makes and downloads the PDF. axe-core checks every
page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from saas.demo import DEMO_PASSWORD
from saas.surveys.models import Wave
from tenants.models import Tenant

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(seed_demo, make):
    seed_demo()
    with make.session() as db:
        tenant = db.scalar(select(Tenant).where(Tenant.slug == "regio-noord"))
    with make.session(tenant.id) as db:
        baseline = db.scalar(select(Wave).where(Wave.status == "closed", Wave.series_label == "baseline"))
        return {"tenant_id": tenant.id, "wave_name": baseline.name}


def test_the_works_council_reads_filters_translates_and_downloads_the_baseline_report(new_page, demo, tmp_path):
    page = new_page()
    page.goto("/login")
    page.locator("#email").fill("works-council@demo.example.org")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.click_and_wait(page.get_by_role("main").get_by_role("button", name="Log in"))
    page.goto("/t/regio-noord/")
    if page.locator("html").get_attribute("lang") != "en":
        page.click_and_wait(page.get_by_role("button", name="English"))

    page.get_by_role("navigation").get_by_text("Surveys", exact=True).click()  # the group opens (a <details>)
    page.click_and_wait(page.get_by_role("navigation").get_by_role("link", name="Culture reports"))
    page.click_and_wait(page.get_by_role("link", name=demo["wave_name"]))
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Culture report: {demo['wave_name']}")
    for heading in ("Participation", "Everyone who answered", "Per legacy organisation",
                    "Heat map: each group against everyone",
                    "Differences between the legacy organisations", "Over the waves"):
        expect(main.get_by_role("heading", name=heading, exact=True).first).to_be_visible()  # the drivers name groups too
    expect(main.locator("svg[role=img]").first).to_be_visible()

    page.get_by_label("Legacy organisation", exact=True).select_option(label="Gemeente Aaldersum (AAL)")
    page.click_and_wait(page.get_by_role("button", name="Show"))
    expect(page.get_by_label("Legacy organisation", exact=True)).to_have_value("AAL")
    expect(main.get_by_role("heading", level=2).filter(has_text="(AAL)")).to_be_visible()
    expect(main.get_by_text("64 answers.")).to_be_visible()

    page.click_and_wait(page.get_by_role("button", name="Nederlands"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Cultuurrapport: {demo['wave_name']}")
    expect(main.get_by_role("heading", name="Deelname", exact=True)).to_be_visible()
    # the heat map in Dutch (axe checks its colours' contrast on every page, in both languages)
    expect(main.get_by_role("heading", name="Heatmap: elke groep naast iedereen", exact=True)).to_be_visible()
    expect(main.locator("table.heatmap td").first).to_be_visible()
    expect(page.get_by_label("Voormalige organisatie", exact=True)).to_have_value("AAL")

    page.click_and_wait(page.get_by_role("button", name="Maak een PDF van dit rapport"))
    expect(page.get_by_role("status")).to_have_text("De PDF is klaar.")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download de PDF").click()
    path = tmp_path / "report.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")

    page.click_and_wait(page.get_by_role("link", name="Terug naar het rapport"))
    page.goto("/t/regio-noord/reports/access-log")
    expect(page.get_by_role("main")).to_contain_text("works-council@demo.example.org")
    expect(page.get_by_role("main")).to_contain_text("PDF")
