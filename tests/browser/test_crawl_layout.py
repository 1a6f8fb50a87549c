"""Every page each demo account can reach, in a real Chromium at 1,280 px and at 390 px (a phone), in Dutch
and English (issue 17, build point 3): no sideways scroll, 0 axe-core violations (WCAG 2.1 A and AA), no 500.

The crawl is breadth-first from the account's home over same-origin GET links (the navigation and every page's
links), bounded, and visits each route (endpoint plus the names of its query arguments) once per account:
ten pitches share one template, so one of them stands for all. Links to other tenants, downloads (PDF, CSV,
XLSX, JSON, attachments) and static files are not followed; logging out is a form, so it is never a link.

Costs, to stay at a few minutes on two cores: one browser, one context per account (both languages in it),
and a page is loaded once per language. The width is changed on the loaded page (the layout reflows as
on a turned phone), so both widths are measured without a second load. axe-core, the costly part, runs
on every page in Dutch at 1,280 px, and not again where the main part's markup was checked on that route
already for another account (tests/browser/crawl.py, AXED). In English at 390 px it runs on each account's
first page, for the phone's header and footer: a translation changes a page's words, not its markup (the
element tree with its roles, labels and ARIA is the same in both languages), and axe-core's rules read the
markup; the widths and the words of every page are measured in both languages. The survey from a personal link, a long unbroken word and the import page
after a bad file are in tests/browser/test_layout_defects.py.

A page that scrolls sideways is reported with the outermost elements that stick out, marked "(header)" when
they are in the site header (its layout belongs to the navigation, not to the page).
"""
from __future__ import annotations

import time

import pytest

from tests.browser.crawl import Crawl

pytestmark = pytest.mark.browser

ACCOUNTS = ["admin", "management", "sponsor", "member", "works-council", "consultant"]


@pytest.fixture
def demo(seed_demo):
    seed_demo()


@pytest.mark.parametrize("account", ACCOUNTS)
def test_every_page_an_account_reaches_fits_a_phone_and_passes_axe(app, browser, live_server, demo, account):
    started = time.monotonic()
    crawl = Crawl(app, browser, live_server, account)
    try:
        crawl.log_in()
        pages = crawl.dutch(crawl.page.url)
        crawl.english(pages)
    finally:
        crawl.close()
    print(f"{account}: {len(pages)} routes, {crawl.axe_runs} axe runs ({crawl.axe_skipped} pages known), "
          f"{time.monotonic() - started:.1f} s ({', '.join(f'{k} {v:.1f} s' for k, v in crawl.seconds.items())})")
    assert len(pages) >= 5, f"the crawl found too little: {pages}"
    assert not crawl.problems, f"{len(crawl.problems)} problems:\n" + "\n".join(crawl.problems)
