"""Knowledge day pages: the day's workshops, signing up (or the waiting list), attendance, evaluation."""
from __future__ import annotations

from flask import g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from saas.anonymity import access
from saas.kernel import formatting
from saas.kernel.db import session, utcnow
from saas.kernel.errors import DomainError
from saas.kernel.forms import DATE_MESSAGE
from saas.kernel.views import send, submit
from saas.programme.loaders import load_programme
from saas.strategy import knowledge_day, pillars
from saas.strategy.blueprint import bp, day_or_404, form_data, people, pillar_choices, workshop_or_404
from saas.strategy.forms import (
    AttendanceForm,
    EvaluationForm,
    EvaluationWindowForm,
    KnowledgeDayForm,
    PlaceForm,
    WorkshopForm,
)
from tenants.guards import requires

ORGANISERS = knowledge_day.ORGANISERS


# ---- days ------------------------------------------------------------------------------------

@bp.route("/programmes/<int:programme_id>/knowledge-days/new", methods=["GET", "POST"])
@requires(*ORGANISERS)
def new_day(programme_id: int):
    return _day_form(load_programme(programme_id), None)


@bp.route("/knowledge-days/<int:knowledge_day_id>/edit", methods=["GET", "POST"])
@requires(*ORGANISERS)
def edit_day(knowledge_day_id: int):
    day, programme = day_or_404(knowledge_day_id)
    return _day_form(programme, day)


def _day_form(programme, day):
    form = KnowledgeDayForm(data=form_data(day, ("title", "held_on", "location", "description")))
    return submit(form, lambda: knowledge_day.save_day(session(), programme, day, title=form.title.data,
                                                       held_on=form.held_on.data, location=form.location.data or "",
                                                       description=form.description.data or ""),
                  done=_("The knowledge day has been saved. Now add its workshops."),
                  then=lambda saved: url_for("strategy.day", knowledge_day_id=saved.id)) \
        or render_template("strategy/day_form.html", form=form, day=day, programme=programme)


@bp.route("/knowledge-days/<int:knowledge_day_id>")
@requires()
def day(knowledge_day_id: int):
    db = session()
    day, programme = day_or_404(knowledge_day_id)
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
    day, programme = day_or_404(knowledge_day_id)
    return _workshop_form(programme, day, None)


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@requires(*ORGANISERS)
def edit_workshop(workshop_id: int):
    workshop, day, programme = workshop_or_404(workshop_id)
    return _workshop_form(programme, day, workshop)


def _workshop_form(programme, day, workshop):
    db = session()
    form = WorkshopForm(data=form_data(workshop, ("title", "description", "host_id", "pillar_id", "capacity",
                                                   "starts_at", "ends_at")))
    form.host_id.choices = [("", _("Choose a host"))] + people()
    form.pillar_id.choices = pillar_choices(programme, _("No particular pillar"))
    return submit(form, lambda: knowledge_day.save_workshop(
                      session(), programme, day, workshop, title=form.title.data,
                      description=form.description.data or "", host_id=form.host_id.data,
                      pillar_id=form.pillar_id.data, capacity=form.capacity.data, starts_at=form.starts_at.data,
                      ends_at=form.ends_at.data),
                  done=_("The workshop has been saved."),
                  then=lambda saved: url_for("strategy.workshop", workshop_id=saved[0].id)) \
        or render_template("strategy/workshop_form.html", form=form, day=day, workshop=workshop, programme=programme)


@bp.route("/workshops/<int:workshop_id>")
@requires()
def workshop(workshop_id: int):
    db = session()
    workshop, day, programme = workshop_or_404(workshop_id)
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
    return pillars.get_pillar(db, workshop.pillar_id) if workshop.pillar_id else None


@bp.route("/workshops/<int:workshop_id>/place", methods=["POST"])
@requires()
def place(workshop_id: int):
    """Sign up (a place, or the waiting list when full) or cancel; back to where the button was."""
    db = session()
    workshop, day, _programme_ = workshop_or_404(workshop_id)
    back = url_for("strategy.day", knowledge_day_id=day.id, _anchor=f"workshop-{workshop.id}") \
        if request.form.get("from") == "day" else url_for("strategy.workshop", workshop_id=workshop.id)
    form = PlaceForm()

    def choose():
        if form.choice.data == "sign_up":
            return knowledge_day.sign_up(db, workshop, g.membership)
        knowledge_day.cancel(db, workshop, g.membership)  # whoever gets the place is told
        return None

    def said(signup) -> str:
        if signup is None:
            return _("You are no longer signed up for %(title)s.", title=workshop.title)
        if signup.status == "confirmed":
            return _("You have a place at %(title)s.", title=workshop.title)
        return _("%(title)s is full. You are number %(position)d on the waiting list; we will let you know when a "
                 "place becomes free.", title=workshop.title, position=knowledge_day.waiting_position(db, signup))

    return send(form, choose, done=said, then=back)


@bp.route("/workshops/<int:workshop_id>/attendance", methods=["POST"])
@requires()
def attendance(workshop_id: int):
    db = session()
    workshop, _day_, _programme_ = workshop_or_404(workshop_id)
    if not knowledge_day.may_record_attendance(workshop, g.membership):
        raise Forbidden()
    confirmed, _waiting = knowledge_day.participants(db, workshop)
    form = AttendanceForm()
    form.attended_ids.choices = [(s.membership_id, s.membership.user.name) for s in confirmed]
    return send(form, lambda: knowledge_day.record_attendance(db, workshop, g.membership,
                                                              set(form.attended_ids.data or [])),
                done=_("The attendance has been recorded."),
                then=url_for("strategy.workshop", workshop_id=workshop.id, _anchor="attendance"))


@bp.route("/workshops/<int:workshop_id>/evaluate", methods=["POST"])
@requires()
def evaluate(workshop_id: int):
    db = session()
    workshop, _day_, _programme_ = workshop_or_404(workshop_id)
    form = EvaluationForm()
    return send(form, lambda: knowledge_day.evaluate(db, workshop, g.membership, score=form.score.data,
                                                     comment=form.comment.data or "", today=utcnow().date()),
                done=_("Thank you for your evaluation."),
                then=url_for("strategy.workshop", workshop_id=workshop.id, _anchor="evaluation"))


@bp.route("/workshops/<int:workshop_id>/evaluations", methods=["POST"])
@requires()
def evaluation_window(workshop_id: int):
    """The host (or an organiser) moves the close date of the evaluations, or closes them now."""
    db = session()
    workshop, _day_, _programme_ = workshop_or_404(workshop_id)
    if not knowledge_day.may_record_attendance(workshop, g.membership):
        raise Forbidden()
    form = EvaluationWindowForm()

    def move():
        if form.close.data:
            knowledge_day.close_evaluations(db, workshop, utcnow().date(), g.membership)
        elif form.closes_on.data is None:
            raise DomainError(str(DATE_MESSAGE), field="closes_on")
        else:
            knowledge_day.set_evaluation_close(db, workshop, g.membership, form.closes_on.data, utcnow().date())

    return send(form, move, done=lambda _result: _("The evaluations are closed and the results are published.")
                if form.close.data else _("The evaluations now close after %(date)s.",
                                          date=formatting.day(form.closes_on.data)),
                then=url_for("strategy.workshop", workshop_id=workshop.id, _anchor="results-heading"))
