"""Leadership: behaviour promises with pulse checks, 360-degree feedback, consistency check (issue 9) — pages.

Views validate a form, call one service function, commit, flash, redirect. Who may do what:
- the management team writes the promises and starts its members' 360 rounds;
- management, admins and consultants run pulse checks; they and the works council read the results
  (aggregates under the k rule only);
- staff answer pulse checks, raters answer 360 rounds, through their personal link or signed in;
- a 360 report is for its manager and the coach they chose: anyone else is answered 404, whatever
  their role, as if the round did not exist;
- the consistency check is the management team's and its consultants'.
"""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask import session as http_session
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from saas.anonymity import access, policy
from saas import consent as consent_rules
from saas.db import session
from saas.errors import DomainError
from saas.kernel.views import show_domain_error
from saas.leadership import feedback, pulses, rules, service
from saas.leadership.forms import (
    EVIDENCE_FORMS, RATING_LABELS, AddRatersForm, ButtonForm, PromiseForm, PulseRoundForm, RateForm,
    StartFeedbackForm,
)
from saas.leadership.models import RATINGS
from saas.programme import service as programmes
from tenants.guards import public_in_tenant, requires, tenant_blueprint
from tenants.models import Membership, Role

bp = tenant_blueprint("leadership", __name__, "/leadership")

MANAGEMENT = (Role.MANAGEMENT,)
PULSE_RUNNERS = (Role.ADMIN, Role.MANAGEMENT, Role.CONSULTANT)
RESULT_READERS = (Role.ADMIN, Role.MANAGEMENT, Role.CONSULTANT, Role.WORKS_COUNCIL)
CHECKERS = (Role.MANAGEMENT, Role.CONSULTANT)
CONSENT_RECORDERS = (Role.ADMIN, Role.CONSULTANT, Role.WORKS_COUNCIL)  # saas.consent: who types, who uploads
SCALE_LABELS = {1: _l("Never"), 2: _l("Rarely"), 3: _l("Sometimes"), 4: _l("Often"), 5: _l("Always")}
SESSION_KEY = "leadership"  # {"p<round id>": pulse token, "f<round id>": feedback token}


@bp.context_processor
def _what_the_member_can_do():
    roles = _roles()
    return {"can": {"run": bool(roles & set(PULSE_RUNNERS)), "read": bool(roles & set(RESULT_READERS)),
                    "check": bool(roles & set(CHECKERS)), "manage": Role.MANAGEMENT in roles},
            "scale_choices": [(point, SCALE_LABELS[point]) for point in rules.SCALE],
            "scale_labels": [SCALE_LABELS[point] for point in rules.SCALE],
            "example_max": pulses.EXAMPLE_MAX, "comment_max": feedback.COMMENT_MAX}


def _programme(programme_id: int):
    return programmes.get_programme(session(), programme_id) or abort(404)


def _promise(promise_id: int):
    db = session()
    promise = service.get_promise(db, promise_id) or abort(404)
    return promise, programmes.get_programme(db, promise.programme_id)


def _pulse(round_id: int):
    db = session()
    pulse = pulses.get_round(db, round_id) or abort(404)
    return pulse, programmes.get_programme(db, pulse.programme_id)


def _roles() -> set[str]:
    return g.membership.roles if g.get("membership") is not None else set()


def _promise_texts(db, programme) -> dict:
    return {p.id: p for p in service.promises(db, programme)}


# ---- the hub --------------------------------------------------------------------------------

@bp.route("/")
@requires()
def index():
    """What the member can do here: pulse checks to answer, feedback to give, their own 360 rounds."""
    db = session()
    return render_template(
        "leadership/index.html", pulse_invitations=pulses.open_invitations(db, g.membership, date.today()),
        feedback_requests=feedback.requests(db, g.membership, date.today()), own_rounds=feedback.rounds_about(db, g.membership),
        coached_rounds=feedback.rounds_coached(db, g.membership), programmes=programmes.programmes(db),
        may_start=feedback.may_start(g.membership))


# ---- promises -------------------------------------------------------------------------------

@bp.route("/programmes/<int:programme_id>/promises")
@requires()
def promises(programme_id: int):
    return _promises_page(_programme(programme_id), PromiseForm(formdata=None))


@bp.route("/programmes/<int:programme_id>/promises", methods=["POST"])
@requires(*MANAGEMENT)
def add_promise(programme_id: int):
    db = session()
    programme = _programme(programme_id)
    form = PromiseForm()
    if form.validate_on_submit():
        try:
            service.add_promise(db, programme, g.membership, form.text.data)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The promise has been recorded."), "success")
            return redirect(url_for("leadership.promises", programme_id=programme.id))
    return _promises_page(programme, form)


def _promises_page(programme, form):
    db = session()
    return render_template("leadership/promises.html", programme=programme, promises=service.promises(db, programme),
                           form=form)


@bp.route("/promises/<int:promise_id>", methods=["GET", "POST"])
@requires(*MANAGEMENT)
def edit_promise(promise_id: int):
    db = session()
    promise, programme = _promise(promise_id)
    form = PromiseForm(obj=promise if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            service.change_promise(db, promise, form.text.data)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("leadership.promises", programme_id=programme.id))
    return render_template("leadership/promise_form.html", form=form, promise=promise, programme=programme,
                           asked=service.is_asked(db, promise))


@bp.route("/promises/<int:promise_id>/retire", methods=["POST"])
@requires(*MANAGEMENT)
def retire_promise(promise_id: int):
    db = session()
    promise, programme = _promise(promise_id)
    if ButtonForm().says("retire"):
        service.retire_promise(promise)
        db.commit()
        flash(_("The promise is retired: new pulse checks and feedback rounds no longer ask about it."), "success")
    return redirect(url_for("leadership.promises", programme_id=programme.id))


def _button(action: str, work, done) -> None:
    """A button that names `action`: do `work()` in the request's transaction, then flash `done(result)`;
    a refusal is flashed instead and nothing is kept. A stray or empty request does nothing."""
    if not ButtonForm().says(action):
        return
    db = session()
    try:
        result = work()
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
    else:
        db.commit()
        flash(done(result), "success")


def _reminder_sent(count: int) -> str:
    return ngettext("The reminder is being sent to the %(num)d person who has not answered.",
                    "The reminder is being sent to the %(num)d people who have not answered.", count)


# ---- pulse checks: running them --------------------------------------------------------------

@bp.route("/programmes/<int:programme_id>/pulse-checks")
@requires(*PULSE_RUNNERS)
def pulse_rounds(programme_id: int):
    programme = _programme(programme_id)
    form = PulseRoundForm(data=pulses.next_round_defaults(session(), programme, date.today()))
    return _pulse_rounds_page(programme, form)


@bp.route("/programmes/<int:programme_id>/pulse-checks", methods=["POST"])
@requires(*PULSE_RUNNERS)
def plan_pulse_round(programme_id: int):
    db = session()
    programme = _programme(programme_id)
    form = PulseRoundForm()
    if form.validate_on_submit():
        try:
            pulse = pulses.plan_round(db, g.tenant, programme, name=form.name.data, opens_on=form.opens_on.data,
                                      closes_on=form.closes_on.data)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The pulse check has been planned. Open it when it should start."), "success")
            return redirect(url_for("leadership.pulse_round", pulse_round_id=pulse.id))
    return _pulse_rounds_page(programme, form)


def _pulse_rounds_page(programme, form):
    db = session()
    rows = [(pulse, *pulses.invitation_counts(db, pulse)) for pulse in pulses.rounds(db, programme)]
    return render_template("leadership/pulse_rounds.html", programme=programme, rows=rows, form=form,
                           has_promises=bool(service.promises(db, programme, include_retired=False)),
                           consent_required=pulses.consent_required(g.tenant))


@bp.route("/pulse-checks/<int:pulse_round_id>")
@requires(*RESULT_READERS)
def pulse_round(pulse_round_id: int):
    db = session()
    pulse, programme = _pulse(pulse_round_id)
    invited, answered = pulses.invitation_counts(db, pulse)
    result = pulses.round_result(db, pulse)
    if result is not None:  # results of staff answers are a report: the access log shows who read them
        access.log(db, current_user, "pulse", programme_id=programme.id, details={"round": pulse.id})
        db.commit()
    k = result.k if result is not None else policy.frozen_k(pulse, g.tenant)
    return render_template("leadership/pulse_round.html", pulse=pulse, programme=programme, invited=invited,
                           answered=answered, result=result, may_record_consent=g.membership.has_any(CONSENT_RECORDERS),
                           past_close=pulse.status == "open" and not pulses.accepts_answers(pulse, date.today()),
                           promises=_promise_texts(db, programme), k=k, examples_min=policy.free_text_k(k))


@bp.route("/pulse-checks/<int:pulse_round_id>/consent", methods=["GET", "POST"])
@requires(*CONSENT_RECORDERS)
def pulse_consent(pulse_round_id: int):
    """The works council's consent on one round, before it opens: typed by a works council member, or
    the signed decision uploaded by an admin."""
    from saas.surveys.forms import ConsentForm

    db = session()
    pulse, programme = _pulse(pulse_round_id)
    back = url_for("leadership.pulse_round", pulse_round_id=pulse.id)
    if pulse.status != "draft":
        flash(_("The works council's consent is recorded before the pulse check opens."), "error")
        return redirect(back)
    form = ConsentForm(data={"decided_on": pulse.consent_on, "decision": pulse.consent_text,
                             "conditions": pulse.consent_conditions, "min_group_size": pulse.consent_min_group_size}
                       if request.method == "GET" and pulse.consent_on else None)
    form.set_tenant_k(g.tenant.min_group_size)
    if form.validate_on_submit():
        try:
            signed = consent_rules.uploaded(form.document.data)
            pulses.record_consent(db, pulse, by=g.membership, decided_on=form.decided_on.data,
                                  decision=form.decision.data, conditions=form.conditions.data or "",
                                  min_group_size=form.min_group_size.data, document=signed)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The works council's consent has been recorded."), "success")
            return redirect(back)
    return render_template("leadership/pulse_consent.html", pulse=pulse, programme=programme, form=form, back=back,
                           typed=g.membership.has_any(consent_rules.RECORDERS))


@bp.route("/pulse-checks/<int:pulse_round_id>/consent/decision")
@requires(*RESULT_READERS)
def pulse_consent_document(pulse_round_id: int):
    """The works council's signed decision on a round, as uploaded."""
    pulse, _programme_ = _pulse(pulse_round_id)
    if not pulse.consent_filename or pulse.consent_document is None:
        abort(404)
    return consent_rules.decision_response(pulse.consent_document, pulse.consent_filename)


@bp.route("/pulse-checks/<int:pulse_round_id>/open", methods=["POST"])
@requires(*PULSE_RUNNERS)
def open_pulse_round(pulse_round_id: int):
    db = session()
    pulse, _programme_ = _pulse(pulse_round_id)
    _button("open", lambda: pulses.open_round(db, g.tenant, pulse, date.today()),
            lambda _result: _("The pulse check is open. Staff receive their personal link by e-mail."))
    return redirect(url_for("leadership.pulse_round", pulse_round_id=pulse.id))


@bp.route("/pulse-checks/<int:pulse_round_id>/remind", methods=["POST"])
@requires(*PULSE_RUNNERS)
def remind_pulse_round(pulse_round_id: int):
    db = session()
    pulse, _programme_ = _pulse(pulse_round_id)
    _button("remind", lambda: pulses.request_reminder(db, g.tenant, pulse, date.today()), _reminder_sent)
    return redirect(url_for("leadership.pulse_round", pulse_round_id=pulse.id))


@bp.route("/pulse-checks/<int:pulse_round_id>/close", methods=["POST"])
@requires(*PULSE_RUNNERS)
def close_pulse_round(pulse_round_id: int):
    db = session()
    pulse, _programme_ = _pulse(pulse_round_id)
    _button("close", lambda: pulses.close_round(db, pulse),
            lambda _result: _("The pulse check is closed. Its results are below."))
    return redirect(url_for("leadership.pulse_round", pulse_round_id=pulse.id))


@bp.route("/programmes/<int:programme_id>/pulse-results")
@requires(*RESULT_READERS)
def pulse_results(programme_id: int):
    db = session()
    programme = _programme(programme_id)
    closed, results = pulses.results_over_time(db, programme)
    # a report on staff answers: the access log shows who read it
    access.log(db, current_user, "pulse", programme_id=programme.id)
    db.commit()
    k = min((result.k for result in results.values()), default=policy.launch_k(g.tenant))
    return render_template("leadership/pulse_results.html", programme=programme, rounds=closed, results=results,
                           promises=service.promises(db, programme), k=k)


# ---- pulse checks: answering ----------------------------------------------------------------

@bp.route("/p/<pulse_token>")
@public_in_tenant
def pulse_link(pulse_token: str):
    """The link from the mail: the token moves into the session, so that no later URL carries it."""
    invitation = pulses.invitation_for_token(session(), pulse_token) or abort(404)
    _keep_token(f"p{invitation.round_id}", pulse_token)
    return redirect(url_for("leadership.answer_pulse", pulse_round_id=invitation.round_id))


@bp.route("/pulse-checks/<int:pulse_round_id>/answer", methods=["GET", "POST"])
@public_in_tenant
def answer_pulse(pulse_round_id: int):
    db = session()
    pulse = pulses.get_round(db, pulse_round_id) or abort(404)
    invitation = _invitation(pulses, f"p{pulse.id}", pulse.id) or abort(404)
    context = {"pulse": pulse, "promises": _promise_texts(db, programmes.get_programme(db, pulse.programme_id)),
               "form": FlaskForm(), "problems": {}, "given": {}, "k": policy.frozen_k(pulse, g.tenant)}
    if invitation.answered:
        return render_template("leadership/answer_pulse.html", state="answered", **context)
    if not pulses.accepts_answers(pulse, date.today()):
        return render_template("leadership/answer_pulse.html", state="closed", **context)
    if request.method == "POST" and context["form"].validate_on_submit():
        try:
            scores, examples = pulses.read_answer(pulse, request.form)
            pulses.submit(db, g.tenant, pulse, invitation, scores, examples, date.today())
        except pulses.InvalidPulseAnswer as error:
            db.rollback()
            context.update(problems=error.problems, given=request.form)
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
            return redirect(url_for("leadership.answer_pulse", pulse_round_id=pulse.id))
        else:
            db.commit()
            return redirect(url_for("leadership.answer_pulse", pulse_round_id=pulse.id))
    return render_template("leadership/answer_pulse.html", state="open", **context)


# ---- 360-degree feedback ------------------------------------------------------------------

@bp.route("/programmes/<int:programme_id>/feedback/new", methods=["GET", "POST"])
@requires(*MANAGEMENT)
def start_feedback(programme_id: int):
    db = session()
    programme = _programme(programme_id)
    form = StartFeedbackForm()
    form.set_people(feedback.rater_choices(db, g.membership))
    if form.validate_on_submit():
        try:
            feedback_round = feedback.start_round(
                db, g.tenant, programme, g.membership, coach_id=form.coach_id.data, manager_id=form.manager_id.data,
                peer_ids=form.peer_ids.data, report_ids=form.report_ids.data, closes_on=form.closes_on.data,
                today=date.today())
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("Your feedback round has started. Everyone you chose receives a personal link by e-mail; "
                    "rate yourself too."), "success")
            return redirect(url_for("leadership.feedback_round", feedback_round_id=feedback_round.id))
    return render_template("leadership/start_feedback.html", form=form, programme=programme,
                           promises=service.promises(db, programme, include_retired=False),
                           min_raters=policy.RATERS_MIN_SCORES, min_commenters=policy.RATERS_MIN_COMMENTS)


def _own_round(feedback_round_id: int):
    """A round the member may see (as its manager or coach); for anyone else it does not exist."""
    db = session()
    feedback_round = feedback.get_round(db, feedback_round_id)
    if feedback_round is None or not feedback.may_see(feedback_round, g.membership):
        abort(404)
    return feedback_round, programmes.get_programme(db, feedback_round.programme_id)


@bp.route("/feedback/<int:feedback_round_id>")
@requires()
def feedback_round(feedback_round_id: int):
    feedback_round, programme = _own_round(feedback_round_id)
    return _feedback_page(feedback_round, programme, _raters_form(feedback_round))


@bp.route("/feedback/<int:feedback_round_id>/raters", methods=["POST"])
@requires()
def add_raters(feedback_round_id: int):
    db = session()
    feedback_round, programme = _own_round(feedback_round_id)
    if g.membership.id != feedback_round.subject_id:
        abort(403)  # whom to ask is the manager's choice
    form = _raters_form(feedback_round)
    if form.validate_on_submit():
        try:
            count = feedback.add_raters(db, g.tenant, feedback_round, peer_ids=form.peer_ids.data,
                                        report_ids=form.report_ids.data, today=date.today())
        except feedback.RoundClosed as error:  # the page no longer has the form: say it there
            db.rollback()
            flash(error.message, "error")
            return redirect(url_for("leadership.feedback_round", feedback_round_id=feedback_round.id))
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(ngettext("%(num)d more person is asked; they receive a personal link by e-mail.",
                           "%(num)d more people are asked; they receive a personal link by e-mail.", count),
                  "success")
            return redirect(url_for("leadership.feedback_round", feedback_round_id=feedback_round.id))
    return _feedback_page(feedback_round, programme, form), 400


@bp.route("/feedback/<int:feedback_round_id>/remind", methods=["POST"])
@requires()
def remind_feedback(feedback_round_id: int):
    db = session()
    feedback_round, _programme_ = _own_round(feedback_round_id)
    if g.membership.id != feedback_round.subject_id:
        abort(403)  # the manager's round, the manager's reminder
    _button("remind", lambda: feedback.request_reminder(db, g.tenant, feedback_round, date.today()), _reminder_sent)
    return redirect(url_for("leadership.feedback_round", feedback_round_id=feedback_round.id))


def _raters_form(feedback_round) -> AddRatersForm:
    form = AddRatersForm()
    form.set_people(feedback.not_yet_asked(session(), feedback_round))
    return form


def _feedback_page(feedback_round, programme, raters_form):
    db = session()
    invited, answered = feedback.counts(db, feedback_round)
    self_invitation = feedback.invitation_of(db, feedback_round.id, feedback_round.subject)
    report = feedback.report(db, feedback_round)
    if report is not None:  # the manager's or the coach's look at the report: in the access log
        access.log(db, current_user, "feedback", programme_id=programme.id,
                   details={"feedback_round": feedback_round.id})
        db.commit()
    return render_template("leadership/feedback_round.html", round=feedback_round, programme=programme,
                           invited=invited, answered=answered, report=report,
                           promises=_promise_texts(db, programme), is_subject=g.membership.id == feedback_round.subject_id,
                           self_answered=bool(self_invitation and self_invitation.answered),
                           min_raters=policy.RATERS_MIN_SCORES, min_commenters=policy.RATERS_MIN_COMMENTS,
                           raters_form=raters_form,
                           may_add_raters=feedback_round.status == "open" and date.today() <= feedback_round.closes_on)


@bp.route("/feedback/<int:feedback_round_id>/close", methods=["POST"])
@requires()
def close_feedback(feedback_round_id: int):
    db = session()
    feedback_round, _programme_ = _own_round(feedback_round_id)
    if g.membership.id != feedback_round.subject_id:
        abort(403)  # the coach reads the report; closing the round is the manager's decision
    _button("close", lambda: feedback.close_round(db, feedback_round),
            lambda _result: _("The round is closed. Your report is below."))
    return redirect(url_for("leadership.feedback_round", feedback_round_id=feedback_round.id))


@bp.route("/f/<feedback_token>")
@public_in_tenant
def feedback_link(feedback_token: str):
    invitation = feedback.invitation_for_token(session(), feedback_token) or abort(404)
    _keep_token(f"f{invitation.round_id}", feedback_token)
    return redirect(url_for("leadership.answer_feedback", feedback_round_id=invitation.round_id))


@bp.route("/feedback/<int:feedback_round_id>/answer", methods=["GET", "POST"])
@public_in_tenant
def answer_feedback(feedback_round_id: int):
    db = session()
    feedback_round = feedback.get_round(db, feedback_round_id) or abort(404)
    invitation = _invitation(feedback, f"f{feedback_round.id}", feedback_round.id) or abort(404)
    programme = programmes.get_programme(db, feedback_round.programme_id)
    context = {"round": feedback_round, "invitation": invitation, "promises": _promise_texts(db, programme),
               "manager": feedback_round.subject.user.name, "form": FlaskForm(), "problems": {}, "given": {},
               "min_raters": policy.RATERS_MIN_SCORES}
    if invitation.answered:
        return render_template("leadership/answer_feedback.html", state="answered", **context)
    if feedback_round.status != "open" or date.today() > feedback_round.closes_on:
        return render_template("leadership/answer_feedback.html", state="closed", **context)
    if request.method == "POST" and context["form"].validate_on_submit():
        try:
            scores, comments = feedback.read_answer(feedback_round, request.form)
            feedback.submit(db, feedback_round, invitation, scores, comments, date.today())
        except feedback.InvalidFeedback as error:
            db.rollback()
            context.update(problems=error.problems, given=request.form)
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
            return redirect(url_for("leadership.answer_feedback", feedback_round_id=feedback_round.id))
        else:
            db.commit()
            return redirect(url_for("leadership.answer_feedback", feedback_round_id=feedback_round.id))
    return render_template("leadership/answer_feedback.html", state="open", **context)


# ---- the consistency check ------------------------------------------------------------------

@bp.route("/programmes/<int:programme_id>/consistency")
@requires(*CHECKERS)
def consistency(programme_id: int):
    db = session()
    programme = _programme(programme_id)
    rows = service.consistency(db, programme, g.membership)
    access.log(db, current_user, "consistency", programme_id=programme.id)  # built from answers: logged
    db.commit()
    return render_template("leadership/consistency.html", programme=programme, rows=rows)


@bp.route("/promises/<int:promise_id>/evidence")
@requires(*CHECKERS)
def evidence(promise_id: int):
    db = session()
    promise, programme = _promise(promise_id)
    rated = service.rounds_rated(db, g.membership)
    items = []
    for item in service.evidence_of(db, promise):
        figure = None
        if service.is_withheld(item, rated):
            figure = WITHHELD
        elif item.kind == "pulse":
            result = pulses.round_result(db, pulses.get_round(db, item.pulse_round_id))
            figure = result.promises.get(promise.id) if result else None
        elif item.kind == "feedback":
            figure = feedback.line_for(db, feedback.get_round(db, item.feedback_round_id), promise.id)
        items.append((item, figure))
    access.log(db, current_user, "evidence", programme_id=programme.id, details={"promise": promise.id})
    db.commit()
    return render_template("leadership/evidence.html", promise=promise, programme=programme, items=items,
                           rating_labels=RATING_LABELS, ratings=RATINGS, withheld=WITHHELD)


@bp.route("/promises/<int:promise_id>/evidence/<evidence_kind>", methods=["GET", "POST"])
@requires(*CHECKERS)
def add_evidence(promise_id: int, evidence_kind: str):
    db = session()
    promise, programme = _promise(promise_id)
    kind = evidence_kind
    if kind not in EVIDENCE_FORMS:
        abort(404)
    form = EVIDENCE_FORMS[kind]()
    if kind == "pulse":
        form.pulse_round_id.choices = [(None, _("Choose a pulse check"))] + [
            (r.id, r.name) for r in pulses.rounds(db, programme) if r.status == "closed" and promise.id in r.promise_ids]
    elif kind == "feedback":
        form.feedback_round_id.choices = [(None, _("Choose a feedback round"))] + [
            (r.id, _("Closed on %(date)s", date=r.closes_on.isoformat())) for r in feedback.rounds_about(db, g.membership)
            if r.status == "closed" and promise.id in r.promise_ids]
    if form.validate_on_submit():
        try:
            _add_evidence(db, promise, kind, form)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The evidence has been added."), "success")
            return redirect(url_for("leadership.evidence", promise_id=promise.id))
    return render_template("leadership/evidence_form.html", form=form, kind=kind, promise=promise,
                           programme=programme)


def _add_evidence(db, promise, kind: str, form) -> None:
    common = {"notes": form.notes.data or "", "rating": form.rating.data}
    if kind == "document":
        upload = form.file.data
        service.add_document(db, promise, g.membership, title=form.title.data, filename=upload.filename,
                             data=upload.read(service.MAX_DOCUMENT_BYTES + 1), **common)
    elif kind == "interview":
        service.add_interview(db, promise, g.membership, title=form.title.data, held_on=form.held_on.data, **common)
    elif kind == "pulse":
        service.link_pulse(db, promise, g.membership, pulse_round_id=form.pulse_round_id.data, **common)
    else:
        service.link_feedback(db, promise, g.membership, feedback_round_id=form.feedback_round_id.data, **common)


@bp.route("/evidence/<int:evidence_id>/rating", methods=["POST"])
@requires(*CHECKERS)
def rate_evidence(evidence_id: int):
    db = session()
    item = _visible_evidence(evidence_id)
    form = RateForm()
    if form.validate_on_submit():
        service.rate(item, form.rating.data)
        db.commit()
        flash(_("The rating has been changed."), "success")
    else:
        flash(_("Nothing was changed. Please use the buttons on the page."), "error")
    return redirect(url_for("leadership.evidence", promise_id=item.promise_id))


@bp.route("/evidence/<int:evidence_id>/remove", methods=["POST"])
@requires(*CHECKERS)
def remove_evidence(evidence_id: int):
    db = session()
    item = _visible_evidence(evidence_id)
    promise_id = item.promise_id
    if ButtonForm().says("remove"):
        service.remove_evidence(db, item)
        db.commit()
        flash(_("The evidence has been removed."), "success")
    return redirect(url_for("leadership.evidence", promise_id=promise_id))


@bp.route("/evidence/<int:evidence_id>/file")
@requires(*CHECKERS)
def download_evidence(evidence_id: int):
    from urllib.parse import quote

    item = _visible_evidence(evidence_id)
    if item.kind != "document":
        abort(404)
    response = Response(item.data, mimetype=item.content_type)
    ascii_name = item.filename.encode("ascii", "replace").decode().replace('"', "")
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(item.filename)}"
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- helpers --------------------------------------------------------------------------------

WITHHELD = "withheld"  # in place of a figure: evidence from a 360 round the reader rated


def _visible_evidence(evidence_id: int):
    """Evidence the member may see; 360 evidence of a round they rated does not exist for them."""
    db = session()
    item = service.get_evidence(db, evidence_id)
    if item is None or service.is_withheld(item, service.rounds_rated(db, g.membership)):
        abort(404)
    return item


def _keep_token(slot: str, token: str) -> None:
    tokens = http_session.get(SESSION_KEY)
    tokens = dict(tokens) if isinstance(tokens, dict) else {}
    tokens[slot] = token
    http_session[SESSION_KEY] = tokens


def _invitation(module, slot: str, round_id: int):
    """The invitation of whoever is answering: by the link's token kept in the session, or, for a
    member who is signed in, their own. Another round's token or another tenant's member finds none."""
    tokens = http_session.get(SESSION_KEY)
    token = tokens.get(slot) if isinstance(tokens, dict) else None
    if isinstance(token, str):
        invitation = module.invitation_for_token(session(), token)
        if invitation is not None and invitation.round_id == round_id:
            return invitation
    if current_user.is_authenticated:
        membership = session().scalar(select(Membership).where(Membership.user_id == current_user.id))
        if membership is not None:
            return module.invitation_of(session(), round_id, membership)
    return None
