"""Alembic environment: our metadata, our URL, and grants for the application's database role."""
from alembic import context
from sqlalchemy import text

from saas.kernel.db import PLATFORM_ROLE, make_engine
from saas.models import metadata
from tenants.rls import SCOPE_KEY_TABLE

config = context.config


def run_migrations_online() -> None:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    app_role = config.attributes.get("app_role")
    scope_key = config.attributes.get("scope_key")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                _ensure_platform_role(connection)
            context.run_migrations()
            if connection.dialect.name == "postgresql":
                _grant(connection, PLATFORM_ROLE)
            if app_role and connection.dialect.name == "postgresql":
                _grant(connection, app_role)
            if scope_key and connection.dialect.name == "postgresql":
                _store_scope_key(connection, scope_key)
    engine.dispose()


def _ensure_platform_role(connection) -> None:
    """The group role of the platform policies (migration 0033) belongs to the cluster: made here when missing
    and the owner may create roles (a development database), else the administrator must make it first."""
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": PLATFORM_ROLE}).scalar()
    if exists:
        return
    may = connection.execute(text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")).scalar()
    if not may:
        raise SystemExit(f"the database role {PLATFORM_ROLE} does not exist and this role may not create it: "
                         f"as an administrator, run CREATE ROLE {PLATFORM_ROLE} NOLOGIN (README, Database roles)")
    connection.execute(text(f"CREATE ROLE {PLATFORM_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS"))


def _store_scope_key(connection, key: bytes) -> None:
    """The key the database checks the app's signed scope with (migration 0038, tenants/rls.py), as the owner,
    at every upgrade: a changed KOERS_SCOPE_KEY (or SECRET_KEY) takes effect with the next `koers db upgrade`;
    until then the database refuses the app's scopes (no rows) and production refuses to start."""
    if connection.execute(text("SELECT to_regclass(:t)"), {"t": SCOPE_KEY_TABLE}).scalar() is None:
        return  # below 0038
    connection.execute(text(f"INSERT INTO {SCOPE_KEY_TABLE} (one, key) VALUES (true, :key) "
                            "ON CONFLICT (one) DO UPDATE SET key = excluded.key"), {"key": key})


def _grant(connection, role: str) -> None:
    # The app connects as a role that owns nothing and is no superuser, so RLS binds it; the platform role's
    # group gets the same rights (its policies differ). Neither may TRUNCATE (it skips RLS and the triggers of
    # DELETE), nor make triggers or references; DDL needs ownership, which neither has.
    quoted = connection.dialect.identifier_preparer.quote(role)
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
    connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"))
    connection.execute(text(f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {quoted}"))
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
    connection.execute(text(f"REVOKE ALL ON alembic_version FROM {quoted}"))


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `koers db upgrade` against a database")
run_migrations_online()
