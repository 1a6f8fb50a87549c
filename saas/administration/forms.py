"""The tenant administration's forms: a new tenant, its settings, legacy organisations, people and invitations."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Regexp

from saas.auth.forms import email_field, name_field
from saas.kernel.forms import language_choices, password_field
from saas.kernel.forms import MultiCheckboxField
from saas.programme.people import ROLE_LABELS

COUNTRIES = [
    ("NL", _l("Netherlands")),
    ("BE", _l("Belgium")),
    ("DE", _l("Germany")),
    ("LU", _l("Luxembourg")),
    ("GB", _l("United Kingdom")),
    ("IE", _l("Ireland")),
]

NO_LEGACY_ORG = ""


def roles_field():
    return MultiCheckboxField(
        _l("Roles"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()],
        validators=[DataRequired(message=_l("Choose at least one role."))],
    )


def _optional_int(value):
    if value in (None, "", NO_LEGACY_ORG):
        return None
    return int(value)


def legacy_org_field():
    return SelectField(_l("Legacy organisation"), coerce=_optional_int, validate_choice=True)


def set_legacy_org_choices(field, organisations) -> None:
    # The "none" option's value is the empty string: a None here would be rendered as value="None", which
    # the field cannot read back, so a person without a legacy organisation could not be saved.
    field.choices = [(NO_LEGACY_ORG, _l("None, or joined after the merger"))] + [
        (o.id, f"{o.name} ({o.code})") for o in organisations]


class TenantForm(FlaskForm):
    name = StringField(_l("Name of the organisation"), validators=[
        DataRequired(message=_l("Please enter a name.")),
        Length(max=160, message=_l("A name has at most 160 characters.")),
    ])
    slug = StringField(_l("Web address"), description=_l("Lower-case letters, digits and hyphens, e.g. regio-noord."),
                       validators=[DataRequired(message=_l("Please choose a web address.")),
                                   Length(min=3, max=40, message=_l("Use 3 to 40 characters."))])
    country = SelectField(_l("Country"), choices=COUNTRIES)
    language = SelectField(_l("Language"), choices=language_choices())


class TenantSettingsForm(FlaskForm):
    name = TenantForm.name
    country = TenantForm.country
    language = TenantForm.language
    min_group_size = IntegerField(
        _l("Minimum group size in reports (k)"),
        description=_l("Reports never show a group with fewer answers than this. At least 5."),
        validators=[NumberRange(min=5, max=1000, message=_l("Choose a number from 5 to 1000."))],
    )


class HouseStyleForm(FlaskForm):
    """A house style (saas.kernel.brand): a tenant's own, or a consultancy's for its clients' pages. The
    colour and the logo are checked by the domain (contrast, image type and size), next to their fields."""

    colour = StringField(_l("Primary colour"), description=_l(
        "A colour code such as #0B5A7A, for buttons, links and the navigation bar. White text on it must be "
        "easy to read (WCAG AA). Leave it empty for Koers's own colours."),
        validators=[Length(max=7, message=_l("A colour code has at most %(max)d characters, such as #0B5A7A."))])
    logo = FileField(_l("Logo"), description=_l(
        "A PNG or JPEG image of at most 200 kB, shown at the top of every page. Leave it empty to keep the "
        "current logo."))
    remove_logo = BooleanField(_l("Remove the logo"))


class ConsentRequirementForm(FlaskForm):
    """Turns the works council's consent requirement on or off: a button each, nothing to type."""

    required = HiddenField(validators=[AnyOf(("on", "off"))])


class LegacyOrgForm(FlaskForm):
    code = StringField(_l("Short code"), description=_l("Up to 16 letters or digits, e.g. GRO."), validators=[
        DataRequired(message=_l("Please enter a short code.")),
        Length(max=16, message=_l("A code has at most 16 characters.")),
        Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Use only letters, digits, hyphens and underscores.")),
    ])
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Please enter a name.")),
        Length(max=160, message=_l("A name has at most 160 characters.")),
    ])


class InviteForm(FlaskForm):
    email = email_field()
    roles = roles_field()
    legacy_org_id = legacy_org_field()


class MembershipForm(FlaskForm):
    roles = roles_field()
    legacy_org_id = legacy_org_field()


class AcceptWithNewAccountForm(FlaskForm):
    """Accepting an invitation without an account: the e-mail address is the invited one."""

    name = name_field()
    password = password_field()
