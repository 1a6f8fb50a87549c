"""Row-level security binds the app role's credentials too (issue 19, point 6; tenants/rls.py, migration 0033).

Whoever holds the app role's password (a leak) or runs SQL through it (an injection) reads one tenant only:
switching on `app.all_tenants` no longer opens every tenant; TRUNCATE, ALTER and DROP are refused. The work
across tenants connects as the platform role, which the app role cannot become. Production refuses to start
on roles that row-level security would not bind.
"""
import logging

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from saas.kernel.config import ConfigError, Settings
from saas.kernel.db import PLATFORM_ROLE, Database, UnsafeDatabaseRole, scope_signature, utcnow
from saas.kernel.job_models import JobRun
from saas.models import metadata
from tenants.rls import tenant_owned_tables
from tenants.scoping import cross_tenant
from tests.conftest import SQLITE, sign_in_scope

pytestmark = pytest.mark.skipif(SQLITE, reason="database roles exist on PostgreSQL only")


@pytest.fixture
def alpha_and_beta(make):
    return make.tenant("alpha"), make.tenant("beta")


def test_the_app_role_reads_no_other_tenant_even_with_all_tenants_switched_on(database, alpha_and_beta):
    alpha, beta = alpha_and_beta
    with database.engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', false)"))  # for the whole connection
        assert conn.execute(text("SELECT count(*) FROM legacy_organisations")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM memberships")).scalar() == 0
        sign_in_scope(conn, beta.id)
        assert set(conn.execute(text("SELECT tenant_id FROM legacy_organisations")).scalars()) == {beta.id}
        with pytest.raises(DBAPIError, match="row-level security"):
            conn.execute(text("INSERT INTO legacy_organisations (tenant_id, code, name, created_at) "
                              "VALUES (:t, 'X', 'Sneaky', now())"), {"t": alpha.id})
        conn.rollback()
        # nor by changing what it may see: a row's tenant cannot be moved out of reach
        sign_in_scope(conn, beta.id)
        with pytest.raises(DBAPIError, match="row-level security"):
            conn.execute(text("UPDATE legacy_organisations SET tenant_id = :a"), {"a": alpha.id})
        conn.rollback()
    with database.platform_engine.connect() as conn:  # nothing changed
        assert conn.execute(text("SELECT count(*) FROM legacy_organisations WHERE tenant_id = :a"),
                            {"a": alpha.id}).scalar() == 3


def _scope(conn, tenant_id, signature, *, local=True, user_id="", user_signature=""):
    """The scope's settings as anyone with the app role's password can set them."""
    conn.execute(text("SELECT set_config('app.tenant_id', :t, :l), set_config('app.scope_sig', :s, :l), "
                      "set_config('app.user_id', :u, :l), set_config('app.user_sig', :us, :l)"),
                 {"t": str(tenant_id), "s": signature, "u": str(user_id), "us": user_signature, "l": local})


def _seen(conn) -> dict:
    return {"organisations": conn.execute(text("SELECT count(*) FROM legacy_organisations")).scalar(),
            "memberships": conn.execute(text("SELECT count(*) FROM memberships")).scalar()}


def test_the_app_role_reads_a_tenant_only_as_koers_signed_it(database, make, alpha_and_beta):
    """Naming a tenant is not enough (migration 0038): without the signature made with the app's key the
    database takes no tenant, and a signature of another tenant or of another key opens nothing."""
    alpha, beta = alpha_and_beta
    key = database.scope_key
    forged = Settings(secret_key="a guess").scope_signing_key
    nothing = {"organisations": 0, "memberships": 0}
    with database.engine.connect() as conn:
        for local in (True, False):  # for the transaction or for the whole connection
            for signature in ("", scope_signature(key, "tenant", beta.id), scope_signature(forged, "tenant", alpha.id),
                              scope_signature(key, "user", alpha.id), scope_signature(key, "tenant", alpha.id).upper(),
                              scope_signature(key, "tenant", alpha.id)[:-1]):
                _scope(conn, alpha.id, signature, local=local)
                assert _seen(conn) == nothing, signature
                conn.rollback()
        _scope(conn, f"{alpha.id} ", scope_signature(key, "tenant", alpha.id))  # the text signed is the text set
        assert _seen(conn) == nothing
        conn.rollback()
        with pytest.raises(DBAPIError, match="row-level security"):  # nor write into it
            _scope(conn, alpha.id, scope_signature(key, "tenant", beta.id))
            conn.execute(text("INSERT INTO legacy_organisations (tenant_id, code, name, created_at) "
                              "VALUES (:t, 'X', 'Sneaky', now())"), {"t": alpha.id})
        conn.rollback()
        _scope(conn, alpha.id, scope_signature(key, "tenant", alpha.id))  # as Koers sets it
        assert _seen(conn) == {"organisations": 3, "memberships": 1}
        conn.rollback()

        # the memberships of one's own account, across tenants (the tenant switcher): by the signed user only
        with make.session() as db:
            from saas.auth.service import find_user

            admin_id = find_user(db, alpha.admin_email).id
        make.member(beta, alpha.admin_email)
        _scope(conn, "", "", user_id=admin_id)
        assert _seen(conn) == nothing
        conn.rollback()
        _scope(conn, "", "", user_id=admin_id, user_signature=scope_signature(key, "tenant", admin_id))
        assert _seen(conn) == nothing
        conn.rollback()
        _scope(conn, "", "", user_id=admin_id, user_signature=scope_signature(key, "user", admin_id))
        assert _seen(conn) == {"organisations": 0, "memberships": 2}


def test_the_app_role_can_neither_read_the_key_nor_change_how_it_is_checked(database, alpha_and_beta):
    for engine in (database.engine, database.platform_engine):
        with engine.connect() as conn:
            assert conn.execute(text("SELECT has_schema_privilege('koers_private', 'USAGE')")).scalar() is False
            for statement in ("SELECT key FROM koers_private.scope_key",
                              "SELECT pg_read_binary_file('base')",
                              "CREATE OR REPLACE FUNCTION koers_scope_tenant() RETURNS integer LANGUAGE sql "
                              "AS 'SELECT 1'",
                              "ALTER FUNCTION koers_scope_tenant() SECURITY INVOKER",
                              "DROP FUNCTION koers_scope_tenant()",
                              "CREATE FUNCTION koers_private.mine() RETURNS bytea LANGUAGE sql AS 'SELECT key "
                              "FROM koers_private.scope_key'",
                              "ALTER POLICY tenant_isolation ON legacy_organisations USING (true)"):
                with pytest.raises(DBAPIError, match="permission denied|must be owner"):
                    conn.execute(text(statement))
                conn.rollback()
            # what the functions of the owner that run with its rights give back: an id or nothing, never the key
            definers = set(conn.execute(text(
                "SELECT p.proname FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner "
                "WHERE p.prosecdef AND NOT r.rolsuper")).scalars())
            assert {"koers_scope_tenant", "koers_scope_user"} <= definers
            for name in definers:
                returns = conn.execute(text("SELECT pg_get_function_result(oid) FROM pg_proc WHERE proname = :n"),
                                       {"n": name}).scalar()
                assert returns in ("integer", "trigger"), (name, returns)
            key = database.scope_key.hex()
            assert not [s for s in conn.execute(text("SELECT prosrc FROM pg_proc")).scalars() if key in s]


def test_another_sessions_signature_does_not_show_in_what_the_app_role_can_read(database, alpha_and_beta):
    """The signature goes as a bound parameter: the statement text other connections of the role can see
    (pg_stat_activity) holds none, so an injection in one tenant's request cannot collect another tenant's."""
    from tenants.scoping import set_scope

    alpha, _beta = alpha_and_beta
    signature = scope_signature(database.scope_key, "tenant", alpha.id)
    with database.Session() as db:
        db.connection()
        set_scope(db, tenant_id=alpha.id)  # in the open transaction: the last statement of that connection
        with database.engine.connect() as conn:
            seen = list(conn.execute(text("SELECT coalesce(query, '') FROM pg_stat_activity")).scalars())
            assert any("app.scope_sig" in q for q in seen), seen
            assert not any(signature in q for q in seen)
        db.rollback()


def test_a_tenants_page_signs_its_scope_in_the_one_lookup_once_the_slug_is_known(database, alpha_and_beta):
    """enter_tenant sets the scope with the tenant's lookup, so the signature must go before the id is read:
    for the id this process knew for the slug. First visit, or a slug that is another tenant's now (a tenant
    deleted at its contract's end and the slug taken again): one statement more, and the right tenant's rows."""
    from sqlalchemy import event

    from tenants import scoping

    alpha, beta = alpha_and_beta
    statements = []

    def record(*_args):
        statements.append(1)

    def visit(slug):
        statements.clear()
        with database.Session() as db:
            event.listen(database.engine, "before_cursor_execute", record)
            try:
                tenant = scoping.enter_tenant(db, slug)
            finally:
                event.remove(database.engine, "before_cursor_execute", record)
            seen = set(db.execute(text("SELECT tenant_id FROM legacy_organisations")).scalars())  # raw SQL: RLS only
            return tenant.id, len(statements), seen

    scoping._tenant_ids.pop("alpha", None)
    assert visit("alpha") == (alpha.id, 2, {alpha.id})  # the lookup, then the signed scope
    assert visit("alpha") == (alpha.id, 1, {alpha.id})  # the lookup sets the signed scope itself
    scoping._tenant_ids["alpha"] = beta.id  # what this process knew is another tenant's id now
    assert visit("alpha") == (alpha.id, 2, {alpha.id})
    assert visit("alpha") == (alpha.id, 1, {alpha.id})


def test_the_signed_scope_is_checked_once_a_statement_not_once_a_row(database, alpha_and_beta):
    """The policies ask `(SELECT koers_scope_tenant())`: an InitPlan, evaluated once per statement."""
    alpha, _beta = alpha_and_beta
    with database.engine.connect() as conn:
        sign_in_scope(conn, alpha.id)
        plan = "\n".join(conn.execute(text("EXPLAIN (VERBOSE) SELECT * FROM legacy_organisations")).scalars())
        assert "InitPlan" in plan and "koers_scope_tenant" in plan, plan


def test_the_app_role_may_not_truncate_alter_or_drop_and_cannot_become_the_platform_role(database, alpha_and_beta):
    tables = sorted(metadata.tables)
    with database.engine.connect() as conn:
        truncatable = [t for t in tables if conn.execute(
            text("SELECT has_table_privilege(current_user, :t, 'TRUNCATE')"), {"t": t}).scalar()]
        assert truncatable == [], "the app role may TRUNCATE these tables"
        for statement in ("TRUNCATE legacy_organisations", "TRUNCATE job_runs CASCADE",
                          "ALTER TABLE legacy_organisations DISABLE ROW LEVEL SECURITY",
                          "ALTER TABLE legacy_organisations NO FORCE ROW LEVEL SECURITY",
                          "DROP POLICY tenant_isolation ON legacy_organisations",
                          "CREATE POLICY mine ON legacy_organisations USING (true)",
                          "DROP TABLE legacy_organisations",
                          "CREATE TABLE stolen (x int)",
                          f"SET ROLE {PLATFORM_ROLE}",
                          "SET ROLE koers_owner",
                          "SET row_security = off; SELECT count(*) FROM legacy_organisations"):
            with pytest.raises(DBAPIError, match="permission denied|must be owner|query would be affected"):
                conn.execute(text(statement))
            conn.rollback()
        assert conn.execute(text("SELECT count(*) FROM legacy_organisations")).scalar() == 0
    with database.platform_engine.connect() as conn:  # the platform role truncates nothing either
        assert [t for t in tables if conn.execute(
            text("SELECT has_table_privilege(current_user, :t, 'TRUNCATE')"), {"t": t}).scalar()] == []


def test_the_platform_role_sees_every_tenant_and_the_owner_only_when_it_asks(database, owner_engine, alpha_and_beta):
    with database.platform_engine.connect() as conn:
        assert conn.execute(text("SELECT count(DISTINCT tenant_id) FROM legacy_organisations")).scalar() == 2
    with owner_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM legacy_organisations")).scalar() == 0
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        assert conn.execute(text("SELECT count(DISTINCT tenant_id) FROM legacy_organisations")).scalar() == 2
    with database.engine.connect() as conn:
        policies = set(conn.execute(text("SELECT tablename || ':' || policyname FROM pg_policies")).scalars())
    for table in tenant_owned_tables(metadata):
        assert {f"{table}:tenant_isolation", f"{table}:platform_all", f"{table}:owner_all_tenants"} <= policies


def test_a_tenants_request_enqueues_platform_jobs_but_reads_only_its_own_runs(app, make, database, alpha_and_beta):
    """The records of platform jobs (mail delivery) belong to no tenant: the app role adds them for a tenant's
    mails, and the platform role (which runs those jobs) reads and marks them; the app role reads its own
    tenant's runs only."""
    from saas.kernel.jobs import enqueue_after_commit
    from saas.kernel.outbox import OutboundMail

    alpha, beta = alpha_and_beta
    with make.session(alpha.id) as db:
        mail = OutboundMail(recipient="x@example.org", subject="Hello", body="b")
        db.add(mail)
        db.flush()
        platform_run = enqueue_after_commit(db, "saas.kernel.mail_jobs.send_mail", mail.id)
        db.add(JobRun(id="a" * 32, tenant_id=alpha.id, function="tests.jobs_for_tests.count_slowly", args=[alpha.id],
                      args_key="x", queue="default", status="failed", progress=0, attempts=1, created_at=utcnow()))
    with database.engine.connect() as conn:
        sign_in_scope(conn, beta.id)
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        assert list(conn.execute(text("SELECT id FROM job_runs")).scalars()) == []
        sign_in_scope(conn, alpha.id)
        assert list(conn.execute(text("SELECT id FROM job_runs")).scalars()) == ["a" * 32]
        assert conn.execute(text("UPDATE job_runs SET status = 'failed' WHERE tenant_id IS NULL")).rowcount == 0
    with make.session(platform=True) as db, cross_tenant(db):
        assert {r.id for r in db.scalars(select(JobRun))} == {platform_run, "a" * 32}


def test_production_refuses_to_start_on_a_superuser_an_owner_or_without_the_platform_role(stack, caplog):
    from saas import create_app

    superuser = f"postgresql+psycopg://postgres@127.0.0.1:{stack.postgres.port}/koers_test"
    cases = [(superuser, stack.platform_url, "is a superuser"),
             (stack.owner_url, stack.platform_url, "owns"),
             (stack.app_url, stack.app_url, "KOERS_PLATFORM_DATABASE_URL is not set"),
             (stack.app_url, stack.owner_url, f"is not a member of {PLATFORM_ROLE}")]
    for app_url, platform_url, problem in cases:
        settings = Settings(env="production", secret_key="test-secret-key", database_url=app_url,
                            platform_database_url=platform_url)
        database = Database(app_url, platform_url=platform_url, scope_key=settings.scope_signing_key)
        try:
            with caplog.at_level(logging.CRITICAL), pytest.raises(UnsafeDatabaseRole, match=problem):
                create_app(settings, database=database)
        finally:
            database.dispose()
        assert "refuses to start in production" in caplog.text and problem in caplog.text
        caplog.clear()
    for settings, refused in ((Settings(env="production", secret_key="another-secret", database_url=stack.app_url,
                                        platform_database_url=stack.platform_url), True),
                              (Settings(env="production", secret_key="test-secret-key", database_url=stack.app_url,
                                        platform_database_url=stack.platform_url), False)):  # as it should be
        database = Database(stack.app_url, platform_url=stack.platform_url, scope_key=settings.scope_signing_key)
        try:
            if refused:  # the database checks the scope with the key of the last `koers db upgrade`
                with caplog.at_level(logging.CRITICAL), pytest.raises(UnsafeDatabaseRole, match="another key"):
                    create_app(settings, database=database)
            else:
                create_app(settings, database=database)
        finally:
            database.dispose()


def test_production_on_postgresql_needs_the_platform_url(stack, monkeypatch):
    monkeypatch.setenv("KOERS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("DATABASE_URL", stack.app_url)
    monkeypatch.delenv("KOERS_PLATFORM_DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="KOERS_PLATFORM_DATABASE_URL"):
        Settings.from_env()
    monkeypatch.setenv("KOERS_PLATFORM_DATABASE_URL", stack.platform_url)
    assert Settings.from_env().platform_database_url == stack.platform_url


def test_the_app_roles_own_role_is_checked_in_the_database_not_trusted(database):
    """The roles the suite connects as are those of production: the platform role is no superuser either."""
    for engine in (database.engine, database.platform_engine):
        with engine.connect() as conn:
            assert conn.execute(text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
                                ).scalar() is False
    with pytest.raises(ProgrammingError):
        with database.engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM alembic_version"))
