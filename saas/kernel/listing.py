"""Long lists that people search, filter and page through (the people of a tenant, the access log):
a search that ignores case and accents on PostgreSQL and SQLite alike, a GET form for the filters
that works without JavaScript (its URL is the list, so it can be shared), and pages.

Search: `koers_fold(text)` is one SQL function on both databases — on PostgreSQL PostgreSQL's own
`unaccent` and `lower` (migration 0024), on SQLite `fold` below, registered on every connection
(saas.kernel.db) — that writes Latin letters without their accents and in lower case ("Özil",
"ÖZIL" and "ozil" all read "ozil"; "ĳ" reads "ij", "ß" "ss"). `contains_words` folds both the
column and the words typed *in the database*, so each database compares what it folded itself
(where they differ — outside Latin script, PostgreSQL's lower() in a "C" database — a search is
still consistent with itself).

Paging is by offset, with page numbers: an admin jumps to a page and sees how many there are; at the
largest tenants' size (20,000 people) the filtered rows are read and sorted anyway, since the name
that orders them lives on `users` and the tenant on `memberships` (bench/people.py measures page 1
against a deep page).
"""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import and_, func, literal, select
from wtforms import IntegerField, SearchField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

# What `fold` does: the letters that become two, the letters that lose their accent (FOLD_FROM[i]
# becomes FOLD_TO[i]), the combining accents that are dropped, then lower case: as PostgreSQL's
# unaccent does for Latin-1 Supplement and Latin Extended-A (tests/test_people.py checks both
# databases fold every one of these letters alike).
FOLD_MULTI = (("ß", "ss"), ("æ", "ae"), ("Æ", "ae"), ("œ", "oe"), ("Œ", "oe"), ("þ", "th"), ("Þ", "th"),
              ("ĳ", "ij"), ("Ĳ", "ij"))
FOLD_FROM = ("ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïðñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħ"
             "ĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſ")
FOLD_TO = ("aaaaaaceeeeiiiidnoooooouuuuyaaaaaaceeeeiiiidnoooooouuuuyyaaaaaaccccccccddddeeeeeeeeeegggggggghhhh"
           "iiiiiiiiiijjkkllllllllnnnnnnoooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs")
COMBINING = "".join(chr(c) for c in range(0x300, 0x370))
_TABLE = {**{ord(a): b for a, b in FOLD_MULTI}, **{ord(a): b for a, b in zip(FOLD_FROM, FOLD_TO)},
          **{ord(c): None for c in COMBINING}}

MAX_WORDS = 6
MAX_SEARCH = 100
MAX_PAGE = 100_000
SIZES = (25, 50, 100, 200)


def fold(text: str | None) -> str | None:
    """`koers_fold` in Python: SQLite's, registered by saas.kernel.db on every connection."""
    return None if text is None else text.translate(_TABLE).lower()


def contains_words(expression, words):
    """A condition: every word occurs in `expression`, ignoring case and accents (`koers_fold`)."""
    folded = func.koers_fold(expression)
    return and_(*(folded.like(literal("%") + func.koers_fold(_escape(word)) + "%", escape="\\")
                   for word in words))


def words(text: str | None) -> tuple[str, ...]:
    return tuple((text or "").split())[:MAX_WORDS]


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ---- the filter form -----------------------------------------------------------------------------

def _few_words(_form, field):
    if len((field.data or "").split()) > MAX_WORDS:
        raise ValidationError(_l("Search with at most %(num)d words.", num=MAX_WORDS))


class ListForm(FlaskForm):
    """The filters of a list, read from the URL (`ListForm(request.args)`): a search, the page and
    how many rows a page shows. Features add their own filters. No CSRF token: it changes nothing."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search by name or e-mail address"),
                    validators=[Optional(), Length(max=MAX_SEARCH, message=_l(
                        "Search with at most %(max)d characters.", max=MAX_SEARCH)), _few_words])
    page = IntegerField(_l("Page"), default=1, validators=[Optional(), NumberRange(
        min=1, max=MAX_PAGE, message=_l("A page number is a whole number from 1 to %(max)d.", max=MAX_PAGE))])
    size = IntegerField(_l("Rows per page"), default=50, validators=[Optional(), NumberRange(
        min=1, max=SIZES[-1], message=_l("Show between 1 and %(max)d rows per page.", max=SIZES[-1]))])

    def __init__(self, args=None, **kwargs):  # None: an empty list form (no filters)
        super().__init__(formdata=args, **kwargs)

    @property
    def number(self) -> int:
        return self.page.data or 1

    @property
    def per_page(self) -> int:
        return self.size.data or self.size.default

    def query(self, **changes) -> dict:
        """The URL arguments of this list (what was asked, without defaults), with `changes`: for the
        links to other pages and the export, which keep the filters."""
        values = {name: field.data for name, field in self._fields.items()}
        values.update(changes)
        return {key: value for key, value in values.items()
                if value not in (None, "") and not (key in self._fields and str(value) == str(self[key].default or ""))}


# ---- pages -----------------------------------------------------------------------------------------

@dataclass
class Page:
    items: list
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.size))

    @property
    def first(self) -> int:
        """The position (from 1) of the first row on this page."""
        return (self.number - 1) * self.size + 1

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1

    @property
    def beyond_the_end(self) -> bool:
        return self.number > self.pages

    def nearby(self, width: int = 2) -> list[int | None]:
        """The page numbers to link to: the first, the last and `width` either side of this one, with
        None where numbers are left out."""
        wanted = {1, self.pages} | set(range(self.number - width, self.number + width + 1))
        shown, previous = [], 0
        for number in sorted(n for n in wanted if 1 <= n <= self.pages):
            if number > previous + 1:
                shown.append(None)
            shown.append(number)
            previous = number
        return shown


def page_of(db, statement, *, number: int, size: int, count=None, scalars: bool = True) -> Page:
    """One page of `statement` (ordered), and how many rows it has in all (`count`, a SELECT of the
    number; by default counted around `statement`)."""
    if count is None:
        count = select(func.count()).select_from(statement.order_by(None).subquery())
    total = db.scalar(count) or 0
    window = statement.limit(size).offset((number - 1) * size)
    result = db.scalars(window) if scalars else db.execute(window)
    return Page(items=list(result.unique() if scalars else result), number=number, size=size, total=total)
