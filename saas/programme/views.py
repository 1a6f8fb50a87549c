"""Programme pages: programmes and phases, themes, supporters and recruiting, teams, notifications."""
from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_babel import gettext as _, ngettext
from werkzeug.exceptions import Forbidden

from saas.kernel.db import session, utcnow
from saas.kernel.views import ButtonForm, press, send, submit
from saas.programme import service
from saas.programme.loaders import load_programme, load_team, load_theme
from saas.kernel import notifications
from saas.pitches import service as pitches
from saas.programme.forms import (
    EmailKindsForm, MessageForm, PhaseDatesForm, ProgrammeForm, RecruitForm, SupportForm, TeamForm, ThemeForm,
    ThemeWithSponsorsForm,
)
from saas.programme.models import PHASES
from saas.programme.people import PeopleForm
from saas.strategy import pillars as strategy_pillars
from saas.worklog import service as worklog
from tenants import service as tenant_service
from tenants.guards import requires, tenant_blueprint
from tenants.models import Role

bp = tenant_blueprint("programme", __name__)
MANAGERS = (Role.ADMIN, Role.MANAGEMENT)
# Who takes part in themes and teams. Not the works council (it sees numbers, not people) nor
# consultants; management reviews the pitches, so it does not write them.
PARTICIPANTS = (Role.MEMBER, Role.SPONSOR)


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
    return submit(form, lambda: service.create_programme(session(), **_programme_fields(form)),
                  done=_("The programme has been created. Now add its themes."),
                  then=lambda programme: url_for("programme.overview", programme_id=programme.id)) \
        or render_template("programme/form.html", form=form, programme=None, phases=())


@bp.route("/programmes/<int:programme_id>")
@requires()
def overview(programme_id: int):
    db = session()
    programme = load_programme(programme_id)
    theme_rows = []
    for theme in service.themes(db, programme):
        supporters = service.supporters(db, theme)
        theme_rows.append({"theme": theme, "supporters": len(supporters), "teams": len(service.teams_of_theme(db, theme)),
                           "by_org": service.counts_by_legacy_org(supporters)})
    return render_template("programme/overview.html", programme=programme, themes=theme_rows,
                           phase_labels=service.PHASE_LABELS, phase_due=service.PHASE_DUE, phases=PHASES,
                           deadline=service.deadline(programme), can_manage=_is_manager(),
                           is_admin=Role.ADMIN in g.membership.roles, action_form=ButtonForm())


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@requires(*MANAGERS)
def edit_programme(programme_id: int):
    db = session()
    programme = load_programme(programme_id)
    data = None
    if request.method == "GET":
        data = {c: getattr(programme, c) for c in ("name", "goal", "starts_on", "ends_on", "min_team_size",
                                                   "max_team_size", "teams_per_person", "min_legacy_orgs_per_team")}
        for row in programme.phases:
            data[f"{row.phase}_starts_on"], data[f"{row.phase}_ends_on"] = row.starts_on, row.ends_on
    form = PhaseDatesForm(data=data)
    return submit(form, lambda: service.update_programme(db, programme, phase_dates=_phase_dates(form),
                                                         **_programme_fields(form)),
                  done=_("The changes have been saved."),
                  then=url_for("programme.overview", programme_id=programme.id)) \
        or render_template("programme/form.html", form=form, programme=programme, phases=PHASES,
                           phase_labels=service.PHASE_LABELS)


@bp.route("/programmes/<int:programme_id>/advance", methods=["POST"])
@requires(Role.ADMIN)
def advance_phase(programme_id: int):
    programme = load_programme(programme_id)
    return press("advance", lambda: service.advance_phase(programme),
                 done=lambda phase: _("The programme is now in the phase: %(phase)s.", phase=service.PHASE_LABELS[phase]),
                 then=url_for("programme.overview", programme_id=programme.id))


@bp.route("/programmes/<int:programme_id>/board")
@requires(Role.ADMIN, Role.MANAGEMENT, Role.CONSULTANT)
def board(programme_id: int):
    db = session()
    programme = load_programme(programme_id)
    rows = [{"team": team, "theme": theme, "size": len(team.members), "mix": service.legacy_mix(team),
             "mix_ok": service.mix_ok(programme, team),
             "by_org": service.counts_by_legacy_org(team.members)}
            for team, theme in service.teams_of_programme(db, programme)]
    return render_template("programme/board.html", programme=programme, rows=rows)


def _phase_dates(form) -> dict:
    return {p: (form[f"{p}_starts_on"].data, form[f"{p}_ends_on"].data) for p in PHASES}


def _programme_fields(form) -> dict:
    return {name: form[name].data for name in ("name", "goal", "starts_on", "ends_on", "min_team_size",
                                               "max_team_size", "teams_per_person", "min_legacy_orgs_per_team")}


# ---- themes --------------------------------------------------------------------------------

@bp.route("/programmes/<int:programme_id>/themes/new", methods=["GET", "POST"])
@requires(*MANAGERS)
def create_theme(programme_id: int):
    db = session()
    programme = load_programme(programme_id)
    form = _theme_form(db, programme, None, with_sponsors=True)
    return submit(form, lambda: _save_theme(db, programme, None, form), done=_("The theme has been created."),
                  then=lambda theme: url_for("programme.theme", theme_id=theme.id)) \
        or render_template("programme/theme_form.html", form=form, sponsors_form=form, theme=None, programme=programme)


@bp.route("/themes/<int:theme_id>")
@requires()
def theme(theme_id: int):
    db = session()
    theme, programme = load_theme(theme_id)
    supporters = service.supporters(db, theme)
    sponsor = service.is_sponsor(db, theme, g.membership)
    return render_template(
        "programme/theme.html", theme=theme, programme=programme, sponsors=service.sponsors(db, theme),
        supporters=supporters, by_org=service.counts_by_legacy_org(supporters),
        teams=[(t, service.legacy_mix(t), service.mix_ok(programme, t)) for t in service.teams_of_theme(db, theme)],
        my_support=service.supporter_of(db, theme, g.membership), is_sponsor=sponsor,
        can_edit=sponsor or _is_manager(), can_see_people=sponsor or _is_manager(),
        support_form=SupportForm(), team_form=TeamForm(), action_form=ButtonForm(), phase_labels=service.PHASE_LABELS,
    )


@bp.route("/themes/<int:theme_id>/edit", methods=["GET", "POST"])
@requires(Role.ADMIN, Role.MANAGEMENT, Role.SPONSOR)
def edit_theme(theme_id: int):
    db = session()
    theme, programme = load_theme(theme_id)
    manager = _is_manager()
    if not manager and not service.is_sponsor(db, theme, g.membership):
        raise Forbidden()  # a sponsor edits only their own themes
    form = _theme_form(db, programme, theme, with_sponsors=manager)
    return submit(form, lambda: _save_theme(db, programme, theme, form), done=_("The changes have been saved."),
                  then=url_for("programme.theme", theme_id=theme.id)) \
        or render_template("programme/theme_form.html", form=form, sponsors_form=form if manager else None,
                           theme=theme, programme=programme)


def _theme_form(db, programme, theme, *, with_sponsors: bool) -> ThemeForm:
    """The theme's fields; management also appoints its sponsors. A POST must carry every field."""
    editing = theme is not None and request.method == "GET"
    if with_sponsors:
        data = {"sponsor_ids": [s.membership_id for s in service.sponsors(db, theme)]} if editing else None
        form = ThemeWithSponsorsForm(obj=theme if editing else None, data=data)
        candidates = [m for m in tenant_service.members(db) if Role.SPONSOR in m.roles]
        form.sponsor_ids.choices = [(m.id, m.user.name) for m in candidates]
    else:
        form = ThemeForm(obj=theme if editing else None)
    # The programme's strategy pillars to link the theme to (the free-text field serves when it has none).
    form.pillar_id.choices = [("", _("Not linked to a pillar"))] + [
        (p.id, p.title) for p in strategy_pillars.pillars(db, programme)]
    return form


def _save_theme(db, programme, theme, form):
    theme = service.save_theme(db, programme, theme, **_theme_fields(form))
    strategy_pillars.link_theme(db, programme, theme, form.pillar_id.data)
    if isinstance(form, ThemeWithSponsorsForm):
        service.set_sponsors(db, theme, form.sponsor_ids.data or [])
    return theme


def _theme_fields(form) -> dict:
    return {name: form[name].data or "" for name in ("title", "problem", "why_it_matters", "desired_outcome", "pillar")}


@bp.route("/themes/<int:theme_id>/support", methods=["POST"])
@requires(*PARTICIPANTS)
def support(theme_id: int):
    theme, programme = load_theme(theme_id)
    form = SupportForm()
    back = url_for("programme.theme", theme_id=theme.id)
    return send(form, lambda: service.support(session(), theme, g.membership, form.motivation.data or "",
                                              tell_sponsors=True),
                done=_("Thank you: you support %(theme)s.", theme=theme.title), then=back)


@bp.route("/themes/<int:theme_id>/withdraw", methods=["POST"])
@requires(*PARTICIPANTS)
def withdraw(theme_id: int):
    theme, _programme_ = load_theme(theme_id)
    return press("withdraw", lambda: service.withdraw_support(session(), theme, g.membership),
                 done=_("You no longer support this theme."), then=url_for("programme.theme", theme_id=theme.id))


@bp.route("/themes/<int:theme_id>/recruit", methods=["GET", "POST"])
@requires(Role.SPONSOR)
def recruit(theme_id: int):
    """The sponsor's page: a link to share, invitations by e-mail to the people found with the filters (in
    the URL, a page at a time, as on the People page), a message to all supporters."""
    db = session()
    theme, programme = load_theme(theme_id)
    if not service.is_sponsor(db, theme, g.membership):
        raise Forbidden()
    filters = PeopleForm(request.args).offer(db)
    form = RecruitForm()
    if request.method == "POST":  # the choices a posted invitation is checked against: the ticked candidates
        form.member_ids.choices = _recruit_choices(service.recruitable(db, theme, g.membership, _ticked()))
        sent = submit(form, lambda: service.invite_to_support(db, theme, g.membership, form.member_ids.data,
                                                              form.note.data or ""),
                      done=lambda count: ngettext("Your invitation has been sent to %(num)d person.",
                                                  "Your invitation has been sent to %(num)d people.", count),
                      then=url_for("programme.recruit", theme_id=theme.id, **filters.query()))
        if sent:
            return sent
    if not filters.validate():
        return _recruit_page(theme, programme, filters, None, form, MessageForm(prefix="message")), 400
    candidates = service.recruit_candidates(db, theme, g.membership, filters.criteria(), number=filters.number,
                                            size=filters.per_page)
    form.member_ids.choices = _recruit_choices(candidates.items)  # after a refused POST too: what was ticked stays
    return _recruit_page(theme, programme, filters, candidates, form, MessageForm(prefix="message"))


@bp.route("/themes/<int:theme_id>/message", methods=["POST"])
@requires(Role.SPONSOR)
def message_supporters(theme_id: int):
    db = session()
    theme, programme = load_theme(theme_id)
    if not service.is_sponsor(db, theme, g.membership):
        raise Forbidden()
    form = MessageForm(prefix="message")
    sent = submit(form, lambda: service.message_supporters(db, theme, form.subject.data, form.body.data),
                  done=lambda count: ngettext("Your message has been sent to %(num)d supporter.",
                                              "Your message has been sent to %(num)d supporters.", count),
                  then=url_for("programme.recruit", theme_id=theme.id))
    if sent:
        return sent
    recruit_form = RecruitForm()
    recruit_form.member_ids.choices = []
    return _recruit_page(theme, programme, PeopleForm(request.args).offer(db), None, recruit_form, form), 400


def _recruit_page(theme, programme, filters, candidates, form, message_form):
    return render_template("programme/recruit.html", theme=theme, programme=programme, filters=filters,
                           candidates=candidates, form=form, message_form=message_form,
                           supporter_count=service.supporter_count(session(), theme),
                           share_link=url_for("programme.theme", theme_id=theme.id, _external=True))


def _recruit_choices(candidates) -> list[tuple[int, str]]:
    return [(m.id, f"{m.user.name} ({m.legacy_org.code if m.legacy_org else '–'})") for m in candidates]


def _ticked() -> list[int]:
    return [int(value) for value in request.form.getlist("member_ids") if value.isdigit() and len(value) < 12]


# ---- teams ---------------------------------------------------------------------------------

@bp.route("/themes/<int:theme_id>/teams", methods=["POST"])
@requires(*PARTICIPANTS)
def propose_team(theme_id: int):
    theme, programme = load_theme(theme_id)
    form = TeamForm()
    return send(form, lambda: service.propose_team(session(), programme, theme, g.membership, name=form.name.data,
                                                   goal=form.goal.data),
                done=lambda team: _("Your team %(name)s has been created. Invite colleagues to join it.",
                                    name=team.name),
                then=lambda team: url_for("programme.team", team_id=team.id),
                back=url_for("programme.theme", theme_id=theme.id))


@bp.route("/teams/<int:team_id>")
@requires()
def team(team_id: int):
    db = session()
    team, theme, programme = load_team(team_id)
    is_member = service.is_team_member(team, g.membership)
    return render_template("programme/team.html", team=team, theme=theme, programme=programme,
                           can_read_pitch=pitches.may_read(db, team, theme, g.membership),
                           can_read_log=worklog.may_read(db, team, g.membership),
                           mix=service.legacy_mix(team), mix_ok=service.mix_ok(programme, team),
                           is_member=is_member,
                           why_not_leave=is_member and service.why_not_leave(
                               programme, pitch_submitted=pitches.is_submitted(db, team)),
                           full=len(team.members) >= programme.max_team_size, action_form=ButtonForm())


@bp.route("/teams/<int:team_id>/join", methods=["POST"])
@requires(*PARTICIPANTS)
def join_team(team_id: int):
    team, theme, programme = load_team(team_id)
    return press("join", lambda: service.join_team(session(), programme, team, g.membership, tell_team=True),
                 done=_("You have joined %(team)s.", team=team.name), then=url_for("programme.team", team_id=team.id))


@bp.route("/teams/<int:team_id>/leave", methods=["POST"])
@requires(*PARTICIPANTS)
def leave_team(team_id: int):
    db = session()
    team, _theme_, programme = load_team(team_id)
    return press("leave", lambda: service.leave_team(db, programme, team, g.membership,
                                                     pitch_submitted=pitches.is_submitted(db, team)),
                 done=_("You have left %(team)s.", team=team.name), then=url_for("programme.team", team_id=team.id))


# ---- notifications -------------------------------------------------------------------------

@bp.route("/notifications", methods=["GET", "POST"])
@requires()
def inbox():
    db = session()
    form = EmailKindsForm()
    form.kinds.choices = [(k, label) for k, label in notifications.KINDS.items()]
    if request.method == "GET":
        form.kinds.data = [k for k in notifications.KINDS if k not in notifications.email_opt_outs(db, g.membership)]
    saved = submit(form, lambda: notifications.set_email_kinds(db, g.membership, set(form.kinds.data or [])),
                   done=_("Your e-mail settings have been saved."), then=url_for("programme.inbox"))
    if saved:
        return saved
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
