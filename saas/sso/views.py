"""Single sign-on pages: "Sign in with <provider>" and the provider's callback (public in the tenant: the
person is not signed in yet), the one question after a first sign-in, and the admin's settings.
SAML adds Koers's metadata and the assertion consumer service. The redirect flow needs no JavaScript
(the identity provider's page posts the SAML answer; a provider's own page may need it)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, g, make_response, redirect, render_template, \
    request, session as http_session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.auth import twofactor
from saas.auth.sessions import log_in
from saas.kernel import audit
from saas.kernel.db import session
from saas.kernel.errors import EXPLANATIONS, TITLES, DomainError
from saas.kernel.extensions import csrf
from saas.kernel.security import with_form_action
from saas.kernel.views import ButtonForm, press, submit
from saas.sso import saml, service
from saas.sso.forms import NOBODY, LegacyOrgChoiceForm, OidcSettingsForm
from tenants import service as tenancy
from tenants.guards import public_in_tenant, requires, tenant_blueprint
from tenants.models import Role
from tenants.scoping import enter_tenant

bp = tenant_blueprint("sso", __name__, url_prefix="/sso")
entry = Blueprint("sso_entry", __name__)

PENDING = "sso_pending"


def _redirect_uri() -> str:
    return url_for("sso.callback", _external=True)


def _service_provider() -> saml.ServiceProvider:
    """Koers as this tenant's SAML service provider: its entity id is its metadata's address."""
    return saml.ServiceProvider(entity_id=url_for("sso.saml_metadata", _external=True),
                                acs_url=url_for("sso.saml_acs", _external=True))


@entry.route("/sso")
def choose_organisation():
    """From the log-in page: the organisation's web address leads to its "Sign in with …" page."""
    slug = request.args.get("organisation", "").strip().lower()[:40]
    if slug and enter_tenant(session(), slug) is not None and _connection_enabled():
        return redirect(url_for("sso.login", slug=slug))
    flash(_("No organisation with this web address signs in through single sign-on here."), "error")
    return redirect(url_for("auth.login"))


def _connection_enabled() -> bool:
    current = service.connection(session())
    return current is not None and current.enabled


@bp.route("/login", methods=["GET", "POST"])
@public_in_tenant
def login():
    current = service.connection(session())
    if current is None or not current.enabled:
        abort(404)  # like an unknown tenant: no page tells which tenants exist

    def start():
        url, pending = service.begin(session(), _redirect_uri(), _service_provider())
        http_session[PENDING] = {"tenant": g.tenant.id, "next": _safe_next(), **pending}
        return url

    if request.method == "POST":
        return press("sso", start, then=url_for("sso.login"), follow=True)
    response = make_response(render_template("sso/login.html", connection=current, form=ButtonForm()))
    origin = service.provider_origin(current)
    return with_form_action(response, origin)  # the button's form is answered by a redirect to the provider


@bp.route("/callback")
@public_in_tenant
def callback():
    db = session()
    if not _connection_enabled():
        abort(404)
    pending = _pending()
    return _signed_in(db, pending, lambda: service.complete(
        db, answer=request.args.to_dict(), pending=pending, redirect_uri=_redirect_uri(),
        secret_key=current_app.secret_key))


@bp.route("/saml/metadata")
@public_in_tenant
def saml_metadata():
    """Koers's SAML metadata for this tenant: published once the tenant uses SAML, and to its admins before."""
    db = session()
    current = service.connection(db)
    if (current is None or current.protocol != service.SAML) and not (
            current_user.is_authenticated and service.is_admin(db, current_user.id)):
        abort(404)
    return Response(saml.sp_metadata(_service_provider()), mimetype="application/samlmetadata+xml")


@bp.route("/saml/acs", methods=["GET", "POST"])
@csrf.exempt  # the identity provider posts here; the answer's signature and InResponseTo are its proof
@public_in_tenant
def saml_acs():
    """The assertion consumer service. The identity provider's page posts the answer from its own site, so
    the browser sends no session cookie with it (SameSite=Lax): the answer is kept under a one-time key and
    the browser sent on here with it, now with its session, where the answer is checked against the request
    that session made. The POST writes nothing into the session (its cookie would replace the real one)."""
    db = session()
    current = service.connection(db)
    in_use = current is not None and current.enabled and current.protocol == service.SAML
    if request.method == "POST":
        if not in_use:  # plain text: a page's CSRF token would write a cookie replacing the real session's
            return Response(f"{TITLES[404]}\n{EXPLANATIONS[404]}\n", status=404, mimetype="text/plain")
        key = service.keep_answer(db, request.form.get("SAMLResponse", ""), request.form.get("RelayState", ""))
        db.commit()
        return redirect(url_for("sso.saml_acs", answer=key), 303)
    if not in_use:
        abort(404)
    kept = service.take_answer(db, request.args.get("answer", ""))
    db.commit()  # used once, whatever comes of it
    pending = _pending()

    def complete():
        if kept is None:
            raise saml.StateMismatch()
        return service.complete_saml(db, saml_response=kept[0], relay_state=kept[1], pending=pending,
                                     sp=_service_provider())
    return _signed_in(db, pending, complete)


def _pending() -> dict | None:
    """What this browser's session keeps of the sign-in it started here (once: it is taken)."""
    pending = http_session.pop(PENDING, None)
    if not isinstance(pending, dict) or pending.get("tenant") != g.tenant.id:
        return None
    return pending


def _signed_in(db, pending: dict | None, complete):
    """The one ending of every sign-in through the provider: signed in (and asked the legacy organisation
    once), or the refusal's reason on the sign-in page."""
    try:
        user, ask, mfa = complete()
    except DomainError as error:
        db.rollback()
        audit.keep_refusal(db, error)  # a failed sign-in is on the tenant's audit trail
        flash(error.message, "error")
        return redirect(url_for("sso.login"))
    then = url_for("sso.organisation") if ask else (pending or {}).get("next") or url_for("home.index")
    connection = service.connection(db)
    if not (mfa or connection.enforces_mfa) and twofactor.has_second_factor(db, user):
        # the provider vouched for a password only: the account's own second factor is asked, as after a password
        twofactor.begin_sign_in(db, user)
        db.commit()
        return redirect(url_for("twofactor.code", next=then))
    log_in(user)
    twofactor.note_identity_provider_sign_in(g.tenant.id, mfa)  # for the tenant's two-factor policy
    db.commit()
    flash(_("You are signed in through %(name)s.", name=connection.display_name), "success")
    return redirect(then)


@bp.route("/organisation", methods=["GET", "POST"])
@requires()
def organisation():
    db = session()
    if not service.must_choose_legacy_org(db, current_user):
        return redirect(url_for("home.index"))
    form = LegacyOrgChoiceForm()
    form.legacy_org.choices = [(NOBODY, _("None of these, or I joined after the merger"))] + [
        (o.id, o.name) for o in tenancy.legacy_organisations(db)]
    return submit(form, lambda: service.choose_legacy_org(db, current_user, form.legacy_org.data),
                  done=_("Thank you."), then=url_for("home.index")) \
        or render_template("sso/organisation.html", form=form)


@bp.route("/settings", methods=["GET", "POST"])
@requires(Role.ADMIN)
def settings():
    db = session()
    current = service.connection(db)
    form = OidcSettingsForm(obj=current if request.method == "GET" else None)
    if request.method == "GET" and current is not None:
        form.role_map.data = service.role_map_text(current.role_map)
        form.break_glass_user_id.data = current.break_glass_user_id
        form.saml_metadata.data = ""  # kept unless replaced; the page says whose metadata is set
    form.break_glass_user_id.choices = [(NOBODY, _("Nobody"))] + [
        (m.user_id, f"{m.user.name} ({m.user.email})") for m in service.admins(db)]
    return submit(form, lambda: service.save(
        db, protocol=form.protocol.data, saml_metadata_url=form.saml_metadata_url.data or "",
        saml_metadata=form.saml_metadata.data or "",
        display_name=form.display_name.data, issuer=form.issuer.data, client_id=form.client_id.data,
        new_secret=form.client_secret.data or "", scopes=form.scopes.data or "", email_claim=form.email_claim.data or "",
        legacy_org_claim=form.legacy_org_claim.data or "", role_claim=form.role_claim.data or "",
        role_map=form.role_map.data or "", allowed_domains=form.allowed_domains.data or "",
        trust_email=form.trust_email.data, jit=form.jit.data, enabled=form.enabled.data,
        sso_required=form.sso_required.data, break_glass_user_id=form.break_glass_user_id.data,
        secret_key=current_app.secret_key, enforces_mfa=form.enforces_mfa.data),
        done=_("The single sign-on settings have been saved."), then=url_for("sso.settings")) \
        or render_template("sso/settings.html", form=form, connection=current, redirect_uri=_redirect_uri(),
                           sp=_service_provider())


def _safe_next() -> str | None:
    target = request.values.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and ":" not in target:
        return target
    return None
