"""The team work log pages. Views validate a form, call one service function, commit, flash, redirect.

Every view admits the roles that can have a relation to a team; the service then decides by that
relation (a member of the team writes; management, admins and the theme's sponsors read) and
answers 403 to everyone else. Another tenant's team is simply not found (404).
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from saas.kernel.db import session, utcnow
from saas.kernel.downloads import attachment
from saas.kernel.files import CSV, XLSX
from saas.kernel.views import submit
from saas.programme import service as programme
from saas.programme.loaders import load_team
from saas.worklog import export, service
from saas.worklog.forms import SEARCH_MAX, ActionDoneForm, BenchmarkVisitForm, ClientInterviewForm, WorkSessionForm
from tenants.guards import requires, tenant_blueprint
from tenants.models import Role

bp = tenant_blueprint("worklog", __name__, "/teams/<int:team_id>/log")
# Who can have a relation to a team; the service checks the relation itself.
TEAM_ROLES = (Role.ADMIN, Role.MANAGEMENT, Role.SPONSOR, Role.MEMBER)


def _query() -> str:
    return request.args.get("q", "")[:SEARCH_MAX]


def _to_log(team, anchor: str | None = None):
    return redirect(_log_url(team, anchor))


def _log_url(team, anchor: str | None = None) -> str:
    return url_for("worklog.log", team_id=team.id, _anchor=anchor)


def _page(template: str, team, **context):
    return render_template(template, team=team, theme=programme.get_theme(session(), team.theme_id), **context)


@bp.route("/")
@requires(*TEAM_ROLES)
def log(team_id: int):
    team = load_team(team_id)[0]
    work_log = service.read_log(session(), team, g.membership, _query())
    return _page("worklog/log.html", team, log=work_log, q=_query().strip(),
                 may_write=service.may_write(team, g.membership))


@bp.route("/sessions/new", methods=["GET", "POST"])
@requires(*TEAM_ROLES)
def new_session(team_id: int):
    db = session()
    team = load_team(team_id)[0]
    service.check_may_write(team, g.membership)
    form = WorkSessionForm()
    form.set_people(service.attendee_choices(team), service.owner_choices(team))
    return submit(form, lambda: service.log_session(db, team, g.membership, **form.session_data()),
                  done=_("The work session has been added to the log."),
                  then=lambda work_session: _log_url(team, f"session-{work_session.id}")) \
        or _page("worklog/session_form.html", team, form=form, work_session=None)


@bp.route("/sessions/<int:work_session_id>", methods=["GET", "POST"])
@requires(*TEAM_ROLES)
def edit_session(team_id: int, work_session_id: int):
    db = session()
    team = load_team(team_id)[0]
    work_session = service.get_work_session(db, team, work_session_id) or abort(404)
    service.check_may_write(team, g.membership)
    if request.method == "POST":
        form = WorkSessionForm()
    else:
        form = WorkSessionForm(data={
            "held_on": work_session.held_on, "notes": work_session.notes, "decisions": work_session.decisions,
            "attendee_ids": [a.membership_id for a in work_session.attendees],
            "actions": [{"id": str(a.id), "description": a.description, "owner_id": a.owner_id,
                         "due_on": a.due_on, "done": a.done} for a in work_session.actions],
        })
        form.add_blank_rows(len(work_session.actions))
    form.set_people(service.attendee_choices(team, work_session), service.owner_choices(team, work_session))
    return submit(form, lambda: service.update_session(db, team, g.membership, work_session, **form.session_data()),
                  done=_("The changes have been saved."), then=_log_url(team, f"session-{work_session.id}")) \
        or _page("worklog/session_form.html", team, form=form, work_session=work_session)


@bp.route("/actions/<int:action_id>/done", methods=["POST"])
@requires(*TEAM_ROLES)
def set_action_done(team_id: int, action_id: int):
    db = session()
    team = load_team(team_id)[0]
    action = service.get_action(db, team, action_id) or abort(404)
    form = ActionDoneForm()
    done = submit(form, lambda: service.set_action_done(team, g.membership, action, form.done.data == "1"),
                  done=lambda _result: _("The action is marked as done.") if action.done
                  else _("The action is marked as not done."),
                  then=_log_url(team, f"session-{action.work_session_id}"))
    if done:
        return done
    service.check_may_write(team, g.membership)
    flash(_("Nothing was changed. Please use the buttons on the page."), "error")
    return _to_log(team)


@bp.route("/visits/new", methods=["GET", "POST"])
@requires(*TEAM_ROLES)
def new_visit(team_id: int):
    db = session()
    team = load_team(team_id)[0]
    service.check_may_write(team, g.membership)
    form = BenchmarkVisitForm()
    return submit(form, lambda: service.log_visit(db, team, g.membership, visited_on=form.visited_on.data,
                                                  organisation=form.organisation.data, learned=form.learned.data),
                  done=_("The benchmark visit has been added to the log."),
                  then=lambda visit: _log_url(team, f"visit-{visit.id}")) \
        or _page("worklog/visit_form.html", team, form=form)


@bp.route("/interviews/new", methods=["GET", "POST"])
@requires(*TEAM_ROLES)
def new_interview(team_id: int):
    db = session()
    team = load_team(team_id)[0]
    service.check_may_write(team, g.membership)
    form = ClientInterviewForm()
    return submit(form, lambda: service.log_interview(db, team, g.membership, held_on=form.held_on.data,
                                                      client_profile=form.client_profile.data,
                                                      findings=form.findings.data),
                  done=_("The client interview has been added to the log."),
                  then=lambda interview: _log_url(team, f"interview-{interview.id}")) \
        or _page("worklog/interview_form.html", team, form=form)


@bp.route("/export.csv")
@requires(*TEAM_ROLES)
def export_csv(team_id: int):
    db = session()
    team = load_team(team_id)[0]
    work_log = service.read_log(db, team, g.membership, _query())
    service.log_export(db, team, "csv", work_log)
    db.commit()
    return attachment(export.log_csv(work_log), CSV, export.filename(team, "csv", utcnow()))


@bp.route("/export.xlsx")
@requires(*TEAM_ROLES)
def export_xlsx(team_id: int):
    db = session()
    team = load_team(team_id)[0]
    work_log = service.read_log(db, team, g.membership, _query())
    service.log_export(db, team, "xlsx", work_log)
    db.commit()
    return attachment(export.log_xlsx(team, work_log), XLSX, export.filename(team, "xlsx", utcnow()))


@bp.route("/export.pdf")
@requires(*TEAM_ROLES)
def export_pdf(team_id: int):
    db = session()
    team = load_team(team_id)[0]
    work_log = service.read_log(db, team, g.membership, _query())
    pdf = export.log_pdf(team, programme.get_theme(db, team.theme_id), work_log, generated_at=utcnow())
    service.log_export(db, team, "pdf", work_log)
    db.commit()
    return attachment(pdf, "application/pdf", export.filename(team, "pdf", utcnow()))
