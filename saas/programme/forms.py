from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from saas.programme.models import PHASES
from saas.kernel.forms import MultiCheckboxField

TEXT_MAX = 10_000


def _text(label, required=False, max_length=TEXT_MAX, description=None):
    validators = [Length(max=max_length, message=_l("At most %(max)d characters.", max=max_length))]
    if required:
        validators.insert(0, DataRequired(message=_l("Please fill this in.")))
    else:
        validators.insert(0, Optional())
    return TextAreaField(label, validators=validators, description=description)


def _date(label, required=True):
    return DateField(label, validators=[DataRequired(message=_l("Please enter a date (yyyy-mm-dd)."))] if required
                     else [Optional()], render_kw={"placeholder": "yyyy-mm-dd"})


class ProgrammeForm(FlaskForm):
    name = StringField(_l("Name of the programme"), validators=[
        DataRequired(message=_l("Please enter a name.")), Length(max=160, message=_l("A name has at most 160 characters."))])
    goal = _text(_l("Goal"))
    starts_on = _date(_l("Starts on"))
    ends_on = _date(_l("Ends on"))
    min_team_size = IntegerField(_l("Smallest team size"), default=4, validators=[
        NumberRange(min=1, max=100, message=_l("Choose a number from 1 to 100."))])
    max_team_size = IntegerField(_l("Largest team size"), default=10, validators=[
        NumberRange(min=1, max=100, message=_l("Choose a number from 1 to 100."))])
    teams_per_person = IntegerField(_l("Teams one person may join"), default=1, validators=[
        NumberRange(min=1, max=20, message=_l("Choose a number from 1 to 20."))])
    min_legacy_orgs_per_team = IntegerField(
        _l("Legacy organisations a team must mix"), default=2,
        description=_l("0 switches the rule off. Shown while teams form, enforced when a pitch is submitted."),
        validators=[NumberRange(min=0, max=20, message=_l("Choose a number from 0 to 20."))])


class PhaseDatesForm(ProgrammeForm):
    """The programme form plus a start and deadline per phase (edit only)."""


for _phase in PHASES:
    setattr(PhaseDatesForm, f"{_phase}_starts_on", _date(_l("Starts on"), required=False))
    setattr(PhaseDatesForm, f"{_phase}_ends_on", _date(_l("Deadline"), required=False))


class ThemeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[
        DataRequired(message=_l("Please enter a title.")), Length(max=160, message=_l("A title has at most 160 characters."))])
    problem = _text(_l("The problem"), required=True)
    why_it_matters = _text(_l("Why it matters"))
    desired_outcome = _text(_l("Desired outcome"))
    pillar = StringField(_l("Strategy pillar it serves"), validators=[
        Optional(), Length(max=160, message=_l("At most %(max)d characters.", max=160))])
    # one of the programme's strategy pillars (saas/strategy); the choices are set by the view
    pillar_id = SelectField(_l("Strategy pillar it serves"), coerce=lambda v: int(v) if v not in (None, "") else None,
                            validate_choice=True, choices=[("", "")],
                            invalid_value_message=_l("Choose one of the programme's pillars."),
                            invalid_choice_message=_l("Choose one of the programme's pillars."))


class ThemeWithSponsorsForm(ThemeForm):
    """The theme as management edits it: with its sponsors (the choices are set by the view)."""
    sponsor_ids = MultiCheckboxField(_l("Sponsors"), coerce=int, validate_choice=True)


class SupportForm(FlaskForm):
    motivation = _text(_l("Why you support it (optional)"), max_length=2000)


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[
        DataRequired(message=_l("Please enter a name.")), Length(max=120, message=_l("At most %(max)d characters.", max=120))])
    goal = _text(_l("The team's goal"))


class MessageForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[
        DataRequired(message=_l("Please enter a subject.")), Length(max=200, message=_l("At most %(max)d characters.", max=200))])
    body = _text(_l("Message"), required=True, max_length=5000)


class RecruitForm(FlaskForm):
    member_ids = MultiCheckboxField(_l("Invite these people"), coerce=int, validate_choice=True,
                                    validators=[DataRequired(message=_l("Choose at least one person."))])
    note = _text(_l("A personal note (optional)"), max_length=2000)


class EmailKindsForm(FlaskForm):
    kinds = MultiCheckboxField(_l("Also send me an e-mail for"), validate_choice=True)
