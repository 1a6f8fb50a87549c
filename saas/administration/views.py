"""Tenant administration's pages: creating a tenant, its settings (its home page is `saas.home`), the works council's
consent setting, legacy organisations, people and invitations, and accepting an invitation.

Every form and button goes through the one view pattern (`saas.kernel.views`: `submit`, `press`);
the legacy organisation, person or invitation a URL names is loaded once, before the view runs."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from saas.administration import branding, service
from saas.administration.forms import (
    ROLE_LABELS, AcceptWithNewAccountForm, ConsentRequirementForm, HouseStyleForm, InviteForm, LegacyOrgForm,
    MembershipForm, TenantForm, TenantSettingsForm, set_legacy_org_choices,
)
from saas.auth import service as accounts
from saas.auth.sessions import log_in
from saas.kernel import brand, consent as consent_rules
from saas.kernel.db import session, utcnow
from saas.kernel.views import ButtonForm, press, press_confirmed, submit
from saas.programme import people
from saas.programme.people import PeopleForm
from tenants import service as tenancy
from tenants.guards import public_in_tenant, requires, tenant_blueprint
from tenants.models import Role

setup = Blueprint("tenant_setup", __name__)
bp = tenant_blueprint("tenant", __name__)

# what an id in the URL names: (the name in `g`, how it is found in the tenant); 404 when it is not there
_LOADERS = {
    "legacy_org_id": ("legacy_org", tenancy.get_legacy_org),
    "membership_id": ("member", tenancy.get_membership),
    "invitation_id": ("invitation", service.get_invitation),
}


@bp.url_value_preprocessor
def _take_ids(_endpoint, values):
    g.admin_ids = {key: values.pop(key) for key in _LOADERS if values and key in values}


@bp.before_request
def _load():
    """After the tenant is entered and the guard has passed (both run before this)."""
    for key, value in g.pop("admin_ids", {}).items():
        name, find = _LOADERS[key]
        setattr(g, name, find(session(), value) or abort(404))


def _settings():
    return current_app.config["KOERS"]


# ---- creating a tenant ---------------------------------------------------------------------

@setup.route("/tenants/new", methods=["GET", "POST"])
@login_required
def create():
    form = TenantForm()
    return submit(form, lambda: service.create_tenant(session(), current_user, name=form.name.data,
                                                      slug=form.slug.data, country=form.country.data,
                                                      language=form.language.data,
                                                      trial_days=_settings().billing_trial_days),
                  done=lambda tenant: _("%(name)s has been created. Start by adding the legacy organisations.",
                                        name=tenant.name),
                  then=lambda tenant: url_for("tenant.legacy_orgs", slug=tenant.slug)) \
        or render_template("administration/create.html", form=form)


# ---- inside a tenant -----------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@requires(Role.ADMIN)
def settings():
    form = TenantSettingsForm(obj=g.tenant if request.method == "GET" else None)
    return submit(form, lambda: service.update_tenant(session(), g.tenant, current_user, name=form.name.data,
                                                      country=form.country.data, language=form.language.data,
                                                      min_group_size=form.min_group_size.data),
                  done=_("The settings have been saved."), then=url_for("tenant.settings")) \
        or _settings_page(form, HouseStyleForm(formdata=None, colour=g.tenant.brand_colour))


def _settings_page(form, style_form):
    return render_template("administration/settings.html", form=form, style_form=style_form,
                           consent_form=ConsentRequirementForm(), own_style=brand.of(g.tenant, "tenant"),
                           shown_style=branding.brand_for(session(), g.tenant))


@bp.route("/settings/house-style", methods=["GET", "POST"])
@requires(Role.ADMIN)
def house_style():
    """The tenant's logo and primary colour, on the settings page (a form of its own)."""
    if request.method == "GET":
        return redirect(url_for("tenant.settings"))
    form = HouseStyleForm()
    return submit(form, lambda: service.set_house_style(session(), g.tenant, colour=form.colour.data,
                                                        logo_data=brand.uploaded_logo(form.logo.data),
                                                        remove_logo=form.remove_logo.data),
                  done=_("The house style has been saved."), then=url_for("tenant.settings")) \
        or _settings_page(TenantSettingsForm(formdata=None, obj=g.tenant), form)


@bp.route("/house-style.css")
@requires()
def house_style_css():
    """The tenant's house style as design tokens (the CSP allows no inline style), cached by its version."""
    shown = branding.brand_for(session(), g.tenant)
    css = brand.token_css(shown) if shown else "/* Koers's own theme */\n"
    return _cached(current_app.response_class(css, mimetype="text/css"), shown.version if shown else "none")


@bp.route("/house-style/logo")
@requires()
def house_style_logo():
    """The logo the tenant's pages show: a PNG or JPEG (never SVG), only ever shown through <img>."""
    db = session()
    logo = branding.logo_for(db, g.tenant) or abort(404)
    data, content_type = logo
    response = current_app.response_class(data, mimetype=content_type)
    response.headers["Content-Disposition"] = "inline"
    return _cached(response, branding.brand_for(db, g.tenant).version)


def _cached(response, version: str):
    """Private to the tenant's people; the version is in the URL, so a changed style is a new address."""
    response.set_etag(version)
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)


@bp.route("/consent", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.WORKS_COUNCIL, Role.CONSULTANT)
def consent():
    """The works council's consent: whether it is required, and what waits for it (waves and pulse
    checks in preparation). Works council members record it from here; admins upload its decision."""
    db = session()
    form = ConsentRequirementForm()
    done = submit(form, lambda: consent_rules.set_required(db, g.tenant, g.membership, form.required.data == "on"),
                  done=lambda _result: _("The works council's consent is now required before a survey or pulse "
                                         "check opens.") if g.tenant.consent_required else
                  _("The works council's consent is no longer required."),
                  then=url_for("tenant.consent"))
    if done:
        return done
    waves, consents, rounds = service.awaiting_consent(db)
    roles = g.membership.roles
    return render_template("administration/consent.html", form=form, waves=waves, consents=consents, rounds=rounds,
                           may_turn_off=Role.WORKS_COUNCIL in roles,
                           may_turn_on=bool(roles & {Role.ADMIN, Role.WORKS_COUNCIL}))


@bp.route("/admin/legacy-orgs", methods=["GET", "POST"])
@requires(Role.ADMIN)
def legacy_orgs():
    form = LegacyOrgForm()
    return submit(form, lambda: service.add_legacy_org(session(), code=form.code.data, name=form.name.data),
                  done=lambda org: _("%(name)s has been added.", name=org.name), then=url_for("tenant.legacy_orgs")) \
        or render_template("administration/legacy_orgs.html", form=form,
                           organisations=tenancy.legacy_organisations(session()), action_form=ButtonForm())


@bp.route("/admin/legacy-orgs/<int:legacy_org_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit_legacy_org():
    form = LegacyOrgForm(obj=g.legacy_org if request.method == "GET" else None)
    return submit(form, lambda: service.update_legacy_org(session(), g.legacy_org, code=form.code.data,
                                                          name=form.name.data),
                  done=_("The changes have been saved."), then=url_for("tenant.legacy_orgs")) \
        or render_template("administration/legacy_org_edit.html", form=form, org=g.legacy_org)


@bp.route("/admin/legacy-orgs/<int:legacy_org_id>/delete", methods=["GET", "POST"])
@requires(Role.ADMIN)
def delete_legacy_org():
    org = g.legacy_org
    return press_confirmed(
        "delete", lambda: service.delete_legacy_org(session(), org),
        title=_("Delete the legacy organisation %(name)s (%(code)s)?", name=org.name, code=org.code),
        consequence=_("It disappears from the list and from every choice of a legacy organisation. This cannot be "
                      "undone; you can add it again later."),
        button=_("Delete %(name)s", name=org.name),
        done=_("The legacy organisation has been deleted."), then=url_for("tenant.legacy_orgs"))


@bp.route("/admin/members")
@requires(Role.ADMIN)
def members():
    """Everyone in the organisation, searched and filtered through the URL (GET, no script), a page at a time;
    filters that do not fit (an unknown role, page=-1) answer 400 with the form saying why."""
    db = session()
    form = PeopleForm(request.args).offer(db)
    if not form.validate():
        return render_template("administration/members.html", form=form, page=None, role_labels=ROLE_LABELS), 400
    page = people.find(db, form.criteria(), number=form.number, size=form.per_page)
    return render_template("administration/members.html", form=form, page=page, role_labels=ROLE_LABELS,
                           action_form=ButtonForm())


@bp.route("/admin/members/<int:membership_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit_member():
    membership = g.member
    form = MembershipForm(data=None if request.method == "POST" else {
        "roles": sorted(membership.roles), "legacy_org_id": membership.legacy_org_id})
    set_legacy_org_choices(form.legacy_org_id, tenancy.legacy_organisations(session()))
    return submit(form, lambda: service.change_membership(session(), membership, roles=form.roles.data,
                                                          legacy_org_id=form.legacy_org_id.data),
                  done=_("The changes have been saved."), then=url_for("tenant.members")) \
        or render_template("administration/member_edit.html", form=form, membership=membership)


@bp.route("/admin/members/<int:membership_id>/remove", methods=["GET", "POST"])
@requires(Role.ADMIN)
def remove_member():
    member = g.member
    return press_confirmed(
        "remove", lambda: service.remove_member(session(), member),
        title=_("Remove %(name)s from %(tenant)s?", name=member.user.name, tenant=g.tenant.name),
        consequence=_("%(name)s loses access to this organisation at once. This cannot be undone: to let them back "
                      "in, invite them again.", name=member.user.name),
        button=_("Remove %(name)s", name=member.user.name),
        done=_("The member has been removed from the organisation."), then=url_for("tenant.members"))


@bp.route("/admin/invitations", methods=["GET", "POST"])
@requires(Role.ADMIN)
def invitations():
    db = session()
    form = InviteForm()
    set_legacy_org_choices(form.legacy_org_id, tenancy.legacy_organisations(db))
    return submit(form, lambda: service.invite(db, g.tenant, current_user, email=form.email.data,
                                               roles=form.roles.data, legacy_org_id=form.legacy_org_id.data,
                                               settings=_settings()),
                  done=lambda invitation: _("An invitation has been sent to %(email)s.", email=invitation.email),
                  then=url_for("tenant.invitations")) \
        or render_template("administration/invitations.html", form=form, invitations=service.invitations(db),
                           now=utcnow(), role_labels=ROLE_LABELS, action_form=ButtonForm())


@bp.route("/admin/invitations/<int:invitation_id>/resend", methods=["POST"])
@requires(Role.ADMIN)
def resend_invitation():
    invitation = g.invitation
    return press("resend", lambda: service.resend_invitation(session(), g.tenant, current_user, invitation,
                                                             _settings()),
                 done=_("The invitation has been sent again to %(email)s.", email=invitation.email),
                 then=url_for("tenant.invitations"))


@bp.route("/admin/invitations/<int:invitation_id>/revoke", methods=["GET", "POST"])
@requires(Role.ADMIN)
def revoke_invitation():
    invitation = g.invitation
    return press_confirmed(
        "revoke", lambda: service.revoke_invitation(invitation),
        title=_("Withdraw the invitation to %(email)s?", email=invitation.email),
        consequence=_("The link in the invitation mail stops working at once. You can invite %(email)s again "
                      "later.", email=invitation.email),
        button=_("Withdraw the invitation to %(email)s", email=invitation.email),
        done=_("The invitation has been withdrawn."), then=url_for("tenant.invitations"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public_in_tenant
def accept_invitation(token: str):
    """The link from the invitation mail; works for a new and for an existing account."""
    db = session()
    invitation = service.invitation_for_token(db, token) or abort(404)
    status = invitation.status(utcnow())
    signup_form = AcceptWithNewAccountForm(prefix="new")
    action_form = ButtonForm()
    has_account = accounts.find_user(db, invitation.email) is not None
    if status == "pending" and (current_user.is_authenticated or not has_account):
        # signed in: the button; otherwise a new account in the same transaction as joining
        form = action_form if current_user.is_authenticated else signup_form
        joined = submit(form, lambda: _join(db, invitation, signup_form),
                        done=_("Welcome to %(tenant)s.", tenant=g.tenant.name), then=url_for("home.index"))
        if joined:
            return joined
    return render_template(
        "administration/accept.html", invitation=invitation, status=status, token=token, has_account=has_account,
        signup_form=signup_form, action_form=action_form, role_labels=ROLE_LABELS,
        wrong_account=current_user.is_authenticated and current_user.email != invitation.email,
    )


def _join(db, invitation, signup_form) -> None:
    if current_user.is_authenticated:
        service.accept_invitation(db, invitation, current_user)
        return
    user = accounts.register(db, email=invitation.email, name=signup_form.name.data,
                             password=signup_form.password.data, locale=None)
    service.accept_invitation(db, invitation, user)
    log_in(user)
