"""Knowledge day pages: the day's workshops, signing up (or the waiting list), attendance, evaluation."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.anonymity import access
from saas.db import session, utcnow
from saas.errors import DomainError
from saas.kernel.views import show_domain_error
from saas.kernel import notifications
from saas.kernel.forms import DATE_MESSAGE
from saas.strategy import knowledge_day
from saas.strategy.forms import (
    AttendanceForm, EvaluationForm, EvaluationWindowForm, KnowledgeDayForm, PlaceForm, WorkshopForm,
)
from saas.strategy.views import _form_data, _people, _pillar_choices, _programme, bp
from saas.programme import service as programme_service
from werkzeug.exceptions import Forbidden
from tenants.guards import requires

ORGANISERS = knowledge_day.ORGANISERS


def _day(day_id: int):
    db = session()
    day = knowledge_day.get_day(db, day_id) or abort(404)
    return day, programme_service.get_programme(db, day.programme_id)


def _workshop(workshop_id: int):
    db = session()
    workshop = knowledge_day.get_workshop(db, workshop_id) or abort(404)
    day, programme = _day(workshop.day_id)
    return workshop, day, programme


def _tell_promoted(db, workshop, day, promoted) -> None:
    """Someone on the waiting list has a place now: tell them in the app and by e-mail."""
    people = [signup.membership for signup in promoted if signup.membership is not None]

    def render():
        return (_("You have a place at the workshop %(title)s", title=workshop.title),
                _("A place at the workshop \"%(title)s\" on %(date)s, %(start)s–%(end)s, has become free and it is "
                  "yours now. If you cannot come, please cancel, so that the next person gets it.",
                  title=workshop.title, date=day.held_on.isoformat(), start=knowledge_day.hhmm(workshop.starts_at),
                  end=knowledge_day.hhmm(workshop.ends_at)))

    notifications.notify(db, g.tenant, people, "workshop_place", render,
                         url_for("strategy.workshop", workshop_id=workshop.id), current_app.config["KOERS"])


# ---- days ------------------------------------------------------------------------------------

@bp.route("/programmes/<int:programme_id>/knowledge-days/new", methods=["GET", "POST"])
@requires(*ORGANISERS)
def new_day(programme_id: int):
    return _day_form(_programme(programme_id), None)


@bp.route("/knowledge-days/<int:knowledge_day_id>/edit", methods=["GET", "POST"])
@requires(*ORGANISERS)
def edit_day(knowledge_day_id: int):
    day, programme = _day(knowledge_day_id)
    return _day_form(programme, day)


def _day_form(programme, day):
    db = session()
    form = KnowledgeDayForm(data=_form_data(day, ("title", "held_on", "location", "description")))
    if form.validate_on_submit():
        try:
            saved = knowledge_day.save_day(db, programme, day, title=form.title.data, held_on=form.held_on.data,
                                           location=form.location.data or "", description=form.description.data or "")
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The knowledge day has been saved. Now add its workshops."), "success")
            return redirect(url_for("strategy.day", knowledge_day_id=saved.id))
    return render_template("strategy/day_form.html", form=form, day=day, programme=programme)


@bp.route("/knowledge-days/<int:knowledge_day_id>")
@requires()
def day(knowledge_day_id: int):
    db = session()
    day, programme = _day(knowledge_day_id)
    rows = knowledge_day.places(db, day, g.membership)
    slots: dict = {}
    for row in rows:
        slots.setdefault((row.workshop.starts_at, row.workshop.ends_at), []).append(row)
    return render_template("strategy/day.html", day=day, programme=programme, slots=list(slots.items()),
                           hhmm=knowledge_day.hhmm, can_organise=knowledge_day.may_organise(g.membership),
                           mine=[row for row in rows if row.mine])


# ---- workshops -------------------------------------------------------------------------------

@bp.route("/knowledge-days/<int:knowledge_day_id>/workshops/new", methods=["GET", "POST"])
@requires(*ORGANISERS)
def new_workshop(knowledge_day_id: int):
    day, programme = _day(knowledge_day_id)
    return _workshop_form(programme, day, None)


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@requires(*ORGANISERS)
def edit_workshop(workshop_id: int):
    workshop, day, programme = _workshop(workshop_id)
    return _workshop_form(programme, day, workshop)


def _workshop_form(programme, day, workshop):
    db = session()
    form = WorkshopForm(data=_form_data(workshop, ("title", "description", "host_id", "pillar_id", "capacity",
                                                   "starts_at", "ends_at")))
    form.host_id.choices = [("", _("Choose a host"))] + _people()
    form.pillar_id.choices = _pillar_choices(programme, _("No particular pillar"))
    if form.validate_on_submit():
        try:
            saved, promoted = knowledge_day.save_workshop(
                db, programme, day, workshop, title=form.title.data, description=form.description.data or "",
                host_id=form.host_id.data, pillar_id=form.pillar_id.data, capacity=form.capacity.data,
                starts_at=form.starts_at.data, ends_at=form.ends_at.data)
            _tell_promoted(db, saved, day, promoted)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The workshop has been saved."), "success")
            return redirect(url_for("strategy.workshop", workshop_id=saved.id))
    return render_template("strategy/workshop_form.html", form=form, day=day, workshop=workshop, programme=programme)


@bp.route("/workshops/<int:workshop_id>")
@requires()
def workshop(workshop_id: int):
    db = session()
    workshop, day, programme = _workshop(workshop_id)
    place = knowledge_day.place(db, workshop, g.membership)
    may_record = knowledge_day.may_record_attendance(workshop, g.membership)
    confirmed, waiting = knowledge_day.participants(db, workshop) if may_record else ([], [])
    attendance_form = None
    if may_record:
        attendance_form = AttendanceForm(formdata=None, data={
            "attended_ids": [s.membership_id for s in confirmed if s.attended]})
        attendance_form.attended_ids.choices = [(s.membership_id, s.membership.user.name) for s in confirmed]
    may_read_comments = may_record
    window_form = EvaluationWindowForm(formdata=None, data={"closes_on": workshop.evaluations_close_on}) \
        if may_record and workshop.evaluations == "open" else None
    results = knowledge_day.results(db, workshop, g.tenant)
    if results.count is not None:  # released figures built from answers: the access log shows who read them
        access.log(db, current_user, "workshop", programme_id=programme.id,
                   details={"workshop": workshop.id, "title": workshop.title})
        db.commit()
    return render_template(
        "strategy/workshop.html", workshop=workshop, day=day, programme=programme, place=place, hhmm=knowledge_day.hhmm,
        confirmed=confirmed, waiting=waiting, may_record=may_record, attendance_form=attendance_form,
        may_evaluate=knowledge_day.may_evaluate(place.mine, workshop, utcnow().date()),
        evaluation_form=EvaluationForm(formdata=None), results=results,
        window_form=window_form, may_read_comments=may_read_comments,
        can_organise=knowledge_day.may_organise(g.membership), pillar=_workshop_pillar(db, workshop))


def _workshop_pillar(db, workshop):
    from saas.strategy.pillars import get_pillar

    return get_pillar(db, workshop.pillar_id) if workshop.pillar_id else None


@bp.route("/workshops/<int:workshop_id>/place", methods=["POST"])
@requires()
def place(workshop_id: int):
    """Sign up (a place, or the waiting list when full) or cancel; back to where the button was."""
    db = session()
    workshop, day, _programme_ = _workshop(workshop_id)
    back = url_for("strategy.day", knowledge_day_id=day.id, _anchor=f"workshop-{workshop.id}") \
        if request.form.get("from") == "day" else url_for("strategy.workshop", workshop_id=workshop.id)
    form = PlaceForm()
    if not form.validate_on_submit():
        flash(_("Nothing was changed. Please use the buttons on the page."), "error")
        return redirect(back)
    try:
        if form.choice.data == "sign_up":
            signup = knowledge_day.sign_up(db, workshop, g.membership)
        else:
            promoted = knowledge_day.cancel(db, workshop, g.membership)
            _tell_promoted(db, workshop, day, promoted)
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
        return redirect(back)
    db.commit()
    if form.choice.data == "cancel":
        flash(_("You are no longer signed up for %(title)s.", title=workshop.title), "success")
    elif signup.status == "confirmed":
        flash(_("You have a place at %(title)s.", title=workshop.title), "success")
    else:
        flash(_("%(title)s is full. You are number %(position)d on the waiting list; we will let you know when a "
                "place becomes free.", title=workshop.title, position=knowledge_day.waiting_position(db, signup)),
              "success")
    return redirect(back)


@bp.route("/workshops/<int:workshop_id>/attendance", methods=["POST"])
@requires()
def attendance(workshop_id: int):
    db = session()
    workshop, _day_, _programme_ = _workshop(workshop_id)
    if not knowledge_day.may_record_attendance(workshop, g.membership):
        raise Forbidden()
    confirmed, _waiting = knowledge_day.participants(db, workshop)
    form = AttendanceForm()
    form.attended_ids.choices = [(s.membership_id, s.membership.user.name) for s in confirmed]
    if form.validate_on_submit():
        try:
            knowledge_day.record_attendance(db, workshop, g.membership, set(form.attended_ids.data or []))
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
        else:
            db.commit()
            flash(_("The attendance has been recorded."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        if not form.errors:
            flash(_("Nothing was changed. Please use the buttons on the page."), "error")
    return redirect(url_for("strategy.workshop", workshop_id=workshop.id, _anchor="attendance"))


@bp.route("/workshops/<int:workshop_id>/evaluate", methods=["POST"])
@requires()
def evaluate(workshop_id: int):
    db = session()
    workshop, _day_, _programme_ = _workshop(workshop_id)
    form = EvaluationForm()
    if form.validate_on_submit():
        try:
            knowledge_day.evaluate(db, workshop, g.membership, score=form.score.data, comment=form.comment.data or "",
                                   today=utcnow().date())
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
        else:
            db.commit()
            flash(_("Thank you for your evaluation."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("strategy.workshop", workshop_id=workshop.id, _anchor="evaluation"))


@bp.route("/workshops/<int:workshop_id>/evaluations", methods=["POST"])
@requires()
def evaluation_window(workshop_id: int):
    """The host (or an organiser) moves the close date of the evaluations, or closes them now."""
    db = session()
    workshop, _day_, _programme_ = _workshop(workshop_id)
    if not knowledge_day.may_record_attendance(workshop, g.membership):
        raise Forbidden()
    form = EvaluationWindowForm()
    back = redirect(url_for("strategy.workshop", workshop_id=workshop.id, _anchor="results-heading"))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        if not form.errors:
            flash(_("Nothing was changed. Please use the buttons on the page."), "error")
        return back
    if not form.close.data and form.closes_on.data is None:
        flash(str(DATE_MESSAGE), "error")
        return back
    try:
        if form.close.data:
            knowledge_day.close_evaluations(db, workshop, utcnow().date(), g.membership)
        else:
            knowledge_day.set_evaluation_close(db, workshop, g.membership, form.closes_on.data, utcnow().date())
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
        return back
    db.commit()
    flash(_("The evaluations are closed and the results are published.") if form.close.data
          else _("The evaluations now close after %(date)s.", date=form.closes_on.data.isoformat()), "success")
    return back
