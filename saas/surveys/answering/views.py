"""The respondent's pages: a survey answered step by step through a personal link or the wave's open
link, previewed by an admin or consultant, or sent in one JSON request by an API client.

Three kinds of respondent share the same steps and templates (see `_Respondent`); they differ only
in where the draft lives and what submitting does:
- personal link: the draft is kept on the invitation (`service.save_draft`) until submitted;
- open link: the draft is kept in the browser's signed session, and a signed cookie per wave marks
  the browser as having answered (one answer per browser, best effort);
- preview: the draft is kept in the session, nothing is written to the database, nothing submitted.

Why the token leaves the URL: the personal link is a capability (whoever has it can answer, and
before submitting can see the draft). URLs end up in access logs, proxy logs and browser history,
so the link's first GET puts the token in the signed session cookie and redirects to URLs that
carry only the wave's id. After that no request line carries the token: the link's own GET is the
only one, and what follows it in a log cannot be tied to a token by its URL. (The cookie is
HttpOnly and, in production, Secure; it holds nothing the invitation mail does not already hold.)
"""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask import session as http_session
from flask_babel import format_date, gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saas.anonymity import policy
from saas.kernel.db import session
from saas.kernel.errors import DomainError, json_problem, problem
from saas.kernel.extensions import csrf
from saas.kernel.i18n import language
from saas.surveys import code_pages, codes, intake, invitations, service
from saas.surveys.answering import engine as answering
from saas.surveys.catalogue import values_for_wave
from saas.surveys.loaders import wave_or_404
from saas.surveys.instruments import (
    CONTRACT_GROUP_TITLES, DIMENSIONS, ENPS_ENDS, ENPS_POINTS, LIKERT_LABELS, MAX_PICKS, POINTS_PER_DIMENSION, TYPES,
    VALUE_LIST_PROMPTS, enps_question,
)
from saas.surveys.models import Wave, WorksCouncilConsent
from tenants.guards import public_in_tenant, requires, tenant_blueprint
from tenants.models import Role

bp = tenant_blueprint("respond", __name__, "/survey")
# The short address of answer codes, printed on the slips and the poster: /t/<slug>/c and /t/<slug>/c/<answer_code>
code_bp = tenant_blueprint("answer_code", __name__, "/c")

# {"p<wave>": token, "a<wave>": True, "o<wave>": {"token", "draft"}, "v<wave>": {"draft"}}; "a<wave>": the
# personal token was issued here, to a member who started in the app: the mailed link no longer works
SESSION_KEY = "surveys"
ANSWERED_COOKIE = "koers_answered_{wave_id}"
ANSWERED_MAX_AGE = 365 * 24 * 3600
COOKIE_BUDGET = 3800  # browsers drop a cookie above 4096 bytes; a draft must never be lost that way


class LinkUnknown(Exception):
    """No survey behind this link (never existed, renewed, or another tenant's): a 404 page."""


class DraftTooLarge(DomainError):
    default_message = _l("Your answers are too long to keep in this browser. Please shorten your written answers.")


@bp.errorhandler(LinkUnknown)
def _link_unknown(_error):
    session().rollback()
    return render_template("surveys/respond/unknown.html"), 404


# ---- personal link -------------------------------------------------------------------------

@bp.route("/<survey_token>")
@public_in_tenant
def personal_link(survey_token: str):
    """The link from the invitation mail: remember the token in the session, continue where left off."""
    invitation = service.invitation_for_token(session(), survey_token)
    if invitation is None:
        raise LinkUnknown()
    return _begin(invitation, survey_token)


def _begin(invitation, token: str):
    """Remember the invitation's token in the session and go on where its survey was left."""
    _set_slot(f"p{invitation.wave_id}", token)
    _set_slot(f"a{invitation.wave_id}", None)  # a mailed link or a code: the pages may send them back to it
    wave = wave_or_404(invitation.wave_id)
    if invitation.answered:
        return redirect(url_for("respond.personal_thanks", wave_id=wave.id))
    step = answering.resume(wave, answering.load(invitation.draft))
    return redirect(url_for("respond.personal_step", wave_id=wave.id, step=step.key))


@bp.route("/personal/<int:wave_id>/step/<step>", methods=["GET", "POST"])
@public_in_tenant
def personal_step(wave_id: int, step: str):
    return _step(_personal(wave_id), step)


@bp.route("/personal/<int:wave_id>/privacy")
@public_in_tenant
def personal_privacy(wave_id: int):
    return _privacy(_personal(wave_id))


@bp.route("/personal/<int:wave_id>/saved")
@public_in_tenant
def personal_saved(wave_id: int):
    return _saved(_personal(wave_id))


@bp.route("/personal/<int:wave_id>/thanks")
@public_in_tenant
def personal_thanks(wave_id: int):
    return _thanks(_personal(wave_id))


# ---- answer codes ---------------------------------------------------------------------------

@code_bp.route("")
@public_in_tenant
def enter():
    """The page where a code from a slip or the poster's address is typed (a GET form: it works without
    JavaScript and in a read-only tenant, and sends the code as the slip's QR code does)."""
    return code_pages.entry(request.args.get("code"), codes.invitation_for_code, _begin)


@code_bp.route("/<answer_code>")
@public_in_tenant
def by_code(answer_code: str):
    """The address in a slip's QR code: a code starts the survey as its personal link would
    (saas.surveys.codes); a code used once is refused."""
    return code_pages.entry(answer_code, codes.invitation_for_code, _begin)


@bp.route("/<survey_token>/answers.json", methods=["POST"])
@public_in_tenant
@csrf.exempt  # the token in the URL authenticates this request, not a cookie: there is nothing to forge
def submit_json(survey_token: str):
    """For API clients: the whole survey in one request; 201, or a JSON problem (400, 404, 409).

    The hot path of submission (issue 5 §9): see saas.surveys.intake for how it keeps to two
    statements in most requests.
    """
    db = session()
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes: no survey's answers look like that
        body = None
    try:
        answers, attributes = answering.parse_json_submission(body)
    except answering.BadSubmission:
        if service.invitation_for_token(db, survey_token) is None:  # an unknown link is a 404 whatever was sent
            return problem(404, _("This survey link is not known."))
        raise
    try:
        intake.submit_by_token(db, g.tenant, survey_token, answers, attributes, date.today())
    except intake.UnknownLink:
        db.rollback()
        return problem(404, _("This survey link is not known."))
    except service.InvalidAnswer as error:
        db.rollback()
        return json_problem(400, error.message, part=error.field, code=error.code)
    except IntegrityError:  # as the app's handler answers, but without logging the path: it holds the token
        db.rollback()
        return problem(409, _("Someone did the same at the same moment. Please reload the page and try again."))
    db.commit()
    return current_app.response_class(b'{"status":"received"}\n', status=201, mimetype="application/json")


# ---- signed in: the surveys a member is invited to ----------------------------------------

@bp.route("/mine")
@requires()
def mine():
    """The open waves this member is invited to, answered or not (never what they answered)."""
    return render_template("surveys/respond/mine.html",
                           invitations=invitations.open_invitations(session(), g.membership, date.today()),
                           form=FlaskForm())


@bp.route("/mine/<int:wave_id>/start", methods=["POST"])
@requires()
def start(wave_id: int):
    """Start or continue a survey while signed in, without the mailed link.

    Only a hash of the mailed token is stored, so it cannot be handed out again: a new token is
    issued (the mailed link stops working; the draft lives on the invitation and stays), kept in the
    session as if the link had been followed.
    """
    if not FlaskForm().validate_on_submit():
        abort(400)
    db = session()
    invitation = invitations.invitation_of(db, wave_id, g.membership)
    if invitation is None:
        abort(404)
    if invitation.answered:
        return redirect(url_for("respond.mine"))
    token = invitations.renew_token(invitation)
    db.commit()
    _set_slot(f"p{wave_id}", token)
    _set_slot(f"a{wave_id}", True)  # the pages no longer point to the mailed link: it stopped working
    wave = wave_or_404(wave_id)
    step = answering.resume(wave, answering.load(invitation.draft))
    return redirect(url_for("respond.personal_step", wave_id=wave.id, step=step.key))


# ---- open link -----------------------------------------------------------------------------

@bp.route("/open/<open_token>")
@public_in_tenant
def open_link(open_token: str):
    wave = service.open_link_wave(session(), open_token)
    if wave is None:
        raise LinkUnknown()
    slot = _slots().get(f"o{wave.id}")
    draft = slot.get("draft") if isinstance(slot, dict) and slot.get("token") == open_token else None
    _set_slot(f"o{wave.id}", {"token": open_token, "draft": draft})
    if _answered_here(wave):
        return redirect(url_for("respond.open_thanks", wave_id=wave.id))
    step = answering.resume(wave, answering.load(draft))
    return redirect(url_for("respond.open_step", wave_id=wave.id, step=step.key))


@bp.route("/shared/<int:wave_id>/step/<step>", methods=["GET", "POST"])
@public_in_tenant
def open_step(wave_id: int, step: str):
    return _step(_open(wave_id), step)


@bp.route("/shared/<int:wave_id>/privacy")
@public_in_tenant
def open_privacy(wave_id: int):
    return _privacy(_open(wave_id))


@bp.route("/shared/<int:wave_id>/saved")
@public_in_tenant
def open_saved(wave_id: int):
    return _saved(_open(wave_id))


@bp.route("/shared/<int:wave_id>/thanks")
@public_in_tenant
def open_thanks(wave_id: int):
    return _thanks(_open(wave_id))


# ---- preview -------------------------------------------------------------------------------

@bp.route("/preview/<int:wave_id>")
@requires(Role.ADMIN, Role.CONSULTANT)
def preview(wave_id: int):
    """The survey exactly as a respondent sees it, for a wave in any state; nothing is stored."""
    return _step(_preview(wave_id), answering.WELCOME.key)


@bp.route("/preview/<int:wave_id>/step/<step>", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.CONSULTANT)
def preview_step(wave_id: int, step: str):
    return _step(_preview(wave_id), step)


@bp.route("/preview/<int:wave_id>/privacy")
@requires(Role.ADMIN, Role.CONSULTANT)
def preview_privacy(wave_id: int):
    return _privacy(_preview(wave_id))


@bp.route("/preview/<int:wave_id>/saved")
@requires(Role.ADMIN, Role.CONSULTANT)
def preview_saved(wave_id: int):
    return _saved(_preview(wave_id))


@bp.route("/preview/<int:wave_id>/thanks")
@requires(Role.ADMIN, Role.CONSULTANT)
def preview_thanks(wave_id: int):
    return _thanks(_preview(wave_id))


# ---- who is answering ----------------------------------------------------------------------

class _Respondent:
    """The person answering a wave, and where their draft lives."""

    mode = ""
    prefix = ""  # of the session slot that keeps the draft: "o<wave id>" (open link), "v<wave id>" (preview)
    by_code = False  # answering with an answer code (a personal respondent may be)

    def __init__(self, wave: Wave):
        self.wave = wave

    def url(self, page: str, **values) -> str:
        return url_for(f"respond.{self.mode}_{page}", wave_id=self.wave.id, **values)

    def draft(self) -> dict:
        return answering.load((_slots().get(self.slot) or {}).get("draft"))

    def keep(self, draft: dict) -> None:
        slot = dict(_slots().get(self.slot) or {})
        slot["draft"] = draft
        _set_slot(self.slot, slot, budget=True)

    def has_answered(self) -> bool:
        return False

    def submit(self, draft: dict) -> None:
        raise NotImplementedError

    def finish(self, response):
        return response

    @property
    def slot(self) -> str:
        return f"{self.prefix}{self.wave.id}"


class _Personal(_Respondent):
    """The draft lives on the invitation; the session holds only the token (slot "p<wave id>")."""

    mode = "personal"

    def __init__(self, wave: Wave, invitation):
        super().__init__(wave)
        self.invitation = invitation

    @property
    def in_app(self) -> bool:
        """Started from "Your surveys" while signed in: the link in the invitation mail no longer works."""
        return _slots().get(f"a{self.wave.id}") is True

    def draft(self) -> dict:
        return answering.load(self.invitation.draft)

    def keep(self, draft: dict) -> None:
        service.save_draft(self.invitation, draft)
        session().commit()

    @property
    def by_code(self) -> bool:
        """Started with an answer code from a slip (saas.surveys.codes), not a mailed link."""
        return self.invitation.batch_id is not None

    def has_answered(self) -> bool:
        return self.invitation.answered

    def submit(self, draft: dict) -> None:
        db = session()
        answering.send(db, g.tenant, self.wave, self.invitation, draft, date.today())
        db.commit()


class _WithoutGroups:
    """The wave as the open link asks it: without "about you". Anyone can send any number of answers
    through the open link, so they count in the whole wave's figures only (DESIGN.md §3), and asking
    for a legacy organisation or team would only suggest otherwise."""

    groupings = ()

    def __init__(self, wave: Wave):
        self._wave = wave

    def __getattr__(self, name):
        return getattr(self._wave, name)


class _Open(_Respondent):
    mode, prefix = "open", "o"

    def __init__(self, wave: Wave):
        super().__init__(_WithoutGroups(wave))

    def has_answered(self) -> bool:
        return _answered_here(self.wave)

    def submit(self, draft: dict) -> None:
        db = session()
        answering.send(db, g.tenant, self.wave, None, draft, date.today())
        db.commit()
        slot = dict(_slots().get(self.slot) or {})
        slot["draft"] = None
        _set_slot(self.slot, slot)

    def finish(self, response):
        # Best effort: this browser remembers that it answered this wave; the cookie holds no answer.
        response.set_cookie(ANSWERED_COOKIE.format(wave_id=self.wave.id), _answered_mark(self.wave),
                            max_age=ANSWERED_MAX_AGE, path=f"/t/{g.tenant.slug}/survey/",
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
        return response


class _Preview(_Respondent):
    mode, prefix = "preview", "v"

    def submit(self, draft: dict) -> None:
        _set_slot(self.slot, None)  # the preview ends here: nothing is sent, nothing is stored


def _personal(wave_id: int) -> _Personal:
    token = _slots().get(f"p{wave_id}")
    invitation = service.invitation_for_token(session(), token) if isinstance(token, str) else None
    if invitation is None or invitation.wave_id != wave_id:
        raise LinkUnknown()
    return _Personal(wave_or_404(wave_id), invitation)


def _open(wave_id: int) -> _Open:
    slot = _slots().get(f"o{wave_id}")
    token = slot.get("token") if isinstance(slot, dict) else None
    wave = service.open_link_wave(session(), token) if isinstance(token, str) else None
    if wave is None or wave.id != wave_id:  # never opened here, or the link was renewed or switched off
        raise LinkUnknown()
    return _Open(wave)


def _preview(wave_id: int) -> _Preview:
    return _Preview(wave_or_404(wave_id))


# ---- the pages, the same for every kind of respondent ---------------------------------------

def _step(r: _Respondent, key: str):
    wave = r.wave
    step = answering.find_step(wave, key) or abort(404)
    if r.mode != "preview":
        if r.has_answered():
            return redirect(r.url("thanks"))
        if not wave.takes_answers_on(date.today()):
            return _not_open(r)
    lang = language()
    options = answering.about_options(session(), wave) if step.kind in ("about", "review") else None
    draft = r.draft()
    found: list[answering.Problem] = []
    if request.method == "POST":
        posted = answering.post(wave, step, request.form, draft, lang, options)
        draft, found = posted.draft, posted.problems
        if posted.ready:
            return _send(r, draft, lang, options)
        try:
            r.keep(draft)
        except DraftTooLarge as error:
            found = [answering.Problem("", error.message)]
        if not found:
            return redirect(r.url("saved") if posted.action == "save" else r.url("step", step=posted.target.key))
    return _render_step(r, step, draft, found, lang, options)


def _send(r: _Respondent, draft: dict, lang: str, options):
    db = session()
    try:
        r.submit(draft)
    except service.AlreadyAnswered:
        db.rollback()
        return redirect(r.url("thanks"))
    except service.WaveNotOpen:
        db.rollback()
        return _not_open(r)
    except DomainError as error:  # e.g. an organisation removed while the survey was open
        db.rollback()
        draft["step"] = answering.REVIEW.key
        r.keep(draft)
        return _render_step(r, answering.REVIEW, draft, [answering.Problem("", error.message)], lang, options)
    if r.mode != "preview":
        flash(_("Your answers have been sent."), "success")
    return r.finish(redirect(r.url("thanks")))


def _render_step(r: _Respondent, step, draft: dict, problems: list, lang: str, options):
    wave = r.wave
    order = answering.steps(wave)
    previous, _following = answering.neighbours(wave, step)
    context = dict(
        r=r, wave=wave, step=step, draft=draft, answers=draft["answers"], problems=problems,
        problem_for={p.part: p.message for p in problems}, lang=lang, options=options,
        number=order.index(step) + 1, total=len(order), previous=previous,
        heading=wave.name if step.kind == "welcome" else answering.step_title(step, lang),
        attributes=answering.asked_attributes(wave), tenure_labels=answering.TENURE_LABELS,
        not_saying=answering.NOT_SAYING, max_picks=MAX_PICKS, points=POINTS_PER_DIMENSION,
        dimensions=DIMENSIONS, types=TYPES, letters=answering.TYPE_LETTERS,
        contract_sections=answering.CONTRACT_SECTIONS, contract_titles=CONTRACT_GROUP_TITLES,
        likert_points=answering.LIKERT_POINTS, likert_labels=LIKERT_LABELS, open_max=service.OPEN_ANSWER_MAX,
        culture_total=answering.culture_total, minutes=answering.minutes(wave),
    )
    if step.kind == "values":
        context.update(values=sorted(values_for_wave(session(), wave), key=lambda v: v.label(lang).casefold()),
                       prompt=VALUE_LIST_PROMPTS[step.part].get(lang),
                       chosen=(draft["answers"].get("values") or {}).get(step.part) or [])
    if step.kind in ("enps", "review") and wave.asks_enps:
        context.update(enps_question=enps_question(g.tenant.name, lang), enps_points=ENPS_POINTS, enps_ends=ENPS_ENDS)
    if step.kind == "review":
        context.update(order=order, waiting={s.key for s, _found in answering.unfinished(wave, draft, lang, options)},
                       value_labels={v.key: v.label(lang) for v in values_for_wave(session(), wave)},
                       step_title=answering.step_title)
    return render_template(f"surveys/respond/{step.kind}.html", **context)


def _privacy(r: _Respondent):
    db = session()
    wave = r.wave
    k = service.min_group_size(db, g.tenant, wave)
    consent = db.scalar(select(WorksCouncilConsent).where(WorksCouncilConsent.wave_id == wave.id))
    return render_template(
        "surveys/respond/privacy.html", r=r, wave=wave, k=k, text_k=policy.free_text_k(k), consent=consent,
        consent_date=format_date(consent.decided_on, "long") if consent else None,
        attributes=answering.asked_attributes(wave), back=r.url("step", step=answering.resume(wave, r.draft()).key))


def _saved(r: _Respondent):
    if r.mode != "preview" and r.has_answered():
        return redirect(r.url("thanks"))
    step = answering.resume(r.wave, r.draft())
    return render_template("surveys/respond/saved.html", r=r, wave=r.wave, back=r.url("step", step=step.key))


def _thanks(r: _Respondent):
    if r.mode != "preview" and not r.has_answered():
        return redirect(r.url("step", step=answering.resume(r.wave, r.draft()).key))
    k = service.min_group_size(session(), g.tenant, r.wave)
    return render_template("surveys/respond/thanks.html", r=r, wave=r.wave, k=k)


def _not_open(r: _Respondent):
    status = 409 if request.method == "POST" else 200
    return render_template("surveys/respond/not_open.html", r=r, wave=r.wave), status


# ---- helpers -------------------------------------------------------------------------------

def _slots() -> dict:
    slots = http_session.get(SESSION_KEY)
    return slots if isinstance(slots, dict) else {}


def _set_slot(name: str, value, budget: bool = False) -> None:
    previous = _slots()
    slots = dict(previous)
    if value is None:
        slots.pop(name, None)
    else:
        slots[name] = value
    http_session[SESSION_KEY] = slots
    if budget and _session_cookie_size() > COOKIE_BUDGET:
        http_session[SESSION_KEY] = previous
        raise DraftTooLarge()


def _session_cookie_size() -> int:
    serializer = current_app.session_interface.get_signing_serializer(current_app)
    return len(serializer.dumps(dict(http_session))) if serializer else 0


def _answered_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="koers.open-survey-answered")


def _answered_mark(wave: Wave) -> str:
    return _answered_serializer().dumps({"wave": wave.id, "tenant": wave.tenant_id})


def _answered_here(wave: Wave) -> bool:
    mark = request.cookies.get(ANSWERED_COOKIE.format(wave_id=wave.id))
    if not mark:
        return False
    try:
        return _answered_serializer().loads(mark) == {"wave": wave.id, "tenant": wave.tenant_id}
    except BadSignature:
        return False


