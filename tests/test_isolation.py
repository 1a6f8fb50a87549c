"""Tenant isolation (DESIGN.md §2): automatic ORM scoping, row-level security, 404 for strangers.

The crawler visits every URL rule of the app, GET and POST, as a fully privileged member of
tenant B, with tenant A's slug and object ids, and with B's slug and A's object ids. A route
with an argument the crawler does not know makes it fail, so a new route cannot slip past it.
"""
import re

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from saas.kernel.outbox import OutboundMail
from saas.models import metadata
from tenants.rls import tenant_owned_tables
from tenants.models import Invitation, LegacyOrganisation, Membership
from tenants.scoping import NotPlatformSession, TenantScopeError, cross_tenant, set_scope
from tests.conftest import sign_in_scope
from tests.helpers import CSRF
from tests.world import CAPABILITIES, populate

ALL_ROLES = ("admin", "management", "sponsor", "member", "works_council", "consultant")
# The published statements (issue 19.7) of an organisation are public: staff read them before they first sign in
# and respondents without an account follow them from a survey. They name the organisation and show nothing else.
PUBLISHED = {"tenant_statements.tenant_privacy", "tenant_statements.tenant_accessibility"}
# The page where an answer code from a paper slip is typed (issue 20) is public too: its address is on the poster.
PUBLISHED |= {"answer_code.enter", "leadership.pulse_code_enter"}
SECRET_TEXTS = ("Alpha Secret Organisation", "Gemeente Aal (alpha)", "alice@alpha.example", "Alice Alpha",
                "invited@alpha.example", "colleague@alpha.example")


@pytest.fixture
def two_tenants(make):
    alpha = make.tenant("alpha", "alice@alpha.example", name="Alpha Secret Organisation")
    with make.session() as db:
        from saas.auth.models import User

        db.execute(User.__table__.update().where(User.email == "alice@alpha.example").values(name="Alice Alpha"))
    alpha.membership_id = make.member(alpha, "member@alpha.example", legacy_org_id=alpha.legacy_org_ids[0])
    beta = make.tenant("beta", "mallory@beta.example", name="Beta Organisation")
    with make.session(beta.id) as db:
        admin = db.scalar(select(Membership))
        from saas.administration.service import change_membership

        change_membership(db, admin, roles=list(ALL_ROLES), legacy_org_id=None)
    return alpha, beta


def _url_values(rule, slug, objects):
    values = {}
    for argument in rule.arguments:
        if argument == "slug":
            values[argument] = slug
        elif argument in objects:
            values[argument] = objects[argument]
        else:
            pytest.fail(f"the wrong-tenant crawl does not know argument <{argument}> of {rule.rule} "
                        f"({rule.endpoint}); add a builder for it in tests/world.py")
    return values


def test_every_route_refuses_another_tenants_member(app, client, make, two_tenants):
    alpha, beta = two_tenants
    alpha_objects = populate(app, make, alpha)
    beta_objects = populate(app, make, beta)
    with make.session(alpha.id) as db:
        before = _dump_tenant(db)
    secrets = SECRET_TEXTS + (f"({alpha.slug})",)

    # the crawl runs with production-like settings: no development outbox
    app.config["KOERS"].dev_outbox = False
    client.login("mallory@beta.example")
    token = CSRF.search(client.get("/account").get_data(as_text=True)).group(1)
    urls = app.url_map.bind("localhost")
    crawled = 0
    # log-out last, or the rest of the crawl would run as a stranger
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "auth.logout"):
        if rule.endpoint == "static":
            continue
        in_tenant = rule.rule.startswith("/t/<slug>")
        object_args = set(rule.arguments) - {"slug"}
        # A's slug with A's ids; and B's own slug with A's ids, which scoping must hide. A capability
        # (an invitation token) only opens the tenant it was made for, so A's slug gets B's token.
        passes = [("alpha", {**alpha_objects, **{c: beta_objects[c] for c in CAPABILITIES}})] if in_tenant \
            else [(None, alpha_objects)]
        if in_tenant and object_args:
            passes.append(("beta", alpha_objects))
        for slug, objects in passes:
            url = urls.build(rule.endpoint, _url_values(rule, slug, objects))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
                crawled += 1
                body = response.get_data().decode("utf-8", "replace")  # /favicon.ico is an image
                where = f"{method} {url} ({rule.endpoint})"
                assert response.status_code != 500, where
                if rule.endpoint in PUBLISHED:
                    assert response.status_code == 200, where  # public by design: checked below for what shows
                    body = body.replace(alpha.name, "")  # it names its organisation, and shows nothing else of it
                elif slug is not None and rule.endpoint.startswith("scim."):
                    # the SCIM API knows no sessions, only the tenant's bearer token (test_scim_tokens_… below)
                    assert response.status_code == 401, f"{where} answered {response.status_code}"
                elif slug is not None:
                    assert response.status_code == 404, f"{where} answered {response.status_code}"
                leaked = [s for s in secrets if s in body]
                assert not leaked, f"{where} shows tenant A's {leaked}"
    assert crawled >= 20
    with make.session(alpha.id) as db:
        assert _dump_tenant(db) == before, "the crawl changed tenant A's data"


def test_strangers_are_sent_to_log_in_and_tenants_do_not_leak_their_existence(app, make, two_tenants):
    anonymous = app.test_client()
    urls = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/t/<slug>") or "token" in rule.arguments:
            continue
        url = urls.build(rule.endpoint, {a: ("alpha" if a == "slug" else 1) for a in rule.arguments})
        response = anonymous.get(url) if "GET" in rule.methods else anonymous.post(url)
        if rule.endpoint in PUBLISHED:  # a published statement is public: it names the organisation, nothing more
            assert response.status_code == 200, url
            continue
        if rule.endpoint.startswith("scim."):  # the identity provider's API: a bearer token or nothing
            assert response.status_code == 401 and response.is_json, (url, response.status_code)
            continue
        assert response.status_code in (302, 400, 404), (url, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login")
    # an unknown tenant and a tenant you are not in look the same
    other = app.test_client()
    other.login("mallory@beta.example")
    assert other.get("/t/alpha/").status_code == other.get("/t/does-not-exist/").status_code == 404
    real = _without_csrf(other.get("/t/alpha/").get_data(as_text=True).replace("/t/alpha/", "/t/X/"))
    unknown = _without_csrf(other.get("/t/does-not-exist/").get_data(as_text=True).replace("/t/does-not-exist/", "/t/X/"))
    assert real == unknown


def _without_csrf(page: str) -> str:
    """The page without its forms' CSRF tokens, which carry the second they were made in (two pages read a
    moment apart may differ there and nowhere else)."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', page)


def test_scim_tokens_open_only_their_own_tenant(app, make, two_tenants):
    """Every SCIM route: B's token on A's URLs is refused like no token (401), an unknown tenant looks the same,
    and on B's own URLs A's people and groups are not found (404) and nothing of A shows."""
    from saas.scim import service

    alpha, beta = two_tenants
    alpha_objects = populate(app, make, alpha)
    with make.session(beta.id) as db:
        beta_token = service.new_token(db)
    with make.session(alpha.id) as db:
        before = _dump_tenant(db)
    idp = app.test_client()
    headers = {"Authorization": f"Bearer {beta_token}"}
    urls = app.url_map.bind("localhost")
    crawled = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("scim."):
            continue
        for slug in ("alpha", "beta", "does-not-exist"):
            url = urls.build(rule.endpoint, _url_values(rule, slug, alpha_objects))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = idp.open(url, method=method, headers=headers, json={"schemas": []})
                crawled += 1
                where = f"{method} {url} ({rule.endpoint}) with beta's token"
                body = response.get_data(as_text=True)
                assert response.status_code < 500 or response.status_code == 501, where
                if slug != "beta":
                    assert response.status_code == 401, f"{where} answered {response.status_code}"
                elif "resource_id" in rule.arguments:
                    assert response.status_code == 404, f"{where} answered {response.status_code}"
                assert "(alpha)" not in body and "alpha.example" not in body, where
    assert crawled > 30
    with make.session(alpha.id) as db:
        assert _dump_tenant(db) == before


@pytest.mark.smoke
def test_queries_without_a_tenant_find_no_tenant_rows(make, database, two_tenants):
    with database.Session() as db:
        assert db.scalars(select(LegacyOrganisation)).all() == []
        assert db.scalar(select(func.count()).select_from(Membership)) == 0


@pytest.mark.smoke
def test_queries_in_a_tenant_see_only_its_rows(make, database, two_tenants):
    alpha, beta = two_tenants
    with database.Session() as db:
        set_scope(db, tenant_id=beta.id)
        codes = {o.tenant_id for o in db.scalars(select(LegacyOrganisation))}
        assert codes == {beta.id}
        assert db.get(LegacyOrganisation, alpha.legacy_org_ids[0]) is None
        joined = db.scalars(select(Membership).join(LegacyOrganisation,
                                                    LegacyOrganisation.id == Membership.legacy_org_id)).all()
        assert all(m.tenant_id == beta.id for m in joined)


@pytest.mark.smoke
def test_writes_into_another_tenant_are_refused(make, database, two_tenants):
    alpha, beta = two_tenants
    with database.Session() as db:
        set_scope(db, tenant_id=beta.id)
        db.add(LegacyOrganisation(tenant_id=alpha.id, code="X", name="Sneaky"))
        with pytest.raises(TenantScopeError):
            db.flush()
        db.rollback()
        db.add(LegacyOrganisation(code="Y", name="No tenant"))
        set_scope(db, tenant_id=None)
        with pytest.raises(TenantScopeError):
            db.flush()


@pytest.mark.smoke
def test_a_row_cannot_point_at_another_tenants_row(make, database, two_tenants):
    alpha, beta = two_tenants
    with database.Session() as db:
        set_scope(db, tenant_id=beta.id)
        member = db.scalar(select(Membership))
        member.legacy_org_id = alpha.legacy_org_ids[0]
        with pytest.raises(IntegrityError):
            db.flush()


@pytest.mark.smoke
def test_crossing_tenants_is_explicit(make, database, two_tenants):
    with database.PlatformSession() as db:
        with cross_tenant(db):
            assert len(db.scalars(select(LegacyOrganisation)).all()) == 6
        assert db.scalars(select(LegacyOrganisation)).all() == []


def test_the_app_roles_session_cannot_cross_tenants(make, database, two_tenants):
    """On PostgreSQL only the platform role sees every tenant: `cross_tenant` on the app role's session
    says so rather than finding nothing (tenants.scoping)."""
    with database.Session() as db:
        with pytest.raises(NotPlatformSession):
            with cross_tenant(db):
                pass


def test_row_level_security_hides_rows_from_raw_sql_without_a_tenant(make, database, two_tenants):
    alpha, beta = two_tenants
    assert database.is_postgres
    with database.engine.connect() as conn:
        role = conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
        assert role == (False, False), "the app's role must not bypass row-level security"
        owners = conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                                   "AND tableowner = current_user")).scalar()
        assert owners == 0, "the app's role must own no table"
        tables = tenant_owned_tables(metadata)
        for table in tables:
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
        forced = set(conn.execute(text("SELECT relname FROM pg_class WHERE relrowsecurity AND relforcerowsecurity"))
                     .scalars())
        assert set(tables) <= forced


def test_row_level_security_sees_one_tenant_and_refuses_writes_into_another(make, database, two_tenants):
    alpha, beta = two_tenants
    with database.engine.connect() as conn:
        sign_in_scope(conn, beta.id)
        tenants_seen = conn.execute(text("SELECT DISTINCT tenant_id FROM legacy_organisations")).scalars().all()
        assert tenants_seen == [beta.id]
        with pytest.raises(DBAPIError, match="row-level security"):
            conn.execute(text("INSERT INTO legacy_organisations (tenant_id, code, name, created_at) "
                              "VALUES (:t, 'X', 'Sneaky', now())"), {"t": alpha.id})
        conn.rollback()


def test_tenant_set_in_one_transaction_does_not_leak_into_the_next(make, database, two_tenants):
    alpha, beta = two_tenants
    with database.Session() as db:
        set_scope(db, tenant_id=alpha.id)
        assert db.execute(text("SELECT count(*) FROM legacy_organisations")).scalar() == 3
        db.commit()
    # same pool, next transaction: nothing carried over
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT current_setting('app.tenant_id', true)")).scalar() in (None, "")
        assert conn.execute(text("SELECT count(*) FROM legacy_organisations")).scalar() == 0


@pytest.mark.smoke
def test_a_tenant_job_sets_its_tenant_before_touching_data(app, make, two_tenants):
    from saas.administration.jobs import notify_invitation_accepted

    alpha, beta = two_tenants
    with app.app_context():
        # tenant B's job asking for tenant A's membership finds nothing and sends nothing
        assert notify_invitation_accepted(beta.id, alpha.membership_id) is False
        with pytest.raises(TypeError):
            notify_invitation_accepted(None, alpha.membership_id)
    with make.session(platform=True) as db:  # every tenant's mails, and the platform's
        assert db.scalar(select(func.count()).select_from(OutboundMail)) == 0


def _dump_tenant(db):
    """Every row the tenant owns, read through its own scope."""
    return {table: db.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
            for table in tenant_owned_tables(metadata)}
