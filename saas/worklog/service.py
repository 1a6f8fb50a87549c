"""Work-log operations: who may read and write a team's log, searching it, and recording sessions,
actions, benchmark visits and client interviews.

Functions take the session first. A person without the right relation to the team gets a 403
(Forbidden); a rule of the log that says no raises a DomainError with a message for the user.
Views commit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from werkzeug.exceptions import Forbidden

from saas.kernel import audit, formatting
from saas.kernel.errors import DomainError
from saas.programme import service as programme
from saas.programme.models import Team
from saas.worklog.models import Action, BenchmarkVisit, ClientInterview, SessionAttendee, WorkSession
from tenants.models import Membership, Role

MAX_ACTIONS = 50
# How far ahead of today (in the tenant's time zone) the day of a session, visit or interview may lie: the log
# records what happened, and one day covers someone who writes it up the evening before, or a clock elsewhere.
AHEAD = timedelta(days=1)
MAX_SEARCH_TERMS = 10
# Readers by role, besides the team's own members and the sponsors of its theme.
READING_ROLES = (Role.ADMIN, Role.MANAGEMENT)
# Signs that an anonymous client description is not anonymous: an e-mail address, or a long run of
# digits (a phone, client or citizen service number).
_IDENTIFYING = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+|\d{8,}")


class NotInTeam(DomainError):
    default_message = _l("Choose people from the team.")


@dataclass
class WorkLog:
    """A team's log, newest first, possibly narrowed down by a search."""

    sessions: list[WorkSession]
    visits: list[BenchmarkVisit]
    interviews: list[ClientInterview]
    query: str = ""

    @property
    def size(self) -> int:
        return len(self.sessions) + len(self.visits) + len(self.interviews)


# ---- who may do what -----------------------------------------------------------------------

def may_read(db, team: Team, membership: Membership) -> bool:
    if membership.has_any(READING_ROLES) or programme.is_team_member(team, membership):
        return True
    theme = programme.get_theme(db, team.theme_id)
    return theme is not None and programme.is_sponsor(db, theme, membership)


def may_write(team: Team, membership: Membership) -> bool:
    return programme.is_team_member(team, membership)


def check_may_read(db, team: Team, membership: Membership) -> None:
    if not may_read(db, team, membership):
        raise Forbidden()


def check_may_write(team: Team, membership: Membership) -> None:
    if not may_write(team, membership):
        raise Forbidden()


# ---- reading -------------------------------------------------------------------------------

def log_export(db, team: Team, kind: str, work_log: WorkLog) -> None:
    """The team's log taken away as a file (it names people, and what they said): on the audit trail."""
    audit.record(db, "worklog.exported", obj=team,
                 detail={"format": kind, "q": work_log.query, "entries": work_log.size})


def read_log(db, team: Team, membership: Membership, query: str = "") -> WorkLog:
    """The team's log, newest first. A query keeps the entries that contain every word of it."""
    check_may_read(db, team, membership)
    terms = search_terms(query)
    sessions = select(WorkSession).where(WorkSession.team_id == team.id)
    visits = select(BenchmarkVisit).where(BenchmarkVisit.team_id == team.id)
    interviews = select(ClientInterview).where(ClientInterview.team_id == team.id)
    for term in terms:
        in_actions = exists(select(Action.id).where(Action.tenant_id == WorkSession.tenant_id,
                                                    Action.work_session_id == WorkSession.id,
                                                    _contains(Action.description, term)))
        sessions = sessions.where(or_(_contains(WorkSession.notes, term), _contains(WorkSession.decisions, term),
                                      in_actions))
        visits = visits.where(or_(_contains(BenchmarkVisit.organisation, term),
                                  _contains(BenchmarkVisit.learned, term)))
        interviews = interviews.where(or_(_contains(ClientInterview.client_profile, term),
                                          _contains(ClientInterview.findings, term)))
    return WorkLog(
        sessions=list(db.scalars(sessions.order_by(WorkSession.held_on.desc(), WorkSession.id.desc()))),
        visits=list(db.scalars(visits.order_by(BenchmarkVisit.visited_on.desc(), BenchmarkVisit.id.desc()))),
        interviews=list(db.scalars(interviews.order_by(ClientInterview.held_on.desc(), ClientInterview.id.desc()))),
        query=" ".join(terms),
    )


def search_terms(query: str | None) -> list[str]:
    return [t.lower() for t in (query or "").split()][:MAX_SEARCH_TERMS]


def get_work_session(db, team: Team, work_session_id: int) -> WorkSession | None:
    return db.scalar(select(WorkSession).where(WorkSession.id == work_session_id, WorkSession.team_id == team.id))


def get_action(db, team: Team, action_id: int) -> Action | None:
    return db.scalar(select(Action).join(WorkSession, WorkSession.id == Action.work_session_id)
                     .where(Action.id == action_id, WorkSession.team_id == team.id))


def team_people(team: Team) -> list[Membership]:
    return _by_name(m.membership for m in team.members)


def attendee_choices(team: Team, work_session: WorkSession | None = None) -> list[Membership]:
    """The team, plus whoever attended this session and has left the team since."""
    people = {m.membership.id: m.membership for m in team.members}
    for attendee in work_session.attendees if work_session else []:
        people.setdefault(attendee.membership_id, attendee.membership)
    return _by_name(people.values())


def owner_choices(team: Team, work_session: WorkSession | None = None) -> list[Membership]:
    """The team, plus the owners of this session's actions who have left the team since."""
    people = {m.membership.id: m.membership for m in team.members}
    for action in work_session.actions if work_session else []:
        if action.owner is not None:
            people.setdefault(action.owner_id, action.owner)
    return _by_name(people.values())


# ---- writing -------------------------------------------------------------------------------

def log_session(db, team: Team, membership: Membership, *, held_on: date, notes: str, decisions: str,
                attendee_ids: list[int], actions: list[dict], today: date | None = None) -> WorkSession:
    """Record a work session with who attended, what was decided and the actions agreed. `today` is the
    day it is written (the demo, made for another day, passes its own); by default the tenant's today."""
    check_may_write(team, membership)
    work_session = WorkSession(team_id=team.id, created_by_id=membership.id)
    _check_day(db, team, held_on, "held_on", today)
    _fill_session(team, work_session, held_on=held_on, notes=notes, decisions=decisions,
                  attendee_ids=attendee_ids, actions=actions)
    db.add(work_session)
    db.flush()
    return work_session


def update_session(db, team: Team, membership: Membership, work_session: WorkSession, *, held_on: date, notes: str,
                   decisions: str, attendee_ids: list[int], actions: list[dict]) -> None:
    """Change a session; actions with an id are changed (or removed), the others are added."""
    check_may_write(team, membership)
    _check_day(db, team, held_on, "held_on")
    _fill_session(team, work_session, held_on=held_on, notes=notes, decisions=decisions,
                  attendee_ids=attendee_ids, actions=actions)
    db.flush()


def set_action_done(team: Team, membership: Membership, action: Action, done: bool) -> None:
    check_may_write(team, membership)
    action.done = done


def log_visit(db, team: Team, membership: Membership, *, visited_on: date, organisation: str,
              learned: str, today: date | None = None) -> BenchmarkVisit:
    check_may_write(team, membership)
    _check_day(db, team, visited_on, "visited_on", today)
    visit = BenchmarkVisit(team_id=team.id, visited_on=visited_on, organisation=_required(organisation, "organisation"),
                           learned=_required(learned, "learned"))
    db.add(visit)
    db.flush()
    return visit


def log_interview(db, team: Team, membership: Membership, *, held_on: date, client_profile: str,
                  findings: str, today: date | None = None) -> ClientInterview:
    """Record a client interview. The profile must not identify the client (no name field exists)."""
    check_may_write(team, membership)
    _check_day(db, team, held_on, "held_on", today)
    for field, text in (("client_profile", client_profile), ("findings", findings)):
        if _IDENTIFYING.search(text or ""):
            raise DomainError(_l("This looks like an e-mail address or a personal number. Describe the client "
                                 "without anything that identifies them."), field=field)
    interview = ClientInterview(team_id=team.id, held_on=held_on,
                                client_profile=_required(client_profile, "client_profile"),
                                findings=_required(findings, "findings"))
    db.add(interview)
    db.flush()
    return interview


# ---- helpers -------------------------------------------------------------------------------

def _contains(column, term: str):
    # lower() on both sides and LIKE with escaped wildcards: the same on SQLite and PostgreSQL.
    return func.lower(column).contains(term, autoescape=True)


def _by_name(people) -> list[Membership]:
    return sorted(people, key=lambda m: (m.user.name.casefold(), m.id))


def _required(text: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Please fill this in."), field=field)
    return text


def _check_day(db, team: Team, day: date | None, field: str, today: date | None = None) -> None:
    """The day of something the log records lies within the programme: not before it began, and not later
    than tomorrow in the tenant's time zone (a session dated 2099 was accepted)."""
    if day is None:
        return  # the form asks for it; _fill_session says so for a session
    latest = (today or datetime.now(formatting.time_zone()).date()) + AHEAD
    if day > latest:
        raise DomainError(_l("This date is in the future: the work log records what has happened. Choose a day "
                             "up to %(day)s.", day=formatting.day(latest)), field=field)
    theme = programme.get_theme(db, team.theme_id)
    started = programme.get_programme(db, theme.programme_id) if theme is not None else None
    if started is not None and day < started.starts_on:
        raise DomainError(_l("This date is before the programme began on %(day)s. Choose a later day.",
                             day=formatting.day(started.starts_on)), field=field)


def _fill_session(team: Team, work_session: WorkSession, *, held_on, notes, decisions, attendee_ids,
                  actions) -> None:
    """Check everything first, then change: a refused form leaves the session as it was."""
    if held_on is None:
        raise DomainError(_l("Please enter a date (yyyy-mm-dd)."), field="held_on")
    notes = _required(notes, "notes")
    members = {m.membership_id for m in team.members}
    wanted = set(attendee_ids or [])
    if not wanted:
        raise DomainError(_l("Tick at least one person who attended."), field="attendee_ids")
    if not wanted <= members | {a.membership_id for a in work_session.attendees}:
        raise NotInTeam(field="attendee_ids")
    changes = _checked_actions(work_session, members, actions)

    work_session.held_on, work_session.notes, work_session.decisions = held_on, notes, (decisions or "").strip()
    for attendee in list(work_session.attendees):
        if attendee.membership_id not in wanted:
            work_session.attendees.remove(attendee)
    present = {a.membership_id for a in work_session.attendees}
    work_session.attendees.extend(SessionAttendee(membership_id=m) for m in sorted(wanted - present))
    for action, values in changes:
        if values is None:
            work_session.actions.remove(action)
        elif action is None:
            work_session.actions.append(Action(**values))
        else:
            for key, value in values.items():
                setattr(action, key, value)


def _checked_actions(work_session: WorkSession, members: set[int], rows: list[dict]):
    """[(existing action or None, new values or None to remove)], or a DomainError."""
    existing = {a.id: a for a in work_session.actions}
    changes, seen = [], set()
    for row in rows:
        action = None
        if row.get("id") is not None:
            action = existing.get(row["id"])
            if action is None or action.id in seen:
                raise DomainError(_l("This action is not part of the session."))
            seen.add(action.id)
        if row.get("remove"):
            if action is not None:
                changes.append((action, None))
            continue
        description = (row.get("description") or "").strip()
        if not description or row.get("owner_id") is None or row.get("due_on") is None:
            raise DomainError(_l("Every action needs a description, an owner and a due date."))
        # A former team member may stay the owner of an action they already had.
        if row["owner_id"] not in members and not (action is not None and action.owner_id == row["owner_id"]):
            raise NotInTeam(_l("Choose the owner of an action from the team."))
        changes.append((action, {"description": description, "owner_id": row["owner_id"], "due_on": row["due_on"],
                                 "done": bool(row.get("done"))}))
    kept = len(existing) - sum(1 for action, values in changes if action is not None and values is None)
    added = sum(1 for action, values in changes if action is None)
    if kept + added > MAX_ACTIONS:
        raise DomainError(_l("A session has at most %(max)d actions.", max=MAX_ACTIONS))
    return changes
