"""The one view pattern: validate → one service call → commit → flash → redirect.

A view hands the form (or the button's name) and the service call to `submit` or `press`; a refusal
by the domain (a `DomainError`) rolls the request's transaction back, so nothing half-done is kept,
and is shown in the user's language: next to the field it names (a form) or as a message (a button);
a refusal the service marked with `audit.refused` is then written to the audit trail on its own.
A small form on a page that always goes back to a page (a status, a rating) goes to `send`; a button
that removes something goes to `press_confirmed`, which asks first on a page of its own (no JavaScript).
A form whose answer is a file made once (the slips of answer codes) goes to `submit_file`.

    form = PulseRoundForm()
    return submit(form, lambda: pulses.plan_round(db, g.tenant, programme, name=form.name.data,
                                                  opens_on=form.opens_on.data, closes_on=form.closes_on.data),
                  done=_("The pulse check has been planned."),
                  then=lambda pulse: url_for("leadership.pulse_round", pulse_round_id=pulse.id)) \
        or _pulse_rounds_page(programme, form)
"""
from __future__ import annotations

from typing import Any, Callable

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import FieldList, HiddenField
from wtforms.validators import DataRequired

from saas.kernel import audit
from saas.kernel.db import session
from saas.kernel.downloads import attachment
from saas.kernel.errors import DomainError

Message = str | Callable[[Any], str] | None
Target = str | Callable[[Any], str]


class ButtonForm(FlaskForm):
    """A button that names what it does, so that an empty or stray request changes nothing."""

    action = HiddenField(validators=[DataRequired()])

    def says(self, action: str) -> bool:
        return self.validate_on_submit() and self.action.data == action


def submit(form: FlaskForm, work: Callable[[], Any], *, then: Target, done: Message = None,
           refused: tuple[type[DomainError], ...] = ()) -> Response | None:
    """Run `work()` when `form` validates on a POST and commit it; flash `done` and redirect to `then`.

    Returns None when the form is to be shown again: not submitted, invalid, or refused by the domain
    (its message then stands next to the field it names, or above the form). `done` and `then` may be
    callables of what `work()` returned. A refusal of a kind in `refused` is about the whole thing, not
    a field (say, the pitch is no longer open for review): it is flashed and the page (`then`, a URL) reloads."""
    if not form.validate_on_submit():
        return None
    result, refusal = _carry_out(work)
    if refusal is None:
        _flash(done, result)
        return redirect(then(result) if callable(then) else then)
    if isinstance(refusal, refused) and not callable(then):
        flash(refusal.message, "error")
        return redirect(then)
    show_domain_error(form, refusal)
    return None


def submit_file(form: FlaskForm, work: Callable[[], bytes], *, filename: str,
                content_type: str = "application/pdf") -> Response | None:
    """`submit`, answered with the file `work()` makes instead of a redirect: for a file that can be made only
    in the transaction that keeps what it holds (the slips hold the only copy of answer codes). Returns None
    when the form is to be shown again, as `submit` does."""
    if not form.validate_on_submit():
        return None
    body, refusal = _carry_out(work)
    if refusal is None:
        return attachment(body, content_type, filename)  # no-store: nothing of it stays in a cache
    show_domain_error(form, refusal)
    return None


def press(action: str | FlaskForm, work: Callable[[], Any], *, then: str, done: Message = None,
          back: str | None = None, follow: bool = False) -> Response:
    """A button named `action`: run `work()` and commit, flash `done`; a refusal is flashed instead and
    nothing is kept. A stray or empty request changes nothing. Redirects to `then`, or to `back` (when
    given) if nothing was done: a removed thing's own page no longer exists. With `follow`, a successful
    `work()` returns the address to go to instead (another site's page, such as the payment provider's
    checkout), and the browser is sent there with 303.

    `action` may instead be the button's own small form (a box to tick, the round it asks for): when
    it does not validate, its messages are flashed and nothing is done."""
    if _pressed(action):
        result, refusal = _carry_out(work)
        if refusal is None:
            _flash(done, result)
            return redirect(result, 303) if follow else redirect(then)
        flash(refusal.message, "error")
    return redirect(back or then)


CONFIRMED = "yes"


def press_confirmed(action: str, work: Callable[[], Any], *, title: str, consequence: str, button: str, then: str,
                    done: Message = None, back: str | None = None) -> Response | str:
    """A button that destroys something (removes a person, withdraws an invitation, deletes a pillar): one
    click never does it. The button on the list is a link to this URL (GET), a page that says what will
    happen (`title`, `consequence`) with the real button (`button`, named after the action) and a way back.
    Only a POST from that page (it carries `confirmed`) runs `work()`, as `press` does; any other POST changes
    nothing, says why and shows the confirmation page. Works without JavaScript."""
    if request.method == "POST" and ButtonForm().says(action):
        if request.form.get("confirmed") == CONFIRMED:
            return press(action, work, then=then, done=done, back=back)
        flash(_("Nothing has been changed yet: please confirm below."), "error")
        return redirect(request.path, 303)
    if request.method == "POST":
        return press(action, work, then=then, done=done, back=back)  # a stray request: changes nothing
    return render_template("_confirm.html", title=title, consequence=consequence, button=button, action=action,
                           confirmed=CONFIRMED, cancel=back or then)


def send(form: FlaskForm, work: Callable[[], Any], *, then: Target, done: Message = None,
         back: str | None = None) -> Response:
    """A small form on a page that is not shown again (a status, a rating, a place, the attendance):
    like `press`, but the form carries fields. Invalid: its errors are flashed (or that nothing was changed)
    and nothing is done; refused: the message is flashed and nothing is kept. Redirects to `then` (which may
    be a callable of what `work()` returned; then `back` is needed) after success, else to `back`."""
    if not form.validate_on_submit():
        problems = [str(error) for name, errors in form.errors.items() if name != "csrf_token" for error in errors]
        for problem in problems or [_("Nothing was changed. Please use the buttons on the page.")]:
            flash(problem, "error")
        return redirect(back or then)
    result, refusal = _carry_out(work)
    if refusal is not None:
        flash(refusal.message, "error")
        return redirect(back or then)
    _flash(done, result)
    return redirect(then(result) if callable(then) else then)


def _carry_out(work: Callable[[], Any]) -> tuple[Any, DomainError | None]:
    """Run `work()` in the request's one transaction and commit it: (what it returned, None). Refused by the
    domain, everything it did is rolled back and (None, the refusal) returned; a refusal the domain marked for
    the audit trail (`audit.refused`) is then written on its own."""
    db = session()
    try:
        result = work()
    except DomainError as error:
        db.rollback()
        audit.keep_refusal(db, error)
        return None, error
    db.commit()
    return result, None


def _pressed(action: str | FlaskForm) -> bool:
    if not isinstance(action, FlaskForm):
        return ButtonForm().says(action)
    if action.validate_on_submit():
        return True
    messages = [message for errors in action.errors.values() for message in errors]
    for message in messages or [_("Nothing was changed. Please use the buttons on the page.")]:
        flash(message, "error")
    return False


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a DomainError's message next to the field it names, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and not isinstance(field, FieldList):  # about a list as a whole: above the form
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)


def _flash(done: Message, result: Any) -> None:
    message = done(result) if callable(done) else done
    if message:
        flash(message, "success")
