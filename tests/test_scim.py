"""SCIM 2.0 provisioning (issue 18, point 3) as an identity provider meets it: Microsoft Entra ID's request
shapes, the RFC's errors, tenant isolation, deprovisioning that ends access at once, group mappings, and the
independent checker scim2-tester against the endpoint."""
import pytest
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server
from sqlalchemy import func, select


USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def token_for(make, tenant):
    from saas.scim import service

    with make.session(tenant.id) as db:
        return service.new_token(db)


class Provider:
    """The identity provider's side: its bearer token and the tenant's base URL."""

    def __init__(self, client, slug, token):
        self.client, self.base, self.headers = client, f"/t/{slug}/scim/v2", {"Authorization": f"Bearer {token}"}

    def __call__(self, method, path, body=None, **kwargs):
        return self.client.open(self.base + path, method=method, json=body, headers=self.headers, **kwargs)


@pytest.fixture
def oost(make):
    return make.tenant("oost")


@pytest.fixture
def idp(app, make, oost):
    return Provider(app.test_client(), "oost", token_for(make, oost))


def entra_user(user_name="ada@oost.example", **extra):
    """What Entra ID posts for a new user (its documented shape)."""
    return {"schemas": [USER, ENTERPRISE], "externalId": "0a1b", "userName": user_name, "active": True,
            "displayName": "Ada Lovelace", "emails": [{"primary": True, "type": "work", "value": user_name}],
            "name": {"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
            "title": "Analyst", ENTERPRISE: {"department": "Finance"}, **extra}


def assert_error(response, status, scim_type=None):
    body = response.get_json()
    assert response.status_code == status and body["schemas"] == [ERROR] and body["status"] == str(status), body
    if scim_type:
        assert body["scimType"] == scim_type
    return body


def test_the_cli_prints_a_fresh_token_and_the_one_before_stops_working(app, make, oost):
    from saas.cli import main

    result = app.test_cli_runner().invoke(main, ["scim-token", "--tenant", "oost"])
    again = app.test_cli_runner().invoke(main, ["scim-token", "--tenant", "oost"])
    assert result.exit_code == 0 and again.exit_code == 0, result.output
    first, second = result.output.strip(), again.output.strip()
    client = app.test_client()
    assert_error(Provider(client, "oost", first)("GET", "/Users"), 401)
    assert Provider(client, "oost", second)("GET", "/Users").status_code == 200
    with make.session(oost.id) as db:
        from saas.scim.models import ScimToken
        assert second not in db.scalar(select(ScimToken.token_hash))  # kept hashed only


@pytest.mark.smoke
def test_entra_creates_finds_patches_and_deletes_a_person(idp, client, make, oost):
    created = idp("POST", "/Users", entra_user())
    assert created.status_code == 201, created.get_json()
    person = created.get_json()
    assert person["userName"] == "ada@oost.example" and person["active"] is True and person["id"]
    assert created.headers["Location"].endswith(f"/t/oost/scim/v2/Users/{person['id']}")
    assert "title" not in person  # what Koers does not use is not kept
    # Entra looks a person up before it creates them
    found = idp("GET", '/Users?filter=userName eq "ADA@oost.example"').get_json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == person["id"]
    assert idp("GET", '/Users?filter=userName eq "nobody@oost.example"').get_json()["totalResults"] == 0
    # the person is a member of the tenant
    with make.session(oost.id) as db:
        from tenants.models import Membership
        from saas.auth.models import User
        user = db.scalar(select(User).where(User.email == "ada@oost.example"))
        assert user.email_verified and db.scalar(select(Membership).where(Membership.user_id == user.id))
    # Entra's PATCH shapes: an op in capitals with a path; no path with a value object; booleans as strings
    renamed = idp("PATCH", f"/Users/{person['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "displayName", "value": "Ada King"},
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "ada@oost.example"},
        {"op": "Add", "path": "name.givenName", "value": "Augusta Ada"}]})
    assert renamed.status_code == 200, renamed.get_json()
    assert renamed.get_json()["displayName"] == "Ada King" and renamed.get_json()["name"]["givenName"] == "Augusta Ada"
    off = idp("PATCH", f"/Users/{person['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"}]})
    assert off.status_code == 200 and off.get_json()["active"] is False
    on = idp("PATCH", f"/Users/{person['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "value": {"active": "True"}}]})
    assert on.status_code == 200 and on.get_json()["active"] is True
    off = idp("PATCH", f"/Users/{person['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "replace", "value": {"active": False}}]})
    assert off.get_json()["active"] is False
    # Entra adds a first address of a type with a filter that matches nothing yet
    home = idp("PATCH", f"/Users/{person['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "Add", "path": 'emails[type eq "home"].value', "value": "ada@home.example"},
        {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Finance"}]})
    assert home.status_code == 200, home.get_json()
    assert {"type": "home", "value": "ada@home.example"} in home.get_json()["emails"]
    # PUT replaces
    replaced = idp("PUT", f"/Users/{person['id']}", entra_user(active=True, displayName="Ada L."))
    assert replaced.status_code == 200 and replaced.get_json()["displayName"] == "Ada L."
    assert idp("DELETE", f"/Users/{person['id']}").status_code == 204
    assert_error(idp("GET", f"/Users/{person['id']}"), 404)
    with make.session(oost.id) as db:
        assert db.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == user.id)) == 0


@pytest.mark.parametrize("deprovision", [
    lambda idp, rid: idp("PATCH", f"/Users/{rid}", {"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"}]}),
    lambda idp, rid: idp("DELETE", f"/Users/{rid}"),
], ids=["active-false", "delete"])
def test_deprovisioning_ends_the_live_session_at_once(idp, app, make, oost, deprovision):
    from saas.auth.models import User
    from saas.auth.service import hash_password

    rid = idp("POST", "/Users", entra_user()).get_json()["id"]
    with make.session() as db:  # the person chose a password through "forgot password"
        db.scalar(select(User).where(User.email == "ada@oost.example")).password_hash = hash_password("a long password")
    browser = app.test_client()
    browser.login("ada@oost.example", "a long password")
    assert browser.get("/t/oost/").status_code == 200
    assert deprovision(idp, rid).status_code in (200, 204)
    page = browser.get("/t/oost/")
    assert page.status_code in (302, 404) and browser.get("/account").status_code == 302  # signed out everywhere


@pytest.mark.parametrize("deprovision", [
    lambda idp, rid: idp("PATCH", f"/Users/{rid}", {"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "active", "value": False}]}),
    lambda idp, rid: idp("DELETE", f"/Users/{rid}"),
], ids=["active-false", "delete"])
def test_deprovisioning_by_one_tenant_leaves_the_person_signed_in_to_their_other_tenant(idp, app, make, oost,
                                                                                       deprovision):
    """Oost's provider removes Ada: Oost is closed to her at her next click, but her session goes on in West,
    where she is still a member (before, the rotated session stamp signed her out of every tenant)."""
    from saas.auth.models import User
    from saas.auth.service import hash_password

    rid = idp("POST", "/Users", entra_user()).get_json()["id"]
    west = make.tenant("west")
    make.member(west, "ada@oost.example")
    with make.session() as db:
        db.scalar(select(User).where(User.email == "ada@oost.example")).password_hash = hash_password("a long password")
    browser = app.test_client()
    browser.login("ada@oost.example", "a long password")
    assert browser.get("/t/oost/").status_code == 200 and browser.get("/t/west/").status_code == 200
    assert deprovision(idp, rid).status_code in (200, 204)
    assert browser.get("/t/oost/").status_code == 404  # gone from Oost at once
    assert browser.get("/t/west/").status_code == 200  # still signed in, and still in West
    assert browser.get("/account").status_code == 200


ANSWERS = ("survey_responses", "survey_answer_pool", "pulse_answers", "pulse_answer_pool", "feedback_answers",
           "feedback_answer_pool", "expectation_contributions", "workshop_evaluations", "workshop_evaluation_pool")


def answers(owner_engine):
    from sqlalchemy import text

    with owner_engine.connect() as conn:
        if conn.dialect.name == "postgresql":  # row-level security binds the owner too: look at every tenant
            conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        return {table: conn.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all() for table in ANSWERS}


def test_every_anonymous_answer_stays_when_a_person_is_deprovisioned(app, make, oost, owner_engine):
    """The whole world of a tenant (surveys, pulse checks, 360 rounds, expectation rounds, knowledge days); its
    colleague, invited everywhere, is then taken over by the identity provider and removed by it."""
    from tests.world import populate
    from tenants.models import Membership

    objects = populate(app, make, oost)
    idp = Provider(app.test_client(), "oost", token_for(make, oost))
    before = answers(owner_engine)
    assert sum(len(rows) for rows in before.values()) > 0
    person = idp("POST", "/Users", entra_user("colleague@oost.example"))
    assert person.status_code == 201, person.get_json()  # the member the admin invited, now provisioned
    with make.session(oost.id) as db:
        assert db.get(Membership, objects["membership_id"]) is not None  # the same membership, kept
    assert idp("DELETE", f"/Users/{person.get_json()['id']}").status_code == 204
    with make.session(oost.id) as db:
        assert db.get(Membership, objects["membership_id"]) is None
    assert answers(owner_engine) == before


@pytest.mark.smoke
def test_errors_are_scim_errors_never_a_500(idp, app):
    assert_error(idp("GET", "/Users/unknown"), 404)
    assert_error(idp("POST", "/Users", {"schemas": [USER]}), 400)
    assert_error(idp.client.open(idp.base + "/Users", method="POST", data="{not json", headers=idp.headers), 400)
    assert_error(idp("POST", "/Users", entra_user(userName="x" * 300)), 400, "invalidValue")
    assert idp("POST", "/Users", entra_user()).status_code == 201
    assert_error(idp("POST", "/Users", entra_user()), 409, "uniqueness")
    assert_error(idp("GET", '/Users?filter=displayName co "Ada"'), 400, "invalidFilter")
    assert_error(idp("GET", "/Users?startIndex=x"), 400)
    assert_error(idp("PATCH", "/Users/unknown", {"schemas": [PATCH], "Operations": []}), 404)
    rid = idp("GET", "/Users").get_json()["Resources"][0]["id"]
    assert_error(idp("PATCH", f"/Users/{rid}", {"schemas": [PATCH], "Operations": [{"op": "jump"}]}), 400)
    assert_error(idp("GET", "/Nothing"), 404)
    assert_error(idp.client.open(idp.base + "/Users", method="POST", data=b"{" * 1_000_001, headers=idp.headers), 413)
    anonymous = app.test_client().get("/t/oost/scim/v2/Users")
    assert_error(anonymous, 401) and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(app.test_client().get("/t/oost/scim/v2/Users", headers={"Authorization": "Bearer wrong"}), 401)


def test_a_token_of_one_tenant_opens_nothing_of_another(idp, app, make):
    west = make.tenant("west")
    rid = idp("POST", "/Users", entra_user()).get_json()["id"]
    west_idp = Provider(app.test_client(), "west", token_for(make, west))
    stolen = Provider(app.test_client(), "west", idp.headers["Authorization"].split()[1])
    for method, path in (("GET", "/Users"), ("GET", f"/Users/{rid}"), ("DELETE", f"/Users/{rid}"),
                         ("GET", "/ServiceProviderConfig")):
        assert_error(stolen(method, path), 401)
    assert_error(west_idp("GET", f"/Users/{rid}"), 404)
    assert west_idp("GET", "/Users").get_json()["totalResults"] == 0
    assert idp("GET", f"/Users/{rid}").status_code == 200


def test_groups_give_the_mapped_legacy_organisation_and_role(idp, client, make, oost):
    from saas.scim import service
    from tenants.models import Membership

    with make.session(oost.id) as db:
        service.add_mapping(db, display_name="Gemeente Aal", target=f"org:{oost.legacy_org_ids[0]}")
        service.add_mapping(db, display_name="Koers admins", target="role:admin")
    rid = idp("POST", "/Users", entra_user()).get_json()["id"]
    group = idp("POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                    "displayName": "Gemeente Aal", "externalId": "g1"})
    assert group.status_code == 201
    admins = idp("POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                     "displayName": "Koers admins", "members": [{"value": rid}]}).get_json()
    # Entra adds members with PATCH
    added = idp("PATCH", f"/Groups/{group.get_json()['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "Add", "path": "members", "value": [{"value": rid}]}]})
    assert added.status_code == 200 and added.get_json()["members"][0]["value"] == rid

    def membership():
        with make.session(oost.id) as db:
            m = db.scalar(select(Membership).join(Membership.user).where(Membership.user.has(email="ada@oost.example")))
            return m.roles, m.legacy_org_id

    assert membership() == ({"member", "admin"}, oost.legacy_org_ids[0])
    # Entra removes a member with a value list (not the RFC's filter in the path)
    removed = idp("PATCH", f"/Groups/{admins['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "Remove", "path": "members", "value": [{"value": rid}]}]})
    assert removed.status_code == 200 and "members" not in removed.get_json()
    assert membership() == ({"member"}, oost.legacy_org_ids[0])
    again = idp("PATCH", f"/Groups/{admins['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "Add", "path": "members", "value": [{"value": rid}]},
        {"op": "Replace", "path": "displayName", "value": "Koers admins"}]})
    assert again.status_code == 200 and membership() == ({"member", "admin"}, oost.legacy_org_ids[0])
    removed = idp("PATCH", f"/Groups/{admins['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "Remove", "path": f'members[value eq "{rid}"]'}]})
    assert removed.status_code == 200 and membership() == ({"member"}, oost.legacy_org_ids[0])
    found = idp("GET", '/Groups?filter=displayName eq "Koers admins"').get_json()
    assert found["totalResults"] == 1
    assert idp("DELETE", f"/Groups/{admins['id']}").status_code == 204
    # a group with a member goes, and a person in a group goes (the rows that tie them first)
    assert idp("DELETE", f"/Users/{rid}").status_code == 204
    assert "members" not in idp("GET", f"/Groups/{group.get_json()['id']}").get_json()
    other = idp("POST", "/Users", entra_user("bea@oost.example", externalId="0b2c")).get_json()["id"]
    idp("PATCH", f"/Groups/{group.get_json()['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": other}]}]})
    assert idp("DELETE", f"/Groups/{group.get_json()['id']}").status_code == 204
    assert idp("GET", f"/Users/{other}").get_json()["active"] is True


def test_the_admin_makes_a_token_shown_once_and_maps_groups(app, make, oost):
    admin = app.test_client()
    admin.login(oost.admin_email)
    page = admin.text("/t/oost/admin/provisioning")
    assert "/t/oost/scim/v2" in page and "no secret token yet" in page
    assert "Make a SCIM token?" in admin.text("/t/oost/admin/provisioning/token")  # asks first
    made = admin.submit("/t/oost/admin/provisioning/token", {"action": "rotate", "confirmed": "yes"},
                        page="/t/oost/admin/provisioning/token")
    assert made.status_code == 302
    shown = admin.text("/t/oost/admin/provisioning")
    token = shown.split("copy it): ")[1].split("<")[0].strip()
    assert Provider(app.test_client(), "oost", token)("GET", "/Users").status_code == 200
    assert token not in admin.text("/t/oost/admin/provisioning")  # shown once
    added = admin.submit("/t/oost/admin/provisioning", {"display_name": "Raad", "target": "role:works_council"})
    assert added.status_code == 302 and "Raad" in admin.text("/t/oost/admin/provisioning")


def test_scim2_tester_passes_against_the_endpoint(app, make, oost):
    token = token_for(make, oost)
    scim = WSGISCIMClient(app, base_url="http://localhost/t/oost/scim/v2",
                          headers={"Authorization": f"Bearer {token}"})
    results = check_server(scim)
    failed = [f"{r.status.name} {r.title}: {r.reason}" for r in results
              if r.status in (Status.ERROR, Status.CRITICAL, Status.DEVIATION)]
    assert not failed, "\n".join(failed)
    assert sum(r.status == Status.SUCCESS for r in results) > 20
