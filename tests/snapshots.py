"""Worlds built once per test process and restored for every other test that starts from them: the demo, and a
fixture's world that many tests of a file start from (`built_once`).

Seeding the whole demo (saas/demo.py `seed`) takes 8-15 s on the loaded test machine, and some 35 tests start
from it. The first of them in a test process seeds it into the emptied database and copies what the seed left
there: every table that holds a row, in PostgreSQL's binary COPY format into memory, and every sequence's value.
Each later one restores that copy into the emptied database: COPY ... FROM STDIN as the server's superuser with
`session_replication_role = replica` (as tests/conftest.py `_empty` deletes): no trigger fires, so the
append-only trails take their rows back and no foreign key is checked half-way; the superuser is not bound by
row-level security. The test then starts from the rows the seed wrote, value for value: the same ids and the
same dates (counted from today); only the order of rows on disk may differ, as it does after any seed (it
depends on the free space earlier tests left in a table's pages), and no query relies on it. Moments the seed
stamped with the clock (created_at, a trial's end) are the first seed's, minutes before the test, as they would
be seconds before it after a fresh seed. Sequences are set to at least the seed's values: they only grow in a
test process, so no id the demo holds is handed out again, as after a fresh seed. A fixture's world
(`built_once`) is copied and restored the same way, with the plain data its build returned (ids, names).

Nothing here names a table: whatever a build writes is copied, however saas/demo.py changes. What a copy of
the tables would not hold is checked, not assumed; a build that leaves anything of it is built anew each time
(with a warning), which is slower and still exact:
- files: a build must leave the app's export folder as it found it (the only place the app writes files;
  logos and documents are stored in the database);
- Redis: the tests' app has none (jobs run in-process at the commit and leave rows only); an app with a Redis
  URL builds anew;
- the tables the clean-up between tests leaves alone (outside the models: the scope key in koers_private)
  must be as the build found them.
A copy is kept for one day, one UTC day and one app configuration: a test process that crosses midnight or a
test with its own settings builds anew; so does a test that made rows before asking for the world.
`seed(today=...)` for another day is for tests that call `seed` itself. On SQLite (the smoke run) every call
builds.
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
    value: object  # what the build returned (plain data: ids, names), handed to each test as a copy
    tables: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (schema, table) -> COPY binary data
    sequences: dict[str, int] = field(default_factory=dict)


DEMO = "the demo (saas/demo.py)"


class Snapshots:
    """One per test process (tests/conftest.py `snapshots`): the copy of each world this process built last."""

    def __init__(self, cleanup_engine, emptied_tables):
        self.engine = cleanup_engine
        self.emptied = set(emptied_tables)  # what tests/conftest.py `_empty` deletes between tests
        self.snapshots: dict[str, Snapshot] = {}
        self._all: list[tuple[str, str]] | None = None  # every table, once
        self.refused: set[tuple] = set()  # (name, key) whose build left something a copy cannot hold
        self.builds = self.restores = 0

    def seed_demo(self, app, database):
        """As `seed(only_if_empty=False, db=...)` in an app context: the demo, from the copy when it can."""
        def build():
            with app.app_context(), database.Session() as db:
                return seed(only_if_empty=False, db=db)

        return self.built_once(DEMO, app, build)

    def built_once(self, name: str, app, build):
        """`build()` (which makes rows through `app`'s services and returns plain data) on the emptied database:
        run the first time, restored from the copy of its rows after that."""
        if self.engine.dialect.name != "postgresql":
            return self._build(build)
        key = (date.today(), utcnow().date(), repr(app.config["KOERS"]))
        if self._filled(self._emptied_tables()):  # the test made rows before: a fresh build is what it gets
            return self._build(build)
        snapshot = self.snapshots.get(name)
        if snapshot is not None and snapshot.key == key:
            self._restore(snapshot)
            self.restores += 1
            return copy.deepcopy(snapshot.value)
        if (name, key) in self.refused:
            return self._build(build)
        settings = app.config["KOERS"]
        files_before, outside_before = _files(settings.export_dir), self._outside()
        value = self._build(build)
        reasons = []
        if _files(settings.export_dir) != files_before:
            reasons.append(f"it wrote files under {settings.export_dir}")
        if settings.redis_url:
            reasons.append("the app has Redis, whose keys a copy of the tables would not hold")
        outside = self._outside()
        changed = sorted(f"{schema}.{table}" for schema, table in set(outside) | set(outside_before)
                         if outside.get((schema, table)) != outside_before.get((schema, table)))
        if changed:
            reasons.append(f"it changed tables the clean-up between tests does not empty: {', '.join(changed)}")
        if reasons:
            self.refused.add((name, key))
            warnings.warn(f"{name} is built anew for each test: {'; '.join(reasons)} (tests/snapshots.py)",
                          stacklevel=2)
            return value
        self.snapshots[name] = self._take(key, copy.deepcopy(value), self._filled(self._emptied_tables()))
        return value

    def _build(self, build):
        value = build()
        self.builds += 1
        return value

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

    def _take(self, key, value, filled) -> Snapshot:
        snapshot = Snapshot(key=key, value=value, tables=self._copy_out(filled))
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
