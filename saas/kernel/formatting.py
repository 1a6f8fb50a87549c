"""Numbers as people read them, in the reader's language (babel through flask_babel).

The comparison page and the culture report format their figures here, so a figure reads the same
on the page, in the PDF and in the CSV.
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import get_decimal_symbol
from flask_babel import format_decimal, format_percent


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
