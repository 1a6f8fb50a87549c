"""SAML 2.0 sign-in per tenant, against a real identity provider (pysaml2's own IdP logic on loopback,
tests/saml_idp.py): the admin gives Koers its metadata address, people sign in through its login page and join
just in time through the same path as OpenID Connect; every refusal is an answer that identity provider really
made (unsigned, signed by another key, for another audience or address, expired, unsolicited, replayed)."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from saas.auth.models import User
from saas.sso import saml, service
from saas.sso.models import OidcConnection, SamlAssertionSeen, SsoIdentity
from tests.helpers import PASSWORD
from tests.saml_idp import IdentityProvider

SP = saml.ServiceProvider("http://localhost/t/fusie/sso/saml/metadata", "http://localhost/t/fusie/sso/saml/acs")
ACCOUNTS = {
    "anna": {"mail": ["anna@fusie.example"], "displayName": ["Anna de Vries"], "legacyOrg": ["BEE"],
             "groups": ["koers-admins"]},
    "bram": {"mail": ["bram@fusie.example"], "givenName": ["Bram"], "sn": ["Jansen"],
             "name_id": "5f1c0d2e-persistent", "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"},
    "carla": {"mail": ["carla@elders.example"]},
}


@pytest.fixture
def idp(tmp_path):
    started = IdentityProvider(tmp_path, ACCOUNTS)
    yield started
    started.stop()


@pytest.fixture
def tenant(make):
    return make.tenant("fusie", admin_email="admin@fusie.example")


def configure(app, tenant, idp, **changes):
    """The admin chooses SAML on the settings page and gives the metadata's address; the identity provider
    is given Koers's metadata (as its admin would, from the address the settings page shows)."""
    admin = app.test_client()
    admin.login(tenant.admin_email)
    data = {"protocol": "saml", "display_name": "Fusie SAML", "saml_metadata_url": idp.entity_id,
            "email_claim": "mail", "legacy_org_claim": "legacyOrg", "role_claim": "groups",
            "role_map": "koers-admins = management", "trust_email": "y", "jit": "y", "enabled": "y",
            "break_glass_user_id": ""}
    data.update(changes)
    response = admin.submit(f"/t/{tenant.slug}/sso/settings", {k: v for k, v in data.items() if v is not None})
    assert response.status_code == 302, response.get_data(as_text=True)
    idp.trust(admin.get(f"/t/{tenant.slug}/sso/saml/metadata").get_data(as_text=True))
    return admin


def sign_in(client, idp, login, **answer):
    """Press "Sign in with …", sign in at the identity provider, post its answer to Koers as its page does."""
    started = client.submit("/t/fusie/sso/login", {"action": "sso"})
    assert started.status_code == 303 and started.headers["Location"].startswith(idp.base + "/sso?SAMLRequest=")
    idp.answer = answer
    posted = idp.sign_in(started.headers["Location"], login)
    return post_answer(client, posted)


def post_answer(client, posted):
    response = client.post(urlsplit(posted["action"]).path, data={k: v for k, v in posted.items() if k != "action"})
    # the identity provider's cross-site POST: Koers writes no cookie (it would replace the session's)
    assert response.status_code == 303 and "Set-Cookie" not in response.headers
    assert "/t/fusie/sso/saml/acs?answer=" in response.headers["Location"]
    return client.get(response.headers["Location"])


def refused(response, client, text):
    assert response.status_code == 302 and response.headers["Location"].endswith("/t/fusie/sso/login")
    page = client.text("/t/fusie/sso/login")
    assert text in page, page
    assert client.get("/t/fusie/").status_code == 302  # nobody signed in


def member(make, tenant, email):
    with make.session(tenant.id) as db:
        from tenants.models import Membership
        user = db.scalar(select(User).where(User.email == email))
        membership = db.scalar(select(Membership).where(Membership.user_id == user.id)) if user else None
        return user, membership


@pytest.mark.smoke
def test_a_person_the_identity_provider_vouches_for_joins_just_in_time(app, make, tenant, idp):
    configure(app, tenant, idp)
    client = app.test_client()
    response = sign_in(client, idp, "anna")
    assert response.status_code == 302 and response.headers["Location"].endswith("/t/fusie/")
    assert "You are signed in through Fusie SAML." in client.text("/t/fusie/")
    user, membership = member(make, tenant, "anna@fusie.example")
    assert user.name == "Anna de Vries" and user.email_verified
    assert membership.legacy_org_id == tenant.legacy_org_ids[1]  # BEE, from the mapped attribute
    assert membership.roles == {"member", "management"}  # the group mapped to a role

    # Bram's identity provider names him by a persistent id, and says nothing of his organisation: asked once
    bram = app.test_client()
    assert sign_in(bram, idp, "bram").headers["Location"].endswith("/t/fusie/sso/organisation")
    assert member(make, tenant, "bram@fusie.example")[0].name == "Bram Jansen"
    again = app.test_client()
    sign_in(again, idp, "bram")
    with make.session(tenant.id) as db:
        identities = {(i.issuer, i.subject) for i in db.scalars(select(SsoIdentity))}
        assert identities == {(idp.entity_id, "anna@fusie.example"), (idp.entity_id, "5f1c0d2e-persistent")}
        assert db.scalar(select(OidcConnection)).issuer == idp.entity_id  # the entity id, from the metadata


def test_koers_publishes_its_metadata_per_tenant(app, make, tenant, idp):
    anonymous = app.test_client()
    assert anonymous.get("/t/fusie/sso/saml/metadata").status_code == 404  # not telling which tenants exist
    admin = app.test_client()
    admin.login(tenant.admin_email)
    page = admin.text("/t/fusie/sso/settings")  # before configuring: what to give the identity provider
    assert "http://localhost/t/fusie/sso/saml/metadata" in page and "http://localhost/t/fusie/sso/saml/acs" in page
    assert admin.get("/t/fusie/sso/saml/metadata").status_code == 200
    configure(app, tenant, idp)
    response = anonymous.get("/t/fusie/sso/saml/metadata")
    assert response.status_code == 200 and response.mimetype == "application/samlmetadata+xml"
    xml = response.get_data(as_text=True)
    assert 'entityID="http://localhost/t/fusie/sso/saml/metadata"' in xml
    assert 'Location="http://localhost/t/fusie/sso/saml/acs"' in xml and "HTTP-POST" in xml
    assert 'WantAssertionsSigned="true"' in xml
    assert saml.read_metadata(idp.metadata).entity_id == idp.entity_id
    # the sign-in button's form leads to the identity provider, which the page's policy must allow
    login_page = anonymous.get("/t/fusie/sso/login")
    assert f"form-action 'self' {idp.base};" in login_page.headers["Content-Security-Policy"]
    assert make.tenant("other") and anonymous.get("/t/other/sso/saml/metadata").status_code == 404
    # an answer posted to a tenant that does not use SAML: not found, and no cookie written
    posted = anonymous.post("/t/other/sso/saml/acs", data={"SAMLResponse": "x"})
    assert posted.status_code == 404 and "Set-Cookie" not in posted.headers
    assert "Page not found" in posted.get_data(as_text=True)


# Each answer the identity provider can be made to give wrongly, and the reason the person is shown
REFUSALS = {
    "unsigned": ({"sign_assertion": False}, "was not signed"),
    "only the response signed": ({"sign_assertion": False, "sign_response": True}, "was not signed"),
    "another key": ({"signer": "other"}, "is not one of the certificates in its metadata"),
    "SHA-1": ({"sign_alg": "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
               "digest_alg": "http://www.w3.org/2000/09/xmldsig#sha1"}, "is not one of the certificates"),
    "wrong audience": ({"audience": "https://another-app.example/saml"}, "was meant for another application"),
    "wrong destination": ({"destination": "https://another-app.example/acs"}, "was addressed to another address"),
    "wrong recipient": ({"recipient": "https://another-app.example/acs"}, "was addressed to another address"),
    "expired": ({"clock": -600}, "has expired or is not valid yet"),  # the IdP's clock 10 minutes behind
    "not yet valid": ({"clock": 600}, "has expired or is not valid yet"),  # ... or ahead: beyond the skew
    "unsolicited": ({"in_response_to": None}, "does not belong to a sign-in started in this browser"),
    "another request": ({"in_response_to": "id-of-another-request"}, "does not belong to a sign-in started"),
}


def test_answers_that_fail_a_check_sign_nobody_in(app, make, tenant, idp):
    """One test for all (one tenant and identity provider set up once, to keep the suite fast); every case is
    tried and every wrong outcome reported."""
    configure(app, tenant, idp)
    wrong = []
    for case, (answer, reason) in REFUSALS.items():
        client = app.test_client()
        try:
            refused(sign_in(client, idp, "anna", **answer), client, reason)
        except AssertionError as error:
            wrong.append(f"{case}: {str(error)[:300]}")
    assert not wrong, "\n".join(wrong)
    dutch = app.test_client()  # the reason in the person's language
    dutch.submit("/language", {"language": "nl"}, page="/login")
    refused(sign_in(dutch, idp, "anna", sign_assertion=False), dutch, "was niet ondertekend, dus niemand is ingelogd")
    assert member(make, tenant, "anna@fusie.example")[0] is None
    assert sign_in(app.test_client(), idp, "anna").headers["Location"].endswith("/t/fusie/")  # and a right one


def test_clock_skew_within_two_minutes_is_accepted(app, make, tenant, idp):
    configure(app, tenant, idp)
    assert saml.CLOCK_SKEW == 120
    for offset in (-90, 90):
        assert sign_in(app.test_client(), idp, "anna", clock=offset).headers["Location"].endswith("/t/fusie/")


def test_an_answer_is_used_once_even_by_another_web_process(app, make, tenant, idp):
    configure(app, tenant, idp)
    client = app.test_client()
    started = client.submit("/t/fusie/sso/login", {"action": "sso"})
    posted = idp.sign_in(started.headers["Location"], "anna")
    with app.test_request_context():
        pending = {"protocol": "saml", **_pending_of(client)}
    # the same answer, twice, with the same session's request (a copied cookie): each time a fresh database
    # session, as two web processes would have
    with make.session(tenant.id) as db:
        user, _ask, _mfa = service.complete_saml(db, saml_response=posted["SAMLResponse"], relay_state=posted["RelayState"],
                                           pending=pending, sp=SP)
        db.commit()
    with make.session(tenant.id) as db:
        with pytest.raises(saml.Replayed):
            service.complete_saml(db, saml_response=posted["SAMLResponse"], relay_state=posted["RelayState"],
                                  pending=pending, sp=SP)
        seen = db.scalars(select(SamlAssertionSeen)).all()
        assert len(seen) == 1 and seen[0].not_on_or_after > service.utcnow()  # remembered until it expires
    # through the pages: the answer again, into the browser whose session still has that request
    refused(post_answer(client, posted), client, "This sign-in answer has been used before")
    # a RelayState that is not this session's
    with make.session(tenant.id) as db:
        with pytest.raises(saml.StateMismatch):
            service.complete_saml(db, saml_response=posted["SAMLResponse"], relay_state="another", pending=pending,
                                  sp=SP)


def _pending_of(client) -> dict:
    """What the browser's signed session keeps of the sign-in it started (the request's id, the RelayState)."""
    from flask import current_app
    cookie = client.get_cookie(current_app.config["SESSION_COOKIE_NAME"])
    session = current_app.session_interface.get_signing_serializer(current_app).loads(cookie.value)
    return {k: session["sso_pending"][k] for k in ("request_id", "relay_state")}


def test_an_answer_in_another_browser_or_after_its_time_is_refused(app, make, tenant, idp):
    configure(app, tenant, idp)
    client = app.test_client()
    started = client.submit("/t/fusie/sso/login", {"action": "sso"})
    posted = idp.sign_in(started.headers["Location"], "anna")
    stranger = app.test_client()  # someone posting their own answer into another person's browser
    refused(post_answer(stranger, posted), stranger, "does not belong to a sign-in started in this browser")
    # an answer key that is not (or no longer) kept, and a post without an answer: refused, never a 500
    refused(client.get("/t/fusie/sso/saml/acs?answer=made-up"), client, "does not belong to a sign-in")
    response = client.post("/t/fusie/sso/saml/acs", data={})
    refused(client.get(response.headers["Location"]), client, "does not belong to a sign-in")
    assert member(make, tenant, "anna@fusie.example")[0] is None


def test_people_the_tenant_has_not_allowed_are_refused(app, make, tenant, idp):
    configure(app, tenant, idp, allowed_domains="fusie.example")
    client = app.test_client()
    refused(sign_in(client, idp, "carla"), client, "People with this e-mail address may not sign in")
    configure(app, tenant, idp, jit=None)
    client = app.test_client()
    refused(sign_in(client, idp, "bram"), client, "You are not a member of this organisation yet")
    # SAML has no email_verified: an address links an account only when the admin counts them as confirmed
    make.member(tenant, "bram@fusie.example")
    configure(app, tenant, idp, trust_email=None)
    client = app.test_client()
    refused(sign_in(client, idp, "bram"), client, "did not confirm your e-mail address")
    assert member(make, tenant, "carla@elders.example")[0] is None

    # No attribute named for the address (the default "email" is not sent): the NameID, when it is an address
    configure(app, tenant, idp, email_claim="")
    assert sign_in(app.test_client(), idp, "anna").headers["Location"].endswith("/t/fusie/")
    assert member(make, tenant, "anna@fusie.example")[1] is not None
    client = app.test_client()  # Bram's NameID is a persistent id: no address, so no account to link
    refused(sign_in(client, idp, "bram"), client, "did not tell us your e-mail address")


def test_required_single_sign_on_refuses_passwords_with_saml_too(app, make, tenant, idp):
    make.member(tenant, "bram@fusie.example")
    with make.session() as db:
        admin_id = db.scalar(select(User.id).where(User.email == tenant.admin_email))
    configure(app, tenant, idp, sso_required="y", break_glass_user_id=str(admin_id))
    response = app.test_client().submit("/login", {"email": "bram@fusie.example", "password": PASSWORD})
    assert "requires signing in through its own sign-in service" in response.get_data(as_text=True)
    bram = app.test_client()
    assert sign_in(bram, idp, "bram").headers["Location"].endswith("/t/fusie/sso/organisation")
    app.test_client().login(tenant.admin_email)  # the break-glass admin


def test_the_settings_form_refuses_bad_saml_input_in_both_languages(app, make, tenant, idp):
    admin = app.test_client()
    admin.login(tenant.admin_email)
    base = {"protocol": "saml", "display_name": "Fusie SAML", "email_claim": "mail", "jit": "y", "enabled": "y",
            "break_glass_user_id": ""}

    def error(**data):
        response = admin.submit("/t/fusie/sso/settings", {**base, **data})
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    assert "Enter the address of the identity provider's SAML metadata" in error()
    assert "not the SAML metadata of an identity provider" in error(saml_metadata="<not>metadata</not>")
    assert "not the SAML metadata of an identity provider" in error(saml_metadata="no XML at all <")
    assert "not the SAML metadata of an identity provider" in error(
        saml_metadata='<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')  # entities are refused before parsing
    assert "could not be fetched from this address" in error(saml_metadata_url="ftp://idp.example/metadata")
    assert "could not be fetched from this address" in error(saml_metadata_url=idp.base + "/nothing-here")
    assert "Not a valid choice" in error(protocol="ldap")
    assert "Please enter the issuer." in error(protocol="oidc")  # OpenID Connect's fields are required for it
    # SAML needs no issuer, client id or secret; pasted metadata is as good as its address
    response = admin.submit("/t/fusie/sso/settings", {**base, "saml_metadata": idp.metadata})
    assert response.status_code == 302
    page = admin.text("/t/fusie/sso/settings")
    assert f"The metadata of the identity provider {idp.entity_id} is set." in page
    assert admin.submit("/t/fusie/sso/settings", base).status_code == 302  # kept when nothing new is entered
    admin.submit("/language", {"language": "nl"}, page="/t/fusie/sso/settings")
    assert "Dit is niet de SAML-metadata" in error(saml_metadata="<not>metadata</not>")
