"""Kiosk mode (issue 20, point 3): a shared tablet runs the survey for one person after another
(blueprint "kiosk"; the devices and their tokens: `saas.surveys.kiosks`).

- The admin's pages (/admin/kiosks): add a device for a place, its one-time enrolment link and QR code shown
  once, the list of devices (enrolled, last used), revoke one (`press_confirmed`).
- The enrolment link (/kiosk/enrol/<token>): a page with one button; pressing it gives the tablet its own
  token, in a cookie that only the tenant's kiosk pages receive (`path`) and only this module reads. Without a
  valid, unrevoked device token every kiosk page answers 404, as for an unknown link.
- The kiosk (/kiosk): type or scan a code → the survey for that code, step by step (the same steps,
  templates and rules as a personal link: `views._step`) → thanks → the start page for the next person.

Nothing carries over from one person to the next. The draft lives only in the kiosk session (the signed session
cookie), never on the invitation; the session is tied to the device (`kiosks.start_session` keeps the hash of its
id, so entering the next code makes every earlier session unusable) and ends when the answers are sent, the
person presses Stop, the start page is shown again, or the kiosk has been idle for `idle_seconds()`: the page
goes back to the start (kiosk.js, after a warning that gives more time with one press; without JavaScript a meta
refresh, templates/surveys/kiosk/_idle_head.html), and the server refuses an idle session on its own.
Entering a code also signs out anyone signed in in this browser. Every kiosk page is `Cache-Control: no-store`
and every answer is a POST followed by a redirect, so Back shows no earlier person's answers.

Read-only tenants (billing.readonly): adding and enrolling a device are changes and are refused; answering
through the kiosk is refused as through a personal link (answering is a change, decided there); revoking is a
safety action and stays allowed.
"""
from __future__ import annotations

import base64
import time
from datetime import date
from io import BytesIO

import segno
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask import session as http_session
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from saas.auth.sessions import KEPT
from saas.kernel.db import session
from saas.kernel.extensions import limiter
from saas.kernel.views import ButtonForm, press_confirmed, submit
from saas.surveys import codes, kiosks, service
from saas.surveys.answering import engine as answering
from saas.surveys.answering.views import COOKIE_BUDGET, DraftTooLarge, _privacy, _Respondent, _session_cookie_size, \
    _step
from saas.surveys.loaders import wave_or_404
from saas.surveys.models import Wave
from tenants.guards import public_in_tenant, requires, tenant_blueprint
from tenants.models import Role

bp = tenant_blueprint("kiosk", __name__)

COOKIE = "koers_kiosk"
COOKIE_MAX_AGE = 365 * 24 * 3600
SESSION_KEY = "kiosk"  # {"device", "session", "token", "wave", "seen", "draft"}
LINK_KEY = "kiosk_link"  # the enrolment link just made, until the admin's page has shown it once
IDLE_SECONDS = 180
CODE_INPUT_MAX = 300
THANKS_SECONDS = 30  # the thanks page goes back to the start by itself


def idle_seconds() -> int:
    """How long a kiosk session may be idle (KOERS_KIOSK_IDLE_SECONDS in the app's config; 3 minutes)."""
    return int(current_app.config.get("KOERS_KIOSK_IDLE_SECONDS", IDLE_SECONDS))


class DeviceForm(FlaskForm):
    name = StringField(_l("Place"), validators=[
        DataRequired(message=_l("Say where the tablet is.")),
        Length(max=kiosks.NAME_MAX, message=_l("At most %(max)d characters.", max=kiosks.NAME_MAX))],
                       description=_l("Where the tablet is, for example “Canteen, Main Street”."))


class CodeForm(FlaskForm):
    code = StringField(_l("Your code"), validators=[
        DataRequired(message=_l("Type your code.")),
        # a scanned slip types its whole address
        Length(max=CODE_INPUT_MAX, message=_l("At most %(max)d characters.", max=CODE_INPUT_MAX))])


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"  # Back and a shared cache show nobody's answers
    return response


# ---- the admin's pages ---------------------------------------------------------------------

@bp.route("/admin/kiosks", methods=["GET", "POST"])
@requires(Role.ADMIN)
def devices():
    db = session()
    form = DeviceForm()

    def add():
        device, token = kiosks.add_device(db, form.name.data, by_user_id=current_user.id)
        http_session[LINK_KEY] = {"device": device.id, "token": token}
        return device

    return submit(form, add, done=_("The device has been added. Open the link below on the tablet."),
                  then=lambda device: url_for("kiosk.link", device_id=device.id)) \
        or render_template("surveys/kiosk/devices.html", form=form, devices=kiosks.devices(db),
                           waves=[(wave, answering.duration(wave)) for wave in _answerable_waves(db)])


@bp.route("/admin/kiosks/<int:device_id>/link")
@requires(Role.ADMIN)
def link(device_id: int):
    """The enrolment link and its QR code, shown once: the token lives only in this response."""
    device = kiosks.device(session(), device_id) or abort(404)
    kept = http_session.pop(LINK_KEY, None)
    token = kept.get("token") if isinstance(kept, dict) and kept.get("device") == device.id else None
    url = qr = None
    if token and device.state == "waiting":
        url = url_for("kiosk.enrol", enrol_token=token, _external=True)
        qr = _qr_data_uri(url)
    return render_template("surveys/kiosk/link.html", device=device, url=url, qr=qr, hours=24)


@bp.route("/admin/kiosks/<int:device_id>/revoke", methods=["GET", "POST"])
@requires(Role.ADMIN)
def revoke(device_id: int):
    db = session()
    device = kiosks.device(db, device_id)
    if device is None or device.revoked_at is not None:
        abort(404)
    return press_confirmed(
        "revoke", lambda: kiosks.revoke(db, device),
        title=_("Revoke the kiosk “%(name)s”?", name=device.name),
        consequence=_("The tablet can no longer be used to answer surveys, from now on. Someone who is answering "
                      "on it now cannot send their answers. To use the tablet again, add it again."),
        button=_("Revoke the kiosk"), done=_("The kiosk has been revoked."), then=url_for("kiosk.devices"))


# ---- enrolling a tablet --------------------------------------------------------------------

@bp.route("/kiosk/enrol/<enrol_token>", methods=["GET", "POST"])
@public_in_tenant
def enrol(enrol_token: str):
    """Make this browser the kiosk: a page with one button (a link preview must not use the link up)."""
    db = session()
    device = kiosks.waiting_for(db, enrol_token)
    if device is None:
        abort(404)
    if request.method == "POST" and ButtonForm().says("enrol"):
        token = kiosks.enrol(db, device)
        db.commit()
        _fresh_browser()
        response = redirect(url_for("kiosk.start"))
        response.set_cookie(COOKIE, token, max_age=COOKIE_MAX_AGE, path=_kiosk_path(), httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Strict")
        return response
    return render_template("surveys/kiosk/enrol.html", device=device)


# ---- the kiosk -----------------------------------------------------------------------------

def _failed(response) -> bool:
    return response.status_code != 302


def _code_limit() -> str:
    return current_app.config["KOERS"].login_rate_limit


@bp.route("/kiosk", methods=["GET", "POST"])
@public_in_tenant
@limiter.limit(_code_limit, methods=["POST"], deduct_when=_failed)  # codes are unguessable; guessing stops here too
def start():
    """Type your code: the start of every kiosk session. Showing it ends the session that was running."""
    db = session()
    device = _device()
    http_session.pop(SESSION_KEY, None)
    form = CodeForm()
    if form.validate_on_submit():
        code, wave_id, problem = _answerable(form.code.data)
        if problem:
            form.code.errors = [problem]
        else:
            _fresh_browser()
            session_id = kiosks.start_session(device)
            db.commit()
            http_session[SESSION_KEY] = {"device": device.id, "session": session_id, "token": code,
                                         "wave": wave_id, "seen": int(time.time()), "draft": None}
            return redirect(url_for("kiosk.step", wave_id=wave_id, step=answering.WELCOME.key))
    return render_template("surveys/kiosk/start.html", form=form, device=device, idle=idle_seconds())


@bp.route("/kiosk/<int:wave_id>/step/<step>", methods=["GET", "POST"])
@public_in_tenant
def step(wave_id: int, step: str):
    kiosk = _kiosk(wave_id)
    shown = answering.find_step(kiosk.wave, step)
    if shown is not None:  # a page that takes longer to read may stay longer without a request (no JavaScript)
        kiosk.mark(limit=kiosk.idle + answering.step_seconds(kiosk.wave, shown))
    return _step(kiosk, step)


@bp.route("/kiosk/<int:wave_id>/privacy")
@public_in_tenant
def privacy(wave_id: int):
    return _privacy(_kiosk(wave_id))


@bp.route("/kiosk/<int:wave_id>/alive")
@public_in_tenant
def alive(wave_id: int):
    """kiosk.js: the person is still busy on this page (typing, tapping), so the session is not idle. 204, or
    404 when the session is over (the page then goes back to the start)."""
    try:
        _kiosk(wave_id)
    except SessionOver:
        http_session.pop(SESSION_KEY, None)
        return "", 404
    return "", 204


@bp.route("/kiosk/thanks")
@public_in_tenant
def thanks():
    _device()
    http_session.pop(SESSION_KEY, None)
    return render_template("surveys/kiosk/thanks.html", seconds=THANKS_SECONDS)


@bp.route("/kiosk/stop", methods=["POST"])
@public_in_tenant
def stop():
    """"Stop": the person's answers are dropped and the kiosk is ready for the next person."""
    device = _device()
    state = http_session.pop(SESSION_KEY, None)
    if ButtonForm().says("stop") and isinstance(state, dict) and kiosks.session_is_current(device, state.get("session")):
        kiosks.end_session(device)
        session().commit()
    flash(_("Your answers have been deleted. Nothing has been sent."), "success")
    return redirect(url_for("kiosk.start"))


class SessionOver(Exception):
    """No kiosk session in this browser for this survey, or one that has ended (sent, stopped, idle, replaced)."""


@bp.errorhandler(SessionOver)
def _session_over(_error):
    session().rollback()
    http_session.pop(SESSION_KEY, None)
    flash(_("Your time is up, or you already stopped. Nothing has been kept. Type your code to start again."),
          "warning")
    return redirect(url_for("kiosk.start"))


class _Kiosk(_Respondent):
    """The person at the kiosk: the draft lives in the kiosk session only; sending ends the session."""

    mode = "kiosk"
    by_code = True  # a kiosk takes answer codes only

    def __init__(self, wave: Wave, invitation, device, state: dict):
        super().__init__(wave)
        self.invitation, self.device, self.state = invitation, device, state
        self.idle = idle_seconds()

    @property
    def limit(self) -> int:
        """How long this page may stay without a request: kiosk.js tells the server while someone is busy, but
        without JavaScript nothing does, so the page's own reading time is added (`answering.step_seconds`)."""
        return int(self.state.get("limit") or self.idle)

    def mark(self, **values) -> None:
        self.state = {**self.state, **values}
        http_session[SESSION_KEY] = self.state

    def url(self, page: str, **values) -> str:
        if page == "thanks":
            return url_for("kiosk.thanks")
        if page == "saved":  # nothing is saved for later at a kiosk: back to the step
            page, values = "step", {"step": answering.resume(self.wave, self.draft()).key}
        return url_for(f"kiosk.{page}", wave_id=self.wave.id, **values)

    def draft(self) -> dict:
        return answering.load(self.state.get("draft"))

    def keep(self, draft: dict) -> None:
        previous = dict(self.state)
        self.state = {**self.state, "draft": draft}
        http_session[SESSION_KEY] = self.state
        if _session_cookie_size() > COOKIE_BUDGET:
            self.state = previous
            http_session[SESSION_KEY] = previous
            raise DraftTooLarge()

    def has_answered(self) -> bool:
        return self.invitation.answered

    def submit(self, draft: dict) -> None:
        db = session()
        answering.send(db, g.tenant, self.wave, self.invitation, draft, date.today())
        kiosks.end_session(self.device)
        db.commit()
        http_session.pop(SESSION_KEY, None)


def _kiosk(wave_id: int) -> _Kiosk:
    """The running kiosk session for this survey, or SessionOver."""
    device = _device()
    state = http_session.get(SESSION_KEY)
    now = int(time.time())
    if not isinstance(state, dict) or state.get("device") != device.id or state.get("wave") != wave_id \
            or not kiosks.session_is_current(device, state.get("session")) \
            or not isinstance(state.get("seen"), int) or now - state["seen"] > _limit(state):
        raise SessionOver()
    invitation = service.invitation_for_token(session(), state.get("token"))
    if invitation is None or invitation.wave_id != wave_id:
        raise SessionOver()
    state = {**state, "seen": now}
    http_session[SESSION_KEY] = state
    return _Kiosk(wave_or_404(wave_id), invitation, device, state)


def _limit(state: dict) -> int:
    """How long the session may go without a request: the idle limit, longer on a page that takes long to read."""
    limit = state.get("limit")
    return max(idle_seconds(), limit if isinstance(limit, int) else 0)


def _device():
    """The enrolled device this browser is, by its cookie; 404 for any other browser."""
    device = kiosks.by_token(session(), request.cookies.get(COOKIE))
    if device is None:
        abort(404)
    g.kiosk = device
    return device


def _answerable_waves(db) -> list[Wave]:
    """The waves a code can be answered for at a kiosk today (the admin's page says how long each takes)."""
    return [wave for wave in db.scalars(select(Wave).where(Wave.status == "open").order_by(Wave.id))
            if wave.takes_answers_on(date.today())]


def _answerable(typed: str):
    """(token, wave id, None) for an answer code (saas.surveys.codes) that can be answered now, else (None, None,
    what to tell the person). Only answer codes: a personal link belongs in its owner's own browser."""
    db = session()
    for candidate in kiosks.typed_codes(typed):
        found = codes.invitation_for_code(db, current_app.config["KOERS"].secret_key, candidate)
        if found is None:
            continue
        invitation, token = found
        if invitation.answered:
            return None, None, _("This code has already been used. Each code can be used once.")
        wave = db.get(Wave, invitation.wave_id)
        if wave is None or not wave.takes_answers_on(date.today()):
            return None, None, _("The survey of this code is closed. You can no longer answer it.")
        return token, invitation.wave_id, None
    return None, None, _("We do not know this code. Check the code and type it again.")


def _fresh_browser() -> None:
    """Nobody stays signed in on a kiosk, and nothing of an earlier visitor stays in its session."""
    if current_user.is_authenticated:
        logout_user()
    kept = {key: http_session[key] for key in KEPT if key in http_session}
    http_session.clear()
    http_session.update(kept)


def _kiosk_path() -> str:
    """The device cookie's path: the tenant's kiosk pages (all under the start page's address) and nothing else."""
    return url_for("kiosk.start")


def _qr_data_uri(text: str) -> str:
    buffer = BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=5, border=4, xmldecl=False, dark="#000",
                                     light="#fff")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
