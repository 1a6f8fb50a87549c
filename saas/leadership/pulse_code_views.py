"""A pulse check's answer codes (issue 20, point 1; saas.leadership.pulse_codes): the page where those who run pulse
checks order a batch (answered with the PDF of its slips, the one time the codes exist in plain) and see the
batches, and the short address where staff type a code or which a slip's QR code opens (public in the tenant,
as a mailed link is). A code starts the answer page as a personal link does: its token goes into the session."""
from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from saas.kernel import audit
from saas.kernel.db import session
from saas.kernel.errors import DomainError
from saas.kernel.views import show_domain_error
from saas.leadership import pulse_codes
from saas.leadership.blueprint import PULSE_RUNNERS, bp, keep_token, pulse_or_404
from saas.programme.models import Team
from saas.surveys import codes
from saas.surveys.forms import AnswerCodesForm
from tenants import service as tenants
from tenants.guards import public_in_tenant, requires

ENTRY_PAGE = pulse_codes.ENTRY_PAGE


@bp.route("/pulse-checks/<int:pulse_round_id>/codes", methods=["GET", "POST"])
@requires(*PULSE_RUNNERS)
def pulse_answer_codes(pulse_round_id: int):
    """Order a batch of answer codes: the submit pattern, answered with a file (the only copy of the codes)."""
    db = session()
    pulse, programme = pulse_or_404(pulse_round_id)
    form = AnswerCodesForm()
    form.set_choices(tenants.legacy_organisations(db), db.scalars(select(Team).order_by(Team.name)))
    if form.validate_on_submit():
        try:
            _batch, plain = pulse_codes.order_batch(
                db, current_app.config["KOERS"].secret_key, pulse, count=form.count.data,
                legacy_org_id=form.legacy_org_id.data, team_id=form.team_id.data, label=form.label.data or "",
                by=current_user)
            sheet = pulse_codes.slips_pdf(g.tenant, pulse, plain)
        except DomainError as error:
            db.rollback()
            audit.keep_refusal(db, error)
            show_domain_error(form, error)
        else:
            db.commit()
            response = current_app.response_class(sheet, mimetype="application/pdf")
            response.headers["Content-Disposition"] = f'attachment; filename="{pulse_codes.filename(pulse)}"'
            response.headers["Cache-Control"] = "no-store"  # the slips hold the only copy of the codes
            return response
    return render_template("leadership/pulse_codes.html", pulse=pulse, programme=programme, form=form,
                           batches=pulse_codes.batches(db, pulse), rates=pulse_codes.batch_rates(db, g.tenant, pulse),
                           group_label=lambda batch: codes.group_label(db, batch), max_count=codes.MAX_COUNT,
                           entry_url=pulse_codes.entry_address(g.tenant))


@bp.route("/code")
@public_in_tenant
def pulse_code_enter():
    """Type the code from a pulse check's slip (a GET form: no JavaScript needed; it sends the code as the QR
    code does)."""
    typed = request.args.get("code")
    if typed is None:
        return render_template("surveys/respond/code.html", problem=None, typed="", action=url_for(ENTRY_PAGE))
    return _by_code(typed)


@bp.route("/code/<answer_code>")
@public_in_tenant
def pulse_by_code(answer_code: str):
    """The address in a slip's QR code."""
    return _by_code(answer_code)


def _by_code(typed: str):
    found = pulse_codes.invitation_for_code(session(), current_app.config["KOERS"].secret_key, typed)
    if found is None:
        problem = _("This code is not known. Check the code on your slip and type it again: ten letters and "
                    "digits. Spaces and dashes do not matter.")
        return render_template("surveys/respond/code.html", problem=problem, typed=typed[:40],
                               action=url_for(ENTRY_PAGE)), 404
    invitation, token = found
    if invitation.answered:
        problem = _("This code has already been used to answer the survey. Each code can be used once.")
        return render_template("surveys/respond/code.html", problem=problem, typed="", action=url_for(ENTRY_PAGE)), 409
    keep_token(f"p{invitation.round_id}", token)
    return redirect(url_for("leadership.answer_pulse", pulse_round_id=invitation.round_id))
