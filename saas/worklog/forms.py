from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField, StringField, \
    TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from saas.kernel.forms import DATE_MESSAGE, MultiCheckboxField, clean_text, date_field

TEXT_MAX = 10_000
PROFILE_MAX = 2_000
ACTION_MAX = 500
ORGANISATION_MAX = 160
SEARCH_MAX = 200
BLANK_ACTION_ROWS = 3
MAX_ACTION_ROWS = 50
NOT_IN_TEAM = _l("Choose people from the team.")


def _text(label, *, required=True, max_length=TEXT_MAX, description=None, area=True):
    validators = [DataRequired(message=_l("Please fill this in.")) if required else Optional(),
                  Length(max=max_length, message=_l("At most %(max)d characters.", max=max_length))]
    field_class = TextAreaField if area else StringField
    return field_class(label, validators=validators, filters=[clean_text], description=description)


def _someone_attended(_form, field):
    # Not DataRequired: its "required" flag would mark every single checkbox as required.
    if not field.data:
        field.errors[:] = []
        raise StopValidation(_l("Tick at least one person who attended."))


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


def person_choices(people) -> list[tuple[int, str]]:
    return [(m.id, m.user.name) for m in people]


class ActionRowForm(Form):
    """One action agreed in a session. A row left completely empty is ignored."""

    id = HiddenField()
    description = _text(_l("Action"), required=False, max_length=ACTION_MAX, area=False)
    owner_id = SelectField(_l("Owner"), coerce=_optional_int, validate_choice=True,
                           invalid_value_message=NOT_IN_TEAM, invalid_choice_message=NOT_IN_TEAM)
    due_on = date_field(_l("Due date"), required=False)
    done = BooleanField(_l("Done"))
    remove = BooleanField(_l("Remove this action"))

    @property
    def is_blank(self) -> bool:
        typed_a_date = any(self.due_on.raw_data or [])
        return not (self.id.data or self.description.data or self.owner_id.data or typed_a_date)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.is_blank or self.remove.data:
            return valid
        for field, message in ((self.description, _l("Describe the action.")),
                               (self.owner_id, _l("Choose who owns this action.")),
                               (self.due_on, DATE_MESSAGE)):
            if not field.data and not field.errors:
                field.errors = list(field.errors) + [message]
                valid = False
        if self.id.data and not re.fullmatch(r"[0-9]{1,9}", self.id.data):
            self.description.errors = list(self.description.errors) + [_l("This action is not part of the session.")]
            valid = False
        return valid

    def as_input(self) -> dict:
        return {"id": int(self.id.data) if self.id.data else None, "description": self.description.data or "",
                "owner_id": self.owner_id.data, "due_on": self.due_on.data, "done": bool(self.done.data),
                "remove": bool(self.remove.data)}


class WorkSessionForm(FlaskForm):
    held_on = date_field(_l("Date of the session"))
    attendee_ids = MultiCheckboxField(
        _l("Who attended"), coerce=int, validate_choice=True, invalid_value_message=NOT_IN_TEAM,
        invalid_choice_message=NOT_IN_TEAM, validators=[_someone_attended])
    notes = _text(_l("Notes"))
    decisions = _text(_l("Decisions made"), required=False,
                      description=_l("What the team decided. Leave empty if nothing was decided."))
    actions = FieldList(FormField(ActionRowForm), min_entries=BLANK_ACTION_ROWS, max_entries=MAX_ACTION_ROWS)

    def set_people(self, attendees, owners) -> None:
        self.attendee_ids.choices = person_choices(attendees)
        owner_choices = [("", _l("Choose an owner"))] + person_choices(owners)
        for row in self.actions:
            row.owner_id.choices = owner_choices

    def add_blank_rows(self, existing: int) -> None:
        """Room for new actions below the existing ones, when the form is shown afresh."""
        while len(self.actions) < min(existing + BLANK_ACTION_ROWS, MAX_ACTION_ROWS):
            self.actions.append_entry()

    def session_data(self) -> dict:
        return {"held_on": self.held_on.data, "notes": self.notes.data, "decisions": self.decisions.data or "",
                "attendee_ids": self.attendee_ids.data,
                "actions": [row.form.as_input() for row in self.actions if not row.form.is_blank]}


class ActionDoneForm(FlaskForm):
    """The button that marks an action done or not done; it says which, so a second click changes nothing."""

    done = SelectField(choices=[("1", "1"), ("0", "0")], validators=[DataRequired()])


class BenchmarkVisitForm(FlaskForm):
    visited_on = date_field(_l("Date of the visit"))
    organisation = _text(_l("Organisation visited"), max_length=ORGANISATION_MAX, area=False)
    learned = _text(_l("What the team learned"))


class ClientInterviewForm(FlaskForm):
    held_on = date_field(_l("Date of the interview"))
    client_profile = _text(
        _l("Client profile (anonymous)"), max_length=PROFILE_MAX,
        description=_l("Describe the client without a name, address, date of birth, client number or anything "
                       "else that identifies them, for example: single parent in her thirties, in debt "
                       "counselling for two years. The team is responsible for keeping this anonymous."))
    findings = _text(_l("Findings"), description=_l("What the client told you. Leave out anything that identifies "
                                                    "the client or other people."))
