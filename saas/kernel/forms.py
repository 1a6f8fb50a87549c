"""Form fields, validators and cleaning shared by every feature's forms."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, PasswordField, SelectMultipleField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from saas.kernel.i18n import LANGUAGES

# Far enough apart for any programme; close enough to catch a mistyped year (0224, 20224).
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
DATE_MESSAGE = _l("Please enter a date (yyyy-mm-dd).")


def clean_text(value):
    """Line endings as \\n, no NUL characters (PostgreSQL refuses them in text), no outer spaces."""
    if not isinstance(value, str):
        return value
    return value.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()


def sensible_date(_form, field):
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Please enter a date between %(first)s and %(last)s.",
                                 first=EARLIEST.isoformat(), last=LATEST.isoformat()))


class DayField(DateField):
    """A date field that says in the user's language what it expects when the date does not parse."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DATE_MESSAGE) from None


def date_field(label, *, required=True):
    first = DataRequired(message=DATE_MESSAGE) if required else Optional()
    return DayField(label, validators=[first, sensible_date], render_kw={"placeholder": "yyyy-mm-dd"})


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def password_field(label=None):
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(message=_l("Please enter a password.")),
            Length(min=10, max=200, message=_l("A password has between 10 and 200 characters.")),
        ],
    )


def language_choices():
    return list(LANGUAGES.items())
