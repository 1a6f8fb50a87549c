"""The access log's filters, read from the URL (GET, no script): who, what, the reader's role, a period."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional, ValidationError

from saas.anonymity.access import Readings
from saas.kernel import formatting
from saas.kernel.forms import DayField, sensible_date
from saas.kernel.listing import ListForm, words
from saas.programme.people import ROLE_LABELS


class AccessLogForm(ListForm):
    kind = SelectField(_l("What"), default="", validate_choice=True)
    role = SelectField(_l("Role of the reader"), default="", validate_choice=True)
    since = DayField(_l("From"), validators=[Optional(), sensible_date], render_kw={"placeholder": "yyyy-mm-dd"})
    until = DayField(_l("Up to and including"), validators=[Optional(), sensible_date],
                     render_kw={"placeholder": "yyyy-mm-dd"})

    def offer(self, kinds: dict) -> "AccessLogForm":
        self.kind.choices = [("", _l("Everything"))] + [(key, label) for key, label in kinds.items()]
        self.role.choices = [("", _l("All roles"))] + [(r.value, label) for r, label in ROLE_LABELS.items()]
        return self

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end of the period comes before its start."))

    def readings(self, tenant) -> Readings:
        """What the form asks for; its days are the tenant's (a day from midnight to midnight in its time zone)."""
        until = self.until.data
        return Readings(words=words(self.q.data), kind=self.kind.data or None, role=self.role.data or None,
                        since=formatting.start_of(self.since.data, tenant) if self.since.data else None,
                        until=formatting.start_of(until.fromordinal(until.toordinal() + 1), tenant) if until else None)
