"""Import earlier survey results from a CSV file into a wave (`koers import-responses`).

One row per respondent. Columns: `legacy_org` (the legacy organisation's code, required), `team`
(optional team name), `personal_values`, `team_values`, `current_values`, `desired_values` (value
keys separated by `;`, at most 10 each) and the 48 culture cells `d{1..6}_{type}_{now|preferred}`.

Two steps, both in plain Python because a file may hold 100,000 rows:
`read_rows` checks the file's shape and numbers; `import_responses` checks the rows against the
wave and the tenant (value keys, legacy organisations, teams) and inserts them all in one
transaction, in random order, with random ids and the import day. Any error: nothing is inserted.
Errors name the line (the header is line 1) and the column.
"""
from __future__ import annotations

import csv
import io
import random
import secrets
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from saas.errors import DomainError
from saas.surveys import service

from saas.surveys.instruments import DIMENSIONS, MAX_PICKS, PHASES, POINTS_PER_DIMENSION, TYPES, culture_key
from saas.surveys.models import Response, Wave
from tenants.models import Tenant

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
COLUMNS = ("legacy_org", "team", *VALUE_COLUMNS, *CULTURE_COLUMNS)

_shuffle = random.SystemRandom().shuffle


class ImportErrors(DomainError):
    """The file cannot be imported; `errors` holds up to MAX_ERRORS messages naming line and column."""

    default_message = _l("Correct the errors listed above and upload the file again.")

    def __init__(self, errors: list[str]):
        super().__init__(field="file")
        self.errors = errors


class _Errors(list):
    def add(self, line: int, column: str | None, message: str) -> None:
        where = f"line {line}, column {column}" if column else f"line {line}"
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
        errors.add(1, None, "the file is empty; the first line must name the columns")
    header = [name.strip() for name in header]
    seen = set()
    for name in header:
        if name not in COLUMNS:
            errors.add(1, name or "(empty)", "unknown column")
        elif name in seen:
            errors.add(1, name, "the column appears twice")
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            errors.add(1, name, "missing column")
    errors.raise_any()

    position = {name: i for i, name in enumerate(header)}
    legacy_at, team_at = position["legacy_org"], position.get("team")
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
            errors.add(line, None, f"has {len(fields)} fields, the header has {width}")
            continue
        legacy_org = fields[legacy_at].strip()
        if not legacy_org:
            errors.add(line, "legacy_org", "empty; give the legacy organisation's code")
        values = {}
        for column, list_name, at in value_at:
            keys = []
            for key in fields[at].split(";"):
                key = key.strip()
                if key and key not in keys:  # repeats are dropped, as in the survey itself
                    keys.append(key)
            if len(keys) > MAX_PICKS:
                errors.add(line, column, f"{len(keys)} values; at most {MAX_PICKS} allowed")
            values[list_name] = keys
        culture = {}
        for number, phase, cells in groups:
            total, complete = 0, True
            for column, at in cells:
                raw = fields[at].strip()
                try:
                    points = int(raw)
                except ValueError:
                    complete = False
                    errors.add(line, column, f"{raw!r} is not a whole number" if raw else
                               "empty; give a whole number from 0 to 100")
                    continue
                if points < 0:
                    complete = False
                    errors.add(line, column, f"{points} is negative")
                elif points > POINTS_PER_DIMENSION:
                    complete = False
                    errors.add(line, column, f"{points} is more than {POINTS_PER_DIMENSION}")
                culture[column] = points
                total += points
            if complete and total != POINTS_PER_DIMENSION:
                errors.add(line, cells[-1][0], f"the four '{phase}' numbers of dimension {number} add up to "
                                               f"{total}, not {POINTS_PER_DIMENSION}")
        rows.append({"line": line, "legacy_org": legacy_org,
                     "team": fields[team_at].strip() if team_at is not None else "",
                     "values": values, "culture": culture})
    errors.raise_any()
    return rows


def import_responses(db, wave: Wave, rows: list[dict], *, today: date | None = None) -> int:
    """Check `rows` (from `read_rows`) against the wave and tenant, then insert them; raises ImportErrors.

    `db` must be scoped to the wave's tenant. Inserts with Core executemany in chunks, inside the
    caller's transaction; the caller commits.
    """
    from saas.programme.models import Team
    from tenants.models import LegacyOrganisation
    from tenants.scoping import current_tenant_id

    tenant_id = current_tenant_id(db)
    if tenant_id is None or tenant_id != wave.tenant_id:
        raise ValueError("the session must be scoped to the wave's tenant")
    if db.scalar(select(Response.id).where(Response.wave_id == wave.id).limit(1)) is not None:
        # reports of the wave may have been read: answers added now would let a reader subtract the
        # two readings and see the new ones (the k rule holds per reading, not between readings)
        raise ImportErrors(["the wave already holds answers; import the file into a new wave"])
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
            errors.add(line, "legacy_org", f"no legacy organisation with code {row['legacy_org']!r}")
        elif audience and org_id not in audience:
            errors.add(line, "legacy_org", f"legacy organisation {row['legacy_org']!r} is not asked in this wave")
        team_id = None
        if row["team"]:
            if row["team"] not in teams:
                errors.add(line, "team", f"no team named {row['team']!r}")
            elif teams[row["team"]] is None:
                errors.add(line, "team", f"more than one team is named {row['team']!r}")
            else:
                team_id = teams[row["team"]]
        for column, list_name in VALUE_COLUMNS.items():
            for key in row["values"][list_name]:
                if key not in allowed:
                    errors.add(line, column, f"unknown value key {key!r} (see `koers values`)")
        records.append({"tenant_id": tenant_id, "wave_id": wave.id, "legacy_org_id": org_id, "team_id": team_id,
                        "tenure_band": None, "submitted_on": today,
                        "answers": {"values": row["values"], "culture": row["culture"]}})
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
        raise ImportErrors(["the file is not UTF-8 text; save it as CSV UTF-8"]) from None
    except csv.Error as error:
        raise ImportErrors([f"the file is not a readable CSV file: {error}"]) from None
    if not rows:
        raise ImportErrors(["line 2: the file holds no answers, only the header"])
    count = import_responses(db, wave, rows)
    if wave.status == "draft":
        wave.status = "closed"
    service.after_import(db, db.get(Tenant, wave.tenant_id), wave)
    return count
