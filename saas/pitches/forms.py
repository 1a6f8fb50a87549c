from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from saas.pitches.service import SECTION_MAX


class StartPitchForm(FlaskForm):
    title = StringField(_l("Title of the business case"), validators=[
        DataRequired(message=_l("Please enter a title.")), Length(max=200, message=_l("At most %(max)d characters.", max=200))])


class SectionForm(FlaskForm):
    text = TextAreaField(_l("Text"), validators=[
        Optional(), Length(max=SECTION_MAX, message=_l("At most %(max)d characters.", max=SECTION_MAX))],
        render_kw={"rows": 14})
    base_version = IntegerField(validators=[InputRequired(message=_l("Please reload the page and try again.")),
                                            NumberRange(min=0, max=2**31 - 1)], widget=HiddenInput())


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file."))],
                     description=_l("PDF, PowerPoint (.pptx), PNG or JPEG, at most 10 MB."))
