"""Test fixtures: real PostgreSQL, Redis and an RQ worker, started once per test session.

`KOERS_TEST_DB=sqlite` runs the tests marked `smoke` on SQLite, the embedded default, instead.
Every test starts from empty tables (emptied before it runs), so tests, the worker process and
the browser all see the same committed data, exactly as in production.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from saas.kernel.config import Settings
from saas.kernel.db import Database, make_engine, scope_signature
from saas.models import metadata
from tests.services import PostgresServer, RedisServer, WorkerProcess

SQLITE = os.environ.get("KOERS_TEST_DB") == "sqlite"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# Under pytest-xdist each process has its own stack; its log files get the process's name.
LOG_SUFFIX = f"-{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else ""


# Property tests judge answers, not speed: on two shared cores a draw can stall for a second behind another
# process, and Hypothesis's timing checks (the per-example deadline, "input generation is slow") then fail a
# correct test. Explicit @settings on a test still override the rest of this profile.
hypothesis_settings.register_profile("koers", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("koers")

_STARTED = time.monotonic()


def pytest_addoption(parser):
    parser.addoption("--record-slowest", metavar="PATH", default=None,
                     help="write the slowest tests and files (setup + call + teardown) to PATH")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """`make test` keeps the slowest tests and test files in test-artifacts/ (see --record-slowest)."""
    path = config.getoption("--record-slowest")
    if not path or hasattr(config, "workerinput"):  # under pytest-xdist the controller writes it
        return
    per_test: dict[str, float] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) and getattr(report, "duration", None) is not None:
                per_test[report.nodeid] = per_test.get(report.nodeid, 0.0) + report.duration
    per_file: dict[str, float] = {}
    for nodeid, seconds in per_test.items():
        per_file[nodeid.split("::")[0]] = per_file.get(nodeid.split("::")[0], 0.0) + seconds
    lines = [f"exit status {int(exitstatus)}; {len(per_test)} tests; wall time {time.monotonic() - _STARTED:.0f} s"
             + f"; {sum(per_test.values()):.0f} s in tests (summed over processes)", "",
             "slowest test files (s):"]
    lines += [f"{seconds:8.1f}  {name}" for name, seconds in sorted(per_file.items(), key=lambda i: -i[1])[:25]]
    lines += ["", "slowest tests (s, setup + call + teardown):"]
    lines += [f"{seconds:8.1f}  {name}" for name, seconds in sorted(per_test.items(), key=lambda i: -i[1])[:40]]
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n")


def pytest_collection_modifyitems(config, items):
    if SQLITE:
        keep = [item for item in items if item.get_closest_marker("smoke")]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


class Stack:
    """What the session started: database URLs, and Redis when on PostgreSQL.

    On PostgreSQL the suite connects exactly as production does (README, Database roles): `app_url` as the
    app role (bound to one tenant by row-level security), `platform_url` as the platform role (the work across
    tenants: `Database.PlatformSession`), `owner_url` as the tables' owner (migrations, emptying, inspecting).
    On SQLite all three are the same file."""

    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="koers-test-"))
        self.base.chmod(0o711)  # the postgres service user must reach its folder inside
        self.postgres: PostgresServer | None = None
        self.redis: RedisServer | None = None
        self.app_url = self.owner_url = self.platform_url = self.cleanup_url = ""

    def start(self) -> "Stack":
        if SQLITE:
            self.app_url = self.owner_url = self.platform_url = f"sqlite:///{self.base / 'koers.sqlite3'}"
            self.cleanup_url = self.app_url
            return self
        self.postgres = PostgresServer(self.base / "pg").start()
        self.postgres.create_database("koers_test")
        self.app_url = self.postgres.url("koers_test")
        self.owner_url = self.postgres.url("koers_test", role="koers_owner")
        self.platform_url = self.postgres.url("koers_test", role="koers_platform")
        # The server's superuser, for the clean-up between tests only (see _empty).
        self.cleanup_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.postgres.port}/koers_test"
        self.redis = RedisServer(self.base / "redis").start()
        return self

    def stop(self) -> None:
        if self.redis:
            self.redis.stop()
        if self.postgres:
            self.postgres.stop()
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def stack():
    started = Stack().start()
    # Anything that builds an app from the environment (a job run outside an app context, a
    # subprocess) must land on the test database, never on a developer's instance/ database.
    os.environ.update(DATABASE_URL=started.app_url, KOERS_PLATFORM_DATABASE_URL=started.platform_url,
                      SECRET_KEY="test-secret-key", KOERS_ENV="test")
    try:
        from saas.kernel import migrate

        migrate.upgrade(Settings(database_url=started.app_url, migration_database_url=started.owner_url,
                                 platform_database_url=started.platform_url, secret_key="test-secret-key"))
        # A job run outside an app context (a test committing outside a request) runs in an app built
        # from that environment: the test session hands it over as `koers worker` hands its own.
        from saas import create_app
        from saas.kernel.job_runtime import use_app

        use_app(create_app())
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def database(stack):
    db = Database(stack.app_url, platform_url=stack.platform_url, scope_key=settings_for(stack).scope_signing_key)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def owner_engine(stack):
    """Connects as the schema owner: only for cleaning up between tests and for inspecting."""
    engine = make_engine(stack.owner_url)
    yield engine
    engine.dispose()


APPEND_ONLY = {"report_access_log", "audit_trail"}  # a trigger refuses DELETE while the row's wave/tenant exists
# The audit trails refuse TRUNCATE by trigger; on SQLite the platform's trail cannot be emptied: it only grows,
# and stays one intact chain.
NO_TRUNCATE = ("audit_trail", "platform_audit_trail")
TABLES = [t.name for t in reversed(metadata.sorted_tables)]  # children first
# One statement that names the tables holding any row: a test fills a handful of the 85.
_FILLED = text(" UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in TABLES))


@pytest.fixture(scope="session")
def cleanup_engine(stack):
    engine = make_engine(stack.cleanup_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _empty_tables(request):
    if "stack" not in request.fixturenames and not _uses_database(request):
        yield
        return
    engine = request.getfixturevalue("cleanup_engine")
    for attempt in range(5):
        try:
            _empty(engine)
            break
        except OperationalError as error:  # the session worker's sweeper held a row the clean-up wanted
            if "deadlock detected" not in str(error) or attempt == 4:
                raise
            time.sleep(0.2)
    yield


def _empty(engine) -> None:
    """Delete every row. On PostgreSQL as the server's superuser with triggers off (`session_replication_role`:
    no foreign-key checks, no append-only refusals), and only in the tables that hold rows: a few times cheaper
    than TRUNCATE of all 85 tables, which replaces each table's files, and the suite does this before every test."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for (table,) in conn.execute(_FILLED).all():
                conn.execute(text(f"DELETE FROM {table}"))
        else:
            for table in TABLES:
                if table not in APPEND_ONLY and table not in NO_TRUNCATE:  # rows go with their wave or tenant
                    conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(scope="session")
def snapshots(cleanup_engine):
    from tests.snapshots import Snapshots

    return Snapshots(cleanup_engine, TABLES)


@pytest.fixture
def seed_demo(app, database, snapshots):
    """Call it to seed the demo (saas/demo.py), exactly as `seed(only_if_empty=False)` would for today: seeded
    once per test process and copied, then restored from the copy (tests/snapshots.py), 8-15 s saved each."""
    return lambda: snapshots.seed_demo(app, database)


@pytest.fixture
def built_once(app, snapshots):
    """For a fixture that many tests start from: `built_once(build)` runs `build()` (rows made through the app's
    services; it returns plain data such as ids) the first time in a test process, and restores the rows it
    made, with a copy of what it returned, after that (tests/snapshots.py). A build is known by its function's
    module and qualified name (`series.<locals>.<lambda>`): one build per fixture."""
    return lambda build: snapshots.built_once(f"{build.__module__}.{build.__qualname__}", app, build)


def _uses_database(request) -> bool:
    return any(name in request.fixturenames for name in ("database", "app", "client", "make", "live_server"))


def sign_in_scope(conn, tenant_id, *, local: bool = True) -> None:
    """For a test's raw SQL as the app role: the tenant as tenants.scoping sets it, signed with the tests' key
    (row-level security takes no unsigned tenant; migration 0038)."""
    key = Settings(secret_key="test-secret-key").scope_signing_key
    conn.execute(text("SELECT set_config('app.tenant_id', :t, :local), set_config('app.scope_sig', :s, :local)"),
                 {"t": str(tenant_id), "s": scope_signature(key, "tenant", tenant_id), "local": local})


def settings_for(stack, **overrides) -> Settings:
    values = dict(env="test", secret_key="test-secret-key", database_url=stack.app_url,
                  platform_database_url=stack.platform_url, redis_url="", base_url="http://localhost", dev_outbox=True)
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(stack):
    return settings_for(stack)


@pytest.fixture
def app(settings, database):
    from saas import create_app
    from saas.kernel.extensions import limiter

    from tests.helpers import KoersClient

    application = create_app(settings, database=database, testing=True)
    application.test_client_class = KoersClient
    limiter.reset()
    return application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app, database):
    from tests.helpers import Factory

    return Factory(app, database)


@pytest.fixture(scope="session")
def worker(stack):
    """A real `koers worker` process on the session's Redis and PostgreSQL."""
    if stack.redis is None:
        pytest.fail("the worker needs Redis; it runs in the PostgreSQL suite")
    from tests.fake_sms import shared_fake

    ARTIFACTS.mkdir(exist_ok=True)
    process = WorkerProcess(
        {"DATABASE_URL": stack.app_url, "KOERS_PLATFORM_DATABASE_URL": stack.platform_url,
         "REDIS_URL": stack.redis.url, "SECRET_KEY": "test-secret-key",
         "KOERS_ENV": "test", "BASE_URL": "http://localhost",
         **shared_fake().environment()},  # SMS goes to the fake provider on loopback (tests/test_sms.py)
        ARTIFACTS / f"worker{LOG_SUFFIX}.log",
    ).start()
    yield process
    process.stop()


@pytest.fixture
def fake_stripe():
    """A fake Stripe API on loopback (tests/fake_stripe.py), emptied for each test. Billing stays off
    unless a test builds its app from `fake_stripe.settings()`."""
    from tests.fake_stripe import shared_fake

    fake = shared_fake()
    fake.up()
    fake.reset()
    yield fake
    fake.up()


@pytest.fixture
def fake_sms():
    """A fake SMS provider on loopback (tests/fake_sms.py), emptied for each test; the session's worker sends to
    it. SMS stays off unless a test builds its app from `fake_sms.settings()`."""
    from tests.fake_sms import shared_fake

    fake = shared_fake()
    fake.up()
    fake.reset()
    yield fake
    fake.up()
