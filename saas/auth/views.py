"""Sign-up, log-in, log-out, password reset, account settings and the language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session as http_session, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required

from saas.auth import service
from saas.auth.sessions import log_in, log_out
from saas.auth.forms import AccountForm, ForgotPasswordForm, LoginForm, ResetPasswordForm, SignupForm
from saas.db import session
from saas.errors import DomainError
from saas.extensions import limiter
from saas.i18n import LANGUAGES

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
    if form.validate_on_submit():
        db = session()
        try:
            user = service.register(db, email=form.email.data, name=form.name.data,
                                    password=form.password.data, locale=str(get_locale()))
        except DomainError as error:
            form.email.errors.append(error.message)
        else:
            db.commit()
            log_in(user)
            flash(_("Welcome to Koers. Create your organisation or open an invitation you received."), "success")
            return redirect(_safe_next() or url_for("core.home"))
    return render_template("auth/signup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_key, deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next() or url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        db = session()
        user = service.authenticate(db, form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("The e-mail address or password is not right."))
        else:
            db.commit()
            log_in(user)
            return redirect(_safe_next() or url_for("core.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    log_out()
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        db = session()
        service.request_password_reset(db, form.email.data, current_app.config["KOERS"],
                                       current_app.secret_key, str(get_locale()))
        db.commit()
        flash(_("If an account exists for that address, we have sent a link to reset the password."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    db = session()
    try:
        user = service.user_for_reset_token(db, token, current_app.secret_key)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        service.set_password(user, form.password.data)
        db.commit()
        log_in(user)
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("core.home"))
    return render_template("auth/reset.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = AccountForm(obj=current_user if request.method == "GET" else None)
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.locale = form.locale.data
        session().commit()
        flash(_("Your settings have been saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)


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
