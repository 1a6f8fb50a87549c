from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from saas.privacy.retention import LIMITS


def _period(limit):
    message = _l("Choose between %(low)s and %(high)s days.", low=limit.low, high=limit.high)
    return IntegerField(limit.label, description=limit.why,
                        validators=[InputRequired(message=message), NumberRange(limit.low, limit.high, message=message)])


class RetentionForm(FlaskForm):
    left_days = _period(LIMITS[0])
    invitations_days = _period(LIMITS[1])
    attachments_days = _period(LIMITS[2])
    signins_days = _period(LIMITS[3])
