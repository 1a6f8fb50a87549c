"""The admin's page for a wave's SMS invitations (saas.surveys.sms): paste or upload mobile numbers, send
reminders, and see how the messages fared, as counts. Administrators and consultants only.

The numbers are never shown back in full once sent: the page shows counts, and the numbers that could not be
reached only masked. With no SMS provider configured the page says SMS is off and offers nothing to send.
"""
from __future__ import annotations

from datetime import date

from flask import current_app, g, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from saas.kernel.db import session
from saas.kernel.views import press, submit
from saas.surveys import sms
from saas.surveys.answering import engine as answering
from saas.surveys.forms import RemindForm, SmsForm
from saas.surveys.loaders import wave_or_404
from tenants import service as tenants
from tenants.guards import requires, tenant_blueprint
from tenants.models import Role

bp = tenant_blueprint("sms", __name__, "/waves")

MANAGE = (Role.ADMIN, Role.CONSULTANT)


@bp.route("/<int:wave_id>/sms", methods=["GET", "POST"])
@requires(*MANAGE)
def invitations(wave_id: int):
    db = session()
    wave, settings = wave_or_404(), current_app.config["KOERS"]
    form = SmsForm()
    form.set_choices(tenants.legacy_organisations(db))

    def send():
        try:
            return sms.invite_from_text(db, settings, g.tenant, wave, form.numbers.data or "",
                                        form.file.data.read() if form.file.data else None,
                                        legacy_org_id=form.legacy_org_id.data, by=current_user)
        except sms.BadNumbers as refusal:  # each line under the field; the refusal itself above the form
            form.numbers.errors = list(form.numbers.errors) + refusal.problems
            raise

    response = submit(form, send,
                      done=lambda count: ngettext("%(num)d SMS invitation is being sent.",
                                                  "%(num)d SMS invitations are being sent.", count),
                      then=url_for("sms.invitations", wave_id=wave.id))
    if response:
        return response
    return render_template("surveys/admin/sms.html", wave=wave, form=form, enabled=settings.sms_enabled,
                           open=wave.takes_answers_on(date.today()), delivery=sms.delivery(db, wave),
                           next_round=sms.next_round(db, wave), remind_form=RemindForm(),
                           duration=answering.duration(wave))


@bp.route("/<int:wave_id>/sms/remind", methods=["POST"])
@requires(*MANAGE)
def remind(wave_id: int):
    wave, form = wave_or_404(), RemindForm()
    return press(form, lambda: sms.request_reminders(session(), current_app.config["KOERS"], g.tenant, wave,
                                                     form.round.data),
                 done=_("The reminders are being sent by SMS to everyone who has not answered and got their text "
                        "message at least 24 hours ago, each with a new link."),
                 then=url_for("sms.invitations", wave_id=wave.id))

