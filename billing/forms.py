from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from saas.auth.forms import email_field
from saas.administration.forms import TenantForm


class ConsultancyForm(FlaskForm):
    name = StringField(_l("Name of the consultancy"), validators=[
        DataRequired(message=_l("Please enter a name.")),
        Length(max=160, message=_l("A name has at most 160 characters.")),
    ])


class ClientForm(FlaskForm):
    name = TenantForm.name
    slug = TenantForm.slug
    country = TenantForm.country
    language = TenantForm.language
    admin_email = email_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.admin_email.label.text = _l("E-mail address of the client's administrator")
        self.admin_email.description = _l("They receive an invitation and run the organisation; your consultants "
                                          "join it as consultants.")


class ArchiveForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that the client becomes read-only and no longer counts for the subscription"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


class ConsultantForm(FlaskForm):
    email = email_field()
