"""The admin's single sign-on settings and the one question after a first sign-in."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation

NOBODY = ""


class RequiredForOidc(DataRequired):
    """Required when the service speaks OpenID Connect; with SAML the field is not used."""

    field_flags = {}  # not marked required on the page: with SAML it is not

    def __call__(self, form, field):
        if form.protocol.data != "oidc":
            field.errors[:] = []
            raise StopValidation()
        super().__call__(form, field)


def _optional_int(value):
    if value in (None, "", NOBODY):
        return None
    return int(value)


class OidcSettingsForm(FlaskForm):
    protocol = RadioField(_l("How the sign-in service signs people in"), default="oidc", choices=[
        ("oidc", _l("OpenID Connect (such as Microsoft Entra ID)")), ("saml", _l("SAML 2.0"))],
        validate_choice=True)
    display_name = StringField(_l("Name of the sign-in service"), description=_l(
        "Shown on the button: “Sign in with …”, e.g. Microsoft or the organisation's name."),
        validators=[DataRequired(message=_l("Please enter a name.")), Length(max=80, message=_l("At most %(max)d characters."))])
    issuer = StringField(_l("Issuer or discovery address"), description=_l(
        "Entra ID: https://login.microsoftonline.com/<directory (tenant) id>/v2.0"),
        validators=[RequiredForOidc(message=_l("Please enter the issuer.")), Length(max=500, message=_l("At most %(max)d characters."))])
    client_id = StringField(_l("Client id"), description=_l("Entra ID: the application (client) id."),
                            validators=[RequiredForOidc(message=_l("Please enter the client id.")), Length(max=255, message=_l("At most %(max)d characters."))])
    client_secret = PasswordField(_l("Client secret"), description=_l(
        "Never shown again. Leave empty to keep the secret that is set."), validators=[Optional(), Length(max=500, message=_l("At most %(max)d characters."))])
    scopes = StringField(_l("Scopes"), default="openid email profile", validators=[Length(max=300, message=_l("At most %(max)d characters."))])
    saml_metadata_url = StringField(_l("Address of the identity provider's SAML metadata"), description=_l(
        "Entra ID: the App Federation Metadata Url. Fetched when you save; save again after the service "
        "changes its certificate."), validators=[Length(max=500, message=_l("At most %(max)d characters."))])
    saml_metadata = TextAreaField(_l("Or paste the SAML metadata (XML)"), description=_l(
        "Leave both empty to keep the metadata that is set."),
        validators=[Length(max=500000, message=_l("At most %(max)d characters."))])
    email_claim = StringField(_l("Claim with the e-mail address"), default="email", description=_l(
        "Entra ID: email (or preferred_username when the address is the sign-in name). SAML: the attribute's "
        "name; without that attribute, the NameID when it is an e-mail address."),
        validators=[Length(max=64, message=_l("At most %(max)d characters."))])
    legacy_org_claim = StringField(_l("Claim with the legacy organisation (optional)"), description=_l(
        "Its value is matched with a legacy organisation's code or name. Without it, people choose once."),
        validators=[Length(max=64, message=_l("At most %(max)d characters."))])
    role_claim = StringField(_l("Claim with groups or roles (optional)"), description=_l(
        "Entra ID: groups or roles."), validators=[Length(max=64, message=_l("At most %(max)d characters."))])
    role_map = TextAreaField(_l("Roles from that claim"), description=_l(
        "One a line: value = role, e.g. koers-admins = admin. Roles are added, never taken away."),
        validators=[Length(max=4000, message=_l("At most %(max)d characters."))])
    allowed_domains = StringField(_l("Allowed e-mail domains (optional)"), description=_l(
        "Separated by spaces, e.g. gemeente.example. Empty: everyone the service vouches for."),
        validators=[Length(max=1000, message=_l("At most %(max)d characters."))])
    trust_email = BooleanField(_l("The service only hands out addresses of this organisation (count them as "
                                  "confirmed even without email_verified)"))
    enforces_mfa = BooleanField(_l("Our identity provider enforces multi-factor sign-in (a sign-in through it "
                                   "counts as two-factor sign-in here)"), default=True, description=_l(
        "Entra ID: a Conditional Access policy or the security defaults require multi-factor authentication for "
        "Koers. Without this tick, a sign-in counts as two-factor only when the provider's ID token says so "
        "(its amr claim)."))
    jit = BooleanField(_l("Add people as members at their first sign-in"), default=True)
    enabled = BooleanField(_l("Single sign-on is on"), default=True)
    sso_required = BooleanField(_l("Require single sign-on: refuse password log-in for everyone but the "
                                   "break-glass administrator"))
    break_glass_user_id = SelectField(_l("Break-glass administrator"), coerce=_optional_int, validate_choice=True,
                                      description=_l("May still log in with a password when the service is down."))


class LegacyOrgChoiceForm(FlaskForm):
    legacy_org = SelectField(_l("Which organisation did you work for before the merger?"), coerce=_optional_int,
                             validate_choice=True)
