from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from saas.kernel.forms import date_field


class ContractForm(FlaskForm):
    ends_on = date_field(_l("Last day of the contract (empty: no end)"), required=False)
