"""Security keys and passkeys as a second factor (issue 18, point 4: WebAuthn), as a person meets them through
the pages, with a security key in software (tests/soft_authenticator.py); and the ceremony's refusals at the
service: a wrong challenge, a wrong origin, a counter that goes back (a cloned key), an expired ceremony.
The browser story with Chromium's virtual authenticator is tests/browser/test_security_keys.py."""
import html
import re
import time

import pytest
from sqlalchemy import select

from tests.helpers import CSRF, PASSWORD
from tests.soft_authenticator import SoftKey
from tests.test_twofactor import RECOVERY, enrol, next_code, password_step, signed_in

OPTIONS = re.compile(r'data-options="([^"]+)"')
RP_BASE = "http://localhost"  # the tests' BASE_URL (tests/conftest.py)


def options_and_token(client, url):
    page = client.text(url)
    return html.unescape(OPTIONS.search(page).group(1)), CSRF.search(page).group(1)


def add_key(client, key: SoftKey, name="Blue key", next_=None):
    url = "/account/security-keys" + (f"?next={next_}" if next_ else "")
    options, token = options_and_token(client, url)
    return client.post(url, data={"csrf_token": token, "name": name, "credential": key.create(options)})


def sign_in_with_key(client, key: SoftKey, **wrong):
    options, token = options_and_token(client, "/login/code")
    return client.post("/login/key", data={"csrf_token": token, "credential": key.get(options, **wrong)})


@pytest.fixture
def ada(client, make):
    make.user("ada@example.org")
    client.login("ada@example.org")
    return client


def test_a_first_key_is_registered_with_recovery_codes_and_signs_in_after_the_password(ada, make):
    key = SoftKey()
    shown = add_key(ada, key, name="Blue key on my keyring")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    codes = RECOVERY.findall(shown.get_data(as_text=True))
    assert len(codes) == 10  # the key is the first second factor: the recovery codes come with it
    page = ada.text("/account/security-keys")
    assert "Blue key on my keyring" in page and "Not yet" in page
    ada.submit("/logout", page="/account")

    password_step(ada)  # the password alone no longer signs in
    assert not signed_in(ada)
    assert sign_in_with_key(ada, key).status_code == 302
    assert signed_in(ada)
    assert "Not yet" not in ada.text("/account/security-keys")  # its last use is shown
    from saas.auth.security_keys import SecurityKey
    with make.session() as db:
        assert db.scalar(select(SecurityKey.sign_count)) == 1


def test_without_the_key_a_recovery_code_still_signs_in(ada):
    codes = RECOVERY.findall(add_key(ada, SoftKey()).get_data(as_text=True))
    ada.submit("/logout", page="/account")
    password_step(ada)
    page = ada.text("/login/code")
    assert "No security key at hand? Enter one of your recovery codes" in page
    assert ada.submit("/login/code", {"code": "123456"}).status_code == 200  # no app: six digits are no code
    assert ada.submit("/login/code", {"code": codes[0]}).status_code == 302
    assert signed_in(ada)


def test_an_account_with_keys_only_makes_new_recovery_codes_with_a_key(ada):
    key = SoftKey()
    old = RECOVERY.findall(add_key(ada, key).get_data(as_text=True))
    options, token = options_and_token(ada, "/account/two-factor")
    shown = ada.post("/account/two-factor/recovery-codes/key", data={"csrf_token": token,
                                                                     "credential": key.get(options)})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    new = RECOVERY.findall(shown.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    ada.submit("/logout", page="/account")
    password_step(ada)
    assert ada.submit("/login/code", {"code": old[0]}).status_code == 200  # the old ones no longer work
    assert ada.submit("/login/code", {"code": new[0]}).status_code == 302


def test_a_second_key_is_added_without_new_codes_and_the_app_and_a_key_both_sign_in(ada):
    totp, _codes = enrol(ada)
    second = add_key(ada, SoftKey(), name="Laptop")
    assert second.status_code == 302 and second.headers["Location"].startswith("/account/security-keys")
    assert "Laptop" in ada.text("/account/security-keys")
    ada.submit("/logout", page="/account")
    password_step(ada)
    assert 'data-webauthn="sign-in"' in ada.text("/login/code")
    assert ada.submit("/login/code", {"code": next_code(totp)}).status_code == 302
    assert signed_in(ada)


def test_a_key_is_removed_only_after_confirming_and_the_last_one_takes_the_recovery_codes(ada, make):
    from saas.auth.security_keys import SecurityKey
    from saas.auth.twofactor import RecoveryCode

    add_key(ada, SoftKey(), name="Blue key")
    with make.session() as db:
        key_id = db.scalar(select(SecurityKey.id))
    url = f"/account/security-keys/{key_id}/remove"
    confirm = ada.text(url)
    assert "Remove the security key “Blue key”?" in confirm and "It is your last second factor" in confirm
    ada.submit(url, {"action": "remove"})  # a stray POST without the confirmation changes nothing
    assert "Blue key" in ada.text("/account/security-keys")
    assert ada.submit(url, {"action": "remove", "confirmed": "yes"}).status_code == 302
    assert "You have no security keys yet" in ada.text("/account/security-keys")
    with make.session() as db:
        assert db.scalar(select(RecoveryCode.id)) is None
    ada.submit("/logout", page="/account")
    ada.login("ada@example.org")  # the password alone again


def test_another_accounts_key_cannot_be_removed(ada, app, make):
    from saas.auth.security_keys import SecurityKey

    add_key(ada, SoftKey())
    with make.session() as db:
        key_id = db.scalar(select(SecurityKey.id))
    make.user("eve@example.org")
    eve = app.test_client()
    eve.login("eve@example.org")
    assert eve.get(f"/account/security-keys/{key_id}/remove").status_code == 404
    assert eve.submit(f"/account/security-keys/{key_id}/remove", {"action": "remove", "confirmed": "yes"},
                      page="/account").status_code == 404


def test_a_key_satisfies_the_tenants_two_factor_policy(client, make):
    oost = make.tenant("oost", "hanna@oost.example")
    with make.session(oost.id) as db:
        from tenants.models import Tenant
        db.get(Tenant, oost.id).require_two_factor = True
    client.login("hanna@oost.example")
    sent = client.get("/t/oost/settings")
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/account/two-factor")
    assert add_key(client, SoftKey(), next_="/t/oost/settings").status_code == 200  # the codes, once
    assert client.get("/t/oost/settings").status_code == 200


def test_without_javascript_the_key_forms_stay_hidden_and_say_why(ada):
    page = ada.text("/account/security-keys")
    assert re.search(r'<form [^>]*data-webauthn="register"[^>]*\bhidden\b', page, re.S)
    assert "Adding a security key needs JavaScript" in page
    assert 'src="/static/webauthn.js"' in page and "<script>" not in page  # no inline script (the CSP)
    refused = ada.submit("/account/security-keys", {"name": "Blue key"}, page="/account/security-keys")
    assert refused.status_code == 200 and "did not pass on an answer of a security key" in refused.get_data(
        as_text=True)


def test_a_broken_answer_is_a_clear_refusal_never_a_500(ada):
    for answer in ("{", "[]", '{"id": 1}', "x" * 20000):
        options, token = options_and_token(ada, "/account/security-keys")
        page = ada.post("/account/security-keys", data={"csrf_token": token, "name": "Key", "credential": answer})
        assert page.status_code == 200, answer[:20]
        text = page.get_data(as_text=True)
        assert "could not be checked" in text or "At most" in text


# ---- the ceremony's checks, at the service ------------------------------------------------------

@pytest.fixture
def ceremony_world(make, app):
    from saas.auth import security_keys
    from saas.auth.service import find_user

    make.user("ada@example.org")
    rp = security_keys.RelyingParty.from_base_url(RP_BASE)
    key = SoftKey()
    with app.test_request_context(), make.session() as db:
        user = find_user(db, "ada@example.org")
        options, ceremony = security_keys.begin_registration(db, user, rp)
        security_keys.finish_registration(db, user, rp, name="Blue key", answer=key.create(options),
                                          ceremony=ceremony)
    return rp, key


def _sign_in(make, app, rp, answer_for, ceremony_for=None):
    from saas.auth import security_keys
    from saas.auth.service import find_user

    with app.test_request_context(), make.session() as db:
        user = find_user(db, "ada@example.org")
        options, ceremony = security_keys.begin_sign_in(db, user, rp)
        return security_keys.check_sign_in(db, user, rp, answer=answer_for(options),
                                           ceremony=ceremony_for(ceremony) if ceremony_for else ceremony)


def test_the_relying_party_is_the_configured_base_url():
    from saas.auth.security_keys import RelyingParty

    rp = RelyingParty.from_base_url("https://koers.gemeente.example:8443/")
    assert rp.id == "koers.gemeente.example" and rp.origin == "https://koers.gemeente.example:8443"


def test_an_answer_to_another_challenge_is_refused(make, app, ceremony_world):
    from saas.auth.security_keys import KeyRefused

    rp, key = ceremony_world
    with pytest.raises(KeyRefused):
        _sign_in(make, app, rp, lambda options: key.get(options, challenge="b3RoZXItY2hhbGxlbmdl"))
    assert _sign_in(make, app, rp, key.get).sign_count == key.count  # the key itself is fine


def test_an_answer_made_for_another_origin_is_refused(make, app, ceremony_world):
    from saas.auth import security_keys
    from saas.auth.service import find_user

    rp, key = ceremony_world
    with pytest.raises(security_keys.KeyRefused):
        _sign_in(make, app, rp, lambda options: key.get(options, origin="https://koers.phishing.example"))
    with app.test_request_context(), make.session() as db:  # registering through another site too
        user = find_user(db, "ada@example.org")
        options, ceremony = security_keys.begin_registration(db, user, rp)
        with pytest.raises(security_keys.KeyRefused):
            security_keys.finish_registration(db, user, rp, name="Other", ceremony=ceremony,
                                              answer=SoftKey().create(options, origin="https://evil.example"))


def test_a_counter_that_goes_back_is_a_cloned_key_and_refused(make, app, ceremony_world):
    from saas.auth.security_keys import KeyCloned, SecurityKey

    rp, key = ceremony_world
    _sign_in(make, app, rp, lambda options: key.get(options, count=7))
    for count in (7, 3):  # the same count again, or a lower one: a copy of the key was used
        with pytest.raises(KeyCloned):
            _sign_in(make, app, rp, lambda options: key.get(options, count=count))
    with make.session() as db:
        assert db.scalar(select(SecurityKey.sign_count)) == 7
    assert _sign_in(make, app, rp, lambda options: key.get(options, count=8)).sign_count == 8


def test_a_ceremony_answers_once_and_not_too_late(make, app, ceremony_world):
    from dataclasses import replace

    from saas.auth.security_keys import CHALLENGE_MAX_AGE, KeyExpired

    rp, key = ceremony_world
    with pytest.raises(KeyExpired):
        _sign_in(make, app, rp, key.get, lambda c: replace(c, at=int(time.time()) - CHALLENGE_MAX_AGE - 1))
    with pytest.raises(KeyExpired):  # a registration's challenge does not sign in
        _sign_in(make, app, rp, key.get, lambda c: replace(c, purpose="register"))
    with pytest.raises(KeyExpired):  # nor another account's
        _sign_in(make, app, rp, key.get, lambda c: replace(c, user_id=c.user_id + 1))


def test_the_key_page_answer_is_posted_once_the_ceremony_is_spent(ada):
    """The challenge leaves the session with the answer: the same answer posted again is refused."""
    options, token = options_and_token(ada, "/account/security-keys")
    answer = SoftKey().create(options)
    assert ada.post("/account/security-keys", data={"csrf_token": token, "name": "A", "credential": answer}) \
        .status_code == 200
    again = ada.post("/account/security-keys", data={"csrf_token": token, "name": "A", "credential": answer})
    assert again.status_code == 200 and "That took too long" in again.get_data(as_text=True)


def test_an_operator_reset_removes_the_keys_too(app, ada, make):
    from saas.auth.security_keys import SecurityKey
    from saas.cli import main

    add_key(ada, SoftKey())
    result = app.test_cli_runner().invoke(main, ["reset-two-factor", "ada@example.org"])
    assert result.exit_code == 0 and "turned off" in result.output
    with make.session() as db:
        assert db.scalar(select(SecurityKey.id)) is None
    fresh = app.test_client()
    fresh.login("ada@example.org", PASSWORD)
