"""The pages of answer codes that a wave and a pulse check share (saas.surveys.codes; a pulse check's codes:
saas.leadership.pulse_codes): the order form, ordering a batch (answered with the PDF of its slips, the one time
the codes exist in plain: only their hashes are kept) and the page where a code is typed or which a slip's QR code
opens. Each feature hands in its own order, slips and what a known code starts; the templates share
surveys/admin/_codes.html."""
from __future__ import annotations

from typing import Any, Callable

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from saas.kernel.db import session
from saas.kernel.views import submit_file
from saas.programme.models import Team
from saas.surveys.forms import AnswerCodesForm
from tenants import service as tenants


def order_form(db) -> AnswerCodesForm:
    """The order form, its groups the tenant's legacy organisations and teams."""
    form = AnswerCodesForm()
    form.set_choices(tenants.legacy_organisations(db), db.scalars(select(Team).order_by(Team.name)))
    return form


def order(form: AnswerCodesForm, order_batch: Callable[..., tuple[Any, list[str]]], of, *,
          slips: Callable[[list[str]], bytes], filename: str) -> Response | None:
    """Order the batch the form asks for, `order_batch(db, secret_key, of, count=…, …)` for a wave or a pulse
    check, answered with `slips(codes)`, the PDF named `filename` (the submit pattern, answered with a file);
    None while the form is to be shown (again)."""
    db = session()

    def sheet() -> bytes:
        _batch, plain = order_batch(db, current_app.config["KOERS"].secret_key, of, count=form.count.data,
                                    legacy_org_id=form.legacy_org_id.data, team_id=form.team_id.data,
                                    label=form.label.data or "", by=current_user)
        return slips(plain)

    return submit_file(form, sheet, filename=filename)


def entry(typed: str | None, invitation_for_code: Callable[..., tuple[Any, str] | None],
          begin: Callable[[Any, str], Response], *, action: str | None = None):
    """The page where a code is typed (`typed` None: the empty form, a GET form, so it works without JavaScript
    and sends the code as a slip's QR code does), or what a code opens: `begin(invitation, token)` for a known
    code not used yet, as its personal link would; else the page again with why (404 unknown, 409 used).
    `action`: where the form sends the code (the survey's short address when not given)."""
    if typed is None:
        return _entry_page(None, "", action)
    found = invitation_for_code(session(), current_app.config["KOERS"].secret_key, typed)
    if found is None:
        problem = _("This code is not known. Check the code on your slip and type it again: ten letters and "
                    "digits. Spaces and dashes do not matter.")
        return _entry_page(problem, typed[:40], action), 404
    invitation, token = found
    if invitation.answered:
        problem = _("This code has already been used to answer the survey. Each code can be used once.")
        return _entry_page(problem, "", action), 409
    return begin(invitation, token)


def _entry_page(problem: str | None, typed: str, action: str | None) -> str:
    return render_template("surveys/respond/code.html", problem=problem, typed=typed, action=action)
