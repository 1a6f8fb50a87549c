"""Form fields and validators shared by several blueprints."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from saas.i18n import LANGUAGES
from saas.kernel.views import show_domain_error  # noqa: F401  (its home is the view pattern)


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

