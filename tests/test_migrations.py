"""Schema migrations: upgrade, downgrade and upgrade again, and the models match the migrations."""
import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from saas.kernel import migrate
from saas.kernel.config import Settings
from saas.kernel.db import make_engine
from saas.models import metadata
from tests.conftest import SQLITE


@pytest.fixture
def empty_database(stack):
    if SQLITE:
        url = f"sqlite:///{stack.base / 'migrations.sqlite3'}"
        yield Settings(database_url=url, secret_key="x")
        (stack.base / "migrations.sqlite3").unlink(missing_ok=True)
        return
    name = "koers_migrations"
    stack.postgres.superuser_sql(f"DROP DATABASE IF EXISTS {name}")
    stack.postgres.create_database(name)
    yield Settings(database_url=stack.postgres.url(name), migration_database_url=stack.postgres.url(name, "koers_owner"),
                   platform_database_url=stack.postgres.url(name, "koers_platform"), secret_key="x")
    stack.postgres.superuser_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _tables(url):
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.smoke
def test_upgrade_downgrade_and_upgrade_again(empty_database):
    owner_url = empty_database.migration_database_url or empty_database.database_url
    migrate.upgrade(empty_database)
    assert set(metadata.tables) <= _tables(owner_url)
    migrate.downgrade(empty_database, "base")
    assert _tables(owner_url) <= {"alembic_version"}
    migrate.upgrade(empty_database)
    assert set(metadata.tables) <= _tables(owner_url)


@pytest.mark.smoke
def test_the_models_match_the_migrations(empty_database):
    migrate.upgrade(empty_database)
    engine = make_engine(empty_database.migration_database_url or empty_database.database_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    finally:
        engine.dispose()
    assert differences == [], "the models changed without a migration: run alembic revision --autogenerate"


def test_every_tenant_owned_table_has_row_level_security(empty_database):
    from sqlalchemy import text
    from tenants.rls import tenant_owned_tables

    migrate.upgrade(empty_database)
    engine = make_engine(empty_database.migration_database_url)
    try:
        with engine.connect() as conn:
            protected = set(conn.execute(text(
                "SELECT relname FROM pg_class WHERE relrowsecurity AND relforcerowsecurity")).scalars())
            policies = set(conn.execute(text("SELECT tablename FROM pg_policies WHERE qual IS NOT NULL "
                                             "AND with_check IS NOT NULL")).scalars())
    finally:
        engine.dispose()
    expected = set(tenant_owned_tables(metadata))
    assert expected and expected <= protected and expected <= policies


@pytest.mark.smoke
def test_the_access_log_keeps_its_wave_rows_through_a_downgrade_of_0012(empty_database):
    """0012 lets the access log hold readings of pulse-check results; going back to 0011 removes those
    (the older schema cannot hold them) and keeps every reading of a wave's report, still guarded."""
    from datetime import date

    from sqlalchemy import text

    from saas import create_app
    from saas.auth.models import User
    from saas.programme.service import create_programme
    from saas.anonymity import access
    from saas.reports.service import Filters, log_access
    from saas.surveys.service import create_wave
    from tenants.models import Tenant
    from tenants.scoping import set_scope

    migrate.upgrade(empty_database)
    app = create_app(empty_database)
    database = app.extensions["koers.db"]
    with app.app_context(), database.Session() as db:
        tenant = Tenant(slug="oost", name="Oost", country="NL", language="nl")
        reader = User(email="or@oost.example", name="Ondernemingsraad", password_hash="!")
        db.add_all([tenant, reader])
        db.flush()
        set_scope(db, tenant_id=tenant.id)
        programme = create_programme(db, name="Samen", goal="", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
        wave = create_wave(db, name="Nulmeting")
        log_access(db, reader, wave, "page", Filters())
        access.log(db, reader, "pulse", programme_id=programme.id)
        db.commit()
    database.dispose()

    def rows():
        engine = make_engine(empty_database.migration_database_url or empty_database.database_url)
        try:
            with engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
                return sorted(conn.execute(text("SELECT kind FROM report_access_log")).scalars())
        finally:
            engine.dispose()

    assert rows() == ["page", "pulse"]
    migrate.downgrade(empty_database, "0011")
    assert rows() == ["page"]
    engine = make_engine(empty_database.migration_database_url or empty_database.database_url)
    try:
        with pytest.raises(Exception, match="cannot be changed"), engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
            conn.execute(text("DELETE FROM report_access_log"))
    finally:
        engine.dispose()
    migrate.upgrade(empty_database)
    assert rows() == ["page"]


@pytest.mark.smoke
def test_0016_freezes_the_audience_of_existing_invitations_from_the_membership(empty_database):
    """Invitations made before 0016 get the person's legacy organisation and teams as they stand at
    the migration; going back drops the frozen columns, and up again fills them once more."""
    from datetime import date

    from sqlalchemy import text

    from saas import create_app
    from saas.auth.models import User
    from saas.programme.models import Team, TeamMember
    from saas.programme.service import create_programme, save_theme
    from saas.surveys.models import SurveyInvitation
    from saas.surveys.service import create_wave
    from tenants.models import LegacyOrganisation, Membership, Tenant
    from tenants.scoping import set_scope

    migrate.upgrade(empty_database)
    app = create_app(empty_database)
    database = app.extensions["koers.db"]
    with app.app_context(), database.Session() as db:
        tenant = Tenant(slug="oost", name="Oost", country="NL", language="nl")
        users = [User(email=f"p{n}@oost.example", name=f"P{n}", password_hash="!") for n in range(2)]
        db.add_all([tenant, *users])
        db.flush()
        set_scope(db, tenant_id=tenant.id)
        org = LegacyOrganisation(code="AAL", name="Aal")
        db.add(org)
        db.flush()
        people = [Membership(user_id=users[0].id, legacy_org_id=org.id), Membership(user_id=users[1].id)]
        db.add_all(people)
        programme = create_programme(db, name="Samen", goal="", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
        theme = save_theme(db, programme, None, title="Klant", problem="", why_it_matters="", desired_outcome="",
                           pillar="")
        teams = [Team(theme_id=theme.id, name=name) for name in ("Noord", "Zuid")]
        db.add_all(teams)
        db.flush()
        db.add_all([TeamMember(team_id=team.id, membership_id=people[0].id) for team in teams])
        wave = create_wave(db, name="Nulmeting")
        db.add_all([SurveyInvitation(wave_id=wave.id, membership_id=m.id, token_hash=f"{n:064d}")
                    for n, m in enumerate(people)])
        db.commit()
        expected = {people[0].id: (org.id, sorted(t.id for t in teams)), people[1].id: (None, [])}
    database.dispose()

    def frozen():
        engine = make_engine(empty_database.migration_database_url or empty_database.database_url)
        try:
            with engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
                rows = conn.execute(text("SELECT membership_id, legacy_org_id, team_ids FROM survey_invitations"))
                return {m: (o, sorted(json.loads(t) if isinstance(t, str) else t)) for m, o, t in rows}
        finally:
            engine.dispose()

    migrate.downgrade(empty_database, "0015")
    migrate.upgrade(empty_database)
    assert frozen() == expected


@pytest.mark.smoke
def test_0020_moves_stored_job_names_to_where_the_jobs_now_live(empty_database):
    """A pending run recorded before the jobs moved out of workers/ is still enqueued by its name, so
    0020 renames the stored names; going back restores them."""
    from sqlalchemy import text

    from saas.kernel.jobs import job_function

    migrate.upgrade(empty_database, "0019")
    engine = make_engine(empty_database.migration_database_url or empty_database.database_url)

    def names(*statements):
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
            for statement in statements:
                conn.execute(text(statement))
            return sorted(conn.execute(text("SELECT function FROM job_runs")).scalars())

    try:
        old = names(*(f"INSERT INTO job_runs (id, function, args, args_key, queue, status, progress, attempts, "
                      f"created_at) VALUES ('{n}', '{name}', '[1]', '[1]', 'default', 'pending', 0, 0, "
                      f"CURRENT_TIMESTAMP)"
                      for n, name in enumerate(["workers.jobs.send_mail", "workers.survey_jobs.mix_pool",
                                                "tests.jobs_for_tests.count_slowly"])))
        migrate.upgrade(empty_database)
        new = names()
        assert new == ["saas.kernel.mail_jobs.send_mail", "saas.surveys.jobs.mix_pool", "tests.jobs_for_tests.count_slowly"]
        assert all(job_function(name) for name in new[:2])
        migrate.downgrade(empty_database, "0019")
        assert names() == old
    finally:
        engine.dispose()


@pytest.mark.skipif(SQLITE, reason="database roles exist on PostgreSQL only")
def test_0033_stops_trusting_all_tenants_from_the_app_role_and_going_back_restores_the_old_policy(empty_database):
    """Before 0033 the app role could open every tenant with `set_config('app.all_tenants', 'on')`; from 0033 on
    only the owner can, and the platform role sees every tenant; the downgrade puts the old policy back."""
    from sqlalchemy import text

    migrate.upgrade(empty_database)
    owner = make_engine(empty_database.migration_database_url)
    app = make_engine(empty_database.database_url)
    platform = make_engine(empty_database.platform_database_url)

    def seen(engine, all_tenants=True):
        with engine.begin() as conn:
            if all_tenants:
                conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
            return conn.execute(text("SELECT count(*) FROM legacy_organisations")).scalar()

    try:
        tenants, organisations = metadata.tables["tenants"], metadata.tables["legacy_organisations"]
        with owner.begin() as conn:
            conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
            for n in (1, 2):
                tenant_id = conn.execute(tenants.insert().values(slug=f"t{n}", name=f"T{n}")).inserted_primary_key[0]
                conn.execute(organisations.insert().values(tenant_id=tenant_id, code="AAL", name="Aal"))
        assert (seen(app), seen(platform, all_tenants=False), seen(owner)) == (0, 2, 2)
        migrate.downgrade(empty_database, "0029")
        assert (seen(app), seen(platform, all_tenants=False), seen(owner)) == (2, 0, 2)
        migrate.upgrade(empty_database)
        assert (seen(app), seen(platform, all_tenants=False), seen(owner)) == (0, 2, 2)
    finally:
        for engine in (owner, app, platform):
            engine.dispose()


@pytest.mark.skipif(SQLITE, reason="database roles exist on PostgreSQL only")
def test_0038_takes_the_tenant_only_signed_and_going_back_restores_0033s_policy(empty_database):
    """From 0038 on the app role's `app.tenant_id` counts only with its signature (the key stored by the upgrade,
    from the settings); the downgrade puts 0033's policy back and takes the key's schema away."""
    from sqlalchemy import text

    from saas.kernel.db import scope_signature

    migrate.upgrade(empty_database)
    owner = make_engine(empty_database.migration_database_url)
    app = make_engine(empty_database.database_url)
    key = empty_database.scope_signing_key

    def seen(tenant_id, signature=""):
        with app.begin() as conn:
            conn.execute(text("SELECT set_config('app.tenant_id', :t, true), set_config('app.scope_sig', :s, true)"),
                         {"t": str(tenant_id), "s": signature})
            return conn.execute(text("SELECT count(*) FROM legacy_organisations")).scalar()

    def key_schema():
        with owner.connect() as conn:
            return conn.execute(text("SELECT to_regclass('koers_private.scope_key') IS NOT NULL")).scalar()

    try:
        tenants, organisations = metadata.tables["tenants"], metadata.tables["legacy_organisations"]
        with owner.begin() as conn:
            conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
            tenant_id = conn.execute(tenants.insert().values(slug="t1", name="T1")).inserted_primary_key[0]
            conn.execute(organisations.insert().values(tenant_id=tenant_id, code="AAL", name="Aal"))
        signed = scope_signature(key, "tenant", tenant_id)
        assert (seen(tenant_id), seen(tenant_id, signed), key_schema()) == (0, 1, True)
        migrate.downgrade(empty_database, "0036")
        assert (seen(tenant_id), seen(tenant_id, signed), key_schema()) == (1, 1, False)
        migrate.upgrade(empty_database)
        assert (seen(tenant_id), seen(tenant_id, signed), key_schema()) == (0, 1, True)
        # another key (KOERS_SCOPE_KEY or SECRET_KEY changed): the next upgrade stores it, the old signatures stop
        changed = Settings(**{**empty_database.__dict__, "scope_key": "rotated"})
        migrate.upgrade(changed)
        assert (seen(tenant_id, signed), seen(tenant_id, scope_signature(changed.scope_signing_key, "tenant",
                                                                         tenant_id))) == (0, 1)
    finally:
        for engine in (owner, app):
            engine.dispose()
