"""Bad input never gives a 500 and never leaves a partial write (house rule 3).

Every POST route of the app gets an empty form, a form of malformed values and an oversized
body; afterwards the database must be exactly as before. New routes are covered automatically.
"""
import pytest
from sqlalchemy import text

from saas.models import metadata
from tests.world import populate


MALFORMED = {
    "name": "x" * 100_000, "email": "not-an-email", "password": "\x00", "confirm": "something else",
    "slug": "../../etc", "country": "ZZ", "language": "klingon", "locale": "xx", "code": "<script>",
    "roles": ["superuser"], "legacy_org_id": "abc", "min_group_size": "-5", "new-name": "",
    "new-password": "x", "next": "//evil.example",
}
# POST routes whose empty form is a complete, valid request: buttons, and forms of checkboxes only
# (all boxes unchecked is a meaningful answer). They may act on "empty".
BUTTONS = {"auth.logout", "tenant.delete_legacy_org", "tenant.remove_member", "tenant.resend_invitation",
           "tenant.revoke_invitation", "tenant.accept_invitation", "programme.advance_phase", "programme.support",
           "programme.withdraw", "programme.join_team", "programme.leave_team", "pitches.submit", "pitches.withdraw",
           "pitches.delete_attachment", "reviews.delete_criterion", "programme.inbox",
           "programme.mark_read"}
BUTTONS |= {"platform.retry_job"}  # the platform admin's Retry button (404 for everyone else)
BUTTONS |= {"comparison.run"}  # "run the comparison": nothing to fill in
BUTTONS |= {"reports.request_pdf"}  # "make a PDF of this report": the filters are optional
BUTTONS |= {"surveys.invite_newcomers"}  # "invite the people who joined after the launch": nothing to fill in
# billing: subscribe, open the customer portal, restore an archived client
BUTTONS |= {"billing.checkout", "billing.portal", "billing_public.consultancy_checkout",
            "billing_public.consultancy_portal", "billing_public.restore_client"}


def _snapshot(owner_engine):
    with owner_engine.connect() as conn:
        if conn.dialect.name == "postgresql":  # row-level security binds the owner too: look at every tenant
            conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        return {t.name: conn.execute(text(f"SELECT * FROM {t.name} ORDER BY 1")).all()
                for t in metadata.sorted_tables}


@pytest.fixture
def world(app, make):
    tenant = make.tenant("oost")
    objects = populate(app, make, tenant)
    admin = app.test_client()
    admin.login(tenant.admin_email)
    return admin, objects


def _post_routes(app, objects):
    urls = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint != "static":
            yield rule.endpoint, urls.build(rule.endpoint, {a: objects[a] for a in rule.arguments})


@pytest.mark.smoke
def test_malformed_forms_are_answered_with_messages_and_change_nothing(app, world, owner_engine):
    admin, objects = world
    token = admin.csrf_token("/account")
    before = _snapshot(owner_engine)
    for endpoint, url in _post_routes(app, objects):
        response = admin.post(url, data={**MALFORMED, "csrf_token": token})
        assert response.status_code < 500, (endpoint, response.status_code)
        assert _snapshot(owner_engine) == before, f"{endpoint} wrote something for malformed input"


def test_empty_forms_change_nothing_except_for_plain_buttons(app, world, owner_engine):
    admin, objects = world
    for endpoint, url in _post_routes(app, objects):
        if endpoint in BUTTONS:
            continue
        token = admin.csrf_token("/account")
        before = _snapshot(owner_engine)
        response = admin.post(url, data={"csrf_token": token})
        assert response.status_code < 500, (endpoint, response.status_code)
        assert _snapshot(owner_engine) == before, f"{endpoint} wrote something for an empty form"


def test_oversized_and_non_form_bodies_are_refused_cleanly(app, world, owner_engine):
    admin, objects = world
    before = _snapshot(owner_engine)
    oversized = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    for endpoint, url in _post_routes(app, objects):
        response = admin.post(url, data=oversized, content_type="application/x-www-form-urlencoded")
        assert response.status_code in (400, 413), (endpoint, response.status_code)
        response = admin.post(url, data=b'{"json": "instead of a form"', content_type="application/json")
        assert response.status_code < 500, (endpoint, response.status_code)
        response = admin.post(url, data=b"\xff\xfe\x00garbage=%ZZ&&&=", content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, (endpoint, response.status_code)
    assert _snapshot(owner_engine) == before


def test_oversized_page_in_the_users_language_and_as_json(app, world):
    admin, objects = world
    oversized = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = admin.post("/t/oost/admin/legacy-orgs", data=oversized, content_type="application/x-www-form-urlencoded",
                          headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    response = admin.post("/t/oost/admin/legacy-orgs", data=oversized, content_type="application/x-www-form-urlencoded",
                          headers={"Accept": "application/json"})
    assert response.status_code == 413 and response.get_json()["status"] == 413


def test_absurd_ids_in_urls_are_not_found(world):
    admin, _ = world
    for url in ("/t/oost/admin/legacy-orgs/99999999999999999999", "/t/oost/admin/members/2147483648",
                "/t/oost/admin/legacy-orgs/-1", "/t/oost/invitations/" + "x" * 5000):
        assert admin.get(url).status_code == 404, url


@pytest.mark.smoke
def test_nul_bytes_and_huge_numbers_are_a_clear_400_and_change_nothing(app, world, owner_engine):
    admin, objects = world
    token = admin.csrf_token("/account")
    before = _snapshot(owner_engine)
    poisoned = {key: ("a\x00b" if isinstance(value, str) else value) for key, value in MALFORMED.items()}
    for endpoint, url in _post_routes(app, objects):
        response = admin.post(url, data={**poisoned, "csrf_token": token})
        assert response.status_code == 400, (endpoint, response.status_code)
    huge = {"base_version": "99999999999", "criterion_id": "99999999999", "min_group_size": "99999999999",
            "max_team_size": "99999999999", "weight": "99999999999"}
    for endpoint, url in _post_routes(app, objects):
        response = admin.post(url, data={**huge, "csrf_token": token})
        assert response.status_code < 500, (endpoint, response.status_code)
        if endpoint == "auth.logout":  # logging out ends the session on the server: only the session stamp changes
            now = _snapshot(owner_engine)
            users = now["users"]
            assert [row[:-1] for row in users] == [row[:-1] for row in before["users"]]
            before["users"] = users
            signed_out = now["platform_audit_trail"][len(before["platform_audit_trail"]):]  # and the audit trail says so
            assert [row for row in signed_out if "signout" in row] == signed_out and len(signed_out) == 1
            before["platform_audit_trail"] = now["platform_audit_trail"]
    assert _snapshot(owner_engine) == before
    assert admin.get("/t/oost/?q=a%00b").status_code == 400
    for query in ("to=99999999999&from=1", "to=1&from=-5", "to=x"):
        url = f"/t/oost/pitches/{objects['pitch_id']}/sections/problem/history?{query}"
        assert admin.get(url).status_code < 500, url
    assert admin.get(f"/t/oost/programmes/{objects['programme_id']}/scorecard?edit=99999999999").status_code < 500


# The long lists read their filters from the URL (saas.kernel.listing): whatever is typed there is a page
# or a clear 400 with the form saying why, never a 500.
BAD_FILTERS = ("page=-1", "page=abc", "page=0", "page=99999999999999999999", "size=1000000", "size=-3", "size=x",
               "role=superuser", "legacy_org=999999", "legacy_org=abc", "team=99999999999", "kind=everything",
               "q=" + "x" * 5000, "q=%25%25%25_", "since=2026-02-30", "until=0001-01-01", "since=x&until=y",
               "page=2&page=3", "legacy_org=none&role=&team=&q=",
               "result=maybe", "object_type=passwords", "object_id=" + "9" * 100, "object_id=%27%3B--")


def test_bad_filters_in_the_url_are_a_page_or_a_clear_400(world):
    admin, objects = world
    lists = ("/t/oost/admin/members", "/t/oost/reports/access-log", "/t/oost/reports/access-log.csv",
             "/t/oost/reports/access-log.xlsx", "/t/oost/admin/audit", "/t/oost/admin/audit.jsonl")
    for url in lists:
        for query in BAD_FILTERS:
            response = admin.get(f"{url}?{query}")
            assert response.status_code in (200, 400), (url, query, response.status_code)
    assert admin.get("/t/oost/admin/members?page=abc").status_code == 400
    assert admin.get("/t/oost/admin/members?page=99").status_code == 200  # past the end: says so
