"""The comparison's one form: the tenant's threshold for merger progress (admins)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from saas.comparison.progress import THRESHOLD_LIMITS


class ThresholdForm(FlaskForm):
    threshold = IntegerField(
        _l("Threshold (points)"),
        description=_l("Two cultures count as grown together when their distance is below this many points "
                       "of 100. From 1 to 50; 10 unless you choose otherwise."),
        validators=[InputRequired(message=_l("Please enter a number.")),
                    NumberRange(min=THRESHOLD_LIMITS[0], max=THRESHOLD_LIMITS[1],
                                message=_l("Choose a number from 1 to 50."))])
