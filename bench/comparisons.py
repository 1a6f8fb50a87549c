"""The cross-culture comparison at 100,000 answers over 10 legacy organisations (issue 6, point 7).

One run:
1. a throwaway PostgreSQL (as in the tests: the app connects as a role that RLS binds), migrated —
   or the database of DATABASE_URL when it is set (migrated with MIGRATION_DATABASE_URL if given);
2. `koers synth --drivers` fills one wave with the answers (a tenant of its own, `bench-<random>`); the wave
   also asks the eNPS question, so its release computes the eNPS of every group and the drivers (relative
   weights of the values for the contract index and the eNPS, 1,000 bootstrap draws) of the whole wave and
   each legacy organisation (issue 21 point 4; `--no-drivers`: no eNPS, drivers of the contract index only);
3. in a fresh process, so that its peak memory is the comparison's own, side by side:
   (a) merely loading those answers from the database: every response's legacy organisation and
       answers, parsed, streamed in batches, one process (`service.load_answers`);
   (b) the release (with eNPS and drivers), the themes and the whole comparison with 1,000 bootstrap
       resamples and 1,000 permutations, from the database to the stored result, committed
       (`release_and_compare`, as the job runs it).

It prints both times, the ratio b/a and the peak memory (maximum resident set size of the measuring
process, and of the helper processes that read part of the answers in parallel), with the targets:
(b) at most 10 s, b/a at most 3, peak at most 1 GiB.

    .venv/bin/python bench/comparisons.py [--respondents 100000] [--legacy-orgs 10]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.services import PostgresServer  # noqa: E402
from saas.reports.release import release_and_compare

GIB = 1024 ** 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--legacy-orgs", type=int, default=10)
    parser.add_argument("--drivers", action=argparse.BooleanOptionalAction, default=True,
                        help="the wave asks eNPS (default), so the release has its figures and drivers")
    parser.add_argument("--measure", nargs=3, metavar=("URL", "SLUG", "WAVE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(*args.measure)
        return

    base = None
    postgres = None
    app_url = os.environ.get("DATABASE_URL", "")
    try:
        if app_url.startswith("postgresql"):
            owner_url = os.environ.get("MIGRATION_DATABASE_URL", app_url)
        else:
            base = Path(tempfile.mkdtemp(prefix="koers-bench-"))
            base.chmod(0o711)  # the postgres service user must reach its folder inside
            postgres = PostgresServer(base / "pg").start()
            postgres.create_database("koers_bench")
            app_url, owner_url = postgres.url("koers_bench"), postgres.url("koers_bench", "koers_owner")
        _migrate(app_url, owner_url)
        slug = f"bench-{secrets.token_hex(3)}"
        env = {**os.environ, "DATABASE_URL": app_url, "SECRET_KEY": "bench", "KOERS_ENV": "development"}
        env.pop("REDIS_URL", None)
        koers = str(Path(sys.executable).with_name("koers"))
        started = time.perf_counter()
        out = subprocess.run([koers, "synth", "--tenant", slug, "--respondents", str(args.respondents),
                              "--legacy-orgs", str(args.legacy_orgs), "--seed", "1",
                              *(["--drivers"] if args.drivers else [])],
                             env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout
        wave_id = out.split()[-1]
        print(f"filled           {args.respondents} answers over {args.legacy_orgs} legacy organisations in "
              f"{time.perf_counter() - started:.1f} s (koers synth, wave {wave_id})")
        measured = subprocess.run([sys.executable, __file__, "--measure", app_url, slug, wave_id], env=env, cwd=ROOT,
                                  check=True, stdout=subprocess.PIPE, text=True).stdout
        figures = json.loads(measured.strip().splitlines()[-1])
        _report(figures)
    finally:
        if postgres is not None:
            postgres.stop()
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)


def _migrate(app_url: str, owner_url: str) -> None:
    from saas.kernel import migrate
    from saas.kernel.config import Settings

    migrate.upgrade(Settings(database_url=app_url, migration_database_url=owner_url, secret_key="bench"))


def _measure(url: str, slug: str, wave_id: str) -> None:
    """Runs in a fresh process: (a) and (b), then prints one line of JSON."""
    from sqlalchemy import select

    import saas.models  # noqa: F401  (every model, for the mappers)
    import tenants.scoping  # noqa: F401  (the tenant scope of every session)
    from saas.anonymity import releases
    from saas.comparison import service
    from saas.reports import figures as fig
    from saas.reports import release
    from saas.surveys import answers as extract
    from saas.kernel.config import Settings
    from saas.kernel.db import Database
    from saas.surveys.models import Wave
    from tenants.models import Tenant
    from tenants.scoping import set_scope

    database = Database(url, scope_key=Settings(secret_key="bench").scope_signing_key)  # as _migrate stored it

    def scoped():
        session = database.Session()
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
        set_scope(session, tenant_id=tenant.id)
        return session, tenant, session.get(Wave, int(wave_id))

    db, _tenant, wave = scoped()  # warm up: connection, imports
    db.close()

    db, _tenant, wave = scoped()
    started = time.perf_counter()
    with extract.paused_gc():
        loaded = sum(len(batch) for batch in service.load_answers(db, wave))
    load_seconds = time.perf_counter() - started
    db.close()

    db, tenant, wave = scoped()
    started = time.perf_counter()
    outcome = release_and_compare(db, tenant, wave, params=service.parameters(1000, 1000, 0), force=True)
    db.commit()
    compare_seconds = time.perf_counter() - started
    result = outcome.comparison.result
    db.close()

    db, tenant, wave = scoped()  # (c): what eNPS and drivers add to the release, on the same answers
    data = release.load(db, wave)
    k = releases.latest_release(db, "wave", wave.id).k
    audits = release.audits_of(data, wave, k)
    started = time.perf_counter()
    release.release_drivers(data, audits, wave, k)
    for org in [None, *sorted(audits[None].orgs)]:
        if "enps" in audits:
            fig.enps(data, fig.mask_of(data, org), org)
    drivers_seconds = time.perf_counter() - started
    db.close()
    print(json.dumps({
        "answers": loaded, "load": load_seconds, "compare": compare_seconds, "drivers_seconds": drivers_seconds,
        "peak_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "peak_helpers": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
        "orgs": sum(not org["suppressed"] for org in result["orgs"]), "pairs": len(result["pairs"]),
        "drivers": _drivers_shown(scoped),
        "cores": os.cpu_count(),
    }))
    database.dispose()


def _drivers_shown(scoped) -> str:
    """What the release holds of eNPS and drivers: groups with an eNPS, and groups × outcomes with weights."""
    from saas.anonymity import releases

    db, _tenant, wave = scoped()
    release = releases.latest_release(db, "wave", wave.id)
    groups = releases.groups(db, release)
    with_enps = sum(1 for g in groups if "enps" in g.figures and not g.figures["enps"].get("hidden"))
    weighed = [item for g in groups for item in (g.figures.get("drivers") or {}).get("outcomes", ())
               if not item.get("hidden")]
    predictors = max((item["predictors"] for item in weighed), default=0)
    db.close()
    return (f"eNPS in {with_enps} groups; drivers for {len(weighed)} group-outcomes "
            f"(up to {predictors} predictors, 1,000 draws)")


def _report(f: dict) -> None:
    ratio = f["compare"] / f["load"] if f["load"] else float("inf")
    peak = f["peak_self"] + f["peak_helpers"]
    print(f"(a) load         {f['load']:6.2f} s   {f['answers']} answers read and parsed, one process")
    print(f"(b) comparison   {f['compare']:6.2f} s   database to stored result: {f['orgs']} legacy organisations, "
          f"{f['pairs']} pairs, 1,000 resamples and 1,000 permutations; {f['drivers']}   (target <= 10 s)  "
          f"{'ok' if f['compare'] <= 10 else 'MISSED'}")
    print(f"(c) of (b)       {f['drivers_seconds']:6.2f} s   eNPS and drivers alone (the release's part for them, same "
          f"answers): {100 * f['drivers_seconds'] / f['compare']:.0f} % of (b)")
    print(f"ratio b/a        {ratio:6.2f}     (target <= 3)  {'ok' if ratio <= 3 else 'MISSED'}")
    print(f"peak memory      {peak / 2**20:6.0f} MiB (measuring process {f['peak_self'] / 2**20:.0f} MiB + largest "
          f"helper {f['peak_helpers'] / 2**20:.0f} MiB; target <= 1024 MiB)  {'ok' if peak <= GIB else 'MISSED'}")
    print(f"machine          {f['cores']} cores, load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
