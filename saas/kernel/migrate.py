"""Running Alembic from our own settings (used by `koers db` and the tests)."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from saas.kernel.config import INSTANCE, ROOT, Settings


def alembic_config(settings: Settings) -> Config:
    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    url = settings.migration_database_url or settings.database_url
    if url.startswith("sqlite"):
        INSTANCE.mkdir(exist_ok=True)
    config.attributes["url"] = url
    config.attributes["scope_key"] = settings.scope_signing_key  # stored for the database's checks (0038)
    if settings.migration_database_url and settings.migration_database_url != settings.database_url:
        config.attributes["app_role"] = make_url(settings.database_url).username
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings), revision)


def current(settings: Settings) -> None:
    command.current(alembic_config(settings), verbose=False)
