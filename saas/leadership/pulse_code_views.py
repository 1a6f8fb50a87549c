"""A pulse check's answer codes (issue 20, point 1; saas.leadership.pulse_codes): the page where those who run pulse
checks order a batch (answered with the PDF of its slips, the one time the codes exist in plain) and see the
batches, and the short address where staff type a code or which a slip's QR code opens (public in the tenant,
as a mailed link is). A code starts the answer page as a personal link does: its token goes into the session.
The pages are a wave's codes' (saas.surveys.code_pages), with the pulse check's own order and slips."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from saas.kernel.db import session
from saas.leadership import pulse_codes
from saas.leadership.blueprint import PULSE_RUNNERS, bp, keep_token, pulse_or_404
from saas.surveys import code_pages, codes
from tenants.guards import public_in_tenant, requires

ENTRY_PAGE = pulse_codes.ENTRY_PAGE


@bp.route("/pulse-checks/<int:pulse_round_id>/codes", methods=["GET", "POST"])
@requires(*PULSE_RUNNERS)
def pulse_answer_codes(pulse_round_id: int):
    """Order a batch of answer codes: the submit pattern, answered with a file (the only copy of the codes)."""
    db = session()
    pulse, programme = pulse_or_404(pulse_round_id)
    form = code_pages.order_form(db)
    return code_pages.order(form, pulse_codes.order_batch, pulse,
                            slips=lambda plain: pulse_codes.slips_pdf(g.tenant, pulse, plain),
                            filename=pulse_codes.filename(pulse)) \
        or render_template("leadership/pulse_codes.html", pulse=pulse, programme=programme, form=form,
                           batches=pulse_codes.batches(db, pulse), rates=pulse_codes.batch_rates(db, g.tenant, pulse),
                           group_label=lambda batch: codes.group_label(db, batch), max_count=codes.MAX_COUNT,
                           entry_url=pulse_codes.entry_address(g.tenant))


@bp.route("/code")
@public_in_tenant
def pulse_code_enter():
    """Type the code from a pulse check's slip (a GET form: no JavaScript needed; it sends the code as the QR
    code does)."""
    return code_pages.entry(request.args.get("code"), pulse_codes.invitation_for_code, _begin,
                            action=url_for(ENTRY_PAGE))


@bp.route("/code/<answer_code>")
@public_in_tenant
def pulse_by_code(answer_code: str):
    """The address in a slip's QR code."""
    return code_pages.entry(answer_code, pulse_codes.invitation_for_code, _begin, action=url_for(ENTRY_PAGE))


def _begin(invitation, token: str):
    keep_token(f"p{invitation.round_id}", token)
    return redirect(url_for("leadership.answer_pulse", pulse_round_id=invitation.round_id))
