"""Pooled connections: pinged only after idling, and a dead one never reaches a request."""
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from saas.kernel.db import make_engine


@pytest.fixture
def observer(stack):
    """Another connection of the app's role: it may see and end the app's own backends."""
    engine = create_engine(stack.app_url, poolclass=NullPool)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT pg_backend_pid()"))


def test_a_connection_the_database_closed_while_it_was_idle_is_replaced_before_use(stack, observer):
    engine = make_engine(stack.app_url, ping_when_idle_for=0.2, pool_size=1, max_overflow=0)
    try:
        first = _backend_pid(engine)  # back in the pool, idle from now on
        assert observer.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})  # as a restart would
        time.sleep(0.3)
        assert _backend_pid(engine) != first  # replaced, and the statement ran without an error
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged_and_an_idle_one_is(stack, observer):
    """What the server last ran for the connection, read right after the pool hands it out."""
    for idle_seconds, pause, pinged in ((60, 0, False), (0.2, 0.3, True)):
        engine = make_engine(stack.app_url, ping_when_idle_for=idle_seconds, pool_size=1, max_overflow=0)
        try:
            with engine.connect() as connection:
                pid = connection.scalar(text("SELECT pg_backend_pid()"))
            time.sleep(pause)
            with engine.connect():  # checked out: pinged or not
                last = observer.scalar(text("SELECT query FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
                observer.rollback()  # statistics are a snapshot per transaction: the next read takes a new one
            # the request before ends with the pool's ROLLBACK; SQLAlchemy's ping (psycopg) is an empty `;`
            assert last.strip() == (";" if pinged else "ROLLBACK")
        finally:
            engine.dispose()
