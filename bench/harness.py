"""What every page benchmark shares: a throwaway PostgreSQL (as the tests start it: the app connects as a
role that row-level security binds, the owner migrates), the app on it, fresh statistics after a bulk load,
the side-by-side timing loop, and its figures. Each bench builds its own tenant: what it measures decides
what the tenant holds."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.services import PostgresServer  # noqa: E402

PASSWORD = "bench-password-1"


@contextmanager
def throwaway_postgres(database: str = "koers_bench"):
    """(app URL, owner URL) of a fresh PostgreSQL that is gone, folder and all, when the block ends."""
    base = Path(tempfile.mkdtemp(prefix="koers-bench-"))
    base.chmod(0o711)  # the postgres service user must reach its folder inside
    postgres = PostgresServer(base / "pg").start()
    try:
        postgres.create_database(database)
        yield postgres.url(database), postgres.url(database, "koers_owner")
    finally:
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)


def migrated_app(app_url: str, owner_url: str, **settings):
    """The app on a migrated database, with the tests' client (it logs in through the login form)."""
    from saas import create_app
    from saas.kernel import migrate
    from saas.kernel.config import Settings
    from tests.helpers import KoersClient

    configured = Settings(database_url=app_url, migration_database_url=owner_url, secret_key="bench", **settings)
    migrate.upgrade(configured)
    app = create_app(configured)
    app.test_client_class = KoersClient
    return app


def plain_url(url: str) -> str:
    """SQLAlchemy's URL as psycopg takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def vacuum_analyse(owner_url: str) -> None:
    """Fresh statistics and visibility maps, as autovacuum would have them long before a page is read."""
    import psycopg

    with psycopg.connect(plain_url(owner_url), autocommit=True) as owner:
        owner.execute("VACUUM ANALYZE")


def floor_connection(app_url: str, tenant_id: int):
    """One psycopg connection as the app's role, in the tenant's scope: where a page's floor runs."""
    import psycopg

    conn = psycopg.connect(plain_url(app_url), autocommit=True)
    conn.execute("SELECT set_config('app.tenant_id', %s, false), set_config('app.scope_sig', %s, false)",
                 (str(tenant_id), scope_signature_for(tenant_id)))
    return conn


def scope_signature_for(tenant_id: int) -> str:
    """The tenant's signature beside `app.tenant_id`, with the key of the benches' settings (migration 0038)."""
    from saas.kernel.config import Settings
    from saas.kernel.db import scope_signature

    return scope_signature(Settings(secret_key="bench").scope_signing_key, "tenant", tenant_id)


def get(client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}")
    response.get_data()


def interleaved(sides: dict, repeat: int) -> dict:
    """Milliseconds per call of each side, after one warm-up each (imports, templates, statement caches),
    taken in turns so that the machine's other load falls on every side alike."""
    for side in sides.values():
        side()
    times = {name: [] for name in sides}
    for _ in range(repeat):
        for name, side in sides.items():
            started = time.perf_counter()
            side()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def load_average() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def profile(client, urls: dict, lines: int = 40) -> None:
    """Where one request of each URL spends its time (after one to warm up)."""
    import cProfile
    import pstats

    for label, url in urls.items():
        get(client, url)
        profiler = cProfile.Profile()
        profiler.runcall(get, client, url)
        print(f"== {label}")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(lines)


def verified_user(email: str, name: str, password_hash: str):
    """An account whose address is confirmed, as everyone's is after the sign-up link (issue 18)."""
    from saas.auth.models import User
    from saas.kernel.db import utcnow

    return User(email=email, name=name, password_hash=password_hash, email_verified_at=utcnow())
