"""Tenant pages: creating a tenant, its dashboard, and the admin's legacy organisations, people and
invitations. Views validate a form, call one service function, commit, flash, redirect."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from saas.auth import service as accounts
from saas.auth.sessions import log_in
from saas import consent as consent_rules
from saas.db import session, utcnow
from saas.errors import DomainError
from saas.kernel.views import show_domain_error
from tenants import service
from tenants.forms import (
    ROLE_LABELS, AcceptWithNewAccountForm, ActionForm, ConsentRequirementForm, InviteForm, LegacyOrgForm, MembershipForm, TenantForm,
    TenantSettingsForm, set_legacy_org_choices,
)
from tenants.guards import public_in_tenant, requires, tenant_blueprint
from tenants.models import Role

setup = Blueprint("tenant_setup", __name__)
bp = tenant_blueprint("tenant", __name__)


def _settings():
    return current_app.config["KOERS"]


# ---- creating a tenant ---------------------------------------------------------------------

@setup.route("/tenants/new", methods=["GET", "POST"])
@login_required
def create():
    form = TenantForm()
    if form.validate_on_submit():
        db = session()
        try:
            tenant = service.create_tenant(db, current_user, name=form.name.data, slug=form.slug.data,
                                           country=form.country.data, language=form.language.data)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("%(name)s has been created. Start by adding the legacy organisations.", name=tenant.name),
                  "success")
            return redirect(url_for("tenant.legacy_orgs", slug=tenant.slug))
    return render_template("tenants/create.html", form=form)


# ---- inside a tenant -----------------------------------------------------------------------

@bp.route("/")
@requires()
def dashboard():
    db = session()
    return render_template(
        "tenants/dashboard.html",
        legacy_orgs=service.legacy_organisations(db),
        member_count=len(service.members(db)) if Role.ADMIN in g.membership.roles else None,
        role_labels=ROLE_LABELS,
    )


@bp.route("/settings", methods=["GET", "POST"])
@requires(Role.ADMIN)
def settings():
    form = TenantSettingsForm(obj=g.tenant if request.method == "GET" else None)
    if form.validate_on_submit():
        service.update_tenant(session(), g.tenant, current_user, name=form.name.data, country=form.country.data,
                              language=form.language.data, min_group_size=form.min_group_size.data)
        session().commit()
        flash(_("The settings have been saved."), "success")
        return redirect(url_for("tenant.settings"))
    return render_template("tenants/settings.html", form=form, consent_form=ConsentRequirementForm())


@bp.route("/consent", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.WORKS_COUNCIL, Role.CONSULTANT)
def consent():
    """The works council's consent: whether it is required, and what waits for it (waves and pulse
    checks in preparation). Works council members record it from here; admins upload its decision."""
    db = session()
    form = ConsentRequirementForm()
    if request.method == "POST":
        if form.validate_on_submit() and form.required.data in ("on", "off"):
            try:
                consent_rules.set_required(db, g.tenant, g.membership, form.required.data == "on")
            except DomainError as error:
                db.rollback()
                flash(error.message, "error")
            else:
                db.commit()
                flash(_("The works council's consent is now required before a survey or pulse check opens.")
                      if g.tenant.consent_required else
                      _("The works council's consent is no longer required."), "success")
                return redirect(url_for("tenant.consent"))
        else:
            flash(_("Nothing was changed. Please use the buttons on the page."), "error")
    waves, consents, rounds = consent_rules.waiting(db)
    roles = g.membership.roles
    return render_template("tenants/consent.html", form=form, waves=waves, consents=consents, rounds=rounds,
                           may_turn_off=Role.WORKS_COUNCIL in roles,
                           may_turn_on=bool(roles & {Role.ADMIN, Role.WORKS_COUNCIL}))


@bp.route("/admin/legacy-orgs", methods=["GET", "POST"])
@requires(Role.ADMIN)
def legacy_orgs():
    db = session()
    form = LegacyOrgForm()
    if form.validate_on_submit():
        try:
            org = service.add_legacy_org(db, code=form.code.data, name=form.name.data)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("%(name)s has been added.", name=org.name), "success")
            return redirect(url_for("tenant.legacy_orgs"))
    return render_template("tenants/legacy_orgs.html", form=form, organisations=service.legacy_organisations(db),
                           action_form=ActionForm())


@bp.route("/admin/legacy-orgs/<int:legacy_org_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit_legacy_org(legacy_org_id: int):
    db = session()
    org = service.get_legacy_org(db, legacy_org_id) or abort(404)
    form = LegacyOrgForm(obj=org if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            service.update_legacy_org(db, org, code=form.code.data, name=form.name.data)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("tenant.legacy_orgs"))
    return render_template("tenants/legacy_org_edit.html", form=form, org=org)


@bp.route("/admin/legacy-orgs/<int:legacy_org_id>/delete", methods=["POST"])
@requires(Role.ADMIN)
def delete_legacy_org(legacy_org_id: int):
    db = session()
    org = service.get_legacy_org(db, legacy_org_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            service.delete_legacy_org(db, org)
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
        else:
            db.commit()
            flash(_("The legacy organisation has been deleted."), "success")
    return redirect(url_for("tenant.legacy_orgs"))


@bp.route("/admin/members")
@requires(Role.ADMIN)
def members():
    db = session()
    return render_template("tenants/members.html", members=service.members(db), role_labels=ROLE_LABELS,
                           action_form=ActionForm())


@bp.route("/admin/members/<int:membership_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit_member(membership_id: int):
    db = session()
    membership = service.get_membership(db, membership_id) or abort(404)
    form = MembershipForm(data=None if request.method == "POST" else {
        "roles": sorted(membership.roles), "legacy_org_id": membership.legacy_org_id})
    set_legacy_org_choices(form.legacy_org_id, service.legacy_organisations(db))
    if form.validate_on_submit():
        try:
            service.change_membership(db, membership, roles=form.roles.data, legacy_org_id=form.legacy_org_id.data)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("tenant.members"))
    return render_template("tenants/member_edit.html", form=form, membership=membership)


@bp.route("/admin/members/<int:membership_id>/remove", methods=["POST"])
@requires(Role.ADMIN)
def remove_member(membership_id: int):
    db = session()
    membership = service.get_membership(db, membership_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            service.remove_member(db, membership)
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
        else:
            db.commit()
            flash(_("The member has been removed from the organisation."), "success")
    return redirect(url_for("tenant.members"))


@bp.route("/admin/invitations", methods=["GET", "POST"])
@requires(Role.ADMIN)
def invitations():
    db = session()
    form = InviteForm()
    set_legacy_org_choices(form.legacy_org_id, service.legacy_organisations(db))
    if form.validate_on_submit():
        try:
            invitation = service.invite(db, g.tenant, current_user, email=form.email.data, roles=form.roles.data,
                                        legacy_org_id=form.legacy_org_id.data, settings=_settings())
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("An invitation has been sent to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("tenant.invitations"))
    return render_template("tenants/invitations.html", form=form, invitations=service.invitations(db),
                           now=utcnow(), role_labels=ROLE_LABELS, action_form=ActionForm())


@bp.route("/admin/invitations/<int:invitation_id>/resend", methods=["POST"])
@requires(Role.ADMIN)
def resend_invitation(invitation_id: int):
    db = session()
    invitation = service.get_invitation(db, invitation_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            service.resend_invitation(db, g.tenant, current_user, invitation, _settings())
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
        else:
            db.commit()
            flash(_("The invitation has been sent again to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("tenant.invitations"))


@bp.route("/admin/invitations/<int:invitation_id>/revoke", methods=["POST"])
@requires(Role.ADMIN)
def revoke_invitation(invitation_id: int):
    db = session()
    invitation = service.get_invitation(db, invitation_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            service.revoke_invitation(invitation)
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
        else:
            db.commit()
            flash(_("The invitation has been withdrawn."), "success")
    return redirect(url_for("tenant.invitations"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public_in_tenant
def accept_invitation(token: str):
    """The link from the invitation mail; works for a new and for an existing account."""
    db = session()
    invitation = service.invitation_for_token(db, token) or abort(404)
    status = invitation.status(utcnow())
    signup_form = AcceptWithNewAccountForm(prefix="new")
    action_form = ActionForm()
    has_account = accounts.find_user(db, invitation.email) is not None
    if status == "pending" and request.method == "POST":
        user = current_user if current_user.is_authenticated else None
        if user is None and not has_account and signup_form.validate_on_submit():
            user = accounts.register(db, email=invitation.email, name=signup_form.name.data,
                                     password=signup_form.password.data, locale=None)
        elif user is not None and not action_form.validate_on_submit():
            user = None
        if user is not None:
            try:
                service.accept_invitation(db, invitation, user)
            except DomainError as error:
                db.rollback()
                flash(error.message, "error")
            else:
                db.commit()
                if not current_user.is_authenticated:
                    log_in(user)
                flash(_("Welcome to %(tenant)s.", tenant=g.tenant.name), "success")
                return redirect(url_for("tenant.dashboard"))
    return render_template(
        "tenants/accept.html", invitation=invitation, status=status, token=token, has_account=has_account,
        signup_form=signup_form, action_form=action_form, role_labels=ROLE_LABELS,
        wrong_account=current_user.is_authenticated and current_user.email != invitation.email,
    )
