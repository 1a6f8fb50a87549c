"""Browser fixtures: the app on a real port, Debian's Chromium through Playwright, and axe-core.

Every page a browser test visits is checked with axe-core for WCAG 2.1 A and AA violations: tests
navigate only through `A11yPage.goto` and `A11yPage.click_and_wait`, which run axe once the new page
has loaded. As a safety net the page records every main-frame navigation, and a test fails at
teardown if one of them was not checked.
"""
from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.conftest import ARTIFACTS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
TIMEOUT_MS = 10_000

_axe = Axe()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so the page fixture knows whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def live_server(app):
    """The test app (see tests/conftest.py `app`) served on a free loopback port in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


class A11yPage:
    """A Playwright page whose every visited page is checked by axe-core."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.navigations: list[str] = []  # main-frame documents, in order
        self.checked = 0  # how many of them axe has checked
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:  # record only: evaluating inside an event handler is unreliable
            self.navigations.append(frame.url)

    def absolute(self, path: str) -> str:
        """A path on the live server; a full link (e.g. from a mail) is taken to the live server too."""
        parts = urlsplit(path)
        return self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")

    def goto(self, path: str):
        response = self.page.goto(self.absolute(path), wait_until="load")
        assert response is not None and response.ok, (path, response and response.status)
        self.check_a11y()
        return response

    def click_and_wait(self, locator) -> None:
        """Click something that loads a new page (a link, a submit button), then check that page."""
        with self.page.expect_navigation(wait_until="load"):
            locator.click()
        self.check_a11y()

    def check_a11y(self) -> None:
        self.page.wait_for_load_state("load")
        results = _axe.run(self.page, options=AXE_OPTIONS)
        self.checked = len(self.navigations)
        assert results.violations_count == 0, f"{self.page.url}\n{results.generate_report()}"

    def assert_all_checked(self) -> None:
        # Koers's own pages; another site's (a payment or identity provider's) is not ours to check
        unchecked = [url for url in self.navigations[self.checked:] if url.startswith(self.base_url + "/")]
        assert not unchecked, f"pages visited without an accessibility check: {unchecked}"

    # The Playwright page's own API (locators, get_by_role, ...) is available directly.
    def __getattr__(self, name):
        return getattr(self.page, name)


@pytest.fixture
def new_page(browser, live_server, request):
    """Opens a page in a fresh browser context (its own cookies): one per person in a story."""
    opened: list[tuple[object, A11yPage]] = []

    def open_page() -> A11yPage:
        context = browser.new_context(locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        a11y_page = A11yPage(context.new_page(), live_server)
        opened.append((context, a11y_page))
        return a11y_page

    yield open_page

    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    try:
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            for number, (_, a11y_page) in enumerate(opened, start=1):
                try:
                    a11y_page.page.screenshot(path=str(ARTIFACTS / f"{name}-{number}.png"), full_page=True)
                except Exception:  # a screenshot is a courtesy; never hide the real failure
                    pass
        else:
            for _, a11y_page in opened:
                a11y_page.assert_all_checked()
    finally:
        for context, _ in opened:
            context.close()


@pytest.fixture
def page(new_page) -> A11yPage:
    return new_page()
