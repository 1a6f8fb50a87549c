"""The comparison page in a real browser: a consultant runs the comparison of a wave and reads its
charts and tables; axe-core checks every page (the SVG charts included)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from saas.comparison import service, synth
from saas.surveys.models import Wave
from tenants.models import Tenant
from tests.helpers import PASSWORD
from saas.reports.release import release_and_compare

pytestmark = pytest.mark.browser


@pytest.fixture
def waves(app, make):
    tenant = make.tenant("oost")
    make.member(tenant, "cas@oost.example", roles=["consultant"], name="Cas Consultant")
    with make.session(tenant.id) as db:
        wave_ids = synth.synthesise(db, respondents=90, legacy_orgs=3, waves=2, seed=4)
        release_and_compare(db, db.get(Tenant, tenant.id), db.get(Wave, wave_ids[0]))
    return wave_ids


def test_consultant_runs_the_comparison_and_reads_charts_and_tables(page, waves):
    page.goto("/login")
    page.get_by_label("E-mail address").fill("cas@oost.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.click_and_wait(page.get_by_role("button", name="Log in"))

    page.goto("/t/oost/comparisons/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cross-culture comparisons")
    page.click_and_wait(page.get_by_role("link", name="Synthetic wave 2 of 2"))
    expect(page.get_by_text("The comparison of this wave has not been made yet.")).to_be_visible()

    page.click_and_wait(page.get_by_role("button", name="Run the comparison"))
    expect(page.get_by_role("status")).to_contain_text("The comparison has been started")
    expect(page.page).to_have_url(re.compile(rf"/t/oost/comparisons/waves/{waves[1]}$"))

    # every chart is an image with a name, and the same figures are in a table beside it
    expect(page.get_by_role("img", name="Culture profile of AAL, now and preferred")).to_be_visible()
    expect(page.get_by_role("img", name="Distance between the culture profiles now")).to_be_visible()
    expect(page.get_by_role("img", name="Cultural entropy per legacy organisation")).to_be_visible()
    expect(page.get_by_role("img", name="Distance now over the waves")).to_be_visible()
    distances = page.get_by_role("table", name="Distances between the legacy organisations", exact=True)
    expect(distances.get_by_role("row")).to_have_count(4)  # the header and three pairs
    expect(distances).to_contain_text("AAL–BEE")
    aitchison = page.get_by_role("table", name="Aitchison distances between the legacy organisations")
    expect(aitchison.get_by_role("row")).to_have_count(4)  # the same pairs, on log-ratios
    trend = page.get_by_role("table", name="Distance now per wave of the series")
    expect(trend.get_by_role("row").filter(has_text="AAL–BEE")).to_contain_text("shrinking")
