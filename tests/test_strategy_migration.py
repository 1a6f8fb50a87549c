"""Migration 0018 with data in it: pooled evaluations and random ids survive a downgrade and an upgrade;
workshops whose attendance was recorded get an open evaluation window; anonymous contributions of an
open round get one shared placeholder pseudonym (counted as one author, never as many)."""
from __future__ import annotations

import re
from datetime import date, time

import pytest
from sqlalchemy import text

from saas.kernel import migrate
from saas.kernel.db import make_engine
from tests.test_migrations import empty_database  # noqa: F401  (the fixture)


def _rows(settings, sql):
    engine = make_engine(settings.migration_database_url or settings.database_url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
            return conn.execute(text(sql)).all()
    finally:
        engine.dispose()


@pytest.mark.smoke
def test_0018_keeps_evaluations_and_contributions_through_a_downgrade_and_an_upgrade(empty_database):  # noqa: F811
    from saas import create_app
    from saas.auth.models import User
    from saas.programme.service import create_programme
    from saas.strategy import expectations, knowledge_day, pillars
    from tenants.models import Membership, MembershipRole, Tenant
    from tenants.scoping import set_scope

    migrate.upgrade(empty_database)
    app = create_app(empty_database)
    database = app.extensions["koers.db"]
    with app.app_context(), database.Session() as db:
        tenant = Tenant(slug="oost", name="Oost", country="NL", language="nl")
        users = [User(email=f"p{i}@oost.example", name=f"P{i}", password_hash="!") for i in range(3)]
        db.add_all([tenant, *users])
        db.flush()
        set_scope(db, tenant_id=tenant.id)
        people = [Membership(user_id=u.id, role_rows=[MembershipRole(role="admin" if i == 0 else "member")])
                  for i, u in enumerate(users)]
        db.add_all(people)
        db.flush()
        programme = create_programme(db, name="Samen", goal="", starts_on=date(2026, 1, 1), ends_on=date(2027, 12, 31))
        pillar = pillars.save_pillar(db, programme, None, title="Ondernemend", meaning="", examples="")
        open_round = expectations.save_round(db, pillar, None, title="Online", held_on=None, invitation="")
        for person in people[1:]:
            expectations.contribute(db, open_round, person, kind="meaning", text=f"Anoniem {person.id}",
                                    anonymous=True, today=date(2026, 12, 1))
        expectations.contribute(db, open_round, people[0], kind="meaning", text="Met naam", anonymous=False,
                                today=date(2026, 12, 1))
        day = knowledge_day.save_day(db, programme, None, title="Kennisdag", held_on=date(2027, 3, 18), location="",
                                     description="")
        workshop, _ = knowledge_day.save_workshop(db, programme, day, None, title="Samenwerken", description="",
                                                  host_id=None, pillar_id=None, capacity=10, starts_at=time(9),
                                                  ends_at=time(10))
        for person in people[1:]:
            knowledge_day.sign_up(db, workshop, person)
        knowledge_day.record_attendance(db, workshop, people[0], {people[1].id, people[2].id})
        for score, person in zip((4, 2), people[1:]):
            knowledge_day.evaluate(db, workshop, person, score=score, comment="", today=date(2027, 3, 18))
        db.commit()
    database.dispose()

    migrate.downgrade(empty_database, "0015")
    # the pooled evaluations went back among the evaluations, with sequence ids as before
    assert sorted(_rows(empty_database, "SELECT score FROM workshop_evaluations")) == [(2,), (4,)]
    assert all(isinstance(row_id, int) for (row_id,) in _rows(empty_database, "SELECT id FROM workshop_evaluations"))
    assert len(_rows(empty_database, "SELECT id FROM expectation_contributions")) == 3

    migrate.upgrade(empty_database)
    [(state, k, closes_on)] = _rows(empty_database, "SELECT evaluations, k, evaluations_close_on FROM workshops")
    assert (state, k, str(closes_on)) == ("open", 5, "2027-04-01")
    assert all(re.fullmatch(r"[0-9a-f]{32}", row_id) for (row_id,) in
               _rows(empty_database, "SELECT id FROM workshop_evaluations"))
    contributions = _rows(empty_database, "SELECT id, anonymous, author_key FROM expectation_contributions")
    assert all(re.fullmatch(r"[0-9a-f]{32}", row_id) for row_id, _a, _k in contributions)
    assert sorted((bool(anonymous), key) for _id, anonymous, key in contributions) == [
        (False, None), (True, "from-before-pseudonyms"), (True, "from-before-pseudonyms")]
    assert _rows(empty_database, "SELECT k FROM expectation_rounds") == [(5,)]
