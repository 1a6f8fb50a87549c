"""Engine, session and declarative base.

One session per request (see `session()`), one per job (see `saas.kernel.job_runtime`); sessions are never shared
across tenants. The tenant scope that every session carries is installed by `tenants.scoping`.

On PostgreSQL there are two connection roles (README, "Database roles"): the app role, bound by row-level
security to the tenant of its transaction, and the platform role (`KOERS_PLATFORM_DATABASE_URL`, a member of
`koers_platform`), whose policies allow every tenant. `Database.PlatformSession` connects as the latter; only the
work that crosses tenants by nature uses it: the blueprints marked with `platform_blueprint` (platform admin,
Stripe's webhook, the consultancy pages), the sweeper and the daily deadlines. Without a platform URL (the embedded
SQLite default, a development database) both are the same engine.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime, timezone

from flask import current_app, g, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import MetaData, String, event, create_engine, exc, inspect, text
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


# The group role whose row-level security policies allow every tenant (migration 0033); the platform URL's
# login role is a member of it, the app role never is.
PLATFORM_ROLE = "koers_platform"


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
    """What the app (or a worker) needs to talk to the database: the app role's engine and, when a platform
    URL is given, the platform role's (for the work that crosses tenants; see the module's docstring)."""

    def __init__(self, url: str, engine: Engine | None = None, *, platform_url: str = "", scope_key: bytes = b""):
        self.url = url
        self.engine = engine or make_engine(url)
        self.platform_url = platform_url if platform_url and platform_url != url else ""
        self.platform_engine = make_engine(platform_url) if self.platform_url else self.engine
        # scope_key signs each transaction's tenant for row-level security (tenants.scoping); without it the
        # database takes no tenant from this app (no rows), so `create_app` hands over the settings' key
        self.scope_key = scope_key
        self.Session = sessionmaker(self.engine, class_=KoersSession, expire_on_commit=False,
                                    info={"scope_key": scope_key})
        self.PlatformSession = sessionmaker(self.platform_engine, class_=KoersSession, expire_on_commit=False,
                                            info={"platform": True, "scope_key": scope_key})
        # `Session.platform()`: code handed a sessionmaker (the deadlines) opens the platform twin for its listing
        self.Session.platform = self.PlatformSession.platform = self.PlatformSession

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def engines(self) -> tuple[Engine, ...]:
        return (self.engine, self.platform_engine) if self.platform_url else (self.engine,)

    def dispose(self, close: bool = True) -> None:
        for engine in self.engines:
            engine.dispose(close=close)


def scope_signature(key: bytes, kind: str, value) -> str:
    """What the database asks beside `app.tenant_id` (kind 'tenant', in `app.scope_sig`) or `app.user_id`
    ('user', in `app.user_sig`) before row-level security takes it (migration 0038, tenants/rls.py)."""
    if value in (None, ""):
        return ""
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def scope_key_problems(database: Database) -> list[str]:
    """Whether the database checks this app's signed scope with the same key (the one `koers db upgrade` stored)."""
    if not database.is_postgres:
        return []
    with database.engine.begin() as conn:
        if conn.execute(text("SELECT to_regproc('koers_scope_tenant')")).scalar() is None:
            return ["the database has no signed scope yet: run `koers db upgrade`"]
        taken = conn.execute(text("SELECT set_config('app.tenant_id', '0', true), "
                                  "set_config('app.scope_sig', :sig, true), koers_scope_tenant()"),
                             {"sig": scope_signature(database.scope_key, "tenant", 0)}).one()[2]
    if taken != 0:
        return ["the database checks the tenant's signature with another key than KOERS_SCOPE_KEY (or SECRET_KEY) "
                "gives: run `koers db upgrade` with this app's settings"]
    return []


class UnsafeDatabaseRole(RuntimeError):
    """Production on a database role that row-level security does not bind (README, "Database roles")."""


def role_problems(database: Database) -> list[str]:
    """What is wrong with the database roles for production: the app role must own no table, be no superuser,
    have no BYPASSRLS and not be a member of koers_platform; the platform role must be such a member (else the
    cross-tenant work sees nothing) and otherwise as unprivileged. Empty when all is well (and on SQLite)."""
    if not database.is_postgres:
        return []
    problems = _role_problems(database.engine, "the app role (DATABASE_URL)")
    with database.engine.connect() as conn:
        if conn.execute(text("SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = :r"),
                        {"r": PLATFORM_ROLE}).scalar():
            problems.append(f"the app role (DATABASE_URL) is a member of {PLATFORM_ROLE}: it would see every tenant")
    if not database.platform_url:
        problems.append("KOERS_PLATFORM_DATABASE_URL is not set: the work across tenants (webhooks, platform admin, "
                        "the sweeper) would see no tenant")
        return problems
    problems += _role_problems(database.platform_engine, "the platform role (KOERS_PLATFORM_DATABASE_URL)")
    with database.platform_engine.connect() as conn:
        if not conn.execute(text("SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = :r"),
                            {"r": PLATFORM_ROLE}).scalar():
            problems.append(f"the platform role (KOERS_PLATFORM_DATABASE_URL) is not a member of {PLATFORM_ROLE}")
        same = conn.execute(text("SELECT current_user")).scalar()
    with database.engine.connect() as conn:
        if conn.execute(text("SELECT current_user")).scalar() == same:
            problems.append("DATABASE_URL and KOERS_PLATFORM_DATABASE_URL connect as the same role")
    return problems


def _role_problems(engine: Engine, which: str) -> list[str]:
    with engine.connect() as conn:
        name, superuser, bypass = conn.execute(text(
            "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
        owned = conn.execute(text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
            "AND pg_has_role(current_user, c.relowner, 'USAGE')")).scalar()
    problems = []
    if superuser:
        problems.append(f"{which}, {name}, is a superuser")
    if bypass:
        problems.append(f"{which}, {name}, has BYPASSRLS")
    if owned:
        problems.append(f"{which}, {name}, owns {owned} table(s) (or is a member of their owner): "
                        "run the migrations as another role (MIGRATION_DATABASE_URL)")
    return problems


def refuse_unsafe_roles(database: Database) -> None:
    """In production: stop, with every problem in the message (and the log), when the roles do not bind."""
    problems = role_problems(database)
    problems += scope_key_problems(database)
    if problems:
        raise UnsafeDatabaseRole(
            "Koers refuses to start in production: row-level security would not bind the database roles: "
            + "; ".join(problems) + ". See README, Database roles.")


def platform_blueprint(blueprint):
    """Mark a blueprint whose views cross tenants by nature (platform admin, Stripe's webhook, the consultancy):
    their request session connects as the platform role. Every other request's session is the app role's."""
    blueprint.koers_platform = True
    return blueprint


def _platform_request() -> bool:
    if not has_request_context() or not request.blueprint:
        return False
    return bool(getattr(current_app.blueprints.get(request.blueprint), "koers_platform", False))


def session() -> KoersSession:
    """The current request's session, created on first use and closed at teardown (the platform role's in a
    blueprint marked with `platform_blueprint`)."""
    if "db_session" not in g:
        database = current_app.extensions["koers.db"]
        g.db_session = (database.PlatformSession if _platform_request() else database.Session)()
    return g.db_session


def close_request_session(_exc=None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()
