"""Two-factor sign-in's pages: the second step of signing in, setting it up and turning it off from the
account, the recovery codes, the security keys, and the tenant's policy (a small form on the tenant's settings
page). The rules are in saas.auth.twofactor and saas.auth.security_keys.

Security keys need the browser's WebAuthn API, so JavaScript (saas/static/webauthn.js): the page carries the
ceremony's options in a data attribute, the script asks the key and posts its answer in an ordinary form.
Without JavaScript those forms stay hidden and the authenticator app is the way, as before."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, \
    session as http_session, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from saas.auth import security_keys, twofactor
from saas.auth.views import _safe_next
from saas.kernel.db import session
from saas.kernel.errors import DomainError
from saas.kernel.extensions import limiter
from saas.kernel.views import ButtonForm, press, press_confirmed, send, show_domain_error, submit
from tenants.guards import requires, tenant_blueprint
from tenants.models import Role

bp = Blueprint("twofactor", __name__)
policy = tenant_blueprint("twofactor_policy", __name__)

# Codes for one account: a few a minute, then fewer an hour, from whatever client (the password came first,
# so this is someone who knows it); and the client's own limit for failed log-ins on top.
CODE_ACCOUNT_LIMIT = "5 per minute;20 per hour"


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), description=_l("The six digits your authenticator app shows now, or one of "
                                                  "your recovery codes."),
                       validators=[DataRequired(message=_l("Please enter the code.")),
                                   Length(max=32, message=_l("A code has at most %(max)d characters."))])


class AppCodeForm(FlaskForm):
    code = StringField(_l("Code from the app"), description=_l("The six digits your authenticator app shows now."),
                       validators=[DataRequired(message=_l("Please enter the code.")),
                                   Length(max=32, message=_l("A code has at most %(max)d characters."))])


class TurnOffForm(CodeForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Please enter a password.")),
                                                         Length(max=200, message=_l("At most %(max)d characters."))])


class KeyForm(FlaskForm):
    name = StringField(_l("Name of the key"), description=_l("So that you can tell your keys apart, e.g. “Blue key "
                                                              "on my keyring” or “Work laptop”."),
                       validators=[DataRequired(message=_l("Please give the key a name.")),
                                   Length(max=security_keys.NAME_MAX, message=_l("At most %(max)d characters."))])
    credential = HiddenField(validators=[
        DataRequired(message=_l("Your browser did not pass on an answer of a security key. Adding one needs "
                                "JavaScript and a browser that supports security keys.")),
        Length(max=security_keys.ANSWER_MAX, message=_l("At most %(max)d characters."))])


class KeySignInForm(FlaskForm):
    credential = HiddenField(validators=[
        DataRequired(message=_l("Your browser did not pass on an answer of a security key. Use the code from your "
                                "app instead.")),
        Length(max=security_keys.ANSWER_MAX, message=_l("At most %(max)d characters."))])


CEREMONY = "webauthn_ceremony"  # the challenge of the ceremony under way (saas.auth.security_keys.Ceremony)


class PolicyForm(FlaskForm):
    required = BooleanField(_l("Require two-factor sign-in for admins, works council and consultants"))


def _failed(response) -> bool:
    return response.status_code != 302


def _login_limit() -> str:
    return current_app.config["KOERS"].login_rate_limit


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- the second step of signing in ---------------------------------------------------------------

@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(CODE_ACCOUNT_LIMIT, methods=["POST"], key_func=twofactor.pending_key, deduct_when=_failed)
def code():
    db = session()
    user = twofactor.pending_user(db)
    if user is None:
        flash(_("Your sign-in has expired. Please log in again."), "error")
        return redirect(url_for("auth.login", next=_safe_next()))
    form = CodeForm()

    def done(kind: str):
        if kind != "recovery":
            return None
        left = twofactor.recovery_codes_left(db, user)
        return ngettext("You used a recovery code; %(num)d is left. Make new ones on your account page.",
                        "You used a recovery code; %(num)d are left. Make new ones on your account page.", left)

    return submit(form, lambda: twofactor.finish_sign_in(db, user, form.code.data, current_app.secret_key),
                  done=done, then=_safe_next() or url_for("core.home")) \
        or _code_page(db, user, form, KeySignInForm())


@bp.route("/login/key", methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(CODE_ACCOUNT_LIMIT, methods=["POST"], key_func=twofactor.pending_key, deduct_when=_failed)
def key_sign_in():
    """The second step with a security key: the key's answer to the challenge the code page made."""
    db = session()
    user = twofactor.pending_user(db)
    if user is None:
        flash(_("Your sign-in has expired. Please log in again."), "error")
        return redirect(url_for("auth.login", next=_safe_next()))
    form = KeySignInForm()
    ceremony = security_keys.Ceremony.from_session(http_session.pop(CEREMONY, None))
    return submit(form, lambda: twofactor.finish_sign_in_with_key(db, user, _relying_party(), form.credential.data,
                                                                  ceremony),
                  then=_safe_next() or url_for("core.home")) \
        or _code_page(db, user, CodeForm(formdata=None), form)


def _code_page(db, user, form: CodeForm, key_form: KeySignInForm):
    """The second step's page: the code form, and for an account with keys the key's button (its options made
    now, the challenge kept in the session)."""
    options = None
    if security_keys.has_keys(db, user):
        options, ceremony = security_keys.begin_sign_in(db, user, _relying_party())
        http_session[CEREMONY] = ceremony.to_session()
    return render_template("auth/twofactor_code.html", form=form, key_form=key_form, key_options=options,
                           app_on=twofactor.enabled(db, user))


# ---- the account's two-factor sign-in ------------------------------------------------------------

@bp.route("/account/two-factor")
@login_required
def manage():
    db = session()
    key_options = None
    if security_keys.has_keys(db, current_user):  # new recovery codes for a touch of a key, too
        key_options, ceremony = security_keys.begin_sign_in(db, current_user, _relying_party())
        http_session[CEREMONY] = ceremony.to_session()
    return _no_store(make_response(render_template(
        "auth/twofactor_manage.html", on=twofactor.enabled(db, current_user),
        left=twofactor.recovery_codes_left(db, current_user), start_form=ButtonForm(), codes_form=AppCodeForm(),
        keys=len(security_keys.keys_of(db, current_user)), key_form=KeySignInForm(), key_options=key_options,
        next=_safe_next())))


@bp.route("/account/two-factor/start", methods=["POST"])
@login_required
def start():
    return press("start", lambda: twofactor.start_enrolment(session(), current_user, current_app.secret_key),
                 then=url_for("twofactor.setup", next=_safe_next()),
                 back=url_for("twofactor.manage", next=_safe_next()))


@bp.route("/account/two-factor/setup", methods=["GET", "POST"])
@login_required
def setup():
    db = session()
    secret = twofactor.pending_secret(db, current_user, current_app.secret_key)
    if secret is None:
        return redirect(url_for("twofactor.manage", next=_safe_next()))
    form = AppCodeForm()
    shown = _codes_once(form, lambda: twofactor.confirm_enrolment(db, current_user, form.code.data,
                                                                   current_app.secret_key),
                        _("Two-factor sign-in is on."))
    if shown:
        return shown
    return _no_store(make_response(render_template(
        "auth/twofactor_setup.html", form=form, secret=_grouped(secret), next=_safe_next(),
        uri=twofactor.provisioning_uri(current_user, secret))))


@bp.route("/account/two-factor/qr.svg")
@login_required
def qr():
    """The QR code of the secret being set up (an image, so no inline style is needed on the page)."""
    secret = twofactor.pending_secret(session(), current_user, current_app.secret_key)
    if secret is None:
        abort(404)
    response = make_response(twofactor.qr_svg(twofactor.provisioning_uri(current_user, secret)))
    response.mimetype = "image/svg+xml"
    return _no_store(response)


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
@limiter.limit(CODE_ACCOUNT_LIMIT, methods=["POST"], key_func=lambda: f"twofactor-codes:{current_user.id}",
               deduct_when=lambda response: "no-store" not in response.headers.get("Cache-Control", ""))
def recovery_codes():
    """New recovery codes (the old ones stop working), for a code from the app."""
    form = AppCodeForm()
    shown = _codes_once(form, lambda: twofactor.regenerate_recovery_codes(session(), current_user, form.code.data,
                                                                          current_app.secret_key),
                        _("Your new recovery codes are ready; the old ones no longer work."))
    if shown:
        return shown
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")
    return redirect(url_for("twofactor.manage"))


@bp.route("/account/two-factor/recovery-codes/key", methods=["POST"])
@login_required
def recovery_codes_by_key():
    """New recovery codes for the answer of one of the account's security keys (an account without the app has
    no code from it to give)."""
    db = session()
    form = KeySignInForm()
    ceremony = security_keys.Ceremony.from_session(http_session.pop(CEREMONY, None))
    shown = _codes_once(form, lambda: twofactor.regenerate_recovery_codes_by_key(
        db, current_user, _relying_party(), form.credential.data, ceremony),
        _("Your new recovery codes are ready; the old ones no longer work."))
    if shown:
        return shown
    for error in [*form.form_errors, *form.credential.errors]:
        flash(str(error), "error")
    return redirect(url_for("twofactor.manage"))


@bp.route("/account/two-factor/off", methods=["GET", "POST"])
@login_required
@limiter.limit(CODE_ACCOUNT_LIMIT, methods=["POST"], key_func=lambda: f"twofactor-off:{current_user.id}",
               deduct_when=_failed)
def turn_off():
    if not twofactor.enabled(session(), current_user):
        return redirect(url_for("twofactor.manage"))
    form = TurnOffForm()
    return submit(form, lambda: twofactor.turn_off(session(), current_user, form.password.data, form.code.data,
                                                   current_app.secret_key),
                  done=_("Two-factor sign-in is off."), then=url_for("twofactor.manage")) \
        or render_template("auth/twofactor_off.html", form=form)


# ---- security keys and passkeys ------------------------------------------------------------------

@bp.route("/account/security-keys", methods=["GET", "POST"])
@login_required
def keys():
    """The account's keys, and adding one: the page makes the options; the script posts the key's answer here."""
    db = session()
    form = KeyForm()
    if form.is_submitted():
        ceremony = security_keys.Ceremony.from_session(http_session.pop(CEREMONY, None))
        shown = _codes_once(form, lambda: twofactor.add_key(db, current_user, _relying_party(), name=form.name.data,
                                                            answer=form.credential.data, ceremony=ceremony),
                            _("The security key “%(name)s” has been added.", name=(form.name.data or "").strip()),
                            then=url_for("twofactor.keys", next=_safe_next()))
        if shown:
            return shown
    options, ceremony = security_keys.begin_registration(db, current_user, _relying_party())
    http_session[CEREMONY] = ceremony.to_session()
    return _no_store(make_response(render_template(
        "auth/security_keys.html", form=form, options=options, keys=security_keys.keys_of(db, current_user),
        next=_safe_next())))


@bp.route("/account/security-keys/<int:key_id>/remove", methods=["GET", "POST"])
@login_required
def remove_key(key_id: int):
    db = session()
    key = security_keys.key_of(db, current_user, key_id)
    if key is None:
        abort(404)
    last = not twofactor.enabled(db, current_user) and len(security_keys.keys_of(db, current_user)) == 1
    return press_confirmed(
        "remove", lambda: twofactor.remove_key(db, current_user, key),
        title=_("Remove the security key “%(name)s”?", name=key.name),
        consequence=(_("It is your last second factor: after this, your password alone signs you in, your recovery "
                       "codes stop working, and an organisation that requires two-factor sign-in asks you to set it "
                       "up again.") if last else
                     _("This key no longer signs you in. Your other keys, your app and your recovery codes still "
                       "do.")),
        button=_("Remove the key"), done=_("The security key has been removed."), then=url_for("twofactor.keys"))


def _relying_party() -> security_keys.RelyingParty:
    return security_keys.RelyingParty.from_base_url(current_app.config["KOERS"].base_url)


def _codes_once(form, work, message: str, then: str | None = None):
    """Run `work()` (which returns new recovery codes) for a valid POST and show the codes on the answer to
    it: they are never stored in the clear, not even in the session cookie, and the page is not cached.
    When `work()` returns None instead (nothing new to show), redirect to `then`."""
    if not form.validate_on_submit():
        return None
    db = session()
    try:
        codes = work()
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return None
    db.commit()
    flash(message, "success")
    if codes is None:  # nothing to show once (a second key): back to the page
        return redirect(then)
    return _no_store(make_response(render_template("auth/twofactor_codes.html", codes=codes, next=_safe_next())))


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


# ---- the tenant's policy (on its settings page) --------------------------------------------------

@policy.route("/settings/two-factor", methods=["POST"])
@requires(Role.ADMIN)
def set_policy():
    form = PolicyForm()
    return send(form, lambda: twofactor.set_policy(g.tenant, form.required.data),
                done=lambda _result: _("Two-factor sign-in is now required for admins, works council and "
                                       "consultants.") if g.tenant.require_two_factor else
                _("Two-factor sign-in is no longer required."),
                then=url_for("tenant.settings"))

