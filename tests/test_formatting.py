"""Numbers, days and moments as the reader writes them (issue 17, defect 8): Babel in the reader's
language and the tenant's time zone, on pages, in mails and in the access log; and no template that
formats by hand (saas/kernel/formatting.py is the one place)."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from html import unescape
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from saas.anonymity.models import ReportAccess
from saas.kernel import formatting
from saas.kernel.config import ROOT, Settings
from saas.kernel.mail import render_mail
from saas.kernel.outbox import queue_mail
from saas.surveys.models import Wave
from tests.helpers import signed_in
from tests.test_leadership import (STAFF, _answer, _close, _plan_and_open, _promise_ids,  # noqa: F401
                                   _record_promises, world)
from tests.test_reports import WC, council  # noqa: F401  (the works council's report, a closed wave)

TEMPLATES = ROOT / "templates"
# formatting by hand: a date or time through strftime or isoformat (except the machine-readable
# `datetime` attribute of <time>), a number through "%.1f"|format or round
BY_HAND = re.compile(r"strftime|\.isoformat\(\)|\"%[+ ]?\.?\d*f\"\s*\|\s*format|\|\s*round\b|round\("
                     # a day printed as Python writes it: {{ wave.closes_on }}, {{ deadline }}
                     r"|\{\{\s*[\w.\[\]]*(?:_on|_at|deadline)\s*(?:or [^}]*)?\}\}")
MACHINE_READABLE = re.compile(r'datetime="\{\{ [^}]*?\.isoformat\(\) \}\}"')
# a figure with a decimal point, in visible text (not in a tag or an SVG)
DECIMAL_POINT = re.compile(r"(?<![\d.,])\d+\.\d+(?![\d.])")


@pytest.fixture(scope="module")
def bare_app():
    from saas import create_app

    return create_app(Settings(env="test", secret_key="test-secret-key", base_url="https://koers.example"),
                      testing=True)


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", page))


def test_no_template_formats_dates_or_numbers_by_hand():
    found = []
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in (".html", ".txt"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BY_HAND.search(MACHINE_READABLE.sub("", line)):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not found, "format with the filters of saas/kernel/formatting.py (|day, |moment, |number):\n" + \
        "\n".join(found)


def test_days_moments_and_figures_in_dutch_and_english(bare_app):
    winter = datetime(2026, 12, 18, 13, 5, 9, tzinfo=timezone.utc)
    summer = datetime(2026, 7, 1, 10, 0, tzinfo=timezone.utc)
    amsterdam = SimpleNamespace(country="NL")
    with bare_app.test_request_context("/"):
        with force_locale("nl"):
            assert formatting.day(date(2026, 12, 18)) == "18 december 2026"
            assert formatting.day("2026-12-18") == "18 december 2026"
            assert formatting.moment(winter, where=amsterdam) == "18 dec 2026, 14:05"
            assert formatting.moment(winter, "seconds", where=amsterdam) == "18 dec 2026, 14:05:09"
            assert formatting.moment(summer, where=amsterdam) == "1 jul 2026, 12:00"  # summer time
            assert formatting.moment(winter.replace(tzinfo=None), where=amsterdam).endswith("14:05")  # SQLite
            assert formatting.number(3.9) == "3,9" and formatting.number(None) == "–"
        with force_locale("en"):
            assert formatting.day(date(2026, 12, 18)) == "December 18, 2026"
            assert formatting.number(3.9) == "3.9"
            assert "13:05" in formatting.moment(winter, where="Europe/London") \
                or "1:05" in formatting.moment(winter, where="Europe/London")


def test_the_time_zone_follows_the_tenants_country():
    assert formatting.time_zone_for_country("NL") == "Europe/Amsterdam"
    assert formatting.time_zone_for_country("be") == "Europe/Brussels"
    assert formatting.time_zone_for_country("GB") == "Europe/London"
    assert formatting.time_zone_for_country("IE") == "Europe/Dublin"
    assert formatting.time_zone_for_country("US") == "America/New_York"
    assert formatting.time_zone_for_country("") == formatting.time_zone_for_country("XX") == "Europe/Amsterdam"


def test_a_dutch_mail_writes_a_dutch_date(bare_app):
    tenant = SimpleNamespace(name="Gemeente Oost", slug="oost", language="nl", country="NL")
    wave = SimpleNamespace(name="Koersmeting", closes_on=date(2026, 12, 18))
    with bare_app.app_context():
        dutch = render_mail("survey_invitation", locale="nl", name="Ada", tenant=tenant, wave=wave, token="t" * 43,
                            k=5, minutes=12)
        english = render_mail("survey_invitation", locale="en", name="Ada", tenant=tenant, wave=wave,
                              token="t" * 43, k=5, minutes=12)
        invitation = render_mail("account_invitation", locale="nl", inviter=SimpleNamespace(name="Bert"),
                                 tenant=tenant, token="t" * 43,
                                 expires_at=datetime(2026, 12, 18, 23, 30, tzinfo=timezone.utc))
    assert "18 december 2026" in dutch.text and "2026-12-18" not in dutch.text
    assert "18 december 2026" in dutch.html
    assert "December 18, 2026" in english.text
    assert "19 december 2026" in invitation.text  # 23:30 UTC is past midnight in Amsterdam


def test_the_access_log_shows_amsterdam_time(app, make, council):  # noqa: F811
    with make.session(council.tenant.id) as db:
        db.add(ReportAccess(user_name="Tom Test", user_email="tom@ors.example", wave_id=council.wave, kind="csv",
                            filters={}, at=datetime(2026, 12, 18, 13, 5, 9, tzinfo=timezone.utc)))
    wim = signed_in(app, WC)
    wim.submit("/language", {"language": "nl"}, page="/t/ors/reports/access-log")
    log = visible_text(wim.text("/t/ors/reports/access-log"))
    assert "18 dec 2026, 14:05:09" in log  # 13:05:09 UTC
    assert "13:05:09" not in log and "UTC" not in log


def test_a_dutch_report_writes_decimal_commas_and_series_in_words(app, make, council):  # noqa: F811
    with make.session(council.tenant.id) as db:
        db.get(Wave, council.wave).series_label = "baseline"
    wim = signed_in(app, WC)
    wim.submit("/language", {"language": "nl"}, page=f"/t/ors/reports/waves/{council.wave}")
    page = visible_text(wim.text(f"/t/ors/reports/waves/{council.wave}"))
    assert re.search(r"\b\d+,\d\b", page)  # the culture points: "29,3"
    assert not DECIMAL_POINT.findall(page), DECIMAL_POINT.findall(page)  # the p-values were "0.012"
    assert "Nulmeting" in page and "baseline" not in page
    index = visible_text(wim.text("/t/ors/reports/"))
    assert "baseline" not in index


def test_the_development_outbox_says_what_kept_means(app, make):
    with make.session() as db:
        queue_mail(db, "ada@example.org", "Hallo", "Tekst")
    client = app.test_client()
    client.submit("/language", {"language": "nl"}, page="/dev/outbox")
    page = visible_text(client.text("/dev/outbox"))
    assert "Hallo" in page
    assert "hier bewaard, niet verstuurd (geen mailserver)" in page
    assert not re.search(r"·\s*(kept|pending|sent|failed)\s", page)



def test_a_dutch_manager_reads_pulse_averages_with_a_decimal_comma(app, make, world):  # noqa: F811
    """The pulse check's averages were Python's "2.3" on a Dutch page whose other figures read "29,3"."""
    _record_promises(app, world)
    promise_ids = _promise_ids(make, world)
    page = _plan_and_open(app, world, "Pulscheck maart")
    for n, who in enumerate(STAFF[:6]):
        _answer(app, make, who, [(promise_ids[0], 2 + n % 3), (promise_ids[1], 4), (promise_ids[2], 3)])
    _close(app, page)
    mia = signed_in(app, "mia@noord.example")
    mia.submit("/language", {"language": "nl"}, page=page)
    closed = visible_text(mia.text(page))
    assert "Gemiddeld 3,0 op een schaal" in closed and "Gemiddeld 4,0 op een schaal" in closed
    results = visible_text(mia.text(world.results))
    assert "3,0" in results and "4,0" in results
    for text in (closed, results):
        assert not DECIMAL_POINT.findall(text), DECIMAL_POINT.findall(text)
