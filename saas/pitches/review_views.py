"""Review and decision pages: the scorecard (admin), reviewing and deciding (management), the
pitch-day ranking, and the pitch statuses everyone in the organisation may see."""
from __future__ import annotations

from flask import abort, g, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from saas.kernel.db import session
from saas.kernel.views import press_confirmed, submit
from saas.pitches import review as service
from saas.pitches.loaders import load_pitch
from saas.programme import service as programme_service
from saas.programme.loaders import load_programme
from tenants.guards import requires, tenant_blueprint
from tenants.models import Role

bp = tenant_blueprint("reviews", __name__)

SCORE_LABELS = {1: _l("1 – weak"), 2: "2", 3: "3", 4: "4", 5: _l("5 – excellent")}


def _clean(value):
    if not isinstance(value, str):
        return value
    return value.replace("\x00", "").replace("\r\n", "\n").strip()


def _at_most(n):
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


class CriterionForm(FlaskForm):
    criterion_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])  # empty: new
    name = StringField(_l("Name"), filters=[_clean], validators=[
        DataRequired(message=_l("Please enter a name.")), _at_most(service.NAME_MAX)])
    description = TextAreaField(_l("What reviewers look for (optional)"), filters=[_clean],
                                validators=[Optional(), _at_most(service.DESCRIPTION_MAX)], render_kw={"rows": 3})
    weight = IntegerField(_l("Weight"), default=1, validators=[
        InputRequired(message=_l("Choose a weight from 1 to 100.")),
        NumberRange(min=1, max=100, message=_l("Choose a weight from 1 to 100."))],
        description=_l("From 1 to 100. A criterion with weight 2 counts twice as much as one with weight 1."))
    position = IntegerField(_l("Position (optional)"), validators=[
        Optional(), NumberRange(min=0, max=1000, message=_l("Choose a position from 0 to 1000."))],
        description=_l("Criteria are shown from the lowest position up. Leave empty to put a new criterion last."))


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=list(service.DECISION_LABELS.items()), validate_choice=False,
                          validators=[Optional()])
    feedback = TextAreaField(_l("Feedback for the team"), filters=[_clean],
                             validators=[Optional(), _at_most(service.FEEDBACK_MAX)], render_kw={"rows": 6},
                             description=_l("The team reads this on its pitch page. Needed unless you approve."))


def review_form(criteria, review=None):
    """A form with a 1–5 score and a comment per criterion of the scorecard."""

    class ReviewForm(FlaskForm):
        pass

    for criterion in criteria:
        setattr(ReviewForm, f"score_{criterion.id}", RadioField(
            criterion.name, choices=list(SCORE_LABELS.items()), coerce=str, validate_choice=False,
            validators=[Optional()]))
        setattr(ReviewForm, f"comment_{criterion.id}", TextAreaField(
            _l("Comment on %(criterion)s (optional)", criterion=criterion.name), filters=[_clean],
            validators=[Optional(), _at_most(service.COMMENT_MAX)], render_kw={"rows": 3}))
    data = None
    if review is not None and request.method == "GET":
        data = {}
        for score in review.scores:
            data[f"score_{score.criterion_id}"] = str(score.score)
            data[f"comment_{score.criterion_id}"] = score.comment
    return ReviewForm(data=data)


# ---- scorecard -----------------------------------------------------------------------------

@bp.get("/programmes/<int:programme_id>/scorecard")
@requires(Role.ADMIN, Role.MANAGEMENT)
def scorecard(programme_id: int):
    programme = load_programme(programme_id)
    form = CriterionForm()
    editing = None
    if Role.ADMIN in g.membership.roles:
        edit_id = request.args.get("edit", type=int)
        edit_id = edit_id if edit_id is not None and 0 < edit_id < 2**31 else None
        if edit_id is not None:
            editing = service.get_criterion(session(), programme, edit_id) or abort(404)
            form = CriterionForm(data={"criterion_id": editing.id, "name": editing.name,
                                       "description": editing.description, "weight": editing.weight,
                                       "position": editing.position})
    return _scorecard_page(programme, form, editing)


@bp.post("/programmes/<int:programme_id>/scorecard")
@requires(Role.ADMIN)
def save_criterion(programme_id: int):
    db = session()
    programme = load_programme(programme_id)
    form = CriterionForm()
    editing = None
    if form.criterion_id.data is not None:
        # checked before the query: an id beyond the column's range is no criterion (a 404, not an overflow)
        if not form.criterion_id.validate(form):
            abort(404)
        editing = service.get_criterion(db, programme, form.criterion_id.data) or abort(404)
    return submit(form, lambda: service.save_criterion(db, programme, editing, name=form.name.data,
                                                       description=form.description.data, weight=form.weight.data,
                                                       position=form.position.data),
                  done=_("The scorecard has been saved."), then=url_for("reviews.scorecard", programme_id=programme.id)) \
        or _scorecard_page(programme, form, editing)


@bp.route("/programmes/<int:programme_id>/scorecard/<int:criterion_id>/delete", methods=["GET", "POST"])
@requires(Role.ADMIN)
def delete_criterion(programme_id: int, criterion_id: int):
    db = session()
    programme = load_programme(programme_id)
    criterion = service.get_criterion(db, programme, criterion_id) or abort(404)
    return press_confirmed("remove", lambda: service.remove_criterion(db, criterion),
                           title=_("Remove the criterion %(name)s?", name=criterion.name),
                           consequence=_("It is no longer on the scorecard. This cannot be undone."),
                           button=_("Remove the criterion %(name)s", name=criterion.name),
                           done=_("The criterion has been removed from the scorecard."),
                           then=url_for("reviews.scorecard", programme_id=programme.id))


def _scorecard_page(programme, form, editing):
    criteria = service.criteria(session(), programme)
    total = sum(c.weight for c in criteria)
    return render_template("reviews/scorecard.html", programme=programme, criteria=criteria, total_weight=total,
                           form=form, editing=editing, can_edit=Role.ADMIN in g.membership.roles)


# ---- reviewing and deciding ----------------------------------------------------------------

@bp.route("/pitches/<int:pitch_id>/review", methods=["GET", "POST"])
@requires(Role.MANAGEMENT)
def review(pitch_id: int):
    db = session()
    pitch, team, theme, programme = load_pitch(pitch_id)
    criteria = service.criteria(db, programme)
    own = service.review_of(db, pitch, g.membership)
    form = review_form(criteria, own)
    final = request.form.get("action") == "submit"
    return submit(form, lambda: service.save_review(db, pitch, programme, team, g.membership,
                                                    _entries(form, criteria), submit=final),
                  refused=(service.NotReviewable, service.ReviewFinal, service.OwnTeam),
                  done=_("Your review has been submitted. You now see the other reviewers' scores.") if final
                  else _("Your draft review has been saved. Submit it when you are done."),
                  then=url_for("reviews.review", pitch_id=pitch.id)) \
        or _review_page(db, pitch, team, theme, programme, criteria, form, DecisionForm(formdata=None))


@bp.post("/pitches/<int:pitch_id>/decide")
@requires(Role.MANAGEMENT)
def decide(pitch_id: int):
    db = session()
    pitch, team, theme, programme = load_pitch(pitch_id)
    form = DecisionForm()
    decided = submit(form, lambda: service.decide(db, pitch, team, g.membership, form.decision.data or "",
                                                  form.feedback.data or ""),
                     refused=(service.AlreadyDecided, service.NotDecidable, service.OwnTeam),
                     done=_("The decision has been recorded and the team has been told."),
                     then=url_for("reviews.review", pitch_id=pitch.id))
    if decided:
        return decided
    criteria = service.criteria(db, programme)
    own = service.review_of(db, pitch, g.membership)
    return _review_page(db, pitch, team, theme, programme, criteria, review_form(criteria, own), form)


def _entries(form, criteria) -> dict:
    return {c.id: (form[f"score_{c.id}"].data, form[f"comment_{c.id}"].data or "") for c in criteria}


def _review_page(db, pitch, team, theme, programme, criteria, form, decision_form):
    own = service.review_of(db, pitch, g.membership)
    others = service.others_reviews(db, pitch, g.membership)
    weights = {c.id: c.weight for c in criteria}

    def summary(review):
        return service.weighted_score([(weights[s.criterion_id], s.score) for s in review.scores
                                       if s.criterion_id in weights])

    submitted_own = own is not None and own.submitted_at is not None
    return render_template(
        "reviews/review.html", pitch=pitch, team=team, theme=theme, programme=programme, criteria=criteria,
        form=form, decision_form=decision_form, own=own, submitted_own=submitted_own, others=others,
        names=service.reviewer_names(db, others), summary=summary,
        own_team=programme_service.is_team_member(team, g.membership),
        reviewable=pitch.status in service.REVIEWABLE, submitted_count=service.submitted_review_count(db, pitch),
        score_labels=SCORE_LABELS, decision_labels=service.DECISION_LABELS, status_labels=service.STATUS_LABELS,
    )


# ---- overviews -----------------------------------------------------------------------------

@bp.get("/programmes/<int:programme_id>/pitch-day")
@requires(Role.ADMIN, Role.MANAGEMENT, Role.CONSULTANT)
def pitch_day(programme_id: int):
    programme = load_programme(programme_id)
    rows = service.pitch_day(session(), programme, g.membership)
    return render_template("reviews/pitch_day.html", programme=programme, rows=rows,
                           reviewer=service.can_review(g.membership), decision_labels=service.DECISION_LABELS,
                           status_labels=service.STATUS_LABELS)


@bp.get("/programmes/<int:programme_id>/pitches")
@requires()
def pitches(programme_id: int):
    programme = load_programme(programme_id)
    return render_template("reviews/pitches.html", programme=programme, rows=service.statuses(session(), programme),
                           decision_labels=service.DECISION_LABELS, status_labels=service.STATUS_LABELS,
                           can_open=g.membership.has_any((Role.ADMIN, Role.MANAGEMENT, Role.CONSULTANT)))
