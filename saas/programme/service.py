"""Programme operations: phases, themes and sponsors, supporters, teams by self-selection.

Functions take the session first and raise DomainErrors with a message for the user; views commit.
"""
from __future__ import annotations

from collections import Counter
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import lazyload

from saas.kernel.errors import DomainError
from saas.kernel.listing import Page
from saas.programme import notices, people
from saas.programme.models import (
    CLOSED, PHASES, Programme, ProgrammePhase, Sponsor, Supporter, Team, TeamMember, Theme,
)
from tenants.models import LegacyOrganisation, Membership

PHASE_LABELS = {
    "recruitment": _l("Recruitment"),
    "team_work": _l("Team work"),
    "pitching": _l("Pitching"),
    "decisions": _l("Decisions"),
    CLOSED: _l("Closed"),
}
PHASE_DUE = {
    "recruitment": _l("Sponsors recruit supporters; people choose a team."),
    "team_work": _l("Teams hold work sessions, benchmark elsewhere and interview clients."),
    "pitching": _l("Teams write their business case and submit the pitch."),
    "decisions": _l("Central management reviews the pitches and decides."),
    CLOSED: _l("The programme has ended."),
}


RECRUIT_AT_ONCE = 200  # a page of the recruit page at most (saas.kernel.listing.SIZES)


class ProgrammeRuleError(DomainError):
    default_message = _l("This is not possible in this programme.")


class TeamFull(DomainError):
    status = 409
    default_message = _l("This team is full.")


class TooManyTeams(DomainError):
    status = 409
    default_message = _l("You are already in as many teams as this programme allows. Leave one first.")


class NameTaken(DomainError):
    default_message = _l("That name is already used here. Choose another.")


# ---- programmes ----------------------------------------------------------------------------

def programmes(db) -> list[Programme]:
    return list(db.scalars(select(Programme).order_by(Programme.starts_on.desc(), Programme.id.desc())))


def get_programme(db, programme_id: int) -> Programme | None:
    return db.scalar(select(Programme).where(Programme.id == programme_id))


def create_programme(db, *, name: str, goal: str, starts_on: date, ends_on: date, **rules) -> Programme:
    _check_dates(starts_on, ends_on)
    programme = Programme(name=name.strip(), goal=(goal or "").strip(), starts_on=starts_on, ends_on=ends_on,
                          phase=PHASES[0], **_team_rules(**rules))
    programme.phases = [ProgrammePhase(phase=p, position=i) for i, p in enumerate(PHASES)]
    db.add(programme)
    db.flush()
    return programme


def update_programme(db, programme: Programme, *, name: str, goal: str, starts_on: date, ends_on: date,
                     phase_dates: dict[str, tuple[date | None, date | None]], **rules) -> None:
    _check_dates(starts_on, ends_on)
    _check_phase_dates(phase_dates)
    for phase, (start, end) in phase_dates.items():
        row = programme.phase_row(phase)
        row.starts_on, row.ends_on = start, end
    programme.name, programme.goal = name.strip(), (goal or "").strip()
    programme.starts_on, programme.ends_on = starts_on, ends_on
    for key, value in _team_rules(**rules).items():
        setattr(programme, key, value)


def advance_phase(programme: Programme) -> str:
    """Move the programme on to its next phase (after the last one it is closed)."""
    if programme.phase == CLOSED:
        raise ProgrammeRuleError(_l("The programme has already ended."))
    position = PHASES.index(programme.phase)
    programme.phase = PHASES[position + 1] if position + 1 < len(PHASES) else CLOSED
    return programme.phase


def deadline(programme: Programme) -> date | None:
    row = programme.phase_row(programme.phase)
    return row.ends_on if row else None


def _check_phase_dates(phase_dates: dict[str, tuple[date | None, date | None]]) -> None:
    """Each phase ends after it starts, and starts once the one before it has ended; the message names the
    phase, as the form has a "Starts on" and a "Deadline" for each of them."""
    previous = None
    for phase in (p for p in PHASES if p in phase_dates):
        start, end = phase_dates[phase]
        if start and end and end < start:
            raise ProgrammeRuleError(_l("Phase %(phase)s: the deadline is before the start.",
                                        phase=PHASE_LABELS[phase]), field=f"{phase}_ends_on")
        if previous and start and phase_dates[previous][1] and start < phase_dates[previous][1]:
            raise ProgrammeRuleError(_l("Phase %(phase)s starts before phase %(previous)s ends: the phases "
                                        "follow each other.", phase=PHASE_LABELS[phase],
                                        previous=PHASE_LABELS[previous]), field=f"{phase}_starts_on")
        previous = phase


def _check_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise ProgrammeRuleError(_l("The programme cannot end before it starts."), field="ends_on")


def _team_rules(min_team_size=4, max_team_size=10, teams_per_person=1, min_legacy_orgs_per_team=2) -> dict:
    if not 1 <= min_team_size <= max_team_size:
        raise ProgrammeRuleError(_l("The largest team size must be at least the smallest."), field="max_team_size")
    return {"min_team_size": min_team_size, "max_team_size": max_team_size,
            "teams_per_person": teams_per_person, "min_legacy_orgs_per_team": min_legacy_orgs_per_team}


# ---- themes and sponsors -------------------------------------------------------------------

def themes(db, programme: Programme) -> list[Theme]:
    return list(db.scalars(select(Theme).where(Theme.programme_id == programme.id).order_by(Theme.title)))


def get_theme(db, theme_id: int) -> Theme | None:
    return db.scalar(select(Theme).where(Theme.id == theme_id))


def save_theme(db, programme: Programme, theme: Theme | None, *, title: str, problem: str, why_it_matters: str,
               desired_outcome: str, pillar: str) -> Theme:
    title = title.strip()
    clash = select(Theme.id).where(Theme.programme_id == programme.id, func.lower(Theme.title) == title.lower())
    if theme is not None:
        clash = clash.where(Theme.id != theme.id)
    if db.scalar(clash):
        raise NameTaken(field="title")
    if theme is None:
        theme = Theme(programme_id=programme.id)
        db.add(theme)
    theme.title, theme.problem, theme.why_it_matters = title, problem.strip(), why_it_matters.strip()
    theme.desired_outcome, theme.pillar = desired_outcome.strip(), pillar.strip()
    db.flush()
    return theme


def sponsors(db, theme: Theme) -> list[Sponsor]:
    return list(db.scalars(select(Sponsor).where(Sponsor.theme_id == theme.id).order_by(Sponsor.id)))


def set_sponsors(db, theme: Theme, membership_ids: list[int]) -> None:
    """Appoint exactly these members as the theme's sponsors (management does this)."""
    wanted = set(membership_ids)
    known = set(db.scalars(select(Membership.id).where(Membership.id.in_(wanted)))) if wanted else set()
    if known != wanted:
        raise DomainError(_l("Choose sponsors from the listed people."), field="sponsor_ids")
    for sponsor in sponsors(db, theme):
        if sponsor.membership_id not in wanted:
            db.delete(sponsor)
        wanted.discard(sponsor.membership_id)
    for membership_id in sorted(wanted):
        db.add(Sponsor(theme_id=theme.id, membership_id=membership_id))
    db.flush()


def is_sponsor(db, theme: Theme, membership: Membership) -> bool:
    return db.scalar(select(Sponsor.id).where(Sponsor.theme_id == theme.id,
                                              Sponsor.membership_id == membership.id)) is not None


# ---- supporters ----------------------------------------------------------------------------

def supporters(db, theme: Theme) -> list[Supporter]:
    return list(db.scalars(select(Supporter).where(Supporter.theme_id == theme.id).order_by(Supporter.created_at)))


def supporter_count(db, theme: Theme) -> int:
    """How many support the theme, counted (the recruit page of a theme with thousands of supporters)."""
    return db.scalar(select(func.count(Supporter.id)).where(Supporter.theme_id == theme.id)) or 0


def supporter_of(db, theme: Theme, membership: Membership) -> Supporter | None:
    return db.scalar(select(Supporter).where(Supporter.theme_id == theme.id,
                                             Supporter.membership_id == membership.id))


def support(db, theme: Theme, membership: Membership, motivation: str = "", *,
            tell_sponsors: bool = False) -> tuple[Supporter, bool]:
    """Support a theme in one click; supporting twice keeps the first and updates the motivation.

    With `tell_sponsors` (support given on the theme's page) the theme's other sponsors hear of a new supporter."""
    existing = supporter_of(db, theme, membership)
    if existing is not None:
        if motivation.strip():
            existing.motivation = motivation.strip()
        return existing, False
    supporter = Supporter(theme_id=theme.id, membership_id=membership.id, motivation=motivation.strip())
    db.add(supporter)
    db.flush()
    if tell_sponsors:
        notices.new_supporter(db, theme, membership,
                              [s.membership for s in sponsors(db, theme) if s.membership_id != membership.id])
    return supporter, True


def withdraw_support(db, theme: Theme, membership: Membership) -> None:
    if _teams_of_member_under(db, theme, membership):
        raise ProgrammeRuleError(_l("Leave your team under this theme before you withdraw your support."))
    supporter = supporter_of(db, theme, membership)
    if supporter is not None:
        db.delete(supporter)


def recruit_candidates(db, theme: Theme, sponsor: Membership, criteria: people.Criteria = people.Criteria(), *,
                       number: int = 1, size: int = 50) -> Page:
    """A page of whom a sponsor may invite to support the theme (members who do not support it yet), found
    as on the People page (saas.programme.people)."""
    return people.find(db, criteria, number=number, size=size, among=_candidates(theme, sponsor))


def recruitable(db, theme: Theme, sponsor: Membership, membership_ids) -> list[Membership]:
    """Which of `membership_ids` (a page's worth at most) the sponsor may invite: the choices a posted
    invitation is checked against."""
    wanted = sorted(set(membership_ids))[:RECRUIT_AT_ONCE]
    return list(db.scalars(select(Membership).where(Membership.id.in_(wanted), *_candidates(theme, sponsor))))


def invite_to_support(db, theme: Theme, sponsor: Membership, membership_ids, note: str) -> int:
    """The sponsor invites the chosen candidates; returns how many were invited."""
    return notices.recruitment(db, theme, sponsor, recruitable(db, theme, sponsor, membership_ids), note)


def _candidates(theme: Theme, sponsor: Membership) -> list:
    return [~exists().where(Supporter.theme_id == theme.id, Supporter.membership_id == Membership.id,
                            Supporter.tenant_id == Membership.tenant_id),
            Membership.id != sponsor.id]


def message_supporters(db, theme: Theme, subject: str, body: str) -> int:
    """The sponsor's message to everyone who supports the theme; returns how many received it."""
    people = [s.membership for s in supporters(db, theme)]
    return notices.sponsor_message(db, theme, people, subject.strip(), body.strip())


def counts_by_legacy_org(people) -> list[tuple[str, int]]:
    """How many of these people came from each legacy organisation (None: none, or joined later)."""
    counts = Counter(p.membership.legacy_org.name if p.membership.legacy_org else None for p in people)
    return sorted(counts.items(), key=lambda item: (item[0] is None, item[0] or ""))


def supporter_counts(db, theme: Theme) -> list[tuple[str | None, int]]:
    """`counts_by_legacy_org` of the theme's supporters, counted by the database: a theme of a large tenant has
    thousands of supporters, and loading each (with their person) took seconds (bench/home.py)."""
    rows = db.execute(select(LegacyOrganisation.name, func.count())
                      .select_from(Supporter).join(Membership, Membership.id == Supporter.membership_id)
                      .outerjoin(LegacyOrganisation, LegacyOrganisation.id == Membership.legacy_org_id)
                      .where(Supporter.theme_id == theme.id).group_by(LegacyOrganisation.name))
    return sorted(((name, count) for name, count in rows), key=lambda item: (item[0] is None, item[0] or ""))


# ---- teams ---------------------------------------------------------------------------------

def teams_of_theme(db, theme: Theme) -> list[Team]:
    return list(db.scalars(select(Team).where(Team.theme_id == theme.id).order_by(Team.name)))


def team_sizes_of_theme(db, theme: Theme) -> list[tuple[Team, int]]:
    """The theme's teams by name, each with how many people are in it, in one statement (not the members)."""
    size = (select(func.count()).select_from(TeamMember).where(TeamMember.team_id == Team.id)
            .correlate(Team).scalar_subquery())
    return [(team, count) for team, count in db.execute(
        select(Team, size).where(Team.theme_id == theme.id).order_by(Team.name)
        .options(lazyload(Team.members)))]


def teams_of_programme(db, programme: Programme) -> list[tuple[Team, Theme]]:
    return list(db.execute(select(Team, Theme).join(Theme, Theme.id == Team.theme_id)
                           .where(Theme.programme_id == programme.id).order_by(Theme.title, Team.name)).all())


def get_team(db, team_id: int) -> Team | None:
    return db.scalar(select(Team).where(Team.id == team_id))


def propose_team(db, programme: Programme, theme: Theme, membership: Membership, *, name: str,
                 goal: str) -> Team:
    """A supporter proposes a team under the theme and becomes its first member and lead."""
    _check_phase_allows_teams(programme)
    name = name.strip()
    if db.scalar(select(Team.id).where(Team.theme_id == theme.id, func.lower(Team.name) == name.lower())):
        raise NameTaken(field="name")
    _lock_membership(db, membership)
    _check_room_for_another_team(db, programme, membership)
    support(db, theme, membership)
    team = Team(theme_id=theme.id, name=name, goal=(goal or "").strip())
    team.members = [TeamMember(membership_id=membership.id, is_lead=True)]
    db.add(team)
    db.flush()
    return team


def join_team(db, programme: Programme, team: Team, membership: Membership, *,
              tell_team: bool = False) -> tuple[TeamMember, bool]:
    """Join a team; safe when several people join the same team at the same moment.

    Returns the team membership and whether it is new (joining twice changes nothing). With `tell_team`
    (joined on the team's page) the team's other members hear of the newcomer."""
    _check_phase_allows_teams(programme)
    # Lock the team row, then the person's membership: concurrent joins queue up here, so the size
    # and teams-per-person checks below see every earlier join (PostgreSQL SELECT ... FOR UPDATE).
    db.execute(select(Team.id).where(Team.id == team.id).with_for_update())
    _lock_membership(db, membership)
    db.refresh(team, attribute_names=["members"])
    if any(m.membership_id == membership.id for m in team.members):
        return next(m for m in team.members if m.membership_id == membership.id), False
    if len(team.members) >= programme.max_team_size:
        raise TeamFull()
    _check_room_for_another_team(db, programme, membership)
    theme = db.get(Theme, team.theme_id)
    support(db, theme, membership)
    member = TeamMember(membership_id=membership.id, is_lead=not team.members)
    team.members.append(member)  # through the collection, so the team object stays up to date
    db.flush()
    if tell_team:
        notices.team_joined(db, team, theme, membership,
                            [m.membership for m in team.members if m.membership_id != membership.id])
    return member, True


def why_not_leave(programme: Programme, *, pitch_submitted: bool):
    """Why a member may not leave their team now (a translated message), or None when they may: the one rule
    that both the team page (which shows the button, or this reason instead) and `leave_team` follow."""
    if programme.phase not in ("recruitment", "team_work"):
        return _l("Teams are formed in the recruitment and team-work phases only, so you stay in this team now.")
    if pitch_submitted:
        return _l("The team's pitch has been submitted: its members stay until the decision.")
    return None


def leave_team(db, programme: Programme, team: Team, membership: Membership, *, pitch_submitted: bool) -> None:
    """Leave a team while teams form; not once its pitch is submitted (it was judged with you in it).
    Whether it is, the pitches say (saas.pitches.service.is_submitted): they build on teams, not teams on them."""
    _check_phase_allows_teams(programme)
    db.execute(select(Team.id).where(Team.id == team.id).with_for_update())
    db.refresh(team, attribute_names=["members"])
    reason = why_not_leave(programme, pitch_submitted=pitch_submitted)
    if reason is not None:
        raise ProgrammeRuleError(reason)
    member = next((m for m in team.members if m.membership_id == membership.id), None)
    if member is None:
        return
    team.members.remove(member)
    if member.is_lead and team.members:
        team.members[0].is_lead = True  # the longest-standing member leads on
    db.flush()


def set_lead(team: Team, membership_id: int) -> None:
    if not any(m.membership_id == membership_id for m in team.members):
        raise DomainError(_l("The lead must be a member of the team."), field="lead")
    for member in team.members:
        member.is_lead = member.membership_id == membership_id


def legacy_mix(team: Team) -> int:
    """How many different legacy organisations the team's members come from."""
    return len({m.membership.legacy_org_id for m in team.members if m.membership.legacy_org_id})


def mix_ok(programme: Programme, team: Team) -> bool:
    return programme.min_legacy_orgs_per_team == 0 or legacy_mix(team) >= programme.min_legacy_orgs_per_team


def is_team_member(team: Team, membership: Membership) -> bool:
    return any(m.membership_id == membership.id for m in team.members)


def _check_phase_allows_teams(programme: Programme) -> None:
    if programme.phase not in ("recruitment", "team_work"):
        raise ProgrammeRuleError(_l("Teams are formed in the recruitment and team-work phases only."))


def _lock_membership(db, membership: Membership) -> None:
    db.execute(select(Membership.id).where(Membership.id == membership.id).with_for_update())


def _check_room_for_another_team(db, programme: Programme, membership: Membership) -> None:
    current = db.scalar(
        select(func.count()).select_from(TeamMember)
        .join(Team, Team.id == TeamMember.team_id).join(Theme, Theme.id == Team.theme_id)
        .where(TeamMember.membership_id == membership.id, Theme.programme_id == programme.id)
    )
    if current >= programme.teams_per_person:
        raise TooManyTeams()


def _teams_of_member_under(db, theme: Theme, membership: Membership) -> list[int]:
    return list(db.scalars(select(Team.id).join(TeamMember, TeamMember.team_id == Team.id)
                           .where(Team.theme_id == theme.id, TeamMember.membership_id == membership.id)))
