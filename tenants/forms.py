"""Two form classes that every feature's forms use: a list of checkboxes and an empty form for POST
buttons. They are plumbing, not tenancy; they stay here (where every feature imports them from) until
the kernel's form module takes them over. The tenant administration's forms are
`saas.administration.forms`."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(FlaskForm):
    """An empty form for POST buttons, so they carry a CSRF token."""

    next = HiddenField()
