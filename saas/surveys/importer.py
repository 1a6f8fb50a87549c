"""Import earlier survey results from a CSV file into a wave (`koers import-responses`).

One row per respondent. Columns: `legacy_org` (the legacy organisation's code, required), `team`
(optional team name), `personal_values`, `team_values`, `current_values`, `desired_values` (value
keys separated by `;`, at most 10 each) and the 48 culture cells `d{1..6}_{type}_{now|preferred}`; optionally
`enps` (the eNPS question, a whole number from 0 to 10, or empty; only for a wave that asks it).

Two steps, both in plain Python because a file may hold 100,000 rows:
`read_rows` checks the file's shape and numbers; `import_responses` checks the rows against the
wave and the tenant (value keys, legacy organisations, teams) and inserts them all in one
transaction, in random order, with random ids and the import day. Any error: nothing is inserted.
Errors name the line (the header is line 1) and the column, in the reader's language (the web page's,
or English on the command line). The answers are checked by the instruments' own rules
(saas.surveys.instruments), the same as the survey's pages and its JSON submission.
"""
from __future__ import annotations

import csv
import io
import random
import re
import secrets
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from saas.kernel.errors import DomainError
from saas.programme.models import Team
from saas.surveys import instruments, service
from saas.surveys.instruments import DIMENSIONS, PHASES, TYPES, culture_key
from saas.surveys.models import Response, Wave
from tenants.models import LegacyOrganisation, Tenant
from tenants.scoping import current_tenant_id

MAX_ERRORS = 20
CHUNK = 5000

VALUE_COLUMNS = {  # CSV column -> answer list
    "personal_values": "personal",
    "team_values": "team_current",
    "current_values": "org_current",
    "desired_values": "org_desired",
}
CULTURE_GROUPS = tuple(  # (dimension, phase, its four columns in type order)
    (dim.number, phase, tuple(culture_key(dim.number, t, phase) for t in TYPES))
    for dim in DIMENSIONS for phase in PHASES
)
CULTURE_COLUMNS = tuple(column for _n, _p, columns in CULTURE_GROUPS for column in columns)
REQUIRED_COLUMNS = ("legacy_org", *VALUE_COLUMNS, *CULTURE_COLUMNS)
COLUMNS = ("legacy_org", "team", *VALUE_COLUMNS, *CULTURE_COLUMNS, "enps")

_shuffle = random.SystemRandom().shuffle
_INTEGER = re.compile(r"^[+-]?\d+$")  # what int() takes, without its spaces and underscores


class ImportErrors(DomainError):
    """The file cannot be imported; `errors` holds up to MAX_ERRORS messages naming line and column."""

    default_message = _l("Correct the errors listed above and upload the file again.")

    def __init__(self, errors: list[str]):
        super().__init__(field="file")
        self.errors = errors


class _Errors(list):
    def add(self, line: int, column: str | None, message) -> None:
        where = _("line %(line)d, column %(column)s", line=line, column=column) if column else \
            _("line %(line)d", line=line)
        self.append(f"{where}: {message}")
        if len(self) >= MAX_ERRORS:
            raise ImportErrors(list(self))

    def raise_any(self) -> None:
        if self:
            raise ImportErrors(list(self))


def read_rows(file) -> list[dict]:
    """Parse and check an open CSV file (open it with newline=""); raises ImportErrors.

    Each row comes back as {"line", "legacy_org", "team", "values": {list: [keys]}, "culture": {cell: int}};
    value keys, codes and team names are checked later against the wave (`import_responses`).
    """
    errors = _Errors()
    reader = csv.reader(file)
    header = next(reader, None)
    if header is None:
        errors.add(1, None, _("the file is empty; the first line must name the columns"))
    header = [name.strip() for name in header]
    seen = set()
    for name in header:
        if name not in COLUMNS:
            errors.add(1, name or _("(empty)"), _("unknown column"))
        elif name in seen:
            errors.add(1, name, _("the column appears twice"))
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            errors.add(1, name, _("missing column"))
    errors.raise_any()

    position = {name: i for i, name in enumerate(header)}
    legacy_at, team_at, enps_at = position["legacy_org"], position.get("team"), position.get("enps")
    value_at = [(column, list_name, position[column]) for column, list_name in VALUE_COLUMNS.items()]
    groups = [(number, phase, [(column, position[column]) for column in columns])
              for number, phase, columns in CULTURE_GROUPS]
    width = len(header)
    rows = []
    for fields in reader:
        line = reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # a blank line
        if len(fields) != width:
            errors.add(line, None, _("has %(count)d fields, the header has %(width)d", count=len(fields), width=width))
            continue
        legacy_org = fields[legacy_at].strip()
        if not legacy_org:
            errors.add(line, "legacy_org", _("empty; give the legacy organisation's code"))
        values = {}
        for column, list_name, at in value_at:
            keys = []
            for key in fields[at].split(";"):
                key = key.strip()
                if key and key not in keys:  # repeats are dropped, as in the survey itself
                    keys.append(key)
            wrong = instruments.check_pick_count(list_name, keys)
            if wrong:
                errors.add(line, column, wrong.message)
            values[list_name] = keys
        culture = {}
        for number, phase, cells in groups:
            given = {}
            for column, at in cells:
                raw = fields[at].strip()
                if raw:  # an empty cell is missing
                    given[column] = int(raw) if _INTEGER.match(raw) else raw
            for wrong in instruments.check_culture_group(number, phase, given):
                errors.add(line, wrong.cell or cells[-1][0], wrong.message)
            culture.update({column: points for column, points in given.items() if isinstance(points, int)})
        enps = None
        if enps_at is not None and fields[enps_at].strip():
            raw = fields[enps_at].strip()
            enps = int(raw) if _INTEGER.match(raw) else raw
            try:
                instruments.validate_enps(enps)
            except instruments.InstrumentError:
                errors.add(line, "enps", _("give a whole number from 0 to 10, or leave it empty"))
        rows.append({"line": line, "legacy_org": legacy_org, "enps": enps,
                     "team": fields[team_at].strip() if team_at is not None else "",
                     "values": values, "culture": culture})
    errors.raise_any()
    return rows


def import_responses(db, wave: Wave, rows: list[dict], *, today: date | None = None) -> int:
    """Check `rows` (from `read_rows`) against the wave and tenant, then insert them; raises ImportErrors.

    `db` must be scoped to the wave's tenant. Inserts with Core executemany in chunks, inside the
    caller's transaction; the caller commits.
    """
    tenant_id = current_tenant_id(db)
    if tenant_id is None or tenant_id != wave.tenant_id:
        raise ValueError("the session must be scoped to the wave's tenant")
    if db.scalar(select(Response.id).where(Response.wave_id == wave.id).limit(1)) is not None:
        # reports of the wave may have been read: answers added now would let a reader subtract the
        # two readings and see the new ones (the k rule holds per reading, not between readings)
        raise ImportErrors([_("the wave already holds answers; import the file into a new wave")])
    orgs = {code: org_id for code, org_id in db.execute(select(LegacyOrganisation.code, LegacyOrganisation.id))}
    audience = set(wave.audience_legacy_org_ids or ())
    teams: dict[str, int | None] = {}
    for name, team_id in db.execute(select(Team.name, Team.id)):
        teams[name.strip()] = None if name.strip() in teams else team_id  # None: the name is ambiguous
    allowed = set(wave.value_keys)

    errors = _Errors()
    records = []
    today = today or date.today()
    for row in rows:
        line = row["line"]
        org_id = orgs.get(row["legacy_org"])
        if org_id is None:
            errors.add(line, "legacy_org", _("no legacy organisation with code %(code)s", code=repr(row["legacy_org"])))
        elif audience and org_id not in audience:
            errors.add(line, "legacy_org", _("legacy organisation %(code)s is not asked in this wave",
                                              code=repr(row["legacy_org"])))
        team_id = None
        if row["team"]:
            if row["team"] not in teams:
                errors.add(line, "team", _("no team named %(name)s", name=repr(row["team"])))
            elif teams[row["team"]] is None:
                errors.add(line, "team", _("more than one team is named %(name)s", name=repr(row["team"])))
            else:
                team_id = teams[row["team"]]
        for column, list_name in VALUE_COLUMNS.items():
            for key in row["values"][list_name]:
                wrong = instruments.check_pick(list_name, key, allowed)
                if wrong:
                    errors.add(line, column, wrong.message)
        answers = {"values": row["values"], "culture": row["culture"]}
        if row.get("enps") is not None:
            if not wave.asks_enps:
                errors.add(line, "enps", _("this wave does not ask the eNPS question; leave the column empty"))
            answers["enps"] = row["enps"]
        records.append({"tenant_id": tenant_id, "wave_id": wave.id, "legacy_org_id": org_id, "team_id": team_id,
                        "tenure_band": None, "submitted_on": today, "answers": answers})
    errors.raise_any()

    _shuffle(records)  # the file's order says nothing in the database
    for record in records:
        record["id"] = secrets.token_hex(16)
    connection = db.connection()  # the session's transaction, with the tenant pushed to row-level security
    statement = insert(Response.__table__)
    for start in range(0, len(records), CHUNK):
        connection.execute(statement, records[start:start + CHUNK])
    return len(records)


# ---- importing earlier results --------------------------------------------------------------

class ImportNotAllowed(DomainError):
    status = 409
    default_message = _l("Earlier results cannot be imported into an open wave. Import them into a wave in "
                         "preparation or a closed wave.")


def import_earlier_results(db, wave: Wave, stream) -> int:
    """Import a CSV file (the format of `koers import-responses`) into the wave, all or nothing.

    Raises ImportErrors naming line and column. A wave in preparation that receives earlier
    results is closed: it records a survey that has already taken place, so it can no longer be launched.
    """
    if wave.status == "open":
        raise ImportNotAllowed()
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        rows = read_rows(text)
    except UnicodeDecodeError:
        raise ImportErrors([_("the file is not UTF-8 text; save it as CSV UTF-8")]) from None
    except csv.Error:  # Python's own words are English: the reader gets a sentence in their language
        raise ImportErrors([_("the file is not a readable CSV file; save it as CSV UTF-8 (comma-separated)")]) \
            from None
    if not rows:
        raise ImportErrors([_("line 2: the file holds no answers, only the header")])
    count = import_responses(db, wave, rows)
    if wave.status == "draft":
        wave.status = "closed"
    service.after_import(db, db.get(Tenant, wave.tenant_id), wave)
    return count
