"""The exit archive of a large tenant (issue 19, point 4): rows per second and archive size, beside the floor.

One run:
1. a throwaway PostgreSQL (as in the tests: the app connects as a role that RLS binds), migrated;
2. the tenant bench/people.py builds (`build_tenant`): 20,000 people (accounts, memberships, roles) in ten legacy organisations,
   a programme of 50 themes with 500 teams of 16;
3. the archive written as `koers export-tenant` writes it (saas.exit.archive: every table as JSON and CSV,
   streamed from server-side cursors into the zip), timed, beside two **floors** over exactly the same rows
   and columns: a plain SELECT of each table through the app's engine (the tenant set as the app sets it,
   every row fetched), and PostgreSQL's `COPY (SELECT …) TO STDOUT (FORMAT csv)` of each, read to the end.

It prints the rows, the seconds and rows/s of each, the archive's size, and export/floor.

    .venv/bin/python bench/export.py [--people 20000] [--teams 500] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from harness import migrated_app, plain_url, scope_signature_for, throwaway_postgres  # noqa: E402
from people import build_tenant  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (interleaved); the median is shown")
    args = parser.parse_args()
    with throwaway_postgres() as (app_url, owner_url), tempfile.TemporaryDirectory(prefix="koers-bench-") as base:
        run(app_url, owner_url, args, Path(base))


def run(app_url: str, owner_url: str, args, base: Path) -> None:
    app = migrated_app(app_url, owner_url)
    world = build_tenant(app, args)
    timings = {"export": [], "select": [], "copy": []}
    size = rows = 0
    for _ in range(args.repeat):
        seconds, rows, size = _export(app, world["tenant_id"], base / "bench.zip")
        timings["export"].append(seconds)
        timings["select"].append(_select(app, world["tenant_id"]))
        timings["copy"].append(_copy(app, app_url, world["tenant_id"]))
    median = {name: statistics.median(values) for name, values in timings.items()}
    print(f"tenant           {args.people} people, {args.teams} teams: {rows} rows in the archive's tables")
    for name in ("export", "select", "copy"):
        print(f"{name:<16} {median[name]:7.2f} s   {rows / median[name]:10,.0f} rows/s")
    print(f"archive          {size / 2**20:.1f} MB ({size / max(rows, 1):.0f} bytes a row, JSON + CSV, deflated)")
    print(f"export/select    {median['export'] / median['select']:.1f}x the time of a plain SELECT of the same rows")
    print(f"export/copy      {median['export'] / median['copy']:.1f}x the time of COPY … TO STDOUT of the same rows")
    print(f"load average     {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


def _tables(app):
    from saas.exit import archive
    from saas.kernel.db import Base

    return [(Base.metadata.tables[name], archive.withheld_columns(Base.metadata.tables[name]))
            for name in archive.exported_tables(Base.metadata)]


def _export(app, tenant_id: int, target: Path):
    from saas.exit import archive
    from tenants.models import Tenant
    from tenants.scoping import set_scope

    with app.app_context(), app.extensions["koers.db"].Session() as db:
        set_scope(db, tenant_id=tenant_id)
        tenant = db.get(Tenant, tenant_id)
        started = time.perf_counter()
        written = archive.write(db, tenant, target, made_by="bench", language="en")
        seconds = time.perf_counter() - started
    size = target.stat().st_size
    target.unlink()
    return seconds, written.rows, size


def _statements(app, tenant_id: int):
    """The same rows and columns the archive reads, as plain statements."""
    from sqlalchemy import select

    from saas.exit.archive import tenant_rows  # the archive's own selection of the tenant's rows

    for table, withheld in _tables(app):
        columns = [c for c in table.columns if c.name not in withheld]
        yield select(*columns).where(tenant_rows(table, tenant_id)).order_by(list(table.primary_key.columns)[0])


def _select(app, tenant_id: int) -> float:
    from tenants.scoping import set_scope

    with app.app_context(), app.extensions["koers.db"].Session() as db:
        set_scope(db, tenant_id=tenant_id)
        connection = db.connection()
        started = time.perf_counter()
        for statement in _statements(app, tenant_id):
            for _row in connection.execute(statement.execution_options(yield_per=2000)):
                pass
        return time.perf_counter() - started


def _copy(app, app_url: str, tenant_id: int) -> float:
    import psycopg
    from sqlalchemy.dialects import postgresql

    statements = [str(s.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
                  for s in _statements(app, tenant_id)]
    with psycopg.connect(plain_url(app_url)) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, false), set_config('app.scope_sig', %s, false)",
                     (str(tenant_id), scope_signature_for(tenant_id)))
        started = time.perf_counter()
        for statement in statements:
            with conn.cursor().copy(f"COPY ({statement}) TO STDOUT (FORMAT csv)") as copy:
                for _block in copy:
                    pass
        return time.perf_counter() - started


if __name__ == "__main__":
    main()
