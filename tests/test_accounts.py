"""Accounts: sign up, log in and out, password reset by e-mail, rate limiting, security headers."""
import pytest

from tests.helpers import PASSWORD, link_in


@pytest.mark.smoke
def test_new_user_signs_up_confirms_the_address_and_lands_on_an_empty_start_page(client, make):
    response = client.submit("/signup", {"name": "Ada Visser", "email": "Ada@Example.org",
                                          "password": "a long password", "confirm": "a long password"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "we have sent a mail to ada@example.org" in client.text("/login")
    [mail] = make.mails_to("ada@example.org")
    assert "Confirm" in mail.subject
    assert "Your e-mail address is confirmed" in client.get(link_in(mail.body), follow_redirects=True).get_data(
        as_text=True)
    client.login("ada@example.org", "a long password")
    page = client.text("/")
    assert "You are not a member of any organisation yet" in page
    assert "Create an organisation" in page


def test_short_password_and_mismatch_are_shown_next_to_the_fields(client):
    page = client.submit("/signup", {"name": "Ada", "email": "ada@example.org", "password": "short",
                                      "confirm": "other"}).get_data(as_text=True)
    assert "between 10 and 200 characters" in page
    assert "The two passwords differ" in page
    assert 'aria-invalid="true"' in page


def test_login_with_a_wrong_password_says_so_and_logs_nobody_in(client, make):
    make.user("ada@example.org")
    page = client.submit("/login", {"email": "ada@example.org", "password": "not the password"})
    assert page.status_code == 200
    assert "The e-mail address or password is not right" in page.get_data(as_text=True)
    assert client.get("/account").status_code == 302


@pytest.mark.smoke
def test_login_and_logout(client, make):
    make.user("ada@example.org")
    client.login("ada@example.org")
    assert "ada@example.org" in client.text("/account")
    client.submit("/logout", page="/account")
    assert client.get("/account").status_code == 302


def test_login_ignores_an_offsite_next_parameter(client, make):
    make.user("ada@example.org")
    response = client.submit("/login?next=https://evil.example/", {"email": "ada@example.org",
                                                                   "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_repeated_failed_logins_are_slowed_down(client, make):
    make.user("ada@example.org")
    statuses = [client.submit("/login", {"email": "ada@example.org", "password": f"wrong {i}"}).status_code
                for i in range(6)]
    assert statuses[:5] == [200] * 5  # then this account, from this client, waits (tests/test_account_holes.py)
    assert statuses[5] == 429
    assert "Too many attempts" in client.submit("/login", {"email": "ada@example.org",
                                                           "password": PASSWORD}).get_data(as_text=True)


@pytest.mark.smoke
def test_password_reset_by_mail_works_once(client, make):
    make.user("ada@example.org")
    client.submit("/password/forgot", {"email": "ada@example.org"})
    [mail] = make.mails_to("ada@example.org")
    assert mail.subject == "Reset your Koers password"
    reset_path = link_in(mail.body)
    response = client.submit(reset_path, {"password": "a brand new password", "confirm": "a brand new password"})
    assert response.status_code == 302
    client.submit("/logout", page="/account")
    client.login("ada@example.org", "a brand new password")
    client.submit("/logout", page="/account")
    # the link stops working once used
    assert client.get(reset_path).status_code == 302
    assert "invalid or has expired" in client.get(reset_path, follow_redirects=True).get_data(as_text=True)


def test_password_reset_for_an_unknown_address_answers_the_same(client, make):
    response = client.submit("/password/forgot", {"email": "nobody@example.org"}, follow_redirects=True)
    assert "If an account exists for that address" in response.get_data(as_text=True)
    assert make.mails_to("nobody@example.org") == []


@pytest.mark.smoke
def test_changing_the_password_logs_out_other_sessions(app, client, make):
    make.user("ada@example.org")
    client.login("ada@example.org")
    other = app.test_client()
    other.login("ada@example.org")
    client.submit("/password/forgot", {"email": "ada@example.org"}, page="/account")
    path = link_in(make.mails_to("ada@example.org")[0].body)
    client.submit(path, {"password": "a brand new password", "confirm": "a brand new password"})
    assert other.get("/account").status_code == 302


def test_forms_without_csrf_token_are_refused(client, make):
    make.user("ada@example.org")
    response = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)


def test_every_page_carries_security_headers_and_a_csp_without_inline_script(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.get_data(as_text=True)


@pytest.mark.smoke
def test_production_cookies_are_secure_httponly_and_samesite(stack, database):
    from saas import create_app
    from tests.conftest import settings_for

    app = create_app(settings_for(stack, env="production"), database=database)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" in response.headers
