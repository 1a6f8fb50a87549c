"""The account holes of issue 18 (point 5), each as an attacker or a user would meet it."""
import pytest
from sqlalchemy import select

from saas.kernel.config import ConfigError, Settings
from tests.helpers import CSRF, PASSWORD, link_in


SIGN_UP = {"name": "Eve", "password": "a long password", "confirm": "a long password"}


def sign_up(client, email):
    return client.submit("/signup", {**SIGN_UP, "email": email})


# ---- a. addresses are confirmed; consultants are invited and accept ------------------------------

@pytest.mark.smoke
def test_an_unconfirmed_account_signs_in_but_creates_no_organisation_until_it_confirms(client, make):
    sign_up(client, "ada@example.org")
    client.login("ada@example.org", "a long password")
    assert "not confirmed yet" in client.text("/account")
    page = client.submit("/tenants/new", {"name": "Oost", "slug": "oost", "country": "NL", "language": "en"})
    assert page.status_code == 200 and "Confirm your e-mail address first" in page.get_data(as_text=True)
    assert client.get("/t/oost/").status_code == 404
    client.get(link_in(make.mails_to("ada@example.org")[0].body))
    response = client.submit("/tenants/new", {"name": "Oost", "slug": "oost", "country": "NL", "language": "en"})
    assert response.status_code == 302 and client.get("/t/oost/").status_code == 200


def test_an_unconfirmed_member_is_not_made_administrator(make):
    from saas.administration.service import change_membership
    from saas.auth.service import EmailNotVerified
    from tenants.models import Membership

    tenant = make.tenant("oost")
    make.user("eve@example.org", verified=False)
    membership_id = make.member(tenant, "eve@example.org")
    with pytest.raises(EmailNotVerified):
        with make.session(tenant.id) as db:
            change_membership(db, db.get(Membership, membership_id), roles=["member", "admin"], legacy_org_id=None)
    with make.session(tenant.id) as db:
        assert db.get(Membership, membership_id).roles == {"member"}


def test_a_confirmation_link_is_signed_and_works_once(client, make):
    sign_up(client, "ada@example.org")
    link = link_in(make.mails_to("ada@example.org")[0].body)
    forged = link[:-3] + ("abc" if not link.endswith("abc") else "xyz")
    assert "invalid or has expired" in client.get(forged, follow_redirects=True).get_data(as_text=True)
    assert "is confirmed" in client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "invalid or has expired" in client.get(link, follow_redirects=True).get_data(as_text=True)


def _consultancy(make):
    owner = make.app.test_client()
    make.user("olga@advies.example", name="Olga")
    owner.login("olga@advies.example")
    assert owner.submit("/billing/consultancy/new", {"name": "Olga Advies"}).status_code == 302
    response = owner.submit("/billing/consultancy/clients/new", {
        "name": "Gemeente Zuid", "slug": "zuid", "country": "NL", "language": "en", "admin_email": "hanna@zuid.example"})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    return owner


def test_whoever_registered_a_colleagues_address_first_does_not_become_consultant(make):
    owner = _consultancy(make)
    squatter = make.app.test_client()
    sign_up(squatter, "piet@advies.example")  # Eve signs up with Piet's address, before Piet does
    squatter.login("piet@advies.example", "a long password")
    response = owner.submit("/billing/consultancy/account", {"email": "piet@advies.example"})
    assert response.status_code == 302
    assert "An invitation has been sent to piet@advies.example" in owner.text("/billing/consultancy/account")
    # Eve has no way in: not a consultant, not in the client; the link went to Piet's mailbox
    assert squatter.get("/billing/consultancy").status_code == 302
    assert squatter.get("/t/zuid/").status_code in (403, 404)
    [invitation] = [m for m in make.mails_to("piet@advies.example") if "consultancy" in m.subject]
    assert "Olga Advies" in invitation.subject
    # even holding the link, an unconfirmed account cannot accept it
    page = squatter.text(link_in(invitation.body))
    assert "Confirm your e-mail address first" in page
    squatter.submit(link_in(invitation.body), {"action": "accept"})
    assert squatter.get("/t/zuid/").status_code in (403, 404)


def test_a_colleague_accepts_the_invitation_signed_in_with_the_invited_address(make):
    owner = _consultancy(make)
    make.user("piet@advies.example", name="Piet")
    make.user("kees@elders.example", name="Kees")
    owner.submit("/billing/consultancy/account", {"email": "Piet@Advies.example"})
    link = link_in(make.mails_to("piet@advies.example")[-1].body)
    kees = make.app.test_client()
    kees.login("kees@elders.example")
    assert "sent to another e-mail address" in kees.text(link)
    kees.submit(link, {"action": "accept"})
    assert kees.get("/t/zuid/").status_code in (403, 404)
    piet = make.app.test_client()
    assert piet.get(link).headers["Location"].startswith("/login")  # sign in first
    piet.login("piet@advies.example")
    response = piet.submit(link, {"action": "accept"})
    assert response.status_code == 302
    assert "Gemeente Zuid" in piet.text("/billing/consultancy")
    assert piet.get("/t/zuid/").status_code == 200
    # used once
    assert "expired, was withdrawn or has already been used" in piet.text(link)


def test_the_consultancy_sees_pending_invitations_and_withdraws_one(make):
    owner = _consultancy(make)
    make.user("piet@advies.example", name="Piet")
    owner.submit("/billing/consultancy/account", {"email": "piet@advies.example"})
    page = owner.text("/billing/consultancy/account")
    assert "Invitations not accepted yet" in page and "piet@advies.example" in page
    from billing.models import ConsultantInvitation

    with make.session() as db:
        invitation_id = db.scalar(select(ConsultantInvitation.id))
    url = f"/billing/consultancy/invitations/{invitation_id}/withdraw"
    assert "Withdraw the invitation to piet@advies.example?" in owner.text(url)
    response = owner.submit(url, {"action": "withdraw", "confirmed": "yes"}, page=url)
    assert response.status_code == 302
    assert "piet@advies.example" not in owner.text("/billing/consultancy/account")
    piet = make.app.test_client()
    piet.login("piet@advies.example")
    link = link_in(make.mails_to("piet@advies.example")[-1].body)
    assert "expired, was withdrawn" in piet.text(link)
    assert piet.get("/t/zuid/").status_code in (403, 404)


# ---- b. sign-up does not tell who has an account --------------------------------------------------

def test_sign_up_answers_the_same_for_a_new_and_a_known_address(app, make):
    make.user("known@example.org")
    answers = []
    for email in ("known@example.org", "new@example.org"):
        client = app.test_client()
        response = sign_up(client, email)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        page = CSRF.sub("csrf", page.replace(email, "ADDRESS"))  # each browser has its own form token
        answers.append((response.status_code, response.headers["Location"], page))
    assert answers[0] == answers[1]
    [attempt] = make.mails_to("known@example.org")
    assert "Someone tried to sign up" in attempt.subject and "/password/forgot" in attempt.body
    # the owner's account is untouched: the old password still works, the new one does not
    client = app.test_client()
    assert client.submit("/login", {"email": "known@example.org", "password": "a long password"}).status_code == 200
    client.login("known@example.org", PASSWORD)


# ---- c. limits on the client's address behind the proxy, backing off per account ------------------

@pytest.fixture
def proxied(stack, database):
    """The app behind one proxy (nginx in front of gunicorn): every request comes from the proxy's address."""
    from saas import create_app
    from saas.kernel.extensions import limiter
    from tests.conftest import settings_for
    from tests.helpers import KoersClient

    application = create_app(settings_for(stack, proxy_hops=1), database=database, testing=True)
    application.test_client_class = KoersClient
    limiter.reset()
    return application


def through_proxy(app, client_address):
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client_address)
    return client


def test_ten_failed_logins_from_one_client_do_not_block_another(proxied, make):
    make.user("ada@example.org")
    make.user("bob@example.org")
    a = through_proxy(proxied, "198.51.100.7")
    statuses = [a.submit("/login", {"email": f"user{i}@example.org", "password": "wrong"}).status_code
                for i in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429  # the client A is slowed down
    b = through_proxy(proxied, "203.0.113.9")
    assert b.submit("/login", {"email": "bob@example.org", "password": PASSWORD}).status_code == 302


def test_an_attacker_cannot_lock_a_chosen_account_for_its_owner_elsewhere(proxied, make):
    make.user("ada@example.org")
    attacker = through_proxy(proxied, "198.51.100.7")
    statuses = [attacker.submit("/login", {"email": "ada@example.org", "password": f"guess {i}"}).status_code
                for i in range(30)]
    assert 429 in statuses and statuses.count(200) <= 20  # the guesser backs off
    owner = through_proxy(proxied, "203.0.113.9")
    assert owner.submit("/login", {"email": "ada@example.org", "password": PASSWORD}).status_code == 302
    assert owner.get("/account").status_code == 200


def test_proxy_hops_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("KOERS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s")
    monkeypatch.setenv("DATABASE_URL", "postgresql://koers@db/koers")
    monkeypatch.setenv("KOERS_PROXY_HOPS", "1")
    assert Settings.from_env().proxy_hops == 1
    monkeypatch.setenv("KOERS_PROXY_HOPS", "many")
    with pytest.raises(ConfigError, match="KOERS_PROXY_HOPS"):
        Settings.from_env()
    monkeypatch.delenv("KOERS_PROXY_HOPS")
    assert Settings.from_env().proxy_hops == 0


# ---- d. the development outbox ------------------------------------------------------------------

def test_the_outbox_is_not_served_to_another_machine(app, client):
    assert client.get("/dev/outbox").status_code == 200  # the test settings turn it on, for this machine
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert other.get("/dev/outbox").status_code == 404


@pytest.mark.smoke
def test_the_outbox_is_on_only_in_development_on_sqlite(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s")
    monkeypatch.setenv("KOERS_DEV_OUTBOX", "1")
    cases = [("production", "postgresql://koers@db/koers", False), ("production", "sqlite://", False),
             ("development", "postgresql://koers@db/koers", False), ("test", "sqlite://", False),
             ("development", "sqlite://", True)]
    for env, url, expected in cases:
        monkeypatch.setenv("KOERS_ENV", env)
        monkeypatch.setenv("DATABASE_URL", url)
        assert Settings.from_env().dev_outbox is expected, (env, url)
    monkeypatch.delenv("KOERS_ENV")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    assert Settings.from_env().dev_outbox is True  # a laptop with its SQLite file: development


def test_a_server_database_without_koers_env_refuses_to_start(monkeypatch):
    monkeypatch.delenv("KOERS_ENV", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://koers@db/koers")
    with pytest.raises(ConfigError, match="KOERS_ENV is not set"):
        Settings.from_env()


# ---- e. logging out ends the session on the server ----------------------------------------------

def test_a_copied_cookie_no_longer_signs_in_after_logout(app, client, make):
    make.user("ada@example.org")
    client.login("ada@example.org")
    cookie = client.get_cookie("session").value
    client.submit("/logout", page="/account")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_password_reset_ends_a_copied_session(app, client, make):
    make.user("ada@example.org")
    client.login("ada@example.org")
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/account").status_code == 200
    owner = app.test_client()
    owner.submit("/password/forgot", {"email": "ada@example.org"})
    owner.submit(link_in(make.mails_to("ada@example.org")[0].body),
                 {"password": "a brand new password", "confirm": "a brand new password"})
    assert thief.get("/account").status_code == 302


# ---- f. one free trial at a time per confirmed address, one tenant per organisation ---------------

def _create(client, name, slug):
    return client.submit("/tenants/new", {"name": name, "slug": slug, "country": "NL", "language": "en"})


def test_an_account_starts_one_trial_at_a_time(client, make):
    make.user("ada@example.org")
    client.login("ada@example.org")
    assert _create(client, "Sociale Dienst Oost", "oost").status_code == 302
    page = _create(client, "Sociale Dienst West", "west")
    assert page.status_code == 200
    assert "an account creates one organisation per 14 days" in page.get_data(as_text=True)
    assert client.get("/t/west/").status_code == 404


def test_the_same_organisation_is_not_created_twice(client, make):
    make.tenant("oost", name="Sociale Dienst Oost")
    make.user("eve@example.org")
    client.login("eve@example.org")
    page = _create(client, "sociale dienst  OOST.", "oost2")
    assert page.status_code == 200
    assert "An organisation with this name already uses Koers" in page.get_data(as_text=True)


@pytest.mark.smoke
def test_the_same_organisation_is_recognised_without_its_accents_case_or_spacing(app, make):
    make.tenant("sudwest", name="Gemeente Súdwest-Fryslân")
    make.user("eve@example.org")
    make.user("bob@example.org")
    eve, bob = app.test_client(), app.test_client()
    eve.login("eve@example.org")
    page = _create(eve, "gemeente  SUDWEST fryslan", "sudwest2")
    assert page.status_code == 200
    assert "An organisation with this name already uses Koers" in page.get_data(as_text=True)
    # "gemeente" is part of the name, not stripped: a water board of the same region is another organisation
    bob.login("bob@example.org")
    assert _create(bob, "Waterschap Súdwest-Fryslân", "wetterskip").status_code == 302


def test_a_colleague_at_the_same_organisation_domain_gets_no_second_trial_under_another_name(app, make):
    make.user("hanna@gemeente-oost.nl")
    make.user("piet@gemeente-oost.nl")
    hanna, piet = app.test_client(), app.test_client()
    hanna.login("hanna@gemeente-oost.nl")
    assert _create(hanna, "Gemeente Oost", "oost").status_code == 302
    piet.login("piet@gemeente-oost.nl")
    page = _create(piet, "Fusieorganisatie Oost-West", "oostwest")
    assert page.status_code == 200
    assert "Someone with an address at gemeente-oost.nl already created an organisation" in page.get_data(as_text=True)
    assert piet.get("/t/oostwest/").status_code == 404


def test_people_at_a_public_mail_service_are_not_one_organisation(app, make):
    for email, name, slug in (("jan@gmail.com", "Stichting Noord", "noord"), ("kees@gmail.com", "Stichting Zuid", "zuid"),
                              ("els@ziggo.nl", "Stichting West", "west"), ("anna@ziggo.nl", "Stichting Oost", "oost")):
        make.user(email)
        person = app.test_client()
        person.login(email)
        assert _create(person, name, slug).status_code == 302, email


def test_the_trial_limit_speaks_dutch(client, make):
    make.user("ada@example.org", locale="nl")
    client.login("ada@example.org")
    _create(client, "Sociale Dienst Oost", "oost")
    page = _create(client, "Sociale Dienst West", "west").get_data(as_text=True)
    assert "proefperiode" in page


def test_only_the_first_organisation_an_account_makes_has_a_free_trial(make, settings):
    """With billing on, a later tenant of the same maker starts without a trial: read-only until subscribed."""
    from dataclasses import replace
    from datetime import timedelta

    from billing import entitlements
    from saas.administration import service
    from saas.auth.service import find_user
    from saas.kernel.db import utcnow
    from tenants.models import Tenant

    billed = replace(settings, stripe_secret_key="sk_test_anything")
    make.user("ada@example.org")
    with make.session() as db:
        ada = find_user(db, "ada@example.org")
        first = service.create_tenant(db, ada, name="Oost", slug="oost", country="NL", language="en", trial_days=14)
        first.created_at = utcnow() - timedelta(days=15)  # the cap of one per trial period has passed
        first_id = first.id
    with make.session() as db:
        ada = find_user(db, "ada@example.org")
        second_id = service.create_tenant(db, ada, name="West", slug="west", country="NL", language="en",
                                          trial_days=14).id
    with make.session(first_id) as db:
        assert entitlements.tenant_entitlement(db, db.get(Tenant, first_id), settings=billed).state \
            == entitlements.TRIAL_ENDED  # fifteen days: its fourteen are over
    with make.session(second_id) as db:
        second = entitlements.tenant_entitlement(db, db.get(Tenant, second_id), settings=billed)
        assert second.state == entitlements.TRIAL_ENDED and not second.writable
    make.user("bob@example.org")
    with make.session() as db:
        bob = find_user(db, "bob@example.org")
        third_id = service.create_tenant(db, bob, name="Noord", slug="noord", country="NL", language="en",
                                         trial_days=14).id
    with make.session(third_id) as db:
        assert entitlements.tenant_entitlement(db, db.get(Tenant, third_id), settings=billed).state \
            == entitlements.TRIALING
