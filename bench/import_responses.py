"""`koers import-responses` at 100,000 rows (issue 5, point 6: under a minute).

One run:
1. a throwaway PostgreSQL (as in the tests: the app connects as a role that RLS binds), migrated;
2. a tenant with legacy organisations AAL, BEE and CUR, a team and a closed wave (`koers
   create-user`, `create-tenant`, `create-wave --closed`), and a CSV file of 100,000 valid rows in
   the documented format;
3. side by side, each in a fresh process:
   (a) merely reading that file: Python's csv module parsing every row and turning the 48 culture
       cells into numbers — what any import of this file costs at the least;
   (b) the whole import, `koers import-responses`, from the file to the committed responses.

It prints both times, the ratio b/a and the target (b under 60 s), and checks that every row was
stored. (This used to be a timed test in the suite, which a busy CI machine made flaky; house rule
7 puts timing here.)

    .venv/bin/python bench/import_responses.py [--rows 100000]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.services import PostgresServer  # noqa: E402

PARSE_ONLY = """
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = 0
    for row in csv.DictReader(f):
        numbers = [int(v) for k, v in row.items() if k[:1] == "d" and k[1:2].isdigit()]
        values = [v.split(";") for k, v in row.items() if k.endswith("_values")]
        rows += 1
print(rows)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="koers-bench-"))
    base.chmod(0o711)  # the postgres service user must reach its folder inside
    postgres = PostgresServer(base / "pg").start()
    try:
        postgres.create_database("koers_bench")
        app_url, owner_url = postgres.url("koers_bench"), postgres.url("koers_bench", "koers_owner")
        env = {**os.environ, "DATABASE_URL": app_url, "MIGRATION_DATABASE_URL": owner_url, "SECRET_KEY": "bench",
               "KOERS_ENV": "development"}
        env.pop("REDIS_URL", None)
        koers = str(Path(sys.executable).with_name("koers"))

        def run(*command) -> str:
            return subprocess.run([koers, *command], env=env, cwd=ROOT, check=True, capture_output=True,
                                  text=True).stdout

        run("db", "upgrade")
        run("create-user", "admin@bench.example", "--password", "bench-password-1")
        run("create-tenant", "bench", "--name", "Bench", "--admin", "admin@bench.example",
            "--legacy-org", "AAL=Gemeente Aal", "--legacy-org", "BEE=Gemeente Bee", "--legacy-org", "CUR=Gemeente Cur")
        wave_id = run("create-wave", "--tenant", "bench", "--name", "Nulmeting 2024", "--closed").strip()
        path = base / "import.csv"
        _write_rows(path, args.rows)

        started = time.perf_counter()
        parsed = subprocess.run([sys.executable, "-c", PARSE_ONLY, str(path)], check=True, capture_output=True,
                                text=True).stdout.strip()
        parse_seconds = time.perf_counter() - started
        started = time.perf_counter()
        out = run("import-responses", "--tenant", "bench", "--wave", wave_id, str(path))
        import_seconds = time.perf_counter() - started
        stored = _count(owner_url)

        print(f"rows             {args.rows} (parsed by (a): {parsed}; stored by (b): {stored})")
        print(f"(a) reading      {parse_seconds:7.1f} s   (csv module, every cell converted)")
        print(f"(b) import       {import_seconds:7.1f} s   (koers import-responses, to the committed responses)"
              f"   target < 60 s: {'met' if import_seconds < 60 else 'NOT met'}")
        print(f"b/a              {import_seconds / parse_seconds:7.1f}")
        print(f"koers said       {out.strip().splitlines()[-1]}")
        if stored != args.rows or str(args.rows) not in out:
            raise SystemExit("not every row was stored")
    finally:
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)


def _write_rows(path: Path, rows: int) -> None:
    from saas.surveys.importer import COLUMNS

    culture = ",".join("40,30,20,10" if i % 2 == 0 else "25,25,25,25" for i in range(12))
    orgs = ("AAL", "BEE", "CUR")
    with path.open("w", encoding="utf-8") as f:
        f.write(",".join(COLUMNS) + "\n")
        for i in range(rows):
            f.write(f"{orgs[i % 3]},,trust;openness,cooperation,bureaucracy,trust;innovation,{culture}\n")


def _count(owner_url: str) -> int:
    import psycopg

    with psycopg.connect(owner_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("SELECT set_config('app.all_tenants', 'on', false)")  # the owner is bound by RLS too
        return conn.execute("SELECT count(*) FROM survey_responses").fetchone()[0]


if __name__ == "__main__":
    main()
