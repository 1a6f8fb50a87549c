"""What each section of a person's home shows, gathered from the features it reads (read-only).

A section per role: a person with several roles sees the sections of each. Participation is shown as
the features' own pages show it: a whole wave's or pulse check's "N invited, M answered" through the
same functions the wave and pulse check pages use, never live counts per group (those are the released,
audited response rates of `saas.surveys.invitations.response_rates`, on the wave's own page).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from saas.administration import service as administration
from saas.anonymity import releases
from saas.kernel.db import utcnow
from saas.leadership import feedback, pulses
from saas.leadership.models import PulseRound
from saas.pitches import review
from saas.pitches import service as pitches
from saas.pitches.models import Pitch
from saas.programme import service as programme_service
from saas.programme.models import CLOSED, Programme, Sponsor, Supporter, Team, TeamMember, Theme
from saas.reports import boardpack
from saas.reports.service import readable_waves
from saas.strategy.models import KnowledgeDay, Signup, Workshop
from saas.surveys import invitations
from saas.surveys.models import Wave, WorksCouncilConsent
from tenants import service as tenancy
from tenants.models import Invitation, Membership, MembershipRole, Role
from tenants.scoping import current_tenant_id, set_scope

SECTIONS = ("admin", "consultant", "management", "works_council", "sponsor", "member")


# ---- the page ------------------------------------------------------------------------------

def sections(membership: Membership) -> list[str]:
    """The sections this person sees, in the order of the page."""
    roles = membership.roles
    shown = [s for s in SECTIONS if s in roles]
    if Role.SPONSOR in roles and Role.MEMBER not in roles:
        shown.append("member")  # a sponsor also answers surveys and may be in a team
    return shown


def home(db, tenant, membership: Membership, today: date, since: datetime | None = None) -> dict:
    """Every section this person sees, by name; the management and admin sections once, also for a consultant.
    `since`: their previous visit (`last_visit`), for what is new."""
    shown = sections(membership)
    found: dict = {"sections": shown, "legacy_orgs": tenancy.legacy_organisations(db)}
    found["answer"] = to_answer(db, membership, today)  # whoever is asked, whatever their roles
    if "member" in shown:
        found["member"] = member(db, membership, today)
    if "sponsor" in shown:
        found["sponsor"] = sponsor(db, membership)
    if {"management", "consultant"} & set(shown):
        found["management"] = management(db, membership, today)
    if "works_council" in shown:
        found["works_council"] = works_council(db, since)
    if {"admin", "consultant"} & set(shown):
        found["admin"] = admin(db, tenant, today)
    return found


# ---- a member ------------------------------------------------------------------------------

def to_answer(db, membership: Membership, today: date) -> dict:
    """The surveys, pulse checks and 360 requests open to this person and not answered yet, with close dates."""
    return {
        "surveys": [(w, i) for w, i in invitations.open_invitations(db, membership, today) if not i.answered],
        "pulses": [(p, i) for p, i in pulses.open_invitations(db, membership, today) if not i.answered],
        "feedback": [(r, i) for r, i in feedback.requests(db, membership, today) if not i.answered],
    }


def member(db, membership: Membership, today: date) -> dict:
    """Their teams and pitches, the themes they support, their workshops to come."""
    teams = []
    for team, theme in db.execute(select(Team, Theme).join(TeamMember, TeamMember.team_id == Team.id)
                                  .join(Theme, Theme.id == Team.theme_id)
                                  .where(TeamMember.membership_id == membership.id).order_by(Team.name)):
        teams.append({"team": team, "theme": theme, "pitch": pitches.pitch_of_team(db, team)})
    themes = list(db.scalars(select(Theme).join(Supporter, Supporter.theme_id == Theme.id)
                             .where(Supporter.membership_id == membership.id).order_by(Theme.title)))
    workshops = list(db.execute(
        select(Workshop, KnowledgeDay, Signup).join(Signup, Signup.workshop_id == Workshop.id)
        .join(KnowledgeDay, KnowledgeDay.id == Workshop.day_id)
        .where(Signup.membership_id == membership.id, KnowledgeDay.held_on >= today)
        .order_by(KnowledgeDay.held_on, Workshop.starts_at)))
    return {"teams": teams, "themes": themes, "workshops": workshops}


# ---- a sponsor -----------------------------------------------------------------------------

def sponsor(db, membership: Membership) -> list[dict]:
    """Per theme they sponsor: supporters per legacy organisation and the teams forming under it."""
    found = []
    for theme in db.scalars(select(Theme).join(Sponsor, Sponsor.theme_id == Theme.id)
                            .where(Sponsor.membership_id == membership.id).order_by(Theme.title)):
        by_legacy_org = programme_service.supporter_counts(db, theme)  # counted, not loaded: thousands of people
        found.append({"theme": theme, "supporters": sum(count for _name, count in by_legacy_org),
                      "by_legacy_org": by_legacy_org, "teams": programme_service.team_sizes_of_theme(db, theme)})
    return found


# ---- management ----------------------------------------------------------------------------

@dataclass
class Collection:
    """An open survey wave or pulse check: whole-collection participation, as its own page shows it."""
    kind: str  # "wave" | "pulse"
    id: int
    name: str
    closes_on: date | None
    invited: int
    answered: int


def current_programme(db, today: date) -> Programme | None:
    """The programme running now: the latest started one that has not ended, else the latest."""
    programmes = list(db.scalars(select(Programme).order_by(Programme.starts_on.desc(), Programme.id.desc())))
    running = [p for p in programmes if p.phase != CLOSED and p.starts_on <= today]
    return (running or [p for p in programmes if p.phase != CLOSED] or programmes or [None])[0]


def programme_status(db, today: date) -> dict | None:
    programme = current_programme(db, today)
    if programme is None:
        return None
    return {"programme": programme, "phase": programme_service.PHASE_LABELS[programme.phase],
            "deadline": programme_service.deadline(programme)}


def collections(db) -> list[Collection]:
    """Open waves and pulse checks, soonest closing first."""
    found = []
    for wave in db.scalars(select(Wave).where(Wave.status == "open")):
        invited, answered = invitations.invitation_counts(db, wave)
        found.append(Collection("wave", wave.id, wave.name, wave.closes_on, invited, answered))
    for pulse in db.scalars(select(PulseRound).where(PulseRound.status == "open")):
        invited, answered = pulses.invitation_counts(db, pulse)
        found.append(Collection("pulse", pulse.id, pulse.name, pulse.closes_on, invited, answered))
    return sorted(found, key=lambda c: (c.closes_on is None, c.closes_on or date.max, c.name))


def pitches_to_score(db, membership: Membership) -> list[tuple[Pitch, Team]]:
    """Submitted pitches a management member has not scored yet (none for whoever does not review)."""
    if not review.can_review(membership):
        return []
    return review.waiting_for_score(db, membership)


def management(db, membership: Membership, today: date) -> dict:
    return {"programme": programme_status(db, today), "to_score": pitches_to_score(db, membership),
            "collections": collections(db), "board_pack": boardpack.latest_wave(db)}


# ---- the works council ---------------------------------------------------------------------

def works_council(db, since: datetime | None = None) -> dict:
    """What is new for the works council since `since` (their previous visit; None: the first, when all
    is new): the waves released and the consent requests made since, newest release first; and how
    many there are in all, one click away (the reports list, the consent page)."""
    waiting, waiting_rounds = without_consent(db)
    closed = [w for w in readable_waves(db) if w.status == "closed"]
    released = releases.releases_of(db, "wave", [w.id for w in closed])
    new = sorted(((w, released[w.id]) for w in closed if w.id in released and _after(released[w.id].created_at, since)),
                 key=lambda item: (_utc(item[1].created_at), item[0].id), reverse=True)
    return {"since": since, "released": new,
            "waves": [w for w in waiting if _after(w.created_at, since)],
            "rounds": [r for r in waiting_rounds if _after(r.created_at, since)],
            "all_released": len(released), "all_waiting": len(waiting) + len(waiting_rounds)}


def last_visit(membership: Membership, remembered, now: datetime) -> datetime | None:
    """Record this look at the home and return when the person looked before this visit (None: never).

    Only for those whose home marks what is new (the works council). A visit is a browser session:
    `remembered` (the session) keeps the moment the visit started from, so reloading the home or
    coming back to it in the same session marks the same things new, not nothing."""
    if Role.WORKS_COUNCIL not in membership.roles:
        return None
    key = f"home_since_{membership.id}"
    if key not in remembered:
        remembered[key] = membership.home_seen_at.isoformat() if membership.home_seen_at else ""
    membership.home_seen_at = now
    return datetime.fromisoformat(remembered[key]) if remembered[key] else None


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)  # SQLite gives naive UTC


def _after(moment: datetime | None, since: datetime | None) -> bool:
    return since is None or (moment is not None and _utc(moment) > _utc(since))


def without_consent(db) -> tuple[list, list]:
    """Survey waves and pulse checks in preparation that have no consent of the works council yet."""
    waves, consents, rounds = administration.awaiting_consent(db)
    return [w for w in waves if w.id not in consents], [r for r in rounds if r.consent_on is None]


# ---- an admin ------------------------------------------------------------------------------

@dataclass
class Step:
    key: str
    label: object
    done: bool
    endpoint: str
    hint: object = ""
    who: frozenset = frozenset({Role.ADMIN})  # whose page the step's link opens


def checklist(db, tenant) -> list[Step]:
    """Setting up a new tenant, in order: legacy organisations, people, programme, consent, first survey."""
    orgs = len(tenancy.legacy_organisations(db))
    people = db.scalar(select(func.count()).select_from(Membership)) or 0
    invited = db.scalar(select(func.count()).select_from(Invitation)) or 0
    has_programme = db.scalar(select(func.count()).select_from(Programme)) > 0
    council = db.scalar(select(func.count()).select_from(MembershipRole)
                        .where(MembershipRole.role == Role.WORKS_COUNCIL)) > 0
    consented = db.scalar(select(func.count()).select_from(WorksCouncilConsent)) > 0
    launched = db.scalar(select(func.count()).select_from(Wave).where(Wave.status != "draft")) > 0
    return [
        Step("legacy_orgs", _l("Add the legacy organisations"), orgs >= 2, "tenant.legacy_orgs",
             _l("The organisations that merge: surveys compare them.")),
        Step("people", _l("Invite people"), people > 1 or invited > 0, "tenant.invitations",
             _l("Colleagues, management, the works council and sponsors, each with their roles.")),
        Step("programme", _l("Create the programme"), has_programme, "programme.programmes",
             _l("Its phases and deadlines, themes and teams."), frozenset(Role)),
        Step("consent", _l("Settle the works council's consent"),
             (council or not tenant.consent_required) and (consented or launched or not tenant.consent_required),
             "tenant.consent",
             _l("A works council member in Koers, and their consent before a survey opens when it is required."),
             frozenset({Role.ADMIN, Role.CONSULTANT, Role.WORKS_COUNCIL})),
        Step("first_survey", _l("Launch the first survey"), launched, "surveys.waves",
             _l("A baseline survey wave, sent to everyone."), frozenset({Role.ADMIN, Role.CONSULTANT})),
    ]


def attention(db, tenant, today: date, now: datetime) -> list[dict]:
    """What an admin should look at: collections waiting for consent, invitations not yet accepted, waves
    closing within a week. Each entry: its kind, a number or the wave."""
    found = []
    if tenant.consent_required:
        waiting = sum(map(len, without_consent(db)))
        if waiting:
            found.append({"kind": "consent", "num": waiting})
    pending = db.scalar(select(func.count()).select_from(Invitation).where(
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > now))
    if pending:
        found.append({"kind": "invitations", "num": pending})
    for wave in db.scalars(select(Wave).where(Wave.status == "open", Wave.closes_on.is_not(None),
                                              Wave.closes_on <= today + timedelta(days=7)).order_by(Wave.closes_on)):
        found.append({"kind": "closing", "wave": wave})
    return found


def admin(db, tenant, today: date) -> dict:
    steps = checklist(db, tenant)
    return {"steps": steps, "done": sum(s.done for s in steps), "attention": attention(db, tenant, today, utcnow())}


# ---- the start page: a line per client -----------------------------------------------------

def status_line(db, tenant, membership: Membership, today: date) -> dict:
    """One tenant's status for the start page, read in its own scope (the caller sets it)."""
    line: dict = {"tenant": tenant}
    if membership.roles & {Role.ADMIN, Role.CONSULTANT, Role.MANAGEMENT}:
        line["programme"] = programme_status(db, today)
        line["collections"] = len(collections(db))
    if membership.roles & {Role.ADMIN, Role.CONSULTANT}:
        steps = checklist(db, tenant)
        line["setup"] = (sum(s.done for s in steps), len(steps))
    return line


def status_lines(db, user, tenants, today: date) -> list[dict]:
    """A line per tenant of the start page: each read in that tenant's own scope, with the user's membership
    there (as on its pages); the session's scope is restored afterwards."""
    previous = current_tenant_id(db)
    lines = []
    try:
        for tenant in tenants:
            set_scope(db, tenant_id=tenant.id)
            membership = db.scalar(select(Membership).where(Membership.user_id == user.id))
            lines.append(status_line(db, tenant, membership, today) if membership is not None else {"tenant": tenant})
    finally:
        set_scope(db, tenant_id=previous)
    return lines
