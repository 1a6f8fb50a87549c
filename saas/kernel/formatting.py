"""Numbers, dates and times as people read them: in the reader's language (babel through flask_babel)
and, for a moment in time, in the tenant's time zone.

Every page, mail, PDF and CSV formats its figures and dates here, so a figure reads the same on the
page, in the PDF and in the CSV, and no template formats by hand (tests/test_formatting.py reads the
templates). `register(app)` makes them Jinja filters:

    {{ wave.closes_on|day }}            18 december 2026 / December 18, 2026
    {{ mail.created_at|moment }}        18 dec 2026, 14:05 (in the tenant's time zone)
    {{ row.at|moment("seconds") }}      18 dec 2026, 14:05:09
    {{ found.mean|number }}             3,9 / 3.9

A mail or job has no request, but `render_mail` runs under `force_locale`, so the locale is the
recipient's; the time zone is the tenant's on `g`, or one passed explicitly (`moment(value, tenant)`).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import ROUND_HALF_EVEN, Decimal

from babel.core import Locale, get_global
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.dates import get_datetime_format, get_timezone
from babel.numbers import get_decimal_symbol
from flask import g, has_app_context
from flask_babel import format_decimal, format_percent, get_locale

DEFAULT_TIME_ZONE = "Europe/Amsterdam"  # Koers's tenants are Dutch unless their country says otherwise
# countries over several zones whose first zone in the CLDR list is not where most people live
MAIN_ZONES = {"US": "America/New_York", "CA": "America/Toronto", "AU": "Australia/Sydney",
              "BR": "America/Sao_Paulo", "RU": "Europe/Moscow", "ES": "Europe/Madrid", "PT": "Europe/Lisbon"}


def points(value: float) -> str:
    return format_decimal(value, format="0.0")


def percent_of_100(value: float) -> str:
    return format_percent(value / 100, format="0%")


def percent(fraction: float) -> str:
    return format_percent(fraction, format="0%")


def share(fraction: float) -> str:
    return format_decimal(fraction, format="0.00")


def signed(value: float, pattern: str = "0.0") -> str:
    return format_decimal(value, format=f"+{pattern};-{pattern}")


def pvalue(p: float) -> str:
    return format_decimal(p, format="0.000")


def points_in(locale):
    """`points` (babel's pattern "0.0") for one locale, without parsing the
    pattern and looking up the locale on every call: a report page of a large organisation formats
    thousands of figures, which took most of its time (bench/report_page.py). The same text: babel
    rounds Decimal(str(value)) half to even to one decimal, with the locale's decimal sign, no grouping
    and the pattern's own "-" (tests/test_reports.py compares both)."""
    if locale is None:
        return points
    point = get_decimal_symbol(locale)
    tenth = Decimal("0.1")

    def points_here(value) -> str:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if not number.is_finite():
            return points(value)
        return format(number.quantize(tenth, ROUND_HALF_EVEN), "f").replace(".", point, 1)
    return points_here


def fixed_in(locale, places: int, *, sign: bool = False):
    """`number` with `places` decimals (babel's "0.00", or "+0.00;-0.00" with `sign`) for one locale,
    as `points_in`: the same text without parsing the pattern on every call (a heat map formats a
    figure per group and measure)."""
    pattern = "0" + ("." + "0" * places if places else "")
    if locale is None:
        return (lambda value: signed(value, pattern)) if sign else (lambda value: number(value, pattern))
    point = get_decimal_symbol(locale)
    quantum = Decimal(1).scaleb(-places)

    def fixed_here(value) -> str:
        figure = value if isinstance(value, Decimal) else Decimal(str(value))
        if not figure.is_finite():
            return number(value, pattern)
        text = format(figure.quantize(quantum, ROUND_HALF_EVEN), "f").replace(".", point, 1)
        return "+" + text if sign and not text.startswith("-") else text
    return fixed_here


def percent_of_100_in(locale):
    """`percent_of_100` (babel's "0%" of value / 100) for one locale, as
    `points_in`: the same text, rounded half to even to a whole percent (no grouping)."""
    if locale is None:
        return percent_of_100
    one = Decimal(1)

    def percent_of_100_here(value) -> str:
        number = Decimal(str(value / 100))
        if not number.is_finite():
            return percent_of_100(value)
        return format(number.scaleb(2).quantize(one, ROUND_HALF_EVEN), "f") + "%"  # the pattern's own sign
    return percent_of_100_here


# ---- dates and times -------------------------------------------------------------------------

def time_zone_for_country(country: str | None) -> str:
    """The time zone a tenant in `country` (ISO 3166 alpha-2) lives in: NL Europe/Amsterdam, BE
    Europe/Brussels, GB Europe/London, ...; Europe/Amsterdam when the country is unknown."""
    code = (country or "").strip().upper()
    if code in MAIN_ZONES:
        return MAIN_ZONES[code]
    zones = get_global("territory_zones").get(code)
    return zones[0] if zones else DEFAULT_TIME_ZONE


def time_zone(where=None):
    """The tzinfo to show moments in: of `where` (a tenant, a zone name or a tzinfo), else of the
    tenant of the request or job (`g.tenant`), else the default."""
    if where is None and has_app_context():
        where = g.get("tenant")
    if where is None:
        return get_timezone(DEFAULT_TIME_ZONE)
    if isinstance(where, str):
        return get_timezone(where)
    if hasattr(where, "utcoffset"):
        return where
    return get_timezone(time_zone_for_country(getattr(where, "country", None)))


def _locale() -> Locale:
    return get_locale() or Locale.parse("en")


def local(value: datetime, where=None) -> datetime:
    """A stored moment (UTC; naive means UTC, as SQLite gives it back) in the tenant's time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(time_zone(where))


def start_of(value: date, where=None) -> datetime:
    """The moment (in UTC) a day begins in the tenant's time zone: what a filter "from 18 December" means
    (the access log's, whose moments are stored in UTC)."""
    zone = time_zone(where)
    midnight = datetime(value.year, value.month, value.day)
    here = zone.localize(midnight) if hasattr(zone, "localize") else midnight.replace(tzinfo=zone)  # pytz or zoneinfo
    return here.astimezone(timezone.utc)


def day(value: date | datetime | str | None, format: str = "long", where=None) -> str:
    """A day as the reader writes it: "18 december 2026" (nl), "December 18, 2026" (en); `format`
    "medium" gives "18 dec 2026". A moment in time is the day it is in the tenant's time zone; a
    string is an ISO day as the JSON of a report and the access log keep it."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = local(value, where).date()
    return babel_format_date(value, format, locale=_locale())


def moment(value: datetime | None, format: str = "minutes", where=None) -> str:
    """A moment in time in the reader's language and the tenant's time zone: "18 dec 2026, 14:05";
    `format` "seconds" adds the seconds (the access log)."""
    if value is None:
        return ""
    locale = _locale()
    here = local(value, where)
    time_format = "medium" if format == "seconds" else "short"
    return (get_datetime_format("medium", locale=locale)
            .replace("{1}", babel_format_date(here, "medium", locale=locale))
            .replace("{0}", babel_format_time(here, time_format, locale=locale)))


def number(value, pattern: str = "0.0") -> str:
    """A figure with the reader's decimal sign: 3,9 (nl), 3.9 (en); "–" when there is none."""
    if value is None:
        return "–"
    return format_decimal(value, format=pattern)


def register(app) -> None:
    """The Jinja filters every template formats with (the app factory calls this)."""
    app.jinja_env.filters.update(day=day, moment=moment, number=number, signed=signed, points=points,
                                 percent=percent, percent_of_100=percent_of_100)
