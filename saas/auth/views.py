"""Sign-up, log-in, log-out, password reset, account settings and the language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session as http_session, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required

from saas.auth import service, twofactor
from saas.auth.sessions import log_out
from saas.auth.forms import AccountForm, ForgotPasswordForm, LoginForm, ResetPasswordForm, SignupForm
from saas.kernel.db import session
from saas.kernel.errors import DomainError
from saas.kernel.extensions import limiter
from saas.kernel.i18n import LANGUAGES
from saas.kernel.views import ButtonForm, press, submit

bp = Blueprint("auth", __name__)


# Failed log-ins are limited three ways, all keyed on the client's address as the proxies in front
# report it (KOERS_PROXY_HOPS, werkzeug's ProxyFix in create_app), never on the proxy's own:
# - per client, whatever account it tries: LOGIN_RATE_LIMIT (10 per minute);
# - per account AND client: a few a minute, then fewer an hour (the delay grows for whoever keeps guessing);
# - per account, from all clients together: looser than any one client can reach, so one address
#   guessing cannot lock the owner out elsewhere, while guessing from many addresses still stops.
# No hard lock: a refusal lasts until its window passes, and a successful log-in never counts.
ACCOUNT_CLIENT_LIMIT = "5 per minute;20 per hour"
ACCOUNT_LIMIT = "100 per hour"
# Reset mails for one account from one client: enough for a forgetful owner, too few to flood a mailbox.
RESET_ACCOUNT_CLIENT_LIMIT = "3 per 10 minutes;10 per day"


def _email() -> str:
    return service.normalise_email(request.form.get("email", ""))[:254]


def _client() -> str:
    return request.remote_addr or "unknown"


def _account_key() -> str:
    return "login-account:" + _email()


def _account_client_key() -> str:
    return f"login-account-client:{_email()}:{_client()}"


def _reset_key() -> str:
    return f"reset-account-client:{_email()}:{_client()}"


def _failed(response) -> bool:
    return response.status_code != 302  # only failed attempts count towards the limit


def _login_limit() -> str:
    return current_app.config["KOERS"].login_rate_limit


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])  # each sign-up sends a mail: no flood from one client
@limiter.limit(RESET_ACCOUNT_CLIENT_LIMIT, methods=["POST"], key_func=lambda: "signup:" + _reset_key())
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignupForm()

    # The same answer for a new and a known address (service.sign_up): nobody learns who has an account.
    return submit(form, lambda: service.sign_up(session(), email=form.email.data, name=form.name.data,
                                                password=form.password.data, locale=str(get_locale()),
                                                secret_key=current_app.secret_key),
                  done=_("Almost there: we have sent a mail to %(email)s. Follow the link in it to confirm your "
                         "address, then log in.", email=service.normalise_email(form.email.data)),
                  then=url_for("auth.login", next=_safe_next())) \
        or render_template("auth/signup.html", form=form)


@bp.route("/verify/<token>")
def verify_email(token: str):
    """The link from the sign-up mail: confirms the address (and so lets the account create organisations
    and be made administrator or consultant)."""
    db = session()
    try:
        service.verify_email(db, token, current_app.secret_key)
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
    else:
        db.commit()
        flash(_("Your e-mail address is confirmed."), "success")
    return redirect(url_for("core.home") if current_user.is_authenticated else url_for("auth.login"))


@bp.route("/account/verify", methods=["POST"])
@login_required
def resend_verification():
    if current_user.email_verified:
        return redirect(url_for("auth.account"))
    return press("resend", lambda: service.send_verification(session(), current_user, current_app.secret_key,
                                                             str(get_locale())),
                 done=_("We have sent a new confirmation link to %(email)s.", email=current_user.email),
                 then=url_for("auth.account"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(ACCOUNT_CLIENT_LIMIT, methods=["POST"], key_func=_account_client_key, deduct_when=_failed)
@limiter.limit(ACCOUNT_LIMIT, methods=["POST"], key_func=_account_key, deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next() or url_for("core.home"))
    form = LoginForm()
    # With two-factor sign-in on, the password only opens its second step (saas.auth.twofactor).
    return submit(form, lambda: twofactor.begin_sign_in(session(), service.log_in_check(session(), form.email.data,
                                                                                        form.password.data)),
                  then=lambda signed_in: (_safe_next() or url_for("core.home")) if signed_in
                  else url_for("twofactor.code", next=_safe_next())) \
        or render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    log_out()
    session().commit()  # the rotated session stamp: the cookie just dropped no longer works anywhere
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(RESET_ACCOUNT_CLIENT_LIMIT, methods=["POST"], key_func=_reset_key)
def forgot_password():
    form = ForgotPasswordForm()
    return submit(form, lambda: service.request_password_reset(session(), form.email.data, current_app.config["KOERS"],
                                                               current_app.secret_key, str(get_locale())),
                  done=_("If an account exists for that address, we have sent a link to reset the password."),
                  then=url_for("auth.login")) \
        or render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    db = session()
    try:
        user = service.user_for_reset_token(db, token, current_app.secret_key)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()

    def reset():
        service.refuse_password_if_single_sign_on(db, user)
        service.reset_password(user, form.password.data)
        return twofactor.begin_sign_in(db, user)  # a reset link is no second factor: the code is still asked

    return submit(form, reset, done=_("Your password has been changed."),
                  then=lambda signed_in: url_for("core.home") if signed_in else url_for("twofactor.code")) \
        or render_template("auth/reset.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = AccountForm(obj=current_user if request.method == "GET" else None)
    return submit(form, lambda: service.update_account(current_user, name=form.name.data, locale=form.locale.data),
                  done=_("Your settings have been saved."), then=url_for("auth.account")) \
        or render_template("auth/account.html", form=form, verify_form=ButtonForm())


@bp.route("/language", methods=["POST"])
def set_language():
    """The header's switch: remembered on the account, or in the browser session before log-in."""
    choice = request.form.get("language", "")
    if choice in LANGUAGES:
        http_session["locale"] = choice
        if current_user.is_authenticated:
            current_user.locale = choice
            session().commit()
    return redirect(_safe_next() or url_for("core.home"))


def _safe_next() -> str | None:
    """Only a path on this site, so the parameter cannot send anyone elsewhere."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc \
            and "\\" not in target:
        return target
    return None
