"""The forms of "act on a figure": the existing create forms of a plan and a promise, each with the figure
it will cite, and the choice of an existing plan or promise to cite it in."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from saas.leadership.forms import PromiseForm
from saas.strategy.forms import PlanForm


def _figure():
    # The figure's key, as the page offered it; the service checks it against the wave's release and says
    # why it cannot be cited (the page shows that above the form): nothing of its value comes from here.
    return HiddenField()


class PlanFromFigureForm(PlanForm):
    figure = _figure()


class PromiseFromFigureForm(PromiseForm):
    figure = _figure()


class CiteForm(FlaskForm):
    figure = _figure()
    target = SelectField(_l("Cite it in"), validate_choice=False)
