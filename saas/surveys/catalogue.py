"""A tenant's values catalogue: the built-in values (saas.surveys.instruments) plus its own, minus
those it hid.

Catalogue versions without a version table: a wave copies the keys of the catalogue as it stands
when the wave is made (`Wave.value_keys`), and a tenant's rows are never deleted, only hidden. So
adding or hiding a value changes the next wave and leaves every earlier wave exactly as it was.
"""
from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.kernel.errors import DomainError
from saas.surveys.instruments import VALUES, VALUES_BY_KEY, Value
from saas.surveys.models import CatalogueValue

LABEL_MAX = 80


def catalogue(db) -> list[Value]:
    """The values a new wave asks about, in catalogue order: built-in ones first, then the tenant's."""
    rows = _rows(db)
    hidden = {row.key for row in rows if row.hidden}
    own = [_value(row) for row in rows if row.nl is not None]
    return [v for v in VALUES if v.key not in hidden] + [v for v in own if v.key not in hidden]


def all_values(db) -> dict[str, Value]:
    """Every value this tenant ever had, hidden ones included: the labels earlier waves need."""
    values = dict(VALUES_BY_KEY)
    values.update({row.key: _value(row) for row in _rows(db) if row.nl is not None})
    return values


def values_for_wave(db, wave) -> list[Value]:
    """The values a wave asks about, in the order they were when the wave was made."""
    known = all_values(db)
    return [known[key] for key in wave.value_keys if key in known]


def limiting_keys(db, wave) -> set[str]:
    """The keys of the values a wave asks about that can hold an organisation back."""
    known = all_values(db)
    return {key for key in wave.value_keys if key in known and known[key].limiting}


def add_value(db, *, nl: str, en: str, limiting: bool = False) -> Value:
    nl, en = " ".join(nl.split()), " ".join(en.split())
    if not nl:
        raise DomainError(_l("Please enter the Dutch name."), field="nl")
    if not en:
        raise DomainError(_l("Please enter the English name."), field="en")
    if len(nl) > LABEL_MAX or len(en) > LABEL_MAX:
        raise DomainError(_l("A value's name can be at most %(count)d characters.", count=LABEL_MAX))
    labels = {v.nl.casefold() for v in catalogue(db)} | {v.en.casefold() for v in catalogue(db)}
    if nl.casefold() in labels or en.casefold() in labels:
        raise DomainError(_l("The catalogue already has a value with this name."), field="en")
    key = _free_key(db, en)
    row = CatalogueValue(key=key, nl=nl, en=en, limiting=limiting)
    db.add(row)
    db.flush()
    return _value(row)


def set_hidden(db, key: str, hidden: bool) -> None:
    """Hide a value from new waves, or show it again. Earlier waves keep it."""
    if key not in all_values(db):
        raise DomainError(_l("This value is not in the catalogue."))
    row = db.scalar(select(CatalogueValue).where(CatalogueValue.key == key))
    if row is None:
        row = CatalogueValue(key=key)
        db.add(row)
    row.hidden = hidden
    db.flush()


def hidden_keys(db) -> set[str]:
    return {row.key for row in _rows(db) if row.hidden}


def _rows(db) -> list[CatalogueValue]:
    return list(db.scalars(select(CatalogueValue).order_by(CatalogueValue.id)))


def _value(row: CatalogueValue) -> Value:
    return Value(row.key, row.nl or row.key, row.en or row.key, row.limiting)


def _free_key(db, label: str) -> str:
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    base = "own_" + (re.sub(r"[^a-z0-9]+", "_", ascii_label.lower()).strip("_")[:40] or "value")
    taken = set(all_values(db)) | {row.key for row in _rows(db)}
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key
