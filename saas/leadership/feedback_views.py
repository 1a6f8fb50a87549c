"""360-degree feedback pages: a manager starts a round about themselves, asks raters, reminds and closes
it and reads the report (with the coach they chose); raters answer through their personal link."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from saas.anonymity import access, policy
from saas.kernel.db import session
from saas.kernel.errors import DomainError
from saas.kernel.views import press, show_domain_error, submit
from saas.leadership import feedback, promises
from saas.leadership.blueprint import (
    MANAGEMENT,
    bp,
    invitation,
    keep_token,
    own_round_or_404,
    promise_texts,
    reminder_sent,
    take_answer,
)
from saas.leadership.forms import AddRatersForm, StartFeedbackForm
from saas.programme import service as programmes
from saas.programme.loaders import load_programme
from tenants.guards import public_in_tenant, requires


@bp.route("/programmes/<int:programme_id>/feedback/new", methods=["GET", "POST"])
@requires(*MANAGEMENT)
def start_feedback(programme_id: int):
    db = session()
    programme = load_programme(programme_id)
    form = StartFeedbackForm()
    form.set_people(feedback.rater_choices(db, g.membership))
    return submit(form, lambda: feedback.start_round(
                      db, g.tenant, programme, g.membership, coach_id=form.coach_id.data,
                      manager_id=form.manager_id.data, peer_ids=form.peer_ids.data, report_ids=form.report_ids.data,
                      closes_on=form.closes_on.data, today=date.today()),
                  done=_("Your feedback round has started. Everyone you chose receives a personal link by e-mail; "
                         "rate yourself too."),
                  then=lambda feedback_round: url_for("leadership.feedback_round", feedback_round_id=feedback_round.id)) \
        or render_template("leadership/start_feedback.html", form=form, programme=programme,
                           promises=promises.promises(db, programme, include_retired=False),
                           min_raters=policy.RATERS_MIN_SCORES, min_commenters=policy.RATERS_MIN_COMMENTS)


@bp.route("/feedback/<int:feedback_round_id>")
@requires()
def feedback_round(feedback_round_id: int):
    feedback_round, programme = own_round_or_404(feedback_round_id)
    return _feedback_page(feedback_round, programme, _raters_form(feedback_round))


@bp.route("/feedback/<int:feedback_round_id>/raters", methods=["POST"])
@requires()
def add_raters(feedback_round_id: int):
    feedback_round, programme = own_round_or_404(feedback_round_id)
    if g.membership.id != feedback_round.subject_id:
        abort(403)  # whom to ask is the manager's choice
    form = _raters_form(feedback_round)
    if form.validate_on_submit():  # not `submit`: a round closed meanwhile is said on the page, which has no form
        db = session()
        try:
            count = feedback.add_raters(db, g.tenant, feedback_round, peer_ids=form.peer_ids.data,
                                        report_ids=form.report_ids.data, today=date.today())
        except feedback.RoundClosed as error:
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
    feedback_round, _programme_ = own_round_or_404(feedback_round_id)
    if g.membership.id != feedback_round.subject_id:
        abort(403)  # the manager's round, the manager's reminder
    return press("remind", lambda: feedback.request_reminder(session(), g.tenant, feedback_round, date.today()),
                 done=reminder_sent, then=url_for("leadership.feedback_round", feedback_round_id=feedback_round.id))


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
                           promises=promise_texts(db, programme), is_subject=g.membership.id == feedback_round.subject_id,
                           self_answered=bool(self_invitation and self_invitation.answered),
                           min_raters=policy.RATERS_MIN_SCORES, min_commenters=policy.RATERS_MIN_COMMENTS,
                           raters_form=raters_form,
                           may_add_raters=feedback_round.status == "open" and date.today() <= feedback_round.closes_on)


@bp.route("/feedback/<int:feedback_round_id>/close", methods=["POST"])
@requires()
def close_feedback(feedback_round_id: int):
    feedback_round, _programme_ = own_round_or_404(feedback_round_id)
    if g.membership.id != feedback_round.subject_id:
        abort(403)  # the coach reads the report; closing the round is the manager's decision
    return press("close", lambda: feedback.close_round(session(), feedback_round),
                 done=_("The round is closed. Your report is below."),
                 then=url_for("leadership.feedback_round", feedback_round_id=feedback_round.id))


@bp.route("/f/<feedback_token>")
@public_in_tenant
def feedback_link(feedback_token: str):
    found = feedback.invitation_for_token(session(), feedback_token) or abort(404)
    keep_token(f"f{found.round_id}", feedback_token)
    return redirect(url_for("leadership.answer_feedback", feedback_round_id=found.round_id))


@bp.route("/feedback/<int:feedback_round_id>/answer", methods=["GET", "POST"])
@public_in_tenant
def answer_feedback(feedback_round_id: int):
    db = session()
    feedback_round = feedback.get_round(db, feedback_round_id) or abort(404)
    answering = invitation(feedback, f"f{feedback_round.id}", feedback_round.id) or abort(404)
    programme = programmes.get_programme(db, feedback_round.programme_id)
    context = {"round": feedback_round, "invitation": answering, "promises": promise_texts(db, programme),
               "manager": feedback_round.subject.user.name, "form": FlaskForm(), "problems": {}, "given": {},
               "min_raters": policy.RATERS_MIN_SCORES}
    if answering.answered:
        return render_template("leadership/answer_feedback.html", state="answered", **context)
    if feedback_round.status != "open" or date.today() > feedback_round.closes_on:
        return render_template("leadership/answer_feedback.html", state="closed", **context)
    if request.method == "POST" and context["form"].validate_on_submit():
        def answer():
            scores, comments = feedback.read_answer(feedback_round, request.form)
            feedback.submit(db, feedback_round, answering, scores, comments, date.today())

        taken = take_answer(answer, feedback.InvalidFeedback,
                            url_for("leadership.answer_feedback", feedback_round_id=feedback_round.id), context)
        if taken:
            return taken
    return render_template("leadership/answer_feedback.html", state="open", **context)
