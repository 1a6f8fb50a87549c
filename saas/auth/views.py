"""Sign-up, log-in, log-out, password reset, account settings and the language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session as http_session, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required

from saas.auth import service
from saas.auth.sessions import log_in, log_out
from saas.auth.forms import AccountForm, ForgotPasswordForm, LoginForm, ResetPasswordForm, SignupForm
from saas.kernel.db import session
from saas.kernel.errors import DomainError
from saas.kernel.extensions import limiter
from saas.kernel.i18n import LANGUAGES
from saas.kernel.views import submit

bp = Blueprint("auth", __name__)


def _login_key() -> str:
    return "login:" + service.normalise_email(request.form.get("email", ""))


def _failed(response) -> bool:
    return response.status_code != 302  # only failed attempts count towards the limit


def _login_limit() -> str:
    return current_app.config["KOERS"].login_rate_limit


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignupForm()

    def sign_up():
        user = service.register(session(), email=form.email.data, name=form.name.data,
                                password=form.password.data, locale=str(get_locale()))
        log_in(user)
        return user

    return submit(form, sign_up,
                  done=_("Welcome to Koers. Create your organisation or open an invitation you received."),
                  then=_safe_next() or url_for("core.home")) \
        or render_template("auth/signup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_key, deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next() or url_for("core.home"))
    form = LoginForm()
    return submit(form, lambda: log_in(service.log_in_check(session(), form.email.data, form.password.data)),
                  then=_safe_next() or url_for("core.home")) \
        or render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    log_out()
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
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
        service.set_password(user, form.password.data)
        log_in(user)

    return submit(form, reset, done=_("Your password has been changed."), then=url_for("core.home")) \
        or render_template("auth/reset.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = AccountForm(obj=current_user if request.method == "GET" else None)
    return submit(form, lambda: service.update_account(current_user, name=form.name.data, locale=form.locale.data),
                  done=_("Your settings have been saved."), then=url_for("auth.account")) \
        or render_template("auth/account.html", form=form)


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
