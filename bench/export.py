"""The exit archive of a large tenant (issue 19, point 4): rows per second and archive size, beside the floor.

One run:
1. a throwaway PostgreSQL (as in the tests: the app connects as a role that RLS binds), migrated;
2. a tenant as bench/people.py makes it: 20,000 people (accounts, memberships, roles) in ten legacy organisations,
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
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import scope_signature_for  # noqa: E402
from bench.people import FIRST, LAST  # noqa: E402
from tests.services import PostgresServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (interleaved); the median is shown")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="koers-bench-"))
    base.chmod(0o711)  # the postgres service user must reach its folder inside
    postgres = PostgresServer(base / "pg").start()
    try:
        postgres.create_database("koers_bench")
        run(postgres.url("koers_bench"), postgres.url("koers_bench", "koers_owner"), args, base)
    finally:
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)


def run(app_url: str, owner_url: str, args, base: Path) -> None:
    from saas import create_app
    from saas.kernel import migrate
    from saas.kernel.config import Settings

    settings = Settings(database_url=app_url, migration_database_url=owner_url, secret_key="bench")
    migrate.upgrade(settings)
    app = create_app(settings)
    world = _build(app, args)
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


def _build(app, args) -> dict:
    """The tenant, its organisations, people, roles, themes and teams (as bench/people.py builds them)."""
    import random
    from datetime import date

    from sqlalchemy import insert

    from saas.auth.models import User
    from saas.kernel.db import utcnow
    from saas.programme.models import Team, TeamMember, Theme
    from saas.programme.service import create_programme
    from tenants.models import LegacyOrganisation, Membership, MembershipRole, Tenant
    from tenants.scoping import set_scope

    rng = random.Random(17)
    with app.app_context(), app.extensions["koers.db"].Session() as db:
        tenant = Tenant(slug="bench", name="Bench", country="NL", language="en")
        db.add(tenant)
        db.flush()
        set_scope(db, tenant_id=tenant.id)
        tenant_id = tenant.id
        orgs = db.scalars(insert(LegacyOrganisation).returning(LegacyOrganisation.id), [
            {"tenant_id": tenant_id, "code": f"O{n:02d}", "name": f"Gemeente {n:02d}"} for n in range(10)]).all()
        user_ids = db.scalars(insert(User).returning(User.id), [
            {"email": f"p{n}@bench.example", "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "password_hash": "!",
             "email_verified_at": utcnow()} for n in range(args.people)]).all()
        member_ids = db.scalars(insert(Membership).returning(Membership.id), [
            {"tenant_id": tenant_id, "user_id": uid, "legacy_org_id": rng.choice(orgs + [None])}
            for uid in user_ids]).all()
        roles = [{"tenant_id": tenant_id, "membership_id": mid, "role": "member"} for mid in member_ids]
        roles += [{"tenant_id": tenant_id, "membership_id": mid, "role": role}
                  for role, share in (("sponsor", 0.02), ("management", 0.01))
                  for mid in rng.sample(member_ids, int(share * len(member_ids)))]
        db.execute(insert(MembershipRole), roles)
        programme = create_programme(db, name="Bench programme", goal="", starts_on=date(2026, 1, 1),
                                     ends_on=date(2026, 12, 31))
        theme_ids = db.scalars(insert(Theme).returning(Theme.id), [
            {"tenant_id": tenant_id, "programme_id": programme.id, "title": f"Theme {n:02d}"}
            for n in range(50)]).all()
        team_ids = db.scalars(insert(Team).returning(Team.id), [
            {"tenant_id": tenant_id, "theme_id": theme_ids[n % 50], "name": f"Team {n:03d}", "goal": ""}
            for n in range(args.teams)]).all()
        in_teams = rng.sample(member_ids, min(len(member_ids), 16 * args.teams))
        db.execute(insert(TeamMember), [{"tenant_id": tenant_id, "team_id": team_ids[n // 16], "membership_id": mid,
                                         "is_lead": n % 16 == 0} for n, mid in enumerate(in_teams)])
        db.commit()
        return {"tenant_id": tenant_id}


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
    with psycopg.connect(app_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
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
