"""The suppression audit at the size of the largest tenants (issue 15, point 9).

One run:
1. a throwaway PostgreSQL (as in the tests) — or the database of DATABASE_URL when it is set — gets
   one (temporary) table of a synthetic wave: 60,000 answers of 20 legacy organisations × 800 teams, each with
   its legacy organisation, its team and which measures it answered. Teams draw mostly from one to
   three organisations (half from one only), so there are cells of every size, some small; 3 % of
   the answers name no team, 1 % no organisation; per measure (culture, values, contract and five
   own questions) some people skipped that part;
2. side by side, in this process:
   (a) merely loading the atoms of every measure from the database: the GROUP BY counts per
       (organisation, team) of the whole set and of each measure, as the report reads them;
   (b) the audit (saas.anonymity.audit) of every measure, with cells.

It prints both times, the ratio b/a, whether (b) holds the target of at most 2 s, and how many
groups the audit showed and hid (of the whole set, and summed over all measures).

    .venv/bin/python bench/suppression.py [--orgs 20] [--teams 800] [--answers 60000] [--k 5] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from saas.anonymity.audit import COMPLEMENTARY, FEWER_THAN_K, audit  # noqa: E402
from saas.anonymity.policy import SMALLEST_K  # noqa: E402
from tests.services import PostgresServer  # noqa: E402

TARGET = 2.0  # seconds for the audit of all measures
# measure -> share of the people who skipped it
MEASURES = {"culture": 0.04, "values": 0.08, "contract": 0.12,
            "q1": 0.15, "q2": 0.15, "q3": 0.2, "q4": 0.25, "q5": 0.3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orgs", type=int, default=20)
    parser.add_argument("--teams", type=int, default=800)
    parser.add_argument("--answers", type=int, default=60_000)
    parser.add_argument("--k", type=int, default=SMALLEST_K)
    parser.add_argument("--repeat", type=int, default=3, help="runs of (a) and (b); the best of each is kept")
    args = parser.parse_args()

    import psycopg

    base = postgres = None
    url = os.environ.get("DATABASE_URL", "")
    try:
        if not url.startswith("postgresql"):
            base = Path(tempfile.mkdtemp(prefix="koers-bench-"))
            base.chmod(0o711)  # the postgres service user must reach its folder inside
            postgres = PostgresServer(base / "pg").start()
            postgres.create_database("koers_bench")
            url = postgres.url("koers_bench", "koers_owner")
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            started = time.perf_counter()
            table = _fill(conn, *_wave(args.orgs, args.teams, args.answers))
            print(f"filled           {args.answers} answers over {args.orgs} legacy organisations × {args.teams} "
                  f"teams in {time.perf_counter() - started:.1f} s (table {table})")
            _load(conn, table)  # warm up: the table's pages in PostgreSQL's cache, the statements parsed
            audit({(0, 0): args.k}, args.k)
            loads, audits = [], []
            for _ in range(args.repeat):
                started = time.perf_counter()
                tables = _load(conn, table)
                loads.append(time.perf_counter() - started)
                started = time.perf_counter()
                shown = {measure: audit(atoms, args.k, cells=True) for measure, atoms in tables.items()}
                audits.append(time.perf_counter() - started)
        _report(min(loads), min(audits), tables, shown, args)
    finally:
        if postgres is not None:
            postgres.stop()
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)


def _wave(orgs: int, teams: int, answers: int, seed: int = 1):
    """(organisation, team, {measure: answered}) per answer; -1 for no organisation or no team."""
    rng = np.random.default_rng(seed)
    org_weight = rng.pareto(1.2, orgs) + 0.2  # a few large organisations, many small ones
    org_weight /= org_weight.sum()
    size = rng.lognormal(0, 0.9, teams)  # team sizes from a handful to a few hundred
    team = rng.choice(teams, size=answers, p=size / size.sum())
    first, second, third = (rng.choice(orgs, size=teams, p=org_weight) for _ in range(3))
    mix = rng.random(teams)
    share_first = np.where(mix < 0.5, 1.0, np.where(mix < 0.85, rng.uniform(0.6, 0.95, teams),
                                                    rng.uniform(0.4, 0.7, teams)))
    share_second = np.where(mix < 0.85, 1 - share_first, (1 - share_first) * 0.6)
    u = rng.random(answers)
    org = np.where(u < share_first[team], first[team],
                   np.where(u < share_first[team] + share_second[team], second[team], third[team]))
    team = np.where(rng.random(answers) < 0.03, -1, team)
    org = np.where(rng.random(answers) < 0.01, -1, org)
    return org, team, {measure: rng.random(answers) >= skip for measure, skip in MEASURES.items()}


def _fill(conn, org, team, answered) -> str:
    table = "bench_answers"  # temporary: any role may make one, and it goes with the connection
    columns = ", ".join(f"{measure} boolean NOT NULL" for measure in MEASURES)
    conn.execute(f"CREATE TEMPORARY TABLE {table} (id serial PRIMARY KEY, legacy_org_id integer, team_id integer, {columns})")
    rows = zip(*(np.where(org < 0, None, org + 1).tolist(), np.where(team < 0, None, team + 1).tolist(),
                 *(answered[measure].tolist() for measure in MEASURES)))
    with conn.cursor() as cursor:
        with cursor.copy(f"COPY {table} (legacy_org_id, team_id, {', '.join(MEASURES)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    conn.execute(f"ANALYZE {table}")
    return table


def _load(conn, table: str) -> dict:
    """{measure (None: the whole set): {(organisation or None, team or None): answers}}."""
    tables = {}
    for measure in (None, *MEASURES):
        where = f"WHERE {measure}" if measure else ""
        rows = conn.execute(f"SELECT legacy_org_id, team_id, count(*) FROM {table} {where} GROUP BY 1, 2").fetchall()
        tables[measure] = {(org, team): n for org, team, n in rows}
    return tables


def _report(load: float, audited: float, tables: dict, shown: dict, args) -> None:
    ratio = audited / load if load else float("inf")
    atoms = sum(len(atoms) for atoms in tables.values())
    print(f"(a) load atoms   {load:6.3f} s   GROUP BY counts of the whole set and {len(MEASURES)} measures "
          f"({atoms} atoms)")
    print(f"(b) audit        {audited:6.3f} s   all {len(tables)} measures, k = {args.k}, with cells   "
          f"(target <= {TARGET:g} s)  {'ok' if audited <= TARGET else 'MISSED'}")
    print(f"ratio b/a        {ratio:6.2f}     (best of {args.repeat} runs each)")
    for label, picked in (("whole set", [shown[None]]), ("all measures", list(shown.values()))):
        count = Counter()
        for s in picked:
            count["orgs"] += len(s.orgs)
            count["teams"] += len(s.teams)
            count["cells"] += len(s.cells)
            for (kind, _key), reason in s.hidden.items():
                count[(kind, reason)] += 1
        print(f"{label + ':':16} shown {count['orgs']} organisations, {count['teams']} teams, {count['cells']} cells; "
              f"hidden with fewer than k {count[('org', FEWER_THAN_K)]} / {count[('team', FEWER_THAN_K)]} / "
              f"{count[('cell', FEWER_THAN_K)]}, as complementary {count[('org', COMPLEMENTARY)]} / "
              f"{count[('team', COMPLEMENTARY)]} / {count[('cell', COMPLEMENTARY)]} (organisations / teams / cells)")
    print(f"machine          {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
