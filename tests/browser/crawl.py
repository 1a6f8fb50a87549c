"""The crawl of tests/browser/test_crawl_layout.py: one demo account in a real Chromium, its pages measured
at 1,280 and 390 px (sideways scroll) and checked by axe-core; see that file for what it visits and why."""
from __future__ import annotations

import time
from collections import deque
from urllib.parse import parse_qsl, urljoin, urlsplit

from playwright.sync_api import Error as PlaywrightError
from werkzeug.exceptions import HTTPException

from saas.demo import DEMO_PASSWORD, DEMO_SLUG
from tests.browser.conftest import AXE_OPTIONS, TIMEOUT_MS, _axe

WIDE, PHONE = 1280, 390
HEIGHT = 900
MAX_ROUTES = 120  # per account: a bound against a runaway crawl; the demo's admin reaches 75 routes
SKIP_SUFFIXES = (".pdf", ".csv", ".xlsx", ".json", ".svg", ".png", ".zip")
SKIP_ENDPOINT_WORDS = ("download", "export", "_csv", "_xlsx", "_json", "_pdf", "_svg", "_png", "logout")

# What axe-core has checked in this test session, by any account: (route, language, width, the main part's
# shape). The shape is the element tree of <main> with the attributes axe-core reads (roles, ARIA, ids,
# classes, types, labels' targets) and whether each element holds text, digits left out: two accounts that
# see the same markup on a route (a member and a sponsor on a pillar) are checked once there, and any
# difference in what an account sees (an extra form, a button) makes the page new again. The header and
# footer, the same on every page of an account, are checked on each account's first page in each language.
AXED: set[tuple] = set()
SHAPE_SCRIPT = """() => {
  const keep = /^(role|aria-|id$|class$|type$|for$|scope$|alt$|tabindex$|href$|name$|lang$|hidden$|disabled$)/;
  const parts = [document.documentElement.lang];
  for (const el of document.querySelectorAll('main, main *')) {
    const attrs = [...el.attributes].filter(a => keep.test(a.name))
      .map(a => a.name + '=' + (a.name === 'href' ? '' : a.value.replace(/[0-9]+/g, '')));
    const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    parts.push(el.tagName + '[' + attrs.sort().join(' ') + ']' + (text ? 't' : ''));
  }
  const shape = parts.join('|');
  let a = 2166136261, b = 5381;  // two 32-bit hashes (FNV-1a, djb2): the shape itself can be large
  for (let i = 0; i < shape.length; i++) {
    const c = shape.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619) >>> 0;
    b = (Math.imul(b, 33) + c) >>> 0;
  }
  return shape.length + ':' + a + ':' + b;
}"""

# The outermost elements wider than the window, outside any box that scrolls or clips on its own.
OVERFLOW_SCRIPT = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const clips = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o !== 'visible') return true; } return false; };
  const sticks = el => el.getBoundingClientRect().right > width + 0.5;
  const describe = el => {
    let name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
               (el.classList.length ? '.' + [...el.classList].join('.') : '');
    if (el.closest('header.site-header')) name += ' (header)';
    return name + ' ' + Math.round(el.getBoundingClientRect().right) + 'px';
  };
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (!sticks(el) || clips(el)) continue;
    if (el.parentElement && el.parentElement !== document.body && sticks(el.parentElement)) continue;
    found.push(describe(el));
  }
  if (!found.length) {  // only elements that escape a box (e.g. positioned ones): name the widest
    const all = [...document.body.querySelectorAll('*')].filter(sticks)
      .sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right);
    for (const el of all.slice(0, 4)) found.push(describe(el));
  }
  return {scrollWidth: document.documentElement.scrollWidth, elements: found.slice(0, 4)};
}"""


class Crawl:
    """One account's crawl: what it visited and what it found wrong."""

    def __init__(self, app, browser, base_url: str, account: str):
        self.app, self.base_url, self.account = app, base_url, account
        self.context = browser.new_context(locale="nl-NL", viewport={"width": WIDE, "height": HEIGHT})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.adapter = app.url_map.bind("localhost")
        self.problems: list[str] = []
        self.axe_runs = self.axe_skipped = 0
        self.languages_checked: set[str] = set()
        self.seconds = {"load": 0.0, "axe": 0.0, "width": 0.0}

    def close(self):
        self.context.close()

    # -- finding links -------------------------------------------------------------------------------
    def route(self, url: str) -> str | None:
        """The route a link stands for (endpoint and query argument names), or None when not followed."""
        parts = urlsplit(url)
        if parts.netloc != urlsplit(self.base_url).netloc or parts.path.startswith("/static/"):
            return None
        if parts.path.lower().endswith(SKIP_SUFFIXES):
            return None
        if parts.path.startswith("/t/") and not parts.path.startswith(f"/t/{DEMO_SLUG}/"):
            return None  # another tenant
        try:
            endpoint, _values = self.adapter.match(parts.path, method="GET")
        except HTTPException:
            return None
        if any(word in endpoint for word in SKIP_ENDPOINT_WORDS) or endpoint in ("core.outbox", "static"):
            return None
        names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
        return endpoint + (f"?{'&'.join(names)}" if names else "")

    def links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))")
        return [urljoin(self.page.url, href).split("#")[0] for href in hrefs if not href.startswith(("#", "mailto:"))]

    # -- checks --------------------------------------------------------------------------------------
    def load(self, url: str, language: str) -> bool:
        """Open a page; False when it is not an HTML page to check (a download, a refusal)."""
        started = time.monotonic()
        try:
            response = self.page.goto(url, wait_until="load")
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                return False
            raise
        finally:
            self.seconds["load"] += time.monotonic() - started
        status = response.status if response else 0
        if status >= 500 or status == 0:
            self.problems.append(f"{self.account} {language} {self.path(url)}: HTTP {status}")
            return False
        if status >= 400 or "text/html" not in (response.headers.get("content-type") or ""):
            return False
        return True

    def fits(self, language: str, width: int, url: str) -> None:
        started = time.monotonic()
        if self.page.viewport_size["width"] != width:
            self.page.set_viewport_size({"width": width, "height": HEIGHT})
        overflow = self.page.evaluate(OVERFLOW_SCRIPT)
        if overflow:
            self.problems.append(f"{self.account} {language} {width}px {self.path(url)}: scrolls sideways "
                                 f"(page {overflow['scrollWidth']}px): {', '.join(overflow['elements'])}")
        self.seconds["width"] += time.monotonic() - started

    def accessible(self, language: str, url: str) -> None:
        started = time.monotonic()
        first = language not in self.languages_checked  # this account's header and footer in this language
        if language == "en" and not first:  # the markup was checked in Dutch (see test_crawl_layout.py)
            self.axe_skipped += 1
            return
        seen = (self.route(url), language, self.page.viewport_size["width"], self.page.evaluate(SHAPE_SCRIPT))
        if seen in AXED and not first:  # the same markup was checked on this route already (see AXED)
            self.axe_skipped += 1
            return
        AXED.add(seen)
        self.languages_checked.add(language)
        results = _axe.run(self.page, options=AXE_OPTIONS)
        self.seconds["axe"] += time.monotonic() - started
        self.axe_runs += 1
        if results.violations_count:
            self.problems.append(f"{self.account} {language} {self.page.viewport_size['width']}px "
                                 f"{self.path(url)}: axe\n{results.generate_report()}")

    def path(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    # -- the crawl -----------------------------------------------------------------------------------
    def log_in(self) -> None:
        self.page.goto(self.base_url + "/login")
        self.page.locator("#email").fill(f"{self.account}@demo.example.org")
        self.page.locator("#password").fill(DEMO_PASSWORD)
        with self.page.expect_navigation():
            self.page.locator("form:has(#password) button[type=submit]").click()

    def switch_to(self, label: str) -> None:
        with self.page.expect_navigation():
            self.page.locator(".language-switch").get_by_role("button", name=label).click()

    def dutch(self, start: str) -> list[str]:
        """Breadth-first in Dutch, checking each new route at both widths; returns the pages it checked."""
        seen, checked, queue = set(), [], deque([start])
        seen.add(self.route(start))
        while queue and len(checked) < MAX_ROUTES:
            url = queue.popleft()
            if not self.load(url, "nl"):
                continue
            checked.append(url)
            self.fits("nl", WIDE, url)
            self.accessible("nl", url)
            for link in self.links():
                route = self.route(link)
                if route and route not in seen:
                    seen.add(route)
                    queue.append(link)
            self.fits("nl", PHONE, url)
            self.page.set_viewport_size({"width": WIDE, "height": HEIGHT})
        return checked

    def english(self, pages: list[str]) -> None:
        self.switch_to("English")
        assert self.page.locator("html").get_attribute("lang") == "en"
        self.page.set_viewport_size({"width": PHONE, "height": HEIGHT})
        for url in pages:
            if not self.load(url, "en"):
                continue
            self.fits("en", PHONE, url)
            self.accessible("en", url)
            self.fits("en", WIDE, url)
            self.page.set_viewport_size({"width": PHONE, "height": HEIGHT})
