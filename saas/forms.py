"""Form fields and validators shared by several blueprints."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from saas.i18n import LANGUAGES


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


def show_domain_error(form, error) -> None:
    """Put a DomainError's message next to the field it names, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)
