"""Engine, session and declarative base.

One session per request (see `session()`), one per job (see `saas.kernel.job_runtime`); sessions are never shared
across tenants. The tenant scope that every session carries is installed by `tenants.scoping`.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy import MetaData, String, event, create_engine, exc, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from saas.kernel.listing import fold
from saas.kernel.errors import DomainError
# Stable constraint names, so Alembic can drop what it created on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class KoersSession(Session):
    """Our session class: the tenant-scoping events are attached to it (tenants.scoping)."""


class TooLong(DomainError):
    """A text longer than its column: refused with the limit, never cut and never a database error."""


def check_lengths(instance) -> None:
    """Refuse a text longer than its column (String(n)) holds, naming the limit; the field is the attribute, so
    a form shows the message next to a field of that name. Only loaded values are read: no query mid-flush."""
    state = inspect(instance)
    for attribute in state.mapper.column_attrs:
        column = attribute.columns[0]
        limit = column.type.length if isinstance(column.type, String) else None
        value = state.dict.get(attribute.key)
        if limit and isinstance(value, str) and len(value) > limit:
            raise TooLong(_l("At most %(max)d characters; this has %(count)d. Please shorten it.",
                             max=limit, count=len(value)), field=attribute.key)


@event.listens_for(KoersSession, "before_flush")
def _refuse_text_beyond_its_column(session, _context, _instances) -> None:
    """Every write, whatever its way in (a form, an import, the JSON API, a job), is checked against the
    columns: PostgreSQL would refuse it with an error (a 500), SQLite would keep it whole, a browser's
    maxlength cuts a pasted text without a word. The forms check their own limits first (saas.kernel.forms)."""
    for instance in (*session.new, *session.dirty):
        check_lengths(instance)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def make_engine(url: str, *, ping_when_idle_for: float = 5.0, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkin", _note_idle)
    event.listen(engine, "checkout", _pinger(engine.dialect, ping_when_idle_for))
    return engine


# A pooled connection is pinged before use only when it has been idle a while. SQLAlchemy's
# `pool_pre_ping` pings on every checkout: three of the eight waits on the database that a survey
# submission had (bench/submit.py). A connection in steady use is known to be alive; one that was idle may have
# been closed by a restart or a firewall, and is replaced before the request sees it. A database
# that goes away under steady use fails the statement in flight; SQLAlchemy then invalidates the
# pool, so the next request gets fresh connections.
def _note_idle(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _pinger(dialect, idle_seconds: float):
    def ping_if_idle(dbapi_connection, record, _proxy) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or in steady use
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool throws the connection away and checks out another
            raise exc.DisconnectionError() from error
    return ping_if_idle


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    # the search's case- and accent-blind comparison (saas.kernel.listing); PostgreSQL's is migration 0024's
    dbapi_connection.create_function("koers_fold", 1, fold, deterministic=True)


class Database:
    """What the app (or a worker) needs to talk to the database."""

    def __init__(self, url: str, engine: Engine | None = None):
        self.url = url
        self.engine = engine or make_engine(url)
        self.Session = sessionmaker(self.engine, class_=KoersSession, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def dispose(self) -> None:
        self.engine.dispose()


def session() -> KoersSession:
    """The current request's session, created on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["koers.db"].Session()
    return g.db_session


def close_request_session(_exc=None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()
