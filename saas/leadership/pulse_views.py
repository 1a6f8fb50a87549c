"""Pulse check pages: running them (plan, the works council's consent, open, remind, close, results)
and answering them (through the personal link, or signed in)."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from saas.anonymity import access, policy
from saas.kernel import consent as consent_rules
from saas.kernel.db import session
from saas.kernel.views import press, submit
from saas.leadership import promises, pulses
from saas.leadership.blueprint import (
    CONSENT_RECORDERS,
    PULSE_RUNNERS,
    RESULT_READERS,
    bp,
    invitation,
    keep_token,
    promise_texts,
    pulse_or_404,
    reminder_sent,
    take_answer,
)
from saas.leadership.forms import PulseRoundForm
from saas.programme import service as programmes
from saas.programme.loaders import load_programme
from saas.surveys.forms import ConsentForm
from tenants.guards import public_in_tenant, requires

# ---- running them ---------------------------------------------------------------------------

@bp.route("/programmes/<int:programme_id>/pulse-checks")
@requires(*PULSE_RUNNERS)
def pulse_rounds(programme_id: int):
    programme = load_programme(programme_id)
    form = PulseRoundForm(data=pulses.next_round_defaults(session(), programme, date.today()))
    return _pulse_rounds_page(programme, form)


@bp.route("/programmes/<int:programme_id>/pulse-checks", methods=["POST"])
@requires(*PULSE_RUNNERS)
def plan_pulse_round(programme_id: int):
    programme = load_programme(programme_id)
    form = PulseRoundForm()
    return submit(form, lambda: pulses.plan_round(session(), g.tenant, programme, name=form.name.data,
                                                  opens_on=form.opens_on.data, closes_on=form.closes_on.data),
                  done=_("The pulse check has been planned. Open it when it should start."),
                  then=lambda pulse: url_for("leadership.pulse_round", pulse_round_id=pulse.id)) \
        or _pulse_rounds_page(programme, form)


def _pulse_rounds_page(programme, form):
    db = session()
    rows = [(pulse, *pulses.invitation_counts(db, pulse)) for pulse in pulses.rounds(db, programme)]
    return render_template("leadership/pulse_rounds.html", programme=programme, rows=rows, form=form,
                           has_promises=bool(promises.promises(db, programme, include_retired=False)),
                           consent_required=pulses.consent_required(g.tenant))


@bp.route("/pulse-checks/<int:pulse_round_id>")
@requires(*RESULT_READERS)
def pulse_round(pulse_round_id: int):
    db = session()
    pulse, programme = pulse_or_404(pulse_round_id)
    invited, answered = pulses.invitation_counts(db, pulse)
    result = pulses.round_result(db, pulse)
    if result is not None:  # results of staff answers are a report: the access log shows who read them
        access.log(db, current_user, "pulse", programme_id=programme.id, details={"round": pulse.id})
        db.commit()
    k = result.k if result is not None else policy.frozen_k(pulse, g.tenant)
    return render_template("leadership/pulse_round.html", pulse=pulse, programme=programme, invited=invited,
                           answered=answered, result=result, may_record_consent=g.membership.has_any(CONSENT_RECORDERS),
                           past_close=pulse.status == "open" and not pulses.accepts_answers(pulse, date.today()),
                           promises=promise_texts(db, programme), k=k, examples_min=policy.free_text_k(k))


@bp.route("/pulse-checks/<int:pulse_round_id>/consent", methods=["GET", "POST"])
@requires(*CONSENT_RECORDERS)
def pulse_consent(pulse_round_id: int):
    """The works council's consent on one round, before it opens: typed by a works council member, or
    the signed decision uploaded by an admin."""
    pulse, programme = pulse_or_404(pulse_round_id)
    back = url_for("leadership.pulse_round", pulse_round_id=pulse.id)
    if pulse.status != "draft":
        flash(_("The works council's consent is recorded before the pulse check opens."), "error")
        return redirect(back)
    form = ConsentForm(data={"decided_on": pulse.consent_on, "decision": pulse.consent_text,
                             "conditions": pulse.consent_conditions, "min_group_size": pulse.consent_min_group_size}
                       if request.method == "GET" and pulse.consent_on else None)
    form.set_tenant_k(g.tenant.min_group_size)

    def record():
        signed = consent_rules.uploaded(form.document.data)
        pulses.record_consent(session(), pulse, by=g.membership, decided_on=form.decided_on.data,
                              decision=form.decision.data, conditions=form.conditions.data or "",
                              min_group_size=form.min_group_size.data, document=signed)

    return submit(form, record, done=_("The works council's consent has been recorded."), then=back) \
        or render_template("leadership/pulse_consent.html", pulse=pulse, programme=programme, form=form, back=back,
                           typed=g.membership.has_any(consent_rules.RECORDERS))


@bp.route("/pulse-checks/<int:pulse_round_id>/consent/decision")
@requires(*RESULT_READERS)
def pulse_consent_document(pulse_round_id: int):
    """The works council's signed decision on a round, as uploaded."""
    pulse, _programme_ = pulse_or_404(pulse_round_id)
    if not pulse.consent_filename or pulse.consent_document is None:
        abort(404)
    return consent_rules.decision_response(pulse.consent_document, pulse.consent_filename)


@bp.route("/pulse-checks/<int:pulse_round_id>/open", methods=["POST"])
@requires(*PULSE_RUNNERS)
def open_pulse_round(pulse_round_id: int):
    pulse, _programme_ = pulse_or_404(pulse_round_id)
    return press("open", lambda: pulses.open_round(session(), g.tenant, pulse, date.today()),
                 done=_("The pulse check is open. Staff receive their personal link by e-mail."),
                 then=url_for("leadership.pulse_round", pulse_round_id=pulse.id))


@bp.route("/pulse-checks/<int:pulse_round_id>/remind", methods=["POST"])
@requires(*PULSE_RUNNERS)
def remind_pulse_round(pulse_round_id: int):
    pulse, _programme_ = pulse_or_404(pulse_round_id)
    return press("remind", lambda: pulses.request_reminder(session(), g.tenant, pulse, date.today()),
                 done=reminder_sent, then=url_for("leadership.pulse_round", pulse_round_id=pulse.id))


@bp.route("/pulse-checks/<int:pulse_round_id>/close", methods=["POST"])
@requires(*PULSE_RUNNERS)
def close_pulse_round(pulse_round_id: int):
    pulse, _programme_ = pulse_or_404(pulse_round_id)
    return press("close", lambda: pulses.close_round(session(), pulse),
                 done=_("The pulse check is closed. Its results are below."),
                 then=url_for("leadership.pulse_round", pulse_round_id=pulse.id))


@bp.route("/programmes/<int:programme_id>/pulse-results")
@requires(*RESULT_READERS)
def pulse_results(programme_id: int):
    db = session()
    programme = load_programme(programme_id)
    closed, results = pulses.results_over_time(db, programme)
    # a report on staff answers: the access log shows who read it
    access.log(db, current_user, "pulse", programme_id=programme.id)
    db.commit()
    k = min((result.k for result in results.values()), default=policy.launch_k(g.tenant))
    return render_template("leadership/pulse_results.html", programme=programme, rounds=closed, results=results,
                           promises=promises.promises(db, programme), k=k)


# ---- answering them -------------------------------------------------------------------------

@bp.route("/p/<pulse_token>")
@public_in_tenant
def pulse_link(pulse_token: str):
    """The link from the mail: the token moves into the session, so that no later URL carries it."""
    found = pulses.invitation_for_token(session(), pulse_token) or abort(404)
    keep_token(f"p{found.round_id}", pulse_token)
    return redirect(url_for("leadership.answer_pulse", pulse_round_id=found.round_id))


@bp.route("/pulse-checks/<int:pulse_round_id>/answer", methods=["GET", "POST"])
@public_in_tenant
def answer_pulse(pulse_round_id: int):
    db = session()
    pulse = pulses.get_round(db, pulse_round_id) or abort(404)
    answering = invitation(pulses, f"p{pulse.id}", pulse.id) or abort(404)
    context = {"pulse": pulse, "promises": promise_texts(db, programmes.get_programme(db, pulse.programme_id)),
               "form": FlaskForm(), "problems": {}, "given": {}, "k": policy.frozen_k(pulse, g.tenant)}
    if answering.answered:
        return render_template("leadership/answer_pulse.html", state="answered", **context)
    if not pulses.accepts_answers(pulse, date.today()):
        return render_template("leadership/answer_pulse.html", state="closed", **context)
    if request.method == "POST" and context["form"].validate_on_submit():
        def answer():
            scores, examples = pulses.read_answer(pulse, request.form)
            pulses.submit(db, g.tenant, pulse, answering, scores, examples, date.today())

        taken = take_answer(answer, pulses.InvalidPulseAnswer,
                            url_for("leadership.answer_pulse", pulse_round_id=pulse.id), context)
        if taken:
            return taken
    return render_template("leadership/answer_pulse.html", state="open", **context)
