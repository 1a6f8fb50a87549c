"""OpenID Connect sign-in per tenant, against a real provider (npm's oidc-provider on loopback, tests/oidc.py):
the admin configures it on the settings page, people sign in through the provider's own pages and become
members just in time; every refusal is the provider's real answer checked by Koers."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from saas.auth.models import User
from saas.sso import oidc
from saas.sso.models import SsoIdentity
from tenants.models import Membership
from tests.helpers import PASSWORD
from tests.oidc import Person, Provider

CALLBACK = "http://localhost/t/{slug}/sso/callback"
SECRET = "s3cret-of-the-client-that-nobody-sees"


@pytest.fixture
def provider():
    started = Provider(
        clients=[{"client_id": "koers", "client_secret": SECRET,
                  "redirect_uris": [CALLBACK.format(slug="fusie"), CALLBACK.format(slug="other")]}],
        accounts={
            "anna": {"email": "anna@fusie.example", "name": "Anna de Vries", "legacy_org": "BEE",
                     "groups": ["koers-admins"]},
            "bram": {"email": "bram@fusie.example", "name": "Bram"},
            "carla": {"email": "carla@elders.example"},
            "dirk": {"email": "dirk@fusie.example", "email_verified": False},
        })
    yield started
    started.stop()


@pytest.fixture
def tenant(make):
    return make.tenant("fusie", admin_email="admin@fusie.example")


def configure(app, tenant, provider, **changes):
    admin = app.test_client()
    admin.login(tenant.admin_email)
    data = {"display_name": "Fusie ID", "issuer": provider.issuer, "client_id": "koers", "client_secret": SECRET,
            "scopes": "openid email profile organisation", "email_claim": "email", "legacy_org_claim": "legacy_org",
            "role_claim": "groups", "role_map": "koers-admins = management", "allowed_domains": "",
            "jit": "y", "enabled": "y", "break_glass_user_id": ""}
    data.update(changes)
    data = {key: value for key, value in data.items() if value is not None}
    response = admin.submit(f"/t/{tenant.slug}/sso/settings", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return admin


def sign_in(client, slug, login):
    """Press "Sign in with …", go through the provider's pages, come back to Koers's callback."""
    response = client.submit(f"/t/{slug}/sso/login", {"action": "sso"})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    back = Person(login).authorize(response.headers["Location"])
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}")


def membership_of(make, tenant, email):
    with make.session(tenant.id) as db:
        user = db.scalar(select(User).where(User.email == email))
        membership = db.scalar(select(Membership).where(Membership.user_id == user.id)) if user else None
        return user, membership, (membership.legacy_org_id if membership else None), \
            (membership.roles if membership else set())


@pytest.mark.smoke
def test_a_person_the_provider_vouches_for_joins_just_in_time_with_the_mapped_organisation(app, make, tenant,
                                                                                              provider):
    configure(app, tenant, provider)
    client = app.test_client()
    response = sign_in(client, "fusie", "anna")
    assert response.status_code == 302 and response.headers["Location"].endswith("/t/fusie/")
    user, membership, legacy_org_id, roles = membership_of(make, tenant, "anna@fusie.example")
    assert user.name == "Anna de Vries" and user.email_verified  # the provider vouched for the address
    assert legacy_org_id == tenant.legacy_org_ids[1]  # BEE, from the mapped claim
    assert roles == {"member", "management"}  # the group mapped to a role
    assert client.get("/t/fusie/").status_code == 200  # signed in, a member

    # Coming back: the same account, found by issuer and subject, not a second one
    again = app.test_client()
    assert sign_in(again, "fusie", "anna").status_code == 302
    with make.session(tenant.id) as db:
        identities = db.scalars(select(SsoIdentity)).all()
        assert [(i.issuer, i.subject) for i in identities] == [(provider.issuer, "anna")]
        assert db.scalar(select(User).where(User.email == "anna@fusie.example")).id == user.id


def test_without_a_claim_the_legacy_organisation_is_asked_once(app, make, tenant, provider):
    configure(app, tenant, provider, legacy_org_claim="")
    client = app.test_client()
    response = sign_in(client, "fusie", "bram")
    assert response.headers["Location"].endswith("/t/fusie/sso/organisation")
    page = client.text("/t/fusie/sso/organisation")
    assert "Which organisation did you work for before the merger?" in page
    response = client.submit("/t/fusie/sso/organisation", {"legacy_org": str(tenant.legacy_org_ids[2])})
    assert response.status_code == 302
    assert membership_of(make, tenant, "bram@fusie.example")[2] == tenant.legacy_org_ids[2]
    # never again
    assert sign_in(app.test_client(), "fusie", "bram").headers["Location"].endswith("/t/fusie/")
    assert client.get("/t/fusie/sso/organisation").headers["Location"].endswith("/t/fusie/")


def test_the_settings_page_never_shows_the_client_secret(app, make, tenant, provider):
    admin = configure(app, tenant, provider)
    page = admin.text("/t/fusie/sso/settings")
    assert SECRET not in page and "A client secret is set." in page
    assert "http://localhost/t/fusie/sso/callback" in page  # the redirect address to register
    # saving without a secret keeps the one that is set: people still sign in
    configure(app, tenant, provider, client_secret="")
    assert sign_in(app.test_client(), "fusie", "anna").status_code == 302
    assert membership_of(make, tenant, "anna@fusie.example")[1] is not None
    with make.session(tenant.id) as db:
        from saas.sso.models import OidcConnection
        assert SECRET not in db.scalar(select(OidcConnection)).client_secret  # stored encrypted


def refusal(response, client, text):
    assert response.status_code == 302 and response.headers["Location"].endswith("/t/fusie/sso/login")
    page = client.text("/t/fusie/sso/login")
    assert text in page, page
    assert client.get("/t/fusie/").status_code == 302  # nobody signed in


def test_an_answer_for_another_sign_in_is_refused_state_mismatch(app, make, tenant, provider):
    configure(app, tenant, provider)
    client = app.test_client()
    response = client.submit("/t/fusie/sso/login", {"action": "sso"})
    back = Person("anna").authorize(response.headers["Location"])
    parts = urlsplit(back)
    query = parse_qs(parts.query)
    forged = f"{parts.path}?code={query['code'][0]}&state=not-the-state&iss={query['iss'][0]}"
    refusal(client.get(forged), client, "does not belong to a sign-in started in this browser")
    # and an answer arriving in a browser that started nothing
    stranger = app.test_client()
    refusal(stranger.get(f"{parts.path}?{parts.query}"), stranger, "does not belong to a sign-in started")
    assert membership_of(make, tenant, "anna@fusie.example")[0] is None


def test_a_provider_naming_itself_differently_is_refused_wrong_issuer(app, make, tenant, provider):
    # the same provider reached as localhost: its discovery document names 127.0.0.1, not the issuer configured
    configure(app, tenant, provider, issuer=provider.issuer.replace("127.0.0.1", "localhost"))
    client = app.test_client()
    response = client.submit("/t/fusie/sso/login", {"action": "sso"})
    assert response.status_code == 302
    assert "names itself differently" in client.text("/t/fusie/sso/login")


def real_id_token(provider, *, login="anna"):
    """An ID token the provider issued to Koers's client, fetched as the client would, with its nonce."""
    redirect = CALLBACK.format(slug="fusie")
    url, pending = oidc.authorization_request(provider.issuer, "koers", redirect, "openid email")
    back = parse_qs(urlsplit(Person(login).authorize(url)).query)
    metadata = oidc.discover(provider.issuer)
    token = requests.post(metadata["token_endpoint"], auth=("koers", SECRET), timeout=10, data={
        "grant_type": "authorization_code", "code": back["code"][0], "redirect_uri": redirect,
        "code_verifier": pending["verifier"]}).json()
    return metadata, token, pending


def test_id_token_checks_refuse_wrong_audience_issuer_and_nonce(app, provider):
    metadata, token, pending = real_id_token(provider)
    claims = oidc.id_token_claims(metadata, token["id_token"], client_id="koers", nonce=pending["nonce"],
                                  access_token=token["access_token"])
    assert claims["sub"] == "anna" and claims["iss"] == provider.issuer
    with pytest.raises(oidc.TokenRefused):  # wrong audience: issued to another client
        oidc.id_token_claims(metadata, token["id_token"], client_id="another-app", nonce=pending["nonce"])
    with pytest.raises(oidc.TokenRefused):  # nonce mismatch: replayed into another sign-in
        oidc.id_token_claims(metadata, token["id_token"], client_id="koers", nonce="another-sign-in")
    with pytest.raises(oidc.TokenRefused):  # wrong issuer
        oidc.id_token_claims(dict(metadata, issuer="https://login.microsoftonline.com/x/v2.0"),
                             token["id_token"], client_id="koers", nonce=pending["nonce"])
    with pytest.raises(oidc.TokenRefused):  # a signature that is not the provider's
        oidc.id_token_claims(metadata, token["id_token"][:-4] + "AAAA", client_id="koers", nonce=pending["nonce"])


def test_people_the_tenant_has_not_allowed_are_refused(app, make, tenant, provider):
    configure(app, tenant, provider, allowed_domains="fusie.example")
    client = app.test_client()
    refusal(sign_in(client, "fusie", "carla"), client, "People with this e-mail address may not sign in")
    client = app.test_client()
    refusal(sign_in(client, "fusie", "dirk"), client, "did not confirm your e-mail address")
    assert membership_of(make, tenant, "carla@elders.example")[0] is None
    assert membership_of(make, tenant, "dirk@fusie.example")[0] is None

    # without just-in-time membership only people who are members already get in
    configure(app, tenant, provider, jit=None)
    client = app.test_client()
    refusal(sign_in(client, "fusie", "bram"), client, "You are not a member of this organisation yet")
    make.member(tenant, "bram@fusie.example")  # invited before: his account is found by the vouched address
    assert sign_in(app.test_client(), "fusie", "bram").headers["Location"].endswith("/t/fusie/sso/organisation")


@pytest.mark.smoke
def test_when_sso_is_required_password_log_in_is_refused_but_for_the_break_glass_admin(app, make, tenant, provider):
    make.member(tenant, "bram@fusie.example")
    with make.session() as db:
        admin_id = db.scalar(select(User.id).where(User.email == tenant.admin_email))
    admin = app.test_client()
    admin.login(tenant.admin_email)
    response = admin.submit("/t/fusie/sso/settings", {
        "display_name": "Fusie ID", "issuer": provider.issuer, "client_id": "koers", "client_secret": SECRET,
        "email_claim": "email", "jit": "y", "enabled": "y", "sso_required": "y", "break_glass_user_id": ""})
    assert "Choose a break-glass administrator" in response.get_data(as_text=True)
    configure(app, tenant, provider, sso_required="y", break_glass_user_id=str(admin_id))

    member = app.test_client()
    response = member.submit("/login", {"email": "bram@fusie.example", "password": PASSWORD})
    assert response.status_code == 200
    assert "requires signing in through its own sign-in service" in response.get_data(as_text=True)
    assert member.get("/t/fusie/").status_code == 302
    # a wrong password is just wrong: whether the account is in such a tenant is not told
    response = member.submit("/login", {"email": "bram@fusie.example", "password": "wrong"})
    assert "requires signing in" not in response.get_data(as_text=True)
    # the break-glass admin still logs in with a password; Bram signs in through the provider
    app.test_client().login(tenant.admin_email)
    assert sign_in(app.test_client(), "fusie", "bram").headers["Location"].endswith("/t/fusie/sso/organisation")


def test_the_log_in_page_leads_to_the_organisations_sign_in(app, tenant, provider, make):
    client = app.test_client()
    assert "Sign in with your organisation" in client.text("/login")
    assert client.get("/sso?organisation=fusie").headers["Location"].endswith("/login")  # not configured yet
    configure(app, tenant, provider)
    assert client.get("/sso?organisation=fusie").headers["Location"].endswith("/t/fusie/sso/login")
    response = client.get("/t/fusie/sso/login")
    assert "Sign in with Fusie ID" in response.get_data(as_text=True)
    # the button's form is answered by a redirect to the provider, which the page's policy must allow
    assert f"form-action 'self' {provider.issuer};" in response.headers["Content-Security-Policy"]
    client.submit("/language", {"language": "nl"}, page="/login")
    assert "Inloggen met Fusie ID" in client.text("/t/fusie/sso/login")  # both languages
    assert "Inloggen via je organisatie" in client.text("/login")
    assert client.get("/t/nobody/sso/login").status_code == 404
    make.tenant("other")
    assert client.get("/t/other/sso/login").status_code == 404  # no provider there


def test_a_reset_link_does_not_open_a_way_around_required_single_sign_on(app, make, tenant, provider):
    from tests.helpers import link_in

    make.member(tenant, "bram@fusie.example")
    with make.session() as db:
        admin_id = db.scalar(select(User.id).where(User.email == tenant.admin_email))
    configure(app, tenant, provider, sso_required="y", break_glass_user_id=str(admin_id))
    client = app.test_client()
    client.submit("/password/forgot", {"email": "bram@fusie.example"})
    link = urlsplit(link_in(make.mails_to("bram@fusie.example")[-1].body)).path
    response = client.submit(link, {"password": "a brand new password", "confirm": "a brand new password"})
    assert "requires signing in through its own sign-in service" in response.get_data(as_text=True)
    assert client.get("/t/fusie/").status_code == 302  # not signed in


def test_entra_people_are_known_by_their_object_id_not_their_address():
    from saas.sso.models import OidcConnection
    from saas.sso.service import subject_of

    entra = OidcConnection(issuer="https://login.microsoftonline.com/0b5f4c4e-0000-4000-8000-000000000001/v2.0")
    claims = {"sub": "pairwise-for-this-app", "oid": "3f1c-object-id", "tid": "0b5f4c4e-0000-4000-8000-000000000001"}
    assert subject_of(entra, claims) == "3f1c-object-id"
    other = OidcConnection(issuer="https://idp.example.org")
    assert subject_of(other, claims) == "pairwise-for-this-app"
    assert oidc.issuer_of("https://idp.example.org/.well-known/openid-configuration") == "https://idp.example.org"


# ---- does a sign-in through the tenant's provider satisfy its two-factor policy? --------------------------

def _require_two_factor(make, tenant):
    from tenants.models import Tenant

    with make.session(tenant.id) as db:
        db.get(Tenant, tenant.id).require_two_factor = True


def _mfa_provider(**extra_accounts):
    return Provider(
        clients=[{"client_id": "koers", "client_secret": SECRET, "redirect_uris": [CALLBACK.format(slug="fusie")]}],
        accounts={"anna": {"email": "anna@fusie.example", "groups": ["koers-admins"]},
                  "erik": {"email": "erik@fusie.example", "groups": ["koers-admins"], "amr": ["pwd", "mfa"]},
                  **extra_accounts})


@pytest.fixture
def mfa_provider():
    started = _mfa_provider()
    yield started
    started.stop()


def test_a_provider_the_admin_says_enforces_mfa_satisfies_the_policy_but_a_password_still_needs_the_second_factor(
        app, make, tenant, mfa_provider):
    configure(app, tenant, mfa_provider, role_map="koers-admins = admin", enforces_mfa="y")
    _require_two_factor(make, tenant)
    anna = app.test_client()
    assert sign_in(anna, "fusie", "anna").status_code == 302
    assert anna.get("/t/fusie/").status_code == 200  # not sent to set up two-factor sign-in

    from saas.auth.service import hash_password
    with make.session() as db:  # she also chose a password (through "forgot password")
        db.scalar(select(User).where(User.email == "anna@fusie.example")).password_hash = hash_password(PASSWORD)
    by_password = app.test_client()
    by_password.login("anna@fusie.example")
    sent = by_password.get("/t/fusie/")
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/account/two-factor")


def test_without_the_admins_word_only_an_id_token_that_names_mfa_satisfies_the_policy(app, make, tenant,
                                                                                      mfa_provider):
    configure(app, tenant, mfa_provider, role_map="koers-admins = admin")  # the box not ticked
    _require_two_factor(make, tenant)
    anna = app.test_client()  # the provider asked her a password only: the policy asks for the second factor
    assert sign_in(anna, "fusie", "anna").status_code == 302
    sent = anna.get("/t/fusie/")
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/account/two-factor")
    erik = app.test_client()  # the ID token says amr ["pwd", "mfa"]
    assert sign_in(erik, "fusie", "erik").status_code == 302
    assert erik.get("/t/fusie/").status_code == 200


def test_one_tenants_provider_does_not_satisfy_another_tenants_policy(app, make, tenant, mfa_provider):
    configure(app, tenant, mfa_provider, role_map="koers-admins = admin", enforces_mfa="y")
    anna = app.test_client()
    assert sign_in(anna, "fusie", "anna").status_code == 302
    west = make.tenant("west")
    make.member(west, "anna@fusie.example", roles=("admin",))
    _require_two_factor(make, west)
    sent = anna.get("/t/west/")  # West's policy asks her for a second factor of her own
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/account/two-factor")
    assert anna.get("/t/fusie/").status_code == 200


def test_an_account_with_its_own_second_factor_is_asked_for_it_after_a_password_only_provider(app, make, tenant,
                                                                                              mfa_provider):
    from tests.test_twofactor import enrol, next_code

    configure(app, tenant, mfa_provider)
    anna = app.test_client()
    assert sign_in(anna, "fusie", "anna").status_code == 302
    totp, _codes = enrol(anna)
    anna.submit("/logout", page="/account")
    again = sign_in(anna, "fusie", "anna")
    assert again.status_code == 302 and again.headers["Location"].startswith("/login/code")
    assert anna.get("/account").status_code == 302  # not signed in before the code
    assert anna.submit("/login/code", {"code": next_code(totp)}).status_code == 302
    assert anna.get("/t/fusie/").status_code == 200


def test_a_new_configuration_has_the_mfa_setting_ticked(app, tenant):
    admin = app.test_client()
    admin.login(tenant.admin_email)
    page = admin.text("/t/fusie/sso/settings")
    assert re.search(r'<input[^>]*checked[^>]*id="enforces_mfa"|<input[^>]*id="enforces_mfa"[^>]*checked', page)


def test_the_amr_claim_counts_only_for_methods_beyond_the_password():
    from saas.sso.service import mfa_claimed

    assert mfa_claimed({"amr": ["pwd", "mfa"]}) and mfa_claimed({"amr": ["hwk"]}) and mfa_claimed({"amr": ["OTP"]})
    assert not mfa_claimed({"amr": ["pwd"]}) and not mfa_claimed({}) and not mfa_claimed({"amr": "mfa"})
