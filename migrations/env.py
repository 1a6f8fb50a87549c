"""Alembic environment: our metadata, our URL, and grants for the application's database role."""
from alembic import context
from sqlalchemy import text

from saas.kernel.db import make_engine
from saas.models import metadata

config = context.config


def run_migrations_online() -> None:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    app_role = config.attributes.get("app_role")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
            if app_role and connection.dialect.name == "postgresql":
                _grant(connection, app_role)
    engine.dispose()


def _grant(connection, role: str) -> None:
    # The app connects as a role that owns nothing and is no superuser, so RLS binds it.
    quoted = connection.dialect.identifier_preparer.quote(role)
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
    connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"))
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
    connection.execute(text(f"REVOKE ALL ON alembic_version FROM {quoted}"))


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `koers db upgrade` against a database")
run_migrations_online()
