"""Layout defects of issue 17 in a real Chromium, with the crawl's checks (tests/browser/test_crawl_layout.py):
the survey from a personal link on a phone, a long unbroken word, and the import page after a large bad file."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from saas.auth.models import User
from saas.demo import DEMO_SLUG
from saas.programme.models import Team, Theme
from saas.surveys import importer
from saas.surveys.answering import engine
from saas.surveys.invitations import renew_token
from saas.surveys.models import SurveyInvitation, Wave
from tenants.models import Membership, Tenant
from tests.browser.crawl import HEIGHT, PHONE, WIDE, Crawl
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(seed_demo):
    seed_demo()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_survey_from_a_personal_link_fits_a_phone(app, browser, live_server, demo, make, language):
    """The member's personal link (as mailed) to the demo's open wave, every step at 390 px, also with errors."""
    with make.session() as db:
        tenant = db.scalar(select(Tenant).where(Tenant.slug == DEMO_SLUG))
    with make.session(tenant.id) as db:
        wave = db.scalar(select(Wave).where(Wave.status == "open"))
        invitation = db.scalar(select(SurveyInvitation).join(Membership, Membership.id == SurveyInvitation.membership_id)
                               .join(User, User.id == Membership.user_id)
                               .where(SurveyInvitation.wave_id == wave.id, User.email == "member@demo.example.org"))
        token = renew_token(invitation)
        steps = [step.key for step in engine.steps(wave)]
        db.commit()
    crawl = Crawl(app, browser, live_server, "member (personal link)")
    page = crawl.page
    try:
        page.set_viewport_size({"width": PHONE, "height": HEIGHT})
        first = f"{live_server}/t/{DEMO_SLUG}/survey/{token}"
        assert crawl.load(first, language)
        if language == "en":
            crawl.switch_to("English")
        pages = [page.url]
        crawl.fits(language, PHONE, page.url)
        crawl.accessible(language, page.url)
        base = page.url.rsplit("/step/", 1)[0]
        for key in steps[1:] + ["../privacy", "../saved"]:
            url = f"{base}/step/{key}" if not key.startswith("..") else f"{base}/{key[3:]}"
            if crawl.load(url, language):
                pages.append(url)
                crawl.fits(language, PHONE, url)
                crawl.accessible(language, url)
        # "Next" on "about you" with nothing chosen: the page with its error summary
        page.goto(f"{base}/step/{steps[1]}")
        with page.expect_navigation():
            page.get_by_role("main").locator("button[type=submit]").last.click()
        crawl.fits(language, PHONE, page.url)
        crawl.accessible(language, page.url)
    finally:
        crawl.close()
    assert len(pages) >= len(steps), pages
    assert not crawl.problems, f"{len(crawl.problems)} problems:\n" + "\n".join(crawl.problems)


LONG_WORD = "Klantcontactcentrumherinrichtingswerkgroepvergaderverslagenarchief" * 2  # 134 letters, no break


def test_a_long_unbroken_word_does_not_widen_the_page(app, browser, live_server, demo, make):
    """Issue 17, defect 12: user text without spaces (a pasted link, a Dutch compound) made pages wide."""
    with make.session() as db:
        tenant = db.scalar(select(Tenant).where(Tenant.slug == DEMO_SLUG))
    with make.session(tenant.id) as db:
        theme = db.scalar(select(Theme).order_by(Theme.id))
        team = db.scalar(select(Team).where(Team.theme_id == theme.id).order_by(Team.id))
        theme.title, theme.problem = LONG_WORD[:160], f"Zie https://example.org/{LONG_WORD * 3}"
        team.name = LONG_WORD[:120]
        paths = [f"/t/{DEMO_SLUG}/", f"/t/{DEMO_SLUG}/programmes/{theme.programme_id}",
                 f"/t/{DEMO_SLUG}/programmes/{theme.programme_id}/board", f"/t/{DEMO_SLUG}/themes/{theme.id}",
                 f"/t/{DEMO_SLUG}/teams/{team.id}", f"/t/{DEMO_SLUG}/teams/{team.id}/pitch"]
        db.commit()
    crawl = Crawl(app, browser, live_server, "admin")
    try:
        crawl.log_in()
        for path in paths:
            assert crawl.load(live_server + path, "nl"), path
            assert path == paths[0] or LONG_WORD[:40] in crawl.page.content(), path
            for width in (WIDE, PHONE):
                crawl.fits("nl", width, path)
            crawl.accessible("nl", path)
    finally:
        crawl.close()
    assert not crawl.problems, "\n".join(crawl.problems)


def test_a_large_bad_import_keeps_the_import_page_compact(app, browser, live_server, demo, make):
    """Issue 17, defect 12: the import page was 7,443 px wide (the list of all 200+ columns as one unbroken
    word: its 54 column names joined by commas). A file of 2,000 bad rows: the page names the first errors,
    the others behind "Show … more", says that the check stopped, and stays within the window at both widths
    and short (its main part under two screens at 1,280 px, under three at 390 px; the header is not counted)."""
    with make.session() as db:
        tenant = db.scalar(select(Tenant).where(Tenant.slug == DEMO_SLUG))
    with make.session(tenant.id) as db:
        wave = db.scalar(select(Wave).where(Wave.status == "closed"))
    header = ",".join(importer.COLUMNS)
    bad = "\n".join([header] + [",".join(["XYZ"] + ["tien"] * (len(importer.COLUMNS) - 1))] * 2000) + "\n"
    crawl = Crawl(app, browser, live_server, "admin")
    page = crawl.page
    try:
        crawl.log_in()
        path = f"/t/{DEMO_SLUG}/waves/{wave.id}/import"
        assert crawl.load(live_server + path, "nl")
        for width in (WIDE, PHONE):
            crawl.fits("nl", width, path)
        page.set_viewport_size({"width": WIDE, "height": HEIGHT})
        page.locator("input[type=file]").set_input_files(
            {"name": "oud.csv", "mimeType": "text/csv", "buffer": bad.encode()})
        with page.expect_navigation():
            page.get_by_role("main").locator("button[type=submit]").click()
        alert = page.get_by_role("alert")
        assert alert.locator(":scope > ul > li").count() == 5
        assert alert.locator("details li").count() == importer.MAX_ERRORS - 5
        assert not alert.locator("details li").first.is_visible()  # collapsed until asked for
        for width in (WIDE, PHONE):
            crawl.fits("nl", width, path)
            height = page.evaluate("document.getElementById('main').getBoundingClientRect().height")
            page.screenshot(path=str(ARTIFACTS / f"import-errors-{width}.png"), full_page=True)
            assert height <= {WIDE: 1600, PHONE: 2600}[width], (width, height)  # the page's own part
        crawl.accessible("nl", path)
    finally:
        crawl.close()
    assert not crawl.problems, "\n".join(crawl.problems)
