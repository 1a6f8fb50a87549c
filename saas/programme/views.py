"""Programme pages: programmes and phases, themes, supporters and recruiting, teams, notifications."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_babel import gettext as _, ngettext
from werkzeug.exceptions import Forbidden

from saas.db import session, utcnow
from saas.errors import DomainError
from saas.kernel import notifications
from saas.programme import service
from saas.programme.forms import (
    EmailKindsForm, MessageForm, PhaseDatesForm, ProgrammeForm, RecruitForm, SponsorsForm, SupportForm, TeamForm,
    ThemeForm,
)
from saas.programme.models import PHASES
from saas.strategy import pillars as strategy_pillars
from saas.kernel.views import show_domain_error
from tenants import service as tenant_service
from tenants.forms import ActionForm
from tenants.guards import requires, tenant_blueprint
from tenants.models import Role

bp = tenant_blueprint("programme", __name__)
MANAGERS = (Role.ADMIN, Role.MANAGEMENT)
# Who takes part in themes and teams. Not the works council (it sees numbers, not people) nor
# consultants; management reviews the pitches, so it does not write them.
PARTICIPANTS = (Role.MEMBER, Role.SPONSOR)


def _settings():
    return current_app.config["KOERS"]


def _programme(programme_id: int):
    return service.get_programme(session(), programme_id) or abort(404)


def _theme(theme_id: int):
    db = session()
    theme = service.get_theme(db, theme_id) or abort(404)
    return theme, service.get_programme(db, theme.programme_id)


def _team(team_id: int):
    db = session()
    team = service.get_team(db, team_id) or abort(404)
    theme = service.get_theme(db, team.theme_id)
    return team, theme, service.get_programme(db, theme.programme_id)


def _is_manager() -> bool:
    return g.membership.has_any(MANAGERS)


# ---- programmes ----------------------------------------------------------------------------

@bp.route("/programmes")
@requires()
def programmes():
    return render_template("programme/list.html", programmes=service.programmes(session()),
                           can_create=_is_manager(), phase_labels=service.PHASE_LABELS)


@bp.route("/programmes/new", methods=["GET", "POST"])
@requires(*MANAGERS)
def create_programme():
    form = ProgrammeForm()
    if form.validate_on_submit():
        db = session()
        try:
            programme = service.create_programme(db, **_programme_fields(form))
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The programme has been created. Now add its themes."), "success")
            return redirect(url_for("programme.overview", programme_id=programme.id))
    return render_template("programme/form.html", form=form, programme=None, phases=())


@bp.route("/programmes/<int:programme_id>")
@requires()
def overview(programme_id: int):
    db = session()
    programme = _programme(programme_id)
    theme_rows = []
    for theme in service.themes(db, programme):
        supporters = service.supporters(db, theme)
        theme_rows.append({"theme": theme, "supporters": len(supporters), "teams": len(service.teams_of_theme(db, theme)),
                           "by_org": service.counts_by_legacy_org(supporters)})
    return render_template("programme/overview.html", programme=programme, themes=theme_rows,
                           phase_labels=service.PHASE_LABELS, phase_due=service.PHASE_DUE, phases=PHASES,
                           deadline=service.deadline(programme), can_manage=_is_manager(),
                           is_admin=Role.ADMIN in g.membership.roles, action_form=ActionForm())


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@requires(*MANAGERS)
def edit_programme(programme_id: int):
    db = session()
    programme = _programme(programme_id)
    data = None
    if request.method == "GET":
        data = {c: getattr(programme, c) for c in ("name", "goal", "starts_on", "ends_on", "min_team_size",
                                                   "max_team_size", "teams_per_person", "min_legacy_orgs_per_team")}
        for row in programme.phases:
            data[f"{row.phase}_starts_on"], data[f"{row.phase}_ends_on"] = row.starts_on, row.ends_on
    form = PhaseDatesForm(data=data)
    if form.validate_on_submit():
        phase_dates = {p: (form[f"{p}_starts_on"].data, form[f"{p}_ends_on"].data) for p in PHASES}
        try:
            service.update_programme(db, programme, phase_dates=phase_dates, **_programme_fields(form))
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("programme.overview", programme_id=programme.id))
    return render_template("programme/form.html", form=form, programme=programme, phases=PHASES,
                           phase_labels=service.PHASE_LABELS)


@bp.route("/programmes/<int:programme_id>/advance", methods=["POST"])
@requires(Role.ADMIN)
def advance_phase(programme_id: int):
    db = session()
    programme = _programme(programme_id)
    if ActionForm().validate_on_submit():
        try:
            phase = service.advance_phase(programme)
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
        else:
            db.commit()
            flash(_("The programme is now in the phase: %(phase)s.", phase=service.PHASE_LABELS[phase]), "success")
    return redirect(url_for("programme.overview", programme_id=programme.id))


@bp.route("/programmes/<int:programme_id>/board")
@requires(Role.ADMIN, Role.MANAGEMENT, Role.CONSULTANT)
def board(programme_id: int):
    db = session()
    programme = _programme(programme_id)
    rows = [{"team": team, "theme": theme, "size": len(team.members), "mix": service.legacy_mix(team),
             "mix_ok": service.mix_ok(programme, team),
             "by_org": service.counts_by_legacy_org(team.members)}
            for team, theme in service.teams_of_programme(db, programme)]
    return render_template("programme/board.html", programme=programme, rows=rows)


def _programme_fields(form) -> dict:
    return {name: form[name].data for name in ("name", "goal", "starts_on", "ends_on", "min_team_size",
                                               "max_team_size", "teams_per_person", "min_legacy_orgs_per_team")}


# ---- themes --------------------------------------------------------------------------------

@bp.route("/programmes/<int:programme_id>/themes/new", methods=["GET", "POST"])
@requires(*MANAGERS)
def create_theme(programme_id: int):
    db = session()
    programme = _programme(programme_id)
    form = ThemeForm()
    _pillar_choices(db, form, programme)
    sponsors_form = _sponsors_form(db)
    if form.validate_on_submit() and sponsors_form.validate():
        try:
            theme = service.save_theme(db, programme, None, **_theme_fields(form))
            strategy_pillars.link_theme(db, programme, theme, form.pillar_id.data)
            service.set_sponsors(db, theme, sponsors_form.sponsor_ids.data or [])
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The theme has been created."), "success")
            return redirect(url_for("programme.theme", theme_id=theme.id))
    return render_template("programme/theme_form.html", form=form, sponsors_form=sponsors_form, theme=None,
                           programme=programme)


@bp.route("/themes/<int:theme_id>")
@requires()
def theme(theme_id: int):
    db = session()
    theme, programme = _theme(theme_id)
    supporters = service.supporters(db, theme)
    sponsor = service.is_sponsor(db, theme, g.membership)
    return render_template(
        "programme/theme.html", theme=theme, programme=programme, sponsors=service.sponsors(db, theme),
        supporters=supporters, by_org=service.counts_by_legacy_org(supporters),
        teams=[(t, service.legacy_mix(t), service.mix_ok(programme, t)) for t in service.teams_of_theme(db, theme)],
        my_support=service.supporter_of(db, theme, g.membership), is_sponsor=sponsor,
        can_edit=sponsor or _is_manager(), can_see_people=sponsor or _is_manager(),
        support_form=SupportForm(), team_form=TeamForm(), action_form=ActionForm(), phase_labels=service.PHASE_LABELS,
    )


@bp.route("/themes/<int:theme_id>/edit", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.MANAGEMENT, Role.SPONSOR)
def edit_theme(theme_id: int):
    db = session()
    theme, programme = _theme(theme_id)
    manager = _is_manager()
    if not manager and not service.is_sponsor(db, theme, g.membership):
        raise Forbidden()  # a sponsor edits only their own themes
    form = ThemeForm(obj=theme if request.method == "GET" else None)  # a POST must carry every field
    _pillar_choices(db, form, programme)
    sponsors_form = _sponsors_form(db, theme) if manager else None
    if form.validate_on_submit() and (sponsors_form is None or sponsors_form.validate()):
        try:
            service.save_theme(db, programme, theme, **_theme_fields(form))
            strategy_pillars.link_theme(db, programme, theme, form.pillar_id.data)
            if sponsors_form is not None:
                service.set_sponsors(db, theme, sponsors_form.sponsor_ids.data or [])
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("programme.theme", theme_id=theme.id))
    return render_template("programme/theme_form.html", form=form, sponsors_form=sponsors_form, theme=theme,
                           programme=programme)


def _sponsors_form(db, theme=None) -> SponsorsForm:
    data = None
    if theme is not None and request.method == "GET":
        data = {"sponsor_ids": [s.membership_id for s in service.sponsors(db, theme)]}
    form = SponsorsForm(data=data)
    candidates = [m for m in tenant_service.members(db) if Role.SPONSOR in m.roles]
    form.sponsor_ids.choices = [(m.id, m.user.name) for m in candidates]
    return form


def _pillar_choices(db, form, programme) -> None:
    """The programme's strategy pillars to link the theme to (the free-text field serves when it has none)."""
    form.pillar_id.choices = [("", _("Not linked to a pillar"))] + [
        (p.id, p.title) for p in strategy_pillars.pillars(db, programme)]


def _theme_fields(form) -> dict:
    return {name: form[name].data or "" for name in ("title", "problem", "why_it_matters", "desired_outcome", "pillar")}


@bp.route("/themes/<int:theme_id>/support", methods=["POST"])
@requires(*PARTICIPANTS)
def support(theme_id: int):
    db = session()
    theme, programme = _theme(theme_id)
    form = SupportForm()
    if form.validate_on_submit():
        _supporter, is_new = service.support(db, theme, g.membership, form.motivation.data or "")
        if is_new:
            _tell_sponsors_about(db, theme)
        db.commit()
        flash(_("Thank you: you support %(theme)s.", theme=theme.title), "success")
    else:
        for error in form.motivation.errors:
            flash(error, "error")
    return redirect(url_for("programme.theme", theme_id=theme.id))


@bp.route("/themes/<int:theme_id>/withdraw", methods=["POST"])
@requires(*PARTICIPANTS)
def withdraw(theme_id: int):
    db = session()
    theme, _programme_ = _theme(theme_id)
    if ActionForm().validate_on_submit():
        try:
            service.withdraw_support(db, theme, g.membership)
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
        else:
            db.commit()
            flash(_("You no longer support this theme."), "success")
    return redirect(url_for("programme.theme", theme_id=theme.id))


@bp.route("/themes/<int:theme_id>/recruit", methods=["GET", "POST"])
@requires(Role.SPONSOR)
def recruit(theme_id: int):
    """The sponsor's page: a link to share, invitations by e-mail, a message to all supporters."""
    db = session()
    theme, programme = _theme(theme_id)
    if not service.is_sponsor(db, theme, g.membership):
        raise Forbidden()
    supporting = {s.membership_id for s in service.supporters(db, theme)}
    candidates = [m for m in tenant_service.members(db) if m.id not in supporting and m.id != g.membership.id]
    form = RecruitForm()
    form.member_ids.choices = [(m.id, f"{m.user.name} ({m.legacy_org.code if m.legacy_org else '–'})") for m in candidates]
    message_form = MessageForm(prefix="message")
    if "message-subject" not in request.form and form.validate_on_submit():
        chosen = [m for m in candidates if m.id in set(form.member_ids.data)]
        note = form.note.data or ""
        sponsor_name = g.membership.user.name

        def render():
            subject = _("%(name)s invites you to support: %(theme)s", name=sponsor_name, theme=theme.title)
            body = _("%(name)s asks you to support the theme \"%(theme)s\".", name=sponsor_name, theme=theme.title)
            return subject, f"{body}\n\n{note}".strip()

        notifications.notify(db, g.tenant, chosen, "recruitment", render,
                             url_for("programme.theme", theme_id=theme.id), _settings())
        db.commit()
        flash(ngettext("Your invitation has been sent to %(num)d person.",
                       "Your invitation has been sent to %(num)d people.", len(chosen)), "success")
        return redirect(url_for("programme.recruit", theme_id=theme.id))
    return render_template("programme/recruit.html", theme=theme, programme=programme, form=form,
                           message_form=message_form, supporter_count=len(supporting),
                           share_link=url_for("programme.theme", theme_id=theme.id, _external=True))


@bp.route("/themes/<int:theme_id>/message", methods=["POST"])
@requires(Role.SPONSOR)
def message_supporters(theme_id: int):
    db = session()
    theme, programme = _theme(theme_id)
    if not service.is_sponsor(db, theme, g.membership):
        raise Forbidden()
    form = MessageForm(prefix="message")
    if form.validate_on_submit():
        people = [s.membership for s in service.supporters(db, theme)]
        subject, body = form.subject.data.strip(), form.body.data.strip()
        count = notifications.notify(db, g.tenant, people, "sponsor_message", lambda: (subject, body),
                                     url_for("programme.theme", theme_id=theme.id), _settings())
        db.commit()
        flash(ngettext("Your message has been sent to %(num)d supporter.",
                       "Your message has been sent to %(num)d supporters.", count), "success")
        return redirect(url_for("programme.recruit", theme_id=theme.id))
    supporting = {s.membership_id for s in service.supporters(db, theme)}
    recruit_form = RecruitForm()
    recruit_form.member_ids.choices = []
    return render_template("programme/recruit.html", theme=theme, programme=programme, form=recruit_form,
                           message_form=form, supporter_count=len(supporting),
                           share_link=url_for("programme.theme", theme_id=theme.id, _external=True)), 400


def _tell_sponsors_about(db, theme) -> None:
    member = g.membership
    people = [s.membership for s in service.sponsors(db, theme) if s.membership_id != member.id]

    def render():
        return (_("%(name)s supports %(theme)s", name=member.user.name, theme=theme.title),
                _("%(name)s now supports your theme \"%(theme)s\".", name=member.user.name, theme=theme.title))

    notifications.notify(db, g.tenant, people, "new_supporter", render,
                         url_for("programme.theme", theme_id=theme.id), _settings())


# ---- teams ---------------------------------------------------------------------------------

@bp.route("/themes/<int:theme_id>/teams", methods=["POST"])
@requires(*PARTICIPANTS)
def propose_team(theme_id: int):
    db = session()
    theme, programme = _theme(theme_id)
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = service.propose_team(db, programme, theme, g.membership, name=form.name.data, goal=form.goal.data)
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
        else:
            db.commit()
            flash(_("Your team %(name)s has been created. Invite colleagues to join it.", name=team.name), "success")
            return redirect(url_for("programme.team", team_id=team.id))
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("programme.theme", theme_id=theme.id))


@bp.route("/teams/<int:team_id>")
@requires()
def team(team_id: int):
    from saas.pitches.service import may_read as may_read_pitch
    from saas.worklog.service import may_read as may_read_log

    db = session()
    team, theme, programme = _team(team_id)
    return render_template("programme/team.html", team=team, theme=theme, programme=programme,
                           can_read_pitch=may_read_pitch(db, team, theme, g.membership),
                           can_read_log=may_read_log(db, team, g.membership),
                           mix=service.legacy_mix(team), mix_ok=service.mix_ok(programme, team),
                           is_member=service.is_team_member(team, g.membership),
                           full=len(team.members) >= programme.max_team_size, action_form=ActionForm())


@bp.route("/teams/<int:team_id>/join", methods=["POST"])
@requires(*PARTICIPANTS)
def join_team(team_id: int):
    db = session()
    team, theme, programme = _team(team_id)
    if ActionForm().validate_on_submit():
        try:
            _member, joined = service.join_team(db, programme, team, g.membership)
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
        else:
            if joined:
                _tell_team_about(db, team, theme)
            db.commit()
            flash(_("You have joined %(team)s.", team=team.name), "success")
    return redirect(url_for("programme.team", team_id=team.id))


@bp.route("/teams/<int:team_id>/leave", methods=["POST"])
@requires(*PARTICIPANTS)
def leave_team(team_id: int):
    db = session()
    team, _theme_, programme = _team(team_id)
    if ActionForm().validate_on_submit():
        try:
            service.leave_team(db, programme, team, g.membership)
        except DomainError as error:
            db.rollback()
            flash(error.message, "error")
        else:
            db.commit()
            flash(_("You have left %(team)s.", team=team.name), "success")
    return redirect(url_for("programme.team", team_id=team.id))


def _tell_team_about(db, team, theme) -> None:
    member = g.membership
    people = [m.membership for m in team.members if m.membership_id != member.id]

    def render():
        return (_("%(name)s joined %(team)s", name=member.user.name, team=team.name),
                _("%(name)s joined your team %(team)s under the theme \"%(theme)s\".", name=member.user.name,
                  team=team.name, theme=theme.title))

    notifications.notify(db, g.tenant, people, "team_joined", render, url_for("programme.team", team_id=team.id),
                         _settings())


# ---- notifications -------------------------------------------------------------------------

@bp.route("/notifications", methods=["GET", "POST"])
@requires()
def inbox():
    db = session()
    form = EmailKindsForm()
    form.kinds.choices = [(k, label) for k, label in notifications.KINDS.items()]
    if request.method == "GET":
        form.kinds.data = [k for k in notifications.KINDS if k not in notifications.email_opt_outs(db, g.membership)]
    if form.validate_on_submit():
        notifications.set_email_kinds(db, g.membership, set(form.kinds.data or []))
        db.commit()
        flash(_("Your e-mail settings have been saved."), "success")
        return redirect(url_for("programme.inbox"))
    items = notifications.notifications_for(db, g.membership)
    unread = {n.id for n in items if n.read_at is None}
    return render_template("programme/notifications.html", items=items, unread=unread, form=form,
                           read_form=FlaskForm())


@bp.route("/notifications/read", methods=["POST"])
@requires()
def mark_read():
    # A button, not a side effect of looking: reading the page (or a prefetch) marks nothing.
    if not FlaskForm().validate_on_submit():
        abort(400)
    db = session()
    notifications.mark_all_read(db, g.membership, utcnow())
    db.commit()
    return redirect(url_for("programme.inbox"))
