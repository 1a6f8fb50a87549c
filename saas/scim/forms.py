from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from saas.programme.people import ROLE_LABELS


class GroupMappingForm(FlaskForm):
    display_name = StringField(_l("Group name in the identity provider"), validators=[DataRequired(), Length(max=254, message=_l("At most %(max)d characters."))])
    target = SelectField(_l("Gives"), validate_choice=True)

    def offer(self, organisations) -> "GroupMappingForm":
        self.target.choices = {  # grouped: <optgroup>s
            str(_l("Legacy organisation")): [(f"org:{org.id}", f"{org.name} ({org.code})") for org in organisations],
            str(_l("Role")): [(f"role:{role}", str(label)) for role, label in ROLE_LABELS.items()],
        }
        return self
