"""People's data pages: a person downloads their own data (their account page links here); an admin sets the
tenant's retention periods (linked from the settings page) and erases a person (from the member's page)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, g, render_template, request, url_for
from sqlalchemy import select
from flask_babel import gettext as _
from flask_login import current_user, login_required

from saas.auth.models import User
from saas.kernel import audit
from saas.kernel.db import platform_blueprint, session
from saas.kernel.views import press_confirmed, submit
from saas.privacy import people, retention
from saas.privacy.forms import RetentionForm
from saas.privacy.models import Departure
from tenants import service as tenancy
from tenants.guards import requires, tenant_blueprint
from tenants.models import Role

# A person's own data lies in every tenant they are or were in: the download reads it on the platform role, for
# this one account only (saas.privacy.people.export; saas.kernel.db.platform_blueprint)
account_bp = platform_blueprint(Blueprint("privacy_account", __name__))
bp = tenant_blueprint("privacy", __name__, url_prefix="/admin/privacy")


@account_bp.route("/account/data")
@login_required
def my_data():
    return render_template("privacy/my_data.html")


@account_bp.route("/account/data.json")
@login_required
def download():
    db = session()
    data = people.export(db, current_user)
    audit.record(db, "person.exported", platform=True, obj=current_user,
                 detail={"organisations": len(data["organisations"])})
    db.commit()
    return Response(people.to_json(data), mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="koers-personal-data.json"', "Cache-Control": "no-store"})


@bp.route("/retention", methods=["GET", "POST"])
@requires(Role.ADMIN)
def retention_settings():
    db = session()
    form = RetentionForm(data=retention.policy(db, g.tenant) if request.method == "GET" else None)
    return submit(form, lambda: retention.set_periods(db, g.tenant, left_days=form.left_days.data,
                                                       invitations_days=form.invitations_days.data,
                                                       attachments_days=form.attachments_days.data,
                                                       signins_days=form.signins_days.data),
                  done=_("The retention periods have been saved."), then=url_for("privacy.retention_settings")) \
        or render_template("privacy/retention.html", form=form, periods=retention.retention_periods(db, g.tenant),
                           waiting=retention.people_waiting(db, g.tenant))


@bp.route("/members/<int:membership_id>/erase", methods=["GET", "POST"])
@requires(Role.ADMIN)
def erase_member(membership_id: int):
    member = tenancy.get_membership(session(), membership_id) or abort(404)
    user = member.user
    return press_confirmed(
        "erase", lambda: people.erase(session(), g.tenant, user),
        title=_("Erase %(name)s from %(tenant)s?", name=user.name, tenant=g.tenant.name),
        consequence=_("%(name)s loses access at once, and their name, e-mail address, sign-in details and "
                      "notifications are removed from this organisation; their account goes too when they belong "
                      "to no other organisation. What they wrote for a team stays, under “a former member”. "
                      "This cannot be undone.", name=user.name),
        button=_("Erase %(name)s", name=user.name),
        done=_("The person has been erased from the organisation."), then=url_for("tenant.members"),
        back=url_for("tenant.edit_member", membership_id=membership_id))


@bp.route("/departures/<int:departure_id>/erase", methods=["GET", "POST"])
@requires(Role.ADMIN)
def erase_departed(departure_id: int):
    db = session()
    departure = db.scalar(select(Departure).where(Departure.id == departure_id)) or abort(404)
    user = db.get(User, departure.user_id)
    name = user.name if user else _("a former member")
    return press_confirmed(
        "erase", lambda: people.erase_departed(db, g.tenant, departure),
        title=_("Erase %(name)s from %(tenant)s?", name=name, tenant=g.tenant.name),
        consequence=_("%(name)s left this organisation. Their name, e-mail address and sign-in details are removed "
                      "from it now instead of at the end of the retention period; their account goes too when they "
                      "belong to no other organisation. What they wrote for a team stays, under “a former member”. "
                      "This cannot be undone.", name=name),
        button=_("Erase %(name)s", name=name),
        done=_("The person has been erased from the organisation."), then=url_for("privacy.retention_settings"))
