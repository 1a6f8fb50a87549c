"""The admin's survey pages: waves, consent, launch, invitations, response rates, catalogue, import.

Who may: administrators and consultants manage waves (create, edit, consent, launch, remind, close,
open link, catalogue, import); central management reads the list of waves, a wave's page and its
response rates. Nobody here ever sees who answered: only counts of groups of at least k people.
Views hand a form and one call of saas.surveys (service, invitations, catalogue, importer) to the one
view pattern (saas.kernel.views: `submit` for a form, `press` for a button), which commits, flashes
and redirects; a button's refusal is flashed on the wave's page. The wave in the URL is loaded by
saas.surveys.loaders.
"""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from saas.kernel import consent as consent_rules
from saas.anonymity import access
from saas.kernel.db import session
from saas.kernel.downloads import attachment
from saas.kernel.i18n import language
from saas.kernel.views import press, submit
from saas.programme import service as programme
from saas.programme.models import Team
from saas.surveys import catalogue as values_catalogue
from saas.surveys import code_pages, codes, importer, invitations, service, sheets
from saas.surveys.answering import engine as answering
from saas.surveys.forms import (
    GROUPING_LABELS,
    INSTRUMENT_LABELS,
    QUESTION_KIND_LABELS,
    STATUS_LABELS,
    CloseForm,
    ConsentForm,
    DisableOpenLinkForm,
    ImportForm,
    LaunchForm,
    OpenLinkForm,
    RemindForm,
    ValueForm,
    ValueVisibilityForm,
    WaveForm,
    series_text,
)
from saas.surveys.loaders import wave_or_404
from saas.surveys.models import Wave, WorksCouncilConsent
from tenants import service as tenants
from tenants.guards import requires, tenant_blueprint
from tenants.models import LegacyOrganisation, Role

bp = tenant_blueprint("surveys", __name__, "/waves")

MANAGE = (Role.ADMIN, Role.CONSULTANT)
READ = (Role.ADMIN, Role.CONSULTANT, Role.MANAGEMENT)


@bp.context_processor
def _labels():
    return {"status_labels": STATUS_LABELS, "instrument_labels": INSTRUMENT_LABELS,
            "grouping_labels": GROUPING_LABELS, "kind_labels": QUESTION_KIND_LABELS, "series_text": series_text,
            "may_manage": g.get("membership") is not None and g.membership.has_any(MANAGE)}


# ---- the list and a wave's page -------------------------------------------------------------

@bp.route("/")
@requires(*READ)
def waves():
    db = session()
    programmes = {p.id: p for p in programme.programmes(db)}
    series: dict[int | None, list[Wave]] = {}
    for wave in db.scalars(select(Wave).order_by(Wave.opens_on.is_(None), Wave.opens_on, Wave.id)):
        series.setdefault(wave.programme_id, []).append(wave)
    groups = [(programmes[pid], series[pid]) for pid in programmes if pid in series]
    if None in series:
        groups.append((None, series[None]))
    return render_template("surveys/admin/waves.html", groups=groups)


@bp.route("/<int:wave_id>")
@requires(*READ)
def wave(wave_id: int):
    db = session()
    wave = wave_or_404()
    invited, answered = invitations.invitation_counts(db, wave)
    k = service.min_group_size(db, g.tenant, wave)
    consent = _consent(db, wave)
    return render_template(
        "surveys/admin/wave.html", wave=wave, consent=consent, invited=invited, answered=answered, k=k,
        consent_required=service.consent_required(g.tenant), audience=_audience_text(db, wave),
        programme=_programme_of(db, wave), next_round=invitations.next_reminder_round(db, wave),
        launch_form=LaunchForm(), remind_form=RemindForm(), close_form=CloseForm(), open_link_form=OpenLinkForm(),
        disable_form=DisableOpenLinkForm(), open_link_url=None,
        past_close=wave.status == "open" and not wave.takes_answers_on(date.today()),
        newcomers=len(invitations.newcomers(db, wave)) if wave.takes_answers_on(date.today()) else 0,
        newcomers_form=FlaskForm(),
    )


# ---- creating and editing -------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@requires(*MANAGE)
def create_wave():
    db = session()
    form = WaveForm()
    _set_choices(db, form)
    return submit(form, lambda: service.create_wave(db, **form.wave_data()),
                  done=_("The wave has been created. It stays in preparation until you launch it."),
                  then=lambda wave: url_for("surveys.wave", wave_id=wave.id)) \
        or _form_page(form, None)


@bp.route("/<int:wave_id>/edit", methods=["GET", "POST"])
@requires(*MANAGE)
def edit_wave(wave_id: int):
    db = session()
    wave = wave_or_404()
    if wave.status != "draft":
        flash(_("A wave can only be changed while it is in preparation."), "error")
        return redirect(url_for("surveys.wave", wave_id=wave.id))
    if request.method == "POST":
        form = WaveForm()
    else:
        form = WaveForm(data=WaveForm.data_of(wave))
        form.add_blank_rows(len(wave.questions or []))
    _set_choices(db, form)
    return submit(form, lambda: service.update_wave(db, wave, **form.wave_data()),
                  done=_("The changes have been saved."), then=url_for("surveys.wave", wave_id=wave.id)) \
        or _form_page(form, wave)


# ---- consent, launch, reminders, closing ----------------------------------------------------

@bp.route("/<int:wave_id>/consent", methods=["GET", "POST"])
@requires(*MANAGE, Role.WORKS_COUNCIL)
def consent(wave_id: int):
    """A works council member records its decision; an admin or consultant only by uploading it signed."""
    db = session()
    wave = wave_or_404()
    back = url_for("surveys.wave", wave_id=wave.id) if g.membership.has_any(READ) else url_for("tenant.consent")
    if wave.status != "draft":
        flash(_("The works council's consent is recorded before the wave opens."), "error")
        return redirect(back)
    recorded = _consent(db, wave)
    form = ConsentForm(obj=recorded if request.method == "GET" else None)
    form.set_tenant_k(g.tenant.min_group_size)

    def record():
        signed = consent_rules.uploaded(form.document.data)
        service.record_consent(db, wave, by=g.membership, decided_on=form.decided_on.data,
                               decision=form.decision.data, conditions=form.conditions.data or "",
                               min_group_size=form.min_group_size.data, document=signed)

    return submit(form, record, done=_("The works council's consent has been recorded."), then=back) \
        or render_template("surveys/admin/consent.html", wave=wave, form=form, recorded=recorded, back=back,
                           typed=g.membership.has_any(consent_rules.RECORDERS))


@bp.route("/<int:wave_id>/consent/decision")
@requires(*MANAGE, Role.WORKS_COUNCIL)
def consent_document(wave_id: int):
    """The works council's signed decision as uploaded."""
    recorded = _consent(session(), wave_or_404())
    if recorded is None or recorded.document is None:
        abort(404)
    return consent_rules.decision_response(recorded.document, recorded.filename)


@bp.route("/<int:wave_id>/launch", methods=["POST"])
@requires(*MANAGE)
def launch(wave_id: int):
    wave, form = wave_or_404(), LaunchForm()
    send = form.invitations.data == "mail"
    return press(form, lambda: invitations.launch(session(), g.tenant, wave, send_invitations=send),
                 done=_("The wave is open. The invitations are being sent; each person gets their own link.") if send
                 else _("The wave is open. No e-mails are sent: create the open link and share it."),
                 then=_wave_page(wave))


@bp.route("/<int:wave_id>/remind", methods=["POST"])
@requires(*MANAGE)
def remind(wave_id: int):
    wave, form = wave_or_404(), RemindForm()
    return press(form, lambda: invitations.request_reminders(session(), g.tenant, wave, form.round.data),
                 done=_("The reminders are being sent to everyone who has not answered and was mailed at least 24 "
                        "hours ago, each with a new link."),
                 then=_wave_page(wave))


@bp.route("/<int:wave_id>/invite-newcomers", methods=["POST"])
@requires(*MANAGE)
def invite_newcomers(wave_id: int):
    wave = wave_or_404()
    return press(FlaskForm(), lambda: invitations.request_newcomer_invitations(session(), g.tenant, wave),
                 done=lambda count: ngettext(
                     "The invitation is being sent to the %(num)d person who joined after the launch.",
                     "The invitations are being sent to the %(num)d people who joined after the launch.", count),
                 then=_wave_page(wave))


@bp.route("/<int:wave_id>/close", methods=["POST"])
@requires(*MANAGE)
def close(wave_id: int):
    wave = wave_or_404()
    return press(CloseForm(), lambda: service.close_and_compare(session(), g.tenant, wave),
                 done=_("The wave is closed. Nobody can answer any more."), then=_wave_page(wave))


# ---- the open link --------------------------------------------------------------------------

@bp.route("/<int:wave_id>/open-link", methods=["POST"])
@requires(*MANAGE)
def enable_open_link(wave_id: int):
    db = session()
    wave, form = wave_or_404(), OpenLinkForm()
    if not form.validate_on_submit() or wave.status == "closed":  # refused as any button is
        return press(form, lambda: service.enable_open_link(db, wave), then=_wave_page(wave))
    token = service.enable_open_link(db, wave)
    db.commit()
    # Only the hash is kept: this answer is the one time the link can be shown.
    response = current_app.make_response(render_template(
        "surveys/admin/open_link.html", wave=wave,
        open_link_url=invitations.open_link(current_app.config["KOERS"], g.tenant, token)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:wave_id>/open-link/disable", methods=["POST"])
@requires(*MANAGE)
def disable_open_link(wave_id: int):
    wave = wave_or_404()
    return press(DisableOpenLinkForm(), lambda: service.disable_open_link(wave),
                 done=_("The open link is switched off; it no longer opens the survey."), then=_wave_page(wave))


# ---- response rates -------------------------------------------------------------------------

@bp.route("/<int:wave_id>/rates")
@requires(*READ)
def response_rates(wave_id: int):
    db = session()
    wave = wave_or_404()
    rates = invitations.response_rates(db, g.tenant, wave)
    # a report on people too: the access log shows it (with no filter, as a report page without one)
    access.log(db, current_user, "rates", wave_id=wave.id, details={"legacy_org": None, "team": None})
    db.commit()
    return render_template("surveys/admin/rates.html", wave=wave, rates=rates)


# ---- answer codes ---------------------------------------------------------------------------

@bp.route("/<int:wave_id>/codes", methods=["GET", "POST"])
@requires(*MANAGE)
def answer_codes(wave_id: int):
    """Order a batch of answer codes; the answer to the order is the PDF of its slips, the one time the
    codes exist in plain (only their hashes are kept): saas.surveys.code_pages."""
    db = session()
    wave, form = wave_or_404(), code_pages.order_form(db)
    return code_pages.order(form, codes.order_batch, wave, slips=lambda plain: sheets.slips_pdf(g.tenant, wave, plain),
                            filename=sheets.filename(wave, "answer-codes")) \
        or render_template("surveys/admin/codes.html", wave=wave, form=form, batches=codes.batches(db, wave),
                           group_label=lambda batch: codes.group_label(db, batch), max_count=codes.MAX_COUNT,
                           entry_url=sheets.entry_address(g.tenant), duration=answering.duration(wave))


@bp.route("/<int:wave_id>/codes/poster.pdf")
@requires(*MANAGE)
def answer_codes_poster(wave_id: int):
    """The poster: no code on it, so it can be printed again at any time."""
    wave = wave_or_404()
    return attachment(sheets.poster_pdf(g.tenant, wave), "application/pdf", sheets.filename(wave, "poster"))


# ---- importing earlier results --------------------------------------------------------------

@bp.route("/<int:wave_id>/import", methods=["GET", "POST"])
@requires(*MANAGE)
def import_responses(wave_id: int):
    db = session()
    wave, form = wave_or_404(), ImportForm()
    errors: list[str] = []

    def import_file():
        try:
            return importer.import_earlier_results(db, wave, form.file.data.stream)
        except importer.ImportErrors as failure:
            errors.extend(failure.errors)  # listed on the page, each with its line and column
            raise

    return submit(form, import_file, then=url_for("surveys.wave", wave_id=wave.id),
                  done=lambda count: ngettext("%(num)d answer has been imported.",
                                              "%(num)d answers have been imported.", count)) \
        or render_template("surveys/admin/import.html", wave=wave, form=form, errors=errors, columns=importer.COLUMNS,
                           max_errors=importer.MAX_ERRORS)


# ---- the values catalogue -------------------------------------------------------------------

@bp.route("/catalogue", methods=["GET", "POST"])
@requires(*MANAGE)
def catalogue():
    db = session()
    form = ValueForm()
    response = submit(
        form, lambda: values_catalogue.add_value(db, nl=form.nl.data, en=form.en.data, limiting=form.limiting.data),
        done=lambda value: _("The value %(name)s has been added. New waves ask about it.", name=value.label(language())),
        then=url_for("surveys.catalogue"))
    if response:
        return response
    hidden = values_catalogue.hidden_keys(db)
    values = list(values_catalogue.all_values(db).values())
    return render_template("surveys/admin/catalogue.html", form=form, values=values, hidden=hidden,
                           visibility_form=ValueVisibilityForm(), lang=language())


@bp.route("/catalogue/visibility", methods=["POST"])
@requires(*MANAGE)
def set_value_visibility():
    db = session()
    form = ValueVisibilityForm()
    key, hide = form.key.data, form.hidden.data == "1"

    def said(_nothing) -> str:
        label = values_catalogue.all_values(db)[key].label(language())
        return _("%(name)s is hidden from new waves.", name=label) if hide \
            else _("%(name)s is asked again in new waves.", name=label)

    return press(form, lambda: values_catalogue.set_hidden(db, key, hide), done=said,
                 then=url_for("surveys.catalogue", _anchor=f"value-{key}") if key else url_for("surveys.catalogue"))


# ---- helpers --------------------------------------------------------------------------------

def _consent(db, wave: Wave) -> WorksCouncilConsent | None:
    return db.scalar(select(WorksCouncilConsent).where(WorksCouncilConsent.wave_id == wave.id))


def _wave_page(wave: Wave) -> str:
    return url_for("surveys.wave", wave_id=wave.id)


def _set_choices(db, form: WaveForm) -> None:
    programmes = programme.programmes(db)
    teams = []
    for prog in programmes:
        teams += [(team, f"{team.name} ({theme.title})") for team, theme in programme.teams_of_programme(db, prog)]
    form.set_choices(programmes, tenants.legacy_organisations(db), teams)


def _form_page(form: WaveForm, wave: Wave | None):
    return render_template("surveys/admin/wave_form.html", form=form, wave=wave)


def _programme_of(db, wave: Wave):
    return programme.get_programme(db, wave.programme_id) if wave.programme_id else None


def _audience_text(db, wave: Wave) -> dict:
    orgs = db.scalars(select(LegacyOrganisation).where(LegacyOrganisation.id.in_(wave.audience_legacy_org_ids or [])))
    teams = db.scalars(select(Team).where(Team.id.in_(wave.audience_team_ids or [])))
    return {"legacy_orgs": [o.name for o in orgs], "teams": [t.name for t in teams]}
