from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from saas.kernel.forms import language_choices, password_field

EMAIL_REQUIRED = _l("Please enter your e-mail address.")
EMAIL_INVALID = _l("This is not a valid e-mail address.")


def email_field():
    return EmailField(
        _l("E-mail address"),
        validators=[DataRequired(message=EMAIL_REQUIRED), Email(message=EMAIL_INVALID, check_deliverability=False),
                    Length(max=254, message=EMAIL_INVALID)],
    )


def name_field():
    return StringField(
        _l("Your name"),
        validators=[DataRequired(message=_l("Please enter your name.")),
                    Length(max=120, message=_l("A name has at most 120 characters."))],
    )


class SignupForm(FlaskForm):
    name = name_field()
    email = email_field()
    password = password_field()
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[EqualTo("password", message=_l("The two passwords differ."))])


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Please enter a password.")),
                                                         Length(max=200, message=_l("At most %(max)d characters."))])


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = password_field(_l("New password"))
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[EqualTo("password", message=_l("The two passwords differ."))])


class AccountForm(FlaskForm):
    name = name_field()
    locale = SelectField(_l("Language"), choices=language_choices(),
                         validators=[DataRequired(message=_l("Please choose a language."))])
