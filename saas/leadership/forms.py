"""Forms of the leadership pages, by sub-feature (promise_views, pulse_views, feedback_views,
consistency_views). The answer pages of pulse checks and 360 rounds read their fields
themselves (one group of choices per promise; see pulses.read_answer, feedback.read_answer)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from saas.leadership.models import RATINGS
from saas.leadership.consistency import NOTES_MAX, TITLE_MAX
from saas.leadership.promises import PROMISE_MAX
from saas.kernel.forms import MultiCheckboxField, clean_text, date_field

PICK = _l("Choose people from the list.")
RATING_LABELS = {
    "consistent": _l("Consistent: deeds match the promise"),
    "inconsistent": _l("Not consistent: words and deeds part"),
}


NOT_A_PULSE = _l("Choose a closed pulse check that asked about this promise.")
NOT_YOURS = _l("Choose one of your own closed 360-degree feedback rounds that asked about this promise.")


def _optional_id(value):
    if value in (None, ""):
        return None
    return int(value)


def _text(label, max_length, *, required=True, area=True, description=None):
    validators = [DataRequired(message=_l("Please fill this in.")) if required else Optional(),
                  Length(max=max_length, message=_l("At most %(max)d characters.", max=max_length))]
    return (TextAreaField if area else StringField)(label, validators=validators, filters=[clean_text],
                                                    description=description)


# ---- promises -------------------------------------------------------------------------------

class PromiseForm(FlaskForm):
    text = _text(_l("The promise"), PROMISE_MAX, description=_l(
        "Concrete behaviour that staff can notice, for example: “Every manager spends one morning a month "
        "working alongside a team.”"))


# ---- pulse checks ---------------------------------------------------------------------------

class PulseRoundForm(FlaskForm):
    name = _text(_l("Name"), 160, area=False)
    opens_on = date_field(_l("Opens on"))
    closes_on = date_field(_l("Closes on"))


# ---- 360-degree feedback ------------------------------------------------------------------

class StartFeedbackForm(FlaskForm):
    manager_id = SelectField(_l("Your own manager"), coerce=_optional_id, validate_choice=True,
                             invalid_choice_message=PICK, invalid_value_message=PICK,
                             description=_l("Their answers are never shown on their own: only together with "
                                            "at least two others, in “all others”."))
    peer_ids = MultiCheckboxField(_l("Peers"), coerce=int, validate_choice=True,
                                  invalid_choice_message=PICK, invalid_value_message=PICK)
    report_ids = MultiCheckboxField(_l("People who report to you"), coerce=int, validate_choice=True,
                                    invalid_choice_message=PICK, invalid_value_message=PICK)
    coach_id = SelectField(_l("Your coach"), coerce=_optional_id, validate_choice=True,
                           invalid_choice_message=PICK, invalid_value_message=PICK,
                           description=_l("The one other person who may read your report. Nobody else can, "
                                          "not even an administrator."))
    closes_on = date_field(_l("Closes on"))

    def set_people(self, people) -> None:
        choices = [(m.id, m.user.name) for m in people]
        self.manager_id.choices = [("", _l("Nobody"))] + choices  # "", not None: that renders as value="None"
        self.coach_id.choices = [("", _l("No coach"))] + choices
        self.peer_ids.choices = self.report_ids.choices = choices


class AddRatersForm(FlaskForm):
    """More peers or reports for a round that is open (the own manager is chosen at the start)."""

    peer_ids = MultiCheckboxField(_l("Peers"), coerce=int, validate_choice=True,
                                  invalid_choice_message=PICK, invalid_value_message=PICK)
    report_ids = MultiCheckboxField(_l("People who report to you"), coerce=int, validate_choice=True,
                                    invalid_choice_message=PICK, invalid_value_message=PICK)

    def set_people(self, people) -> None:
        self.peer_ids.choices = self.report_ids.choices = [(m.id, m.user.name) for m in people]


# ---- the consistency check: evidence ----------------------------------------------------------

def _rating():
    message = _l("Say whether this is consistent with the promise or not.")
    return RadioField(_l("Is this consistent with the promise?"), choices=list(RATING_LABELS.items()),
                      validate_choice=False, validators=[DataRequired(message=message), AnyOf(RATINGS, message=message)])


class DocumentEvidenceForm(FlaskForm):
    title = _text(_l("Title"), TITLE_MAX, area=False)
    file = FileField(_l("Document"), validators=[FileRequired(message=_l("Choose a file."))],
                     description=_l("PDF, Word (.docx), PowerPoint (.pptx), PNG or JPEG, at most 10 MB."))
    notes = _text(_l("What the document shows"), NOTES_MAX, required=False)
    rating = _rating()


class InterviewEvidenceForm(FlaskForm):
    title = _text(_l("Title"), TITLE_MAX, area=False,
                  description=_l("Who was interviewed, by role, not by name: for example “Two team leaders”."))
    held_on = date_field(_l("Date of the interview"))
    notes = _text(_l("Interview notes"), NOTES_MAX)
    rating = _rating()


class PulseEvidenceForm(FlaskForm):
    pulse_round_id = SelectField(_l("Pulse check"), coerce=_optional_id, validate_choice=True,
                                 validators=[DataRequired(message=_l("Choose a pulse check."))],
                                 invalid_choice_message=NOT_A_PULSE, invalid_value_message=NOT_A_PULSE)
    notes = _text(_l("What the results show"), NOTES_MAX, required=False)
    rating = _rating()


class FeedbackEvidenceForm(FlaskForm):
    feedback_round_id = SelectField(_l("Your 360-degree feedback round"), coerce=_optional_id,
                                    validate_choice=True,
                                    validators=[DataRequired(message=_l("Choose a feedback round."))],
                                    invalid_choice_message=NOT_YOURS, invalid_value_message=NOT_YOURS,
                                    description=_l("The management team will see the average of all others and "
                                                   "your own score on this promise, nothing more."))
    notes = _text(_l("What the results show"), NOTES_MAX, required=False)
    rating = _rating()


EVIDENCE_FORMS = {"document": DocumentEvidenceForm, "interview": InterviewEvidenceForm,
                  "pulse": PulseEvidenceForm, "feedback": FeedbackEvidenceForm}


class RateForm(FlaskForm):
    rating = SelectField(_l("Rating"), choices=list(RATING_LABELS.items()),
                         invalid_choice_message=_l("Say whether this is consistent with the promise or not."))

