"""The demo, seeded once per test process and restored for every other test that starts from it.

Seeding the whole demo (saas/demo.py `seed`) takes 8-15 s, and some 35 tests start from it. The first of them
in a test process seeds it into the emptied database and copies what the seed left there: every table that
holds a row, in PostgreSQL's binary COPY format into memory, and every sequence's value. Each later one
restores that copy into the emptied database: COPY ... FROM STDIN as the server's superuser with
`session_replication_role = replica` (as tests/conftest.py `_empty` deletes): no trigger fires, so the
append-only trails take their rows back and no foreign key is checked half-way; the superuser is not bound by
row-level security. The test then starts from the rows the seed wrote, value for value: the same ids and the
same dates (counted from today); only the order of rows on disk may differ, as it does after any seed (it
depends on the free space earlier tests left in a table's pages), and no query relies on it. Moments the seed stamped with the clock (created_at, a trial's end) are the
first seed's, minutes before the test, as they would be seconds before it after a fresh seed. Sequences are set
to at least the seed's values: they only grow in a test process, so no id the demo holds is handed out again,
as after a fresh seed.

Nothing here names a table: whatever the seed writes is copied, however saas/demo.py changes. What a copy of
the tables would not hold is checked, not assumed; a seed that leaves anything of it is seeded anew each time
(with a warning), which is slower and still exact:
- files: the seed must leave the app's export folder as it found it (the only place the app writes files;
  logos and documents are stored in the database);
- Redis: the tests' app has none (jobs run in-process at the commit and leave rows only); an app with a Redis
  URL is seeded anew;
- the tables the clean-up between tests leaves alone (outside the models: the scope key in koers_private)
  must be as the seed found them.
A copy is kept for one day, one UTC day and one app configuration: a test process that crosses midnight or a
test with its own settings seeds anew. `seed(today=...)` for another day is for tests that call `seed` itself.
On SQLite (the smoke subset, which has no demo test) every call seeds.
"""
from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from psycopg import sql
from sqlalchemy import text

from saas.demo import seed
from saas.kernel.db import utcnow

# Every table of every schema but the system's, and Alembic's record of the schema (which no test changes).
_TABLES = text("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
               "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
               "AND n.nspname NOT LIKE 'pg_toast%' AND NOT (n.nspname = 'public' AND c.relname = 'alembic_version') "
               "ORDER BY 1, 2")
_SEQUENCES = text("SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences "
                  "WHERE last_value IS NOT NULL")


@dataclass
class Snapshot:
    key: tuple
    accounts: list
    tables: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (schema, table) -> COPY binary data
    sequences: dict[str, int] = field(default_factory=dict)


class DemoSnapshots:
    """One per test process (tests/conftest.py `seed_demo`): the copy of the demo this process seeded last."""

    def __init__(self, cleanup_engine, emptied_tables):
        self.engine = cleanup_engine
        self.emptied = set(emptied_tables)  # what tests/conftest.py `_empty` deletes between tests
        self.snapshot: Snapshot | None = None
        self._all: list[tuple[str, str]] | None = None  # every table, once
        self.refused: set[tuple] = set()  # keys whose seed left something a copy cannot hold
        self.seeds = self.restores = 0

    def seed(self, app, database):
        """As `seed(only_if_empty=False, db=...)` in an app context: the demo, from the copy when it can."""
        if self.engine.dialect.name != "postgresql":
            return self._fresh(app, database)
        key = (date.today(), utcnow().date(), repr(app.config["KOERS"]))
        if self._filled(self._emptied_tables()):  # a test made rows before the demo: a fresh seed is what it gets
            return self._fresh(app, database)
        if self.snapshot is not None and self.snapshot.key == key:
            self._restore(self.snapshot)
            self.restores += 1
            return copy.deepcopy(self.snapshot.accounts)
        if key in self.refused:
            return self._fresh(app, database)
        settings = app.config["KOERS"]
        files_before, outside_before = _files(settings.export_dir), self._outside()
        accounts = self._fresh(app, database)
        reasons = []
        if _files(settings.export_dir) != files_before:
            reasons.append(f"it wrote files under {settings.export_dir}")
        if settings.redis_url:
            reasons.append("the app has Redis, whose keys a copy of the tables would not hold")
        outside = self._outside()
        changed = sorted(f"{schema}.{name}" for schema, name in set(outside) | set(outside_before)
                         if outside.get((schema, name)) != outside_before.get((schema, name)))
        if changed:
            reasons.append(f"it changed tables the clean-up between tests does not empty: {', '.join(changed)}")
        if reasons:
            self.refused.add(key)
            warnings.warn(f"the demo is seeded anew for each test: {'; '.join(reasons)} (tests/demo_snapshot.py)",
                          stacklevel=2)
            return accounts
        self.snapshot = self._take(key, copy.deepcopy(accounts), self._filled(self._emptied_tables()))
        return accounts

    def _fresh(self, app, database):
        with app.app_context(), database.Session() as db:
            accounts = seed(only_if_empty=False, db=db)
        self.seeds += 1
        return accounts

    def _tables(self) -> list[tuple[str, str]]:
        if self._all is None:
            with self.engine.connect() as conn:
                self._all = [tuple(row) for row in conn.execute(_TABLES).all()]
        return self._all

    def _emptied_tables(self) -> list[tuple[str, str]]:
        return [(schema, name) for schema, name in self._tables() if schema == "public" and name in self.emptied]

    def _filled(self, tables: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Those of `tables` that hold a row, in one statement."""
        if not tables:
            return []
        with self.engine.connect() as conn:
            exists = " UNION ALL ".join(
                f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {_quoted(conn, schema, name)})"
                for i, (schema, name) in enumerate(tables))
            return [tables[i] for (i,) in conn.execute(text(exists)).all()]

    def _outside(self) -> dict[tuple[str, str], bytes]:
        """The contents of the tables the clean-up leaves alone (the scope key, a few rows): the seed must not
        change them, or the copy would miss it."""
        emptied = set(self._emptied_tables())
        return self._copy_out([t for t in self._tables() if t not in emptied])

    def _copy_out(self, tables) -> dict[tuple[str, str], bytes]:
        """The tables' rows in COPY's binary form, all as of one moment (the session's worker may be at work)."""
        copied = {}
        with self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            with conn.connection.driver_connection.cursor() as cursor:
                for schema, name in tables:
                    with cursor.copy(sql.SQL("COPY {} TO STDOUT (FORMAT binary)").format(
                            sql.Identifier(schema, name))) as out:
                        copied[(schema, name)] = b"".join(bytes(block) for block in out)
            conn.rollback()
        return copied

    def _take(self, key, accounts, filled) -> Snapshot:
        snapshot = Snapshot(key=key, accounts=accounts, tables=self._copy_out(filled))
        with self.engine.connect() as conn:
            snapshot.sequences = dict(conn.execute(_SEQUENCES).all())
        return snapshot

    def _restore(self, snapshot: Snapshot) -> None:
        with self.engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            with conn.connection.driver_connection.cursor() as cursor:
                for (schema, name), data in snapshot.tables.items():
                    with cursor.copy(sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(
                            sql.Identifier(schema, name))) as into:
                        into.write(data)
            if snapshot.sequences:
                # never back: ids handed out after the seed (by other tests) stay unused, as after a fresh seed
                conn.execute(text(
                    "SELECT setval(s.name::regclass, GREATEST(s.value, COALESCE(p.last_value, 0))) "
                    "FROM unnest(CAST(:names AS text[]), CAST(:values AS bigint[])) AS s(name, value) "
                    "LEFT JOIN pg_sequences p ON format('%I.%I', p.schemaname, p.sequencename) = s.name"),
                    {"names": list(snapshot.sequences), "values": list(snapshot.sequences.values())})


def _quoted(conn, schema: str, name: str) -> str:
    return sql.Identifier(schema, name).as_string(conn.connection.driver_connection)


def _files(folder: str) -> dict[str, tuple[int, int]]:
    root = Path(folder)
    if not root.exists():
        return {}
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}
