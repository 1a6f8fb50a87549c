from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField, \
    TimeField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation

from saas.strategy.models import ACTION_STATES, KINDS, UNIT_KINDS
from saas.strategy.plans import STATUS_LABELS, UNIT_LABELS
from saas.kernel.forms import DATE_MESSAGE, DayField, MultiCheckboxField, clean_text, sensible_date

TEXT_MAX = 10_000
TITLE_MAX = 160
FILL_IN = _l("Please fill this in.")


def _text(label, *, required=True, max_length=TEXT_MAX, description=None, area=True):
    validators = [DataRequired(message=FILL_IN) if required else Optional(),
                  Length(max=max_length, message=_l("At most %(max)d characters.", max=max_length))]
    return (TextAreaField if area else StringField)(label, validators=validators, filters=[clean_text],
                                                    description=description)


def _date(label, *, required=True, description=None):
    first = DataRequired(message=DATE_MESSAGE) if required else Optional()
    return DayField(label, validators=[first, sensible_date], render_kw={"placeholder": "yyyy-mm-dd"},
                    description=description)


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


def _radio(label, choices, message, **kwargs):
    return RadioField(label, choices=choices, validators=[InputRequired(message=message)],
                      invalid_value_message=message, invalid_choice_message=message, **kwargs)


class ClockField(TimeField):
    """A time of day that says in the user's language what it expects when it does not parse."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Please enter a time (hh:mm).")) from None


class ChoiceField(SelectField):
    """A select whose value must be one of its choices, with our own message when it is not."""

    def __init__(self, label, message, **kwargs):
        kwargs.setdefault("coerce", _optional_int)
        super().__init__(label, validate_choice=True, invalid_value_message=message, invalid_choice_message=message,
                         **kwargs)


def _required_choice(_form, field):
    if field.data in (None, ""):
        field.errors[:] = []
        raise StopValidation(field.invalid_choice_message or FILL_IN)


# ---- pillars -------------------------------------------------------------------------------

class PillarForm(FlaskForm):
    title = _text(_l("Title"), max_length=TITLE_MAX, area=False,
                  description=_l("One or two words, for example: Entrepreneurial."))
    meaning = _text(_l("What it means"), description=_l("What this pillar asks of everyone, in plain words."))
    examples = _text(_l("Examples"), required=False,
                     description=_l("What it looks like in daily work, and what it does not mean."))


# ---- mutual expectations --------------------------------------------------------------------

class RoundForm(FlaskForm):
    title = _text(_l("Name of the session or round"), max_length=TITLE_MAX, area=False,
                  description=_l("For example: Regional session Beekhoven, or: Online round in March."))
    held_on = _date(_l("Date of the session"), required=False,
                    description=_l("Leave empty for an asynchronous round that people answer in their own time."))
    invitation = _text(_l("What you ask"), required=False,
                       description=_l("Shown above the form, for example: What does this pillar mean to you, and "
                                      "what do you expect of each other?"))


class ContributionForm(FlaskForm):
    kind = _radio(_l("What you write about"), [(k, k) for k in KINDS], _l("Choose what you write about."))
    text = _text(_l("Your contribution"), max_length=2_000)
    identity = _radio(_l("How it is shown"), [("anonymous", _l("Anonymously: nothing about me is stored with it")),
                                              ("named", _l("With my name"))],
                      _l("Choose how your contribution is shown."), default="anonymous")


class RoundStatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired(), AnyOf(["open", "closed"])])


class ClusterForm(FlaskForm):
    name = _text(_l("Name of the cluster"), max_length=TITLE_MAX, area=False)


class SummaryForm(FlaskForm):
    summary = _text(_l("Summary"), required=False,
                    description=_l("What staff and management expect of each other, and what the pillar means "
                                   "to them, in a few paragraphs. Everyone in the organisation can read it once "
                                   "it is published, with the clusters."))
    save = SubmitField(_l("Save as draft"))
    publish = SubmitField(_l("Save and publish"))


# ---- action plans and goals -----------------------------------------------------------------

class PlanForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[
        InputRequired(message=_l("Please enter a year.")),
        NumberRange(min=2000, max=2099, message=_l("Choose a year from 2000 to 2099."))])
    unit_kind = SelectField(_l("Kind of unit"), choices=[(k, UNIT_LABELS[k]) for k in UNIT_KINDS], validate_choice=True,
                            invalid_choice_message=_l("Choose a region, department or team."))
    unit_name = _text(_l("Name of the region, department or team"), max_length=TITLE_MAX, area=False)
    coordinator_id = ChoiceField(_l("Coordinator (optional)"), _l("Choose someone from the organisation."),
                                 description=_l("May add and change the plan's actions, besides administrators "
                                                "and management."))


class PlanActionForm(FlaskForm):
    description = _text(_l("Action"), max_length=500, area=False)
    pillar_id = ChoiceField(_l("Pillar it serves"), _l("Choose one of the programme's pillars."),
                            validators=[_required_choice])
    owner_id = ChoiceField(_l("Owner"), _l("Choose someone from the organisation."), validators=[_required_choice])
    due_on = _date(_l("Due date"))
    status = SelectField(_l("Status"), choices=[(s, STATUS_LABELS[s]) for s in ACTION_STATES], validate_choice=True,
                         invalid_choice_message=_l("Choose a status."))


class ActionStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[(s, STATUS_LABELS[s]) for s in ACTION_STATES], validate_choice=True,
                         validators=[DataRequired(message=_l("Choose a status."))],
                         invalid_choice_message=_l("Choose a status."))


class GoalForm(FlaskForm):
    pillar_id = ChoiceField(_l("Pillar"), _l("Choose one of the programme's pillars."), validators=[_required_choice])
    description = _text(_l("Your development goal"), max_length=2_000,
                        description=_l("What you want to learn or do differently. Only you can read this; others "
                                       "only see how many goals there are per pillar."))


# ---- knowledge day -------------------------------------------------------------------------

class KnowledgeDayForm(FlaskForm):
    title = _text(_l("Name of the day"), max_length=TITLE_MAX, area=False)
    held_on = _date(_l("Date"))
    location = _text(_l("Location"), required=False, max_length=TITLE_MAX, area=False)
    description = _text(_l("Description"), required=False)


class WorkshopForm(FlaskForm):
    title = _text(_l("Title"), max_length=TITLE_MAX, area=False)
    description = _text(_l("Description"), required=False)
    host_id = ChoiceField(_l("Host"), _l("Choose someone from the organisation."), validators=[_required_choice])
    pillar_id = ChoiceField(_l("Pillar it helps with (optional)"), _l("Choose one of the programme's pillars."))
    capacity = IntegerField(_l("Places"), validators=[
        InputRequired(message=_l("Please enter a number.")),
        NumberRange(min=1, max=1000, message=_l("Choose a number from 1 to %(max)d.", max=1000))])
    starts_at = ClockField(_l("Starts at"), validators=[InputRequired(message=_l("Please enter a time (hh:mm)."))])
    ends_at = ClockField(_l("Ends at"), validators=[InputRequired(message=_l("Please enter a time (hh:mm)."))])


class PlaceForm(FlaskForm):
    """Sign up or cancel: the button says which, so a second click changes nothing."""

    choice = HiddenField(validators=[DataRequired(), AnyOf(["sign_up", "cancel"])])


class AttendanceForm(FlaskForm):
    # A hidden marker: an empty POST is not "nobody came".
    recorded = HiddenField(validators=[DataRequired(), AnyOf(["yes"])])
    attended_ids = MultiCheckboxField(_l("Who attended"), coerce=int, validate_choice=True,
                                      invalid_value_message=_l("Tick people who have a place at this workshop."),
                                      invalid_choice_message=_l("Tick people who have a place at this workshop."))


class EvaluationForm(FlaskForm):
    score = _radio(_l("How useful was the workshop to you?"), [(n, str(n)) for n in range(1, 6)],
                   _l("Choose a score from 1 to 5."), coerce=int)
    comment = _text(_l("Comment (optional)"), required=False, max_length=2_000,
                    description=_l("Shown to the host without your name, and only once enough people have "
                                   "evaluated the workshop."))


class EvaluationWindowForm(FlaskForm):
    """The host's control of the evaluation window: move its close date, or close it now."""

    closes_on = _date(_l("Evaluations close after"), required=False,
                      description=_l("The last day attendees can evaluate the workshop. The results appear the "
                                     "day after, or as soon as you close the evaluations."))
    save = SubmitField(_l("Change the date"))
    close = SubmitField(_l("Close the evaluations now"))
