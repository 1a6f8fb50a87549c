"""Forms of the admin's survey pages. Labels of instruments, groupings and states live here too."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, IntegerField, RadioField, SelectField, \
    StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation, \
    ValidationError

from saas.surveys.catalogue import LABEL_MAX
from saas.surveys.codes import LABEL_MAX as CODE_LABEL_MAX, MAX_COUNT as CODES_MAX
from saas.surveys.models import GROUPINGS, INSTRUMENTS
from saas.surveys.service import MAX_QUESTIONS, QUESTION_MAX
from saas.kernel.forms import DayField, MultiCheckboxField, clean_text, sensible_date

STATUS_LABELS = {"draft": _l("In preparation"), "open": _l("Open"), "closed": _l("Closed")}
INSTRUMENT_LABELS = {
    "values": _l("Values (personal, team, organisation today and wanted)"),
    "culture": _l("Culture profile (now and preferred)"),
    "contract": _l("Psychological contract"),
}
GROUPING_LABELS = {
    "legacy_org": _l("Legacy organisation"),
    "team": _l("Team"),
    "tenure": _l("How long they have worked here"),
}
SERIES_LABELS = {"baseline": _l("Baseline"), "midway": _l("Midway"), "end": _l("End")}
OTHER_SERIES = "other"
QUESTION_KIND_LABELS = {"likert": _l("Scale (1 to 5)"), "open": _l("Open question")}
BLANK_QUESTION_ROWS = 3
NAME_MAX = 160
SERIES_MAX = 40
DECISION_MAX = 10_000
MAX_IMPORT_BYTES = 15 * 1024 * 1024
DATE_MESSAGE = _l("Please enter a date (yyyy-mm-dd).")
SMS_TEXT_MAX = 100_000  # a thousand numbers with room to spare


def series_text(label: str) -> str:
    """A wave's series label as shown: a known stage in the reader's language, or the admin's own words."""
    return str(SERIES_LABELS[label]) if label in SERIES_LABELS else label


def _date(label, *, description=None):
    return DayField(label, validators=[DataRequired(message=DATE_MESSAGE), sensible_date],
                    render_kw={"placeholder": "yyyy-mm-dd"}, description=description)


def _at_least_one(message):
    def check(_form, field):
        # Not DataRequired: its "required" flag would mark every single checkbox as required.
        if not field.data:
            field.errors[:] = []
            raise StopValidation(message)
    return check


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


class QuestionRowForm(Form):
    """One custom question. A row with neither text is ignored; its kind alone does not count."""

    kind = SelectField(_l("Kind of question"), choices=list(QUESTION_KIND_LABELS.items()), default="likert",
                       validate_choice=True, invalid_choice_message=_l("Choose a scale or an open question."))
    nl = StringField(_l("Question in Dutch"), filters=[clean_text],
                     validators=[Length(max=QUESTION_MAX, message=_l("At most %(max)d characters.", max=QUESTION_MAX))])
    en = StringField(_l("Question in English"), filters=[clean_text],
                     validators=[Length(max=QUESTION_MAX, message=_l("At most %(max)d characters.", max=QUESTION_MAX))])

    @property
    def is_blank(self) -> bool:
        return not (self.nl.data or self.en.data)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.is_blank:
            return valid
        for field, message in ((self.nl, _l("Write the question in Dutch too.")),
                               (self.en, _l("Write the question in English too."))):
            if not field.data and not field.errors:
                field.errors = list(field.errors) + [message]
                valid = False
        return valid


class WaveForm(FlaskForm):
    name = StringField(_l("Name"), filters=[clean_text], description=_l("For example: Baseline survey 2026."),
                       validators=[DataRequired(message=_l("Please enter a name.")),
                                   Length(max=NAME_MAX, message=_l("At most %(max)d characters.", max=NAME_MAX))])
    programme_id = SelectField(_l("Programme"), coerce=_optional_int, validate_choice=True,
                               invalid_choice_message=_l("Choose one of the listed programmes."),
                               invalid_value_message=_l("Choose one of the listed programmes."),
                               description=_l("The waves of a programme form a series."))
    series_label = SelectField(
        _l("Place in the series"), validate_choice=True,
        choices=[("", _l("None"))] + list(SERIES_LABELS.items()) + [(OTHER_SERIES, _l("Other (describe below)"))],
        invalid_choice_message=_l("Choose one of the listed places."))
    series_other = StringField(_l("Other place in the series"), filters=[clean_text],
                               description=_l("Only when you chose Other, for example: one year after the merger."),
                               validators=[Length(max=SERIES_MAX, message=_l("At most %(max)d characters.",
                                                                               max=SERIES_MAX))])
    instruments = MultiCheckboxField(
        _l("What the survey asks"), choices=list(INSTRUMENT_LABELS.items()), validate_choice=True,
        invalid_choice_message=_l("Choose from the listed parts."),
        validators=[_at_least_one(_l("Choose at least one part of the survey."))])
    asks_enps = BooleanField(
        _l("Also ask the eNPS question"),
        description=_l("“How likely is it that you would recommend the organisation as an employer to a friend or "
                       "acquaintance?”, from 0 to 10. The report then shows the eNPS: the share of people who "
                       "answer 9 or 10 minus the share who answer 0 to 6."))
    groupings = MultiCheckboxField(
        _l("Which grouping questions respondents answer"), choices=list(GROUPING_LABELS.items()),
        validate_choice=True, invalid_choice_message=_l("Choose from the listed groupings."),
        description=_l("Reports can only compare groups that the survey asks about."))
    opens_on = _date(_l("Opens on"))
    closes_on = _date(_l("Closes on"), description=_l("The invitation mails mention this date."))
    checkpoint = DayField(_l("Interim release (optional)"), validators=[Optional(), sensible_date],
                          render_kw={"placeholder": "yyyy-mm-dd"}, description=_l(
        "Figures appear only when the wave closes. Choose a day here to release the figures so far at the end of "
        "that day as well, for example halfway. Groups that the interim release does not show then stay hidden "
        "in the final release too, so that the two cannot be subtracted from each other."))
    audience_legacy_org_ids = MultiCheckboxField(_l("Legacy organisations"), coerce=int, validate_choice=True,
                                                 invalid_choice_message=_l("Choose from the listed organisations."),
                                                 invalid_value_message=_l("Choose from the listed organisations."))
    audience_team_ids = MultiCheckboxField(_l("Teams"), coerce=int, validate_choice=True,
                                           invalid_choice_message=_l("Choose from the listed teams."),
                                           invalid_value_message=_l("Choose from the listed teams."))
    questions = FieldList(FormField(QuestionRowForm), min_entries=BLANK_QUESTION_ROWS,
                          max_entries=MAX_QUESTIONS + BLANK_QUESTION_ROWS)

    def set_choices(self, programmes, organisations, teams) -> None:
        self.programme_id.choices = [("", _l("No programme"))] + [(p.id, p.name) for p in programmes]
        self.audience_legacy_org_ids.choices = [(o.id, f"{o.name} ({o.code})") for o in organisations]
        self.audience_team_ids.choices = [(t.id, name) for t, name in teams]

    def add_blank_rows(self, existing: int) -> None:
        """Room for new questions below the existing ones, when the form is shown afresh."""
        while len(self.questions) < min(existing + BLANK_QUESTION_ROWS, MAX_QUESTIONS + BLANK_QUESTION_ROWS):
            self.questions.append_entry()

    def validate_series_other(self, field):
        if self.series_label.data == OTHER_SERIES and not field.data:
            raise ValidationError(_l("Describe the place in the series, or choose another option."))

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("A wave cannot close before it opens."))

    def validate_checkpoint(self, field):
        if field.data and self.closes_on.data and field.data >= self.closes_on.data:
            raise ValidationError(_l("The interim release must come before the close date."))
        if field.data and not self.closes_on.data:
            raise ValidationError(_l("Set a close date too: the interim release comes before it."))

    def wave_data(self) -> dict:
        series = self.series_other.data if self.series_label.data == OTHER_SERIES else self.series_label.data
        return {
            "name": self.name.data, "programme_id": self.programme_id.data, "series_label": series or "",
            "instruments": [i for i in INSTRUMENTS if i in self.instruments.data],
            "asks_enps": bool(self.asks_enps.data),
            "groupings": [g for g in GROUPINGS if g in (self.groupings.data or [])],
            "opens_on": self.opens_on.data, "closes_on": self.closes_on.data,
            "checkpoints": [self.checkpoint.data] if self.checkpoint.data else [],
            "audience_legacy_org_ids": list(dict.fromkeys(self.audience_legacy_org_ids.data or [])),
            "audience_team_ids": list(dict.fromkeys(self.audience_team_ids.data or [])),
            "questions": [{"kind": row.form.kind.data, "nl": row.form.nl.data, "en": row.form.en.data}
                          for row in self.questions if not row.form.is_blank],
        }

    @classmethod
    def data_of(cls, wave) -> dict:
        known = wave.series_label in SERIES_LABELS or not wave.series_label
        return {
            "name": wave.name, "programme_id": wave.programme_id,
            "series_label": wave.series_label if known else OTHER_SERIES,
            "series_other": "" if known else wave.series_label,
            "instruments": list(wave.instruments), "groupings": list(wave.groupings),
            "asks_enps": bool(wave.asks_enps),
            "opens_on": wave.opens_on, "closes_on": wave.closes_on,
            "checkpoint": date.fromisoformat(wave.checkpoints[0]) if wave.checkpoints else None,
            "audience_legacy_org_ids": list(wave.audience_legacy_org_ids or []),
            "audience_team_ids": list(wave.audience_team_ids or []),
            "questions": [{"kind": q["kind"], "nl": q["nl"], "en": q["en"]} for q in wave.questions or []],
        }


class ConsentForm(FlaskForm):
    decided_on = _date(_l("Date of the decision"))
    decision = TextAreaField(_l("The works council's decision"), filters=[clean_text],
                             description=_l("The text of the decision, as the works council wrote it."),
                             validators=[DataRequired(message=_l("Record the text of the works council's decision.")),
                                         Length(max=DECISION_MAX, message=_l("At most %(max)d characters.",
                                                                              max=DECISION_MAX))])
    conditions = TextAreaField(_l("Conditions"), filters=[clean_text],
                               description=_l("Conditions the works council attached, if any."),
                               validators=[Length(max=DECISION_MAX, message=_l("At most %(max)d characters.",
                                                                                max=DECISION_MAX))])
    min_group_size = IntegerField(_l("Higher minimum group size (k), if the works council asks for one"),
                                  validators=[Optional()])
    document = FileField(_l("The works council's signed decision"),
                         description=_l("A PDF file of at most 10 MB, signed by the works council."))

    def set_tenant_k(self, k: int) -> None:
        self.min_group_size.description = _l(
            "Reports of this wave never show a group with fewer people than this. Leave it empty to keep the "
            "organisation's %(k)d.", k=k)
        self.min_group_size.validators = [Optional(), NumberRange(
            min=k, max=1000, message=_l("Choose a number from %(min)d to 1000; it can only raise the "
                                        "organisation's minimum.", min=k))]


class LaunchForm(FlaskForm):
    invitations = RadioField(
        _l("How people are asked"), validate_choice=True,
        choices=[("mail", _l("Send everyone in the audience a personal invitation by e-mail (recommended)")),
                 ("none", _l("Send no e-mails: I will share the open link myself"))],
        validators=[InputRequired(message=_l("Choose how people are asked."))])


class RemindForm(FlaskForm):
    """The reminder button names its round, so a second click asks for the same round again."""

    round = IntegerField(validators=[InputRequired(message=_l("Please reload the page and try again.")),
                                     NumberRange(min=1, max=100, message=_l("Please reload the page and try again."))])


class SmsForm(FlaskForm):
    """Mobile numbers for SMS invitations (saas.surveys.sms): pasted one per line, or a CSV or text file."""

    numbers = TextAreaField(_l("Mobile numbers"), filters=[clean_text],
                            description=_l("One number per line, for example 06 12345678, +31 6 12345678 or "
                                           "+32 470 12 34 56. Only for people who get no invitation by e-mail: "
                                           "someone with both could answer twice."),
                            validators=[Length(max=SMS_TEXT_MAX, message=_l(
                                "At most %(max)d characters at a time: send the numbers in several parts.",
                                max=SMS_TEXT_MAX))])
    file = FileField(_l("Or a file with the numbers"),
                     description=_l("A CSV or text file with one number per line (the first column counts)."),
                     validators=[FileSize(max_size=SMS_TEXT_MAX, message=_l("The file is too large. Send the "
                                                                            "numbers in several parts."))])
    legacy_org_id = SelectField(_l("Legacy organisation"), coerce=_optional_int, validate_choice=True,
                                invalid_choice_message=_l("Please choose a legacy organisation from the list."),
                                invalid_value_message=_l("Please choose a legacy organisation from the list."),
                                description=_l("Optional. The group these people count in, as for a personal "
                                               "invitation: their answers count in this organisation's figures."))

    def set_choices(self, legacy_orgs) -> None:
        self.legacy_org_id.choices = [("", _l("None: count them in the whole wave only"))] + \
            [(org.id, org.name) for org in legacy_orgs]


class CloseForm(FlaskForm):
    confirm = BooleanField(_l("Yes, close the survey. Nobody can answer any more after this."),
                           validators=[DataRequired(message=_l("Tick the box to confirm that the survey closes."))])


class OpenLinkForm(FlaskForm):
    understood = BooleanField(
        _l("I understand that anyone who has the open link can answer, and that one answer per browser is a "
           "best effort, not a guarantee."),
        validators=[DataRequired(message=_l("Tick the box to confirm that you understand the open link."))])


class DisableOpenLinkForm(FlaskForm):
    """Says the state it asks for, so the button changes nothing when pressed twice."""

    open_link = HiddenField(validators=[AnyOf(["off"], message=_l("Please reload the page and try again."))])


class ValueForm(FlaskForm):
    nl = StringField(_l("Dutch name"), filters=[clean_text],
                     validators=[DataRequired(message=_l("Please enter the Dutch name.")),
                                 Length(max=LABEL_MAX, message=_l("At most %(max)d characters.", max=LABEL_MAX))])
    en = StringField(_l("English name"), filters=[clean_text],
                     validators=[DataRequired(message=_l("Please enter the English name.")),
                                 Length(max=LABEL_MAX, message=_l("At most %(max)d characters.", max=LABEL_MAX))])
    limiting = BooleanField(_l("Potentially limiting"),
                            description=_l("Tick this for a value that often holds an organisation back, such as "
                                           "blame or bureaucracy. It counts towards cultural entropy."))


class ValueVisibilityForm(FlaskForm):
    """Hide a value from new waves or show it again; the form says which, so a second click changes nothing."""

    key = HiddenField(validators=[DataRequired(message=_l("Please reload the page and try again.")),
                                  Length(max=60)])
    hidden = HiddenField(validators=[AnyOf(["1", "0"], message=_l("Please reload the page and try again."))])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[
        FileRequired(message=_l("Choose a file.")),
        FileSize(max_size=MAX_IMPORT_BYTES, message=_l("The file is larger than %(mb)d MB. Split it, or import it "
                                                       "with the command line.", mb=MAX_IMPORT_BYTES // 2**20)),
    ], description=_l("UTF-8 text, one row per respondent, at most %(mb)d MB.", mb=MAX_IMPORT_BYTES // 2**20))


class AnswerCodesForm(FlaskForm):
    """Ordering a batch of answer codes for a group (saas.surveys.codes); the choices are the tenant's."""

    legacy_org_id = SelectField(_l("Legacy organisation"), coerce=_optional_int, validate_choice=True)
    team_id = SelectField(_l("Team"), coerce=_optional_int, validate_choice=True)
    label = StringField(_l("Name of the group"), filters=[clean_text],
                        description=_l("For people without e-mail or at a location, for example "
                                       "\u201cWerkbedrijf Noord\u201d. Needed when you choose no organisation "
                                       "and no team."),
                        validators=[Length(max=CODE_LABEL_MAX,
                                           message=_l("At most %(max)d characters.", max=CODE_LABEL_MAX))])
    count = IntegerField(_l("Number of codes"), default=50,
                         validators=[InputRequired(message=_l("How many codes? Give a number from 1 to %(max)d.",
                                                              max=CODES_MAX)),
                                     NumberRange(min=1, max=CODES_MAX,
                                                 message=_l("How many codes? Give a number from 1 to %(max)d.",
                                                            max=CODES_MAX))])

    def set_choices(self, legacy_organisations, teams) -> None:
        """The tenant's organisations and teams to choose from (or neither: "—")."""
        none = [("", "—")]
        self.legacy_org_id.choices = none + [(o.id, o.name) for o in legacy_organisations]
        self.team_id.choices = none + [(t.id, t.name) for t in teams]
