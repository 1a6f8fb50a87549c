"""Two-factor sign-in (issue 18, point 4), as a user with an authenticator app meets it: the codes are
computed here with pyotp from the key the setup page shows, as the phone would."""
import re
import time

import pyotp
import pytest
from sqlalchemy import select

from tests.helpers import PASSWORD, link_in

SECRET = re.compile(r'<code id="twofactor-secret">([A-Z2-7 ]+)</code>')
RECOVERY = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")


def enrol(client) -> tuple[pyotp.TOTP, list[str]]:
    """Set it up from the account's page: start, read the key, confirm with the app's code; the recovery codes."""
    assert "Two-factor sign-in is off" in client.text("/account/two-factor")
    response = client.submit("/account/two-factor/start", {"action": "start"}, page="/account/two-factor")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/two-factor/setup")
    page = client.text("/account/two-factor/setup")
    secret = SECRET.search(page).group(1).replace(" ", "")
    assert 'src="/account/two-factor/qr.svg"' in page
    totp = pyotp.TOTP(secret)
    shown = client.submit("/account/two-factor/setup", {"code": totp.now()})
    assert shown.status_code == 200, shown.get_data(as_text=True)[:2000]
    assert shown.headers["Cache-Control"] == "no-store"
    codes = RECOVERY.findall(shown.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    return totp, codes


def next_code(totp: pyotp.TOTP) -> str:
    """The code the phone shows in the next 30 seconds (the one enrolment used is spent)."""
    return totp.at(time.time() + 30)


def password_step(client, email="ada@example.org", password=PASSWORD):
    response = client.submit("/login", {"email": email, "password": password})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/code"), \
        response.headers.get("Location")
    return response


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


@pytest.fixture
def ada(client, make):
    make.user("ada@example.org")
    client.login("ada@example.org")
    totp, codes = enrol(client)
    client.submit("/logout", page="/account")
    return totp, codes


def test_enrolment_turns_it_on_and_the_key_is_never_shown_again_nor_stored_in_the_clear(client, make, ada):
    totp, _codes = ada
    from saas.auth.twofactor import TwoFactor

    with make.session() as db:
        [row] = db.scalars(select(TwoFactor)).all()
        assert row.confirmed_at is not None and totp.secret not in row.secret_encrypted
    password_step(client)
    client.submit("/login/code", {"code": next_code(totp)})
    assert signed_in(client)
    manage = client.text("/account/two-factor")
    assert "Two-factor sign-in is on" in manage and "10 unused recovery codes" in manage
    assert totp.secret not in manage
    assert client.get("/account/two-factor/setup").status_code == 302  # nothing pending: no key to show
    assert client.get("/account/two-factor/qr.svg").status_code == 404


def test_the_qr_code_is_an_svg_image_of_the_pending_key(client, make):
    make.user("ada@example.org")
    client.login("ada@example.org")
    client.submit("/account/two-factor/start", {"action": "start"}, page="/account/two-factor")
    image = client.get("/account/two-factor/qr.svg")
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    assert image.get_data(as_text=True).startswith("<svg") and "style=" not in image.get_data(as_text=True)


def test_a_wrong_first_code_does_not_turn_it_on(client, make):
    make.user("ada@example.org")
    client.login("ada@example.org")
    client.submit("/account/two-factor/start", {"action": "start"}, page="/account/two-factor")
    secret = SECRET.search(client.text("/account/two-factor/setup")).group(1).replace(" ", "")
    page = client.submit("/account/two-factor/setup", {"code": pyotp.TOTP(secret).at(time.time() + 600)})
    assert page.status_code == 200 and "This code is not right" in page.get_data(as_text=True)
    assert "Two-factor sign-in is off" in client.text("/account/two-factor")


def test_the_password_alone_does_not_sign_in(client, ada):
    totp, _codes = ada
    password_step(client)
    assert not signed_in(client)
    assert client.get("/t/any/").status_code in (302, 404)


def test_sign_in_with_the_code_from_the_app(client, ada):
    totp, _codes = ada
    password_step(client)
    response = client.submit("/login/code", {"code": next_code(totp)})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert signed_in(client)


def test_a_wrong_code_is_refused(client, ada):
    totp, _codes = ada
    password_step(client)
    page = client.submit("/login/code", {"code": totp.at(time.time() + 600)})  # ten minutes off: not valid now
    assert page.status_code == 200 and "This code is not right" in page.get_data(as_text=True)
    assert client.submit("/login/code", {"code": "not a code"}).status_code == 200
    assert not signed_in(client)


def test_a_used_code_cannot_be_replayed_in_its_window(client, make, ada):
    totp, _codes = ada
    code = next_code(totp)
    password_step(client)
    assert client.submit("/login/code", {"code": code}).status_code == 302
    client.submit("/logout", page="/account")
    other = make.app.test_client()  # someone who saw the code, with the password, on another computer
    password_step(other)
    page = other.submit("/login/code", {"code": code})
    assert page.status_code == 200 and "has been used already" in page.get_data(as_text=True)
    assert not signed_in(other)


def test_a_recovery_code_works_once(client, make, ada):
    _totp, codes = ada
    password_step(client)
    response = client.submit("/login/code", {"code": codes[3].upper().replace("-", " ")})  # as typed off paper
    assert response.status_code == 302
    assert "9 are left" in client.text("/account")  # signed in, and told what is left
    client.submit("/logout", page="/account")
    password_step(client)
    page = client.submit("/login/code", {"code": codes[3]})
    assert page.status_code == 200 and "This code is not right" in page.get_data(as_text=True)
    assert not signed_in(client)


def test_new_recovery_codes_end_the_old_ones(client, ada):
    totp, codes = ada
    password_step(client)
    client.submit("/login/code", {"code": codes[9]})  # the app's next code is for what follows
    shown = client.submit("/account/two-factor/recovery-codes", {"code": next_code(totp)},
                          page="/account/two-factor")
    new = RECOVERY.findall(shown.get_data(as_text=True))
    assert shown.status_code == 200 and len(new) == 10 and not set(new) & set(codes)
    client.submit("/logout", page="/account")
    password_step(client)
    assert client.submit("/login/code", {"code": codes[0]}).status_code == 200
    assert client.submit("/login/code", {"code": new[0]}).status_code == 302


def test_the_second_step_expires(client, ada):
    totp, _codes = ada
    password_step(client)
    with client.session_transaction() as browser:
        browser["twofactor_pending"] = {**browser["twofactor_pending"], "at": int(time.time()) - 6 * 60}
    response = client.submit("/login/code", {"code": next_code(totp)}, page="/login")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not signed_in(client)
    assert "has expired" in client.get("/login/code", follow_redirects=True).get_data(as_text=True)


def test_codes_are_rate_limited_per_account(client, make, ada):
    totp, _codes = ada
    password_step(client)
    statuses = [client.submit("/login/code", {"code": f"{i:06d}"}).status_code for i in range(6)]
    assert statuses[5] == 429
    other = make.app.test_client()  # another client, same account: the limit is the account's
    password_step(other)
    assert other.submit("/login/code", {"code": next_code(totp)}).status_code == 429


def test_a_password_reset_does_not_bypass_it(client, make, ada):
    totp, _codes = ada
    client.submit("/password/forgot", {"email": "ada@example.org"})
    [mail] = make.mails_to("ada@example.org")[-1:]
    response = client.submit(link_in(mail.body), {"password": "a brand new password",
                                                  "confirm": "a brand new password"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/code")
    assert not signed_in(client)
    assert client.submit("/login/code", {"code": next_code(totp)}).status_code == 302
    assert signed_in(client)


def test_turning_it_off_needs_the_password_and_a_code(client, ada):
    totp, codes = ada
    password_step(client)
    client.submit("/login/code", {"code": codes[0]})  # the app's next code is for turning it off
    later = next_code(totp)
    page = client.submit("/account/two-factor/off", {"password": "wrong password", "code": later})
    assert page.status_code == 200 and "The password is not right" in page.get_data(as_text=True)
    page = client.submit("/account/two-factor/off", {"password": PASSWORD, "code": "123"})
    assert page.status_code == 200 and "This code is not right" in page.get_data(as_text=True)
    assert client.submit("/account/two-factor/off", {"password": PASSWORD, "code": later}).status_code == 302
    assert "Two-factor sign-in is off" in client.text("/account/two-factor")
    client.submit("/logout", page="/account")
    client.login("ada@example.org")  # the password alone again
    assert signed_in(client)


def test_the_tenants_policy_sends_an_admin_without_it_to_enrolment(client, make):
    oost = make.tenant("oost", "hanna@oost.example")
    west = make.tenant("west", "hanna@west.example")
    make.member(oost, "piet@oost.example")  # a plain member: not bound by the policy
    make.member(west, "hanna@oost.example", roles=("admin",))
    client.login("hanna@oost.example")
    assert 'action="/t/oost/settings/two-factor"' in client.text("/t/oost/settings")
    response = client.submit("/t/oost/settings/two-factor", {"required": "y"}, page="/t/oost/settings")
    assert response.status_code == 302
    # from now on, every page of this tenant sends her to set it up first
    blocked = client.get("/t/oost/settings")
    assert blocked.status_code == 302 and blocked.headers["Location"].startswith("/account/two-factor")
    page = client.get("/t/oost/", follow_redirects=True).get_data(as_text=True)
    assert "requires two-factor sign-in for your role" in page
    for role in ("works_council", "consultant"):  # bound as well
        make.member(oost, f"{role}@oost.example", roles=(role,))
        other = make.app.test_client()
        other.login(f"{role}@oost.example")
        assert other.get("/t/oost/").headers["Location"].startswith("/account/two-factor")
    assert client.get("/t/west/settings").status_code == 200  # another tenant: unaffected
    piet = make.app.test_client()
    piet.login("piet@oost.example")
    assert piet.get("/t/oost/").status_code == 200  # a member without those roles: unaffected
    totp, _codes = enrol(client)
    assert client.get("/t/oost/settings").status_code == 200
    from tenants.models import Tenant

    with make.session() as db:
        assert db.get(Tenant, oost.id).require_two_factor and not db.get(Tenant, west.id).require_two_factor


def test_only_an_admin_sets_the_policy(client, make):
    oost = make.tenant("oost")
    make.member(oost, "wim@oost.example", roles=("works_council", "member"))
    client.login("wim@oost.example")
    assert client.submit("/t/oost/settings/two-factor", {"required": "y"}, page="/account").status_code == 403


def test_the_second_step_without_a_password_first_goes_back_to_log_in(client):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("code", ["１２３４５６", "12345²", "x" * 33, "1" * 7, "' OR 1=1 --", "ééééé-ééééé", " "])
def test_odd_codes_are_refused_with_a_message(client, ada, code):
    password_step(client)
    page = client.submit("/login/code", {"code": code})
    assert page.status_code == 200 and 'class="error' in page.get_data(as_text=True)
    assert not signed_in(client)


def test_guessing_codes_from_an_open_session_is_rate_limited(client, ada):
    """Someone at an unlocked computer cannot try every code to make new recovery codes or turn it off."""
    _totp, codes = ada
    password_step(client)
    client.submit("/login/code", {"code": codes[0]})
    statuses = [client.submit("/account/two-factor/recovery-codes", {"code": f"{i:06d}"},
                              page="/account/two-factor").status_code for i in range(6)]
    assert statuses[:5] == [302] * 5 and statuses[5] == 429
    statuses = [client.submit("/account/two-factor/off", {"password": PASSWORD, "code": f"{i:06d}"},
                              page="/account/two-factor/off").status_code for i in range(6)]
    assert statuses[5] == 429


def test_the_pages_speak_dutch(client, make):
    make.user("ada@example.org", locale="nl")
    client.login("ada@example.org")
    assert "Tweestapsaanmelding staat uit" in client.text("/account/two-factor")
    client.submit("/account/two-factor/start", {"action": "start"}, page="/account/two-factor")
    page = client.text("/account/two-factor/setup")
    assert "Scan deze QR-code" in page and 'alt="QR-code voor uw authenticator-app"' in page
    secret = SECRET.search(page).group(1).replace(" ", "")
    shown = client.submit("/account/two-factor/setup", {"code": pyotp.TOTP(secret).now()}).get_data(as_text=True)
    assert "Uw herstelcodes" in shown and "Tweestapsaanmelding staat aan" in shown
    client.submit("/logout", page="/account")
    client.submit("/login", {"email": "ada@example.org", "password": PASSWORD})
    assert "Vul de code uit uw authenticator-app in" in client.text("/login/code")


def test_an_operator_turns_it_off_for_someone_who_lost_phone_and_codes(stack, client, ada):
    from tests.test_cli import koers

    assert "turned off for ada@example.org" in koers(stack, "reset-two-factor", "ada@example.org")
    assert "had no two-factor sign-in" in koers(stack, "reset-two-factor", "ada@example.org")
    assert "no account for" in koers(stack, "reset-two-factor", "nobody@example.org", expect=1)
    client.login("ada@example.org")  # the password alone again
    assert signed_in(client)
