"""The demo the tests start from is seeded once per test process and restored from a copy after that
(tests/demo_snapshot.py): a test that restores it must find exactly the rows the seed wrote."""
from sqlalchemy import text

from tests.conftest import _empty


def test_the_restored_demo_holds_the_seeded_rows_byte_for_byte_and_hands_out_no_id_again(
        seed_demo, demo_snapshots, cleanup_engine, make):
    seed_demo()  # seeded (the first demo test of this process) or restored
    seeded = demo_snapshots._copy_out(demo_snapshots._emptied_tables())
    assert any(seeded.values()), "the demo wrote nothing"
    _empty(cleanup_engine)  # as before the next test
    restores = demo_snapshots.restores
    seed_demo()
    assert demo_snapshots.restores == restores + 1, "the second demo was seeded again, not restored"
    restored = demo_snapshots._copy_out(demo_snapshots._emptied_tables())
    assert [t for t in seeded if seeded[t] != restored[t]] == []

    with cleanup_engine.connect() as conn:  # the next id of every table lies past every id the demo holds
        behind = [(name, value) for name, value in demo_snapshots.snapshot.sequences.items()
                  if conn.execute(text("SELECT last_value FROM pg_sequences WHERE format('%I.%I', schemaname, "
                                       "sequencename) = :n"), {"n": name}).scalar() < value]
    assert behind == []
    user = make.user("after-the-demo@example.org")  # a new row takes the next id, clear of the demo's
    with cleanup_engine.connect() as conn:
        assert user.id > conn.execute(text("SELECT max(id) FROM users WHERE email <> 'after-the-demo@example.org'")).scalar()
