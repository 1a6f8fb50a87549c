"""The demo the tests start from is seeded once per test process and restored from a copy after that
(tests/snapshots.py): a test that restores it must find exactly the rows the seed wrote."""
from psycopg import sql
from sqlalchemy import text

from tests.conftest import _empty
from tests.snapshots import DEMO


def _rows(engine, tables) -> dict[tuple[str, str], list[str]]:
    """Every row of `tables` as COPY's text gives it, sorted: the order of rows on disk is no query's business
    (after any insert it depends on the free space the clean-up left in the table's pages)."""
    rows = {}
    with engine.connect() as conn, conn.connection.driver_connection.cursor() as cursor:
        for schema, name in tables:
            with cursor.copy(sql.SQL("COPY {} TO STDOUT").format(sql.Identifier(schema, name))) as out:
                rows[(schema, name)] = sorted(b"".join(bytes(block) for block in out).decode().splitlines())
        conn.rollback()
    return rows


def test_the_restored_demo_holds_the_seeded_rows_and_hands_out_no_id_again(seed_demo, snapshots, cleanup_engine, make):
    seed_demo()  # seeded (the first demo test of this process) or restored
    tables = snapshots._emptied_tables()
    seeded = _rows(cleanup_engine, tables)
    assert sum(map(len, seeded.values())) > 1000, "the demo wrote next to nothing"
    _empty(cleanup_engine)  # as before the next test
    restores = snapshots.restores
    seed_demo()
    assert snapshots.restores == restores + 1, "the second demo was seeded again, not restored"
    restored = _rows(cleanup_engine, tables)
    assert [t for t in tables if seeded[t] != restored[t]] == []

    with cleanup_engine.connect() as conn:  # the next id of every table lies past every id the demo holds
        behind = [(name, value) for name, value in snapshots.snapshots[DEMO].sequences.items()
                  if conn.execute(text("SELECT last_value FROM pg_sequences WHERE format('%I.%I', schemaname, "
                                       "sequencename) = :n"), {"n": name}).scalar() < value]
    assert behind == []
    user = make.user("after-the-demo@example.org")  # a new row takes the next id, clear of the demo's
    with cleanup_engine.connect() as conn:
        demo_ids = conn.execute(text("SELECT max(id) FROM users WHERE email <> 'after-the-demo@example.org'")).scalar()
    assert user.id > demo_ids
