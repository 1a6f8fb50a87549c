"""What the admin's survey pages set in motion: who a wave asks, launching it, reminders, the
response rates (under the k rule of DESIGN.md §3) and importing earlier results.

Plain functions on a tenant-scoped session. The mails themselves go out from jobs
(saas.surveys.jobs), so a page never waits for them; the jobs use the functions here too.
Nothing here ever tells who answered: an invitation only knows *whether* it was answered, and the
response rates show counts of groups of at least k invited people.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from saas.anonymity import people
from saas.kernel.db import utcnow
from saas.kernel.errors import DomainError
from saas.kernel import tokens
from saas.kernel.jobs import enqueue_after_commit
from saas.kernel.mail import on_base_url
from saas.programme.models import Team, TeamMember
from saas.surveys import codes, service
from saas.surveys.models import SurveyInvitation, Wave
from tenants.models import LegacyOrganisation, Membership, Role

SHOWN, TOO_SMALL, PROTECTS = "shown", "too_small", "protects"  # a RateRow's status: as the page shows it
# A reminder renews a link (only hashes are kept, so the old link cannot be mailed again) and so kills the
# link mailed before. It leaves alone whoever was mailed less than this before the reminder was asked
# for: a newcomer invited minutes earlier keeps their link, and gets the next reminder.
REMINDER_MIN_AGE = timedelta(hours=24)


# ---- who is asked ---------------------------------------------------------------------------

def audience(db, wave: Wave) -> list[Membership]:
    """Everyone the wave asks, in a stable order.

    No legacy organisation and no team chosen: every member. Otherwise the members of the chosen
    legacy organisations together with the members of the chosen teams. Consultants who hold no
    other role come from outside the organisation and are never asked.
    """
    people = [m for m in db.scalars(select(Membership).order_by(Membership.id)) if m.roles - {Role.CONSULTANT}]
    orgs, teams = set(wave.audience_legacy_org_ids or ()), set(wave.audience_team_ids or ())
    if not orgs and not teams:
        return people
    in_teams = set(db.scalars(select(TeamMember.membership_id).where(TeamMember.team_id.in_(teams)))) \
        if teams else set()
    return [m for m in people if m.legacy_org_id in orgs or m.id in in_teams]


# ---- launching and reminding ----------------------------------------------------------------

class CloseDatePassed(DomainError):
    default_message = _l("The close date has passed. Change the close date before you launch the wave.")


class NobodyToRemind(DomainError):
    status = 409
    default_message = _l("Everyone who was invited has answered: there is nobody to remind.")


class TooSoonToRemind(DomainError):
    status = 409
    default_message = _l("Everyone who has not answered was mailed their link less than 24 hours ago. A reminder "
                         "would replace that link, so it goes only to people mailed at least 24 hours ago: please "
                         "send it later.")


class ReminderAlreadySent(DomainError):
    status = 409
    default_message = _l("This reminder has already been sent.")


def launch(db, tenant, wave: Wave, *, send_invitations: bool, today: date | None = None) -> None:
    """Open the wave; with `send_invitations`, a job then mails everyone in the audience their own link."""
    today = today or date.today()
    if wave.status == "draft" and wave.closes_on is not None and wave.closes_on < today:
        raise CloseDatePassed(field="closes_on")
    service.open_wave(db, tenant, wave)
    if send_invitations:
        enqueue_after_commit(db, "saas.surveys.jobs.send_wave_invitations", tenant.id, wave.id)


class NobodyNew(DomainError):
    status = 409
    default_message = _l("Everyone in the audience has been invited already.")


def newcomers(db, wave: Wave) -> list[Membership]:
    """People in the wave's audience without an invitation: they joined after the launch. None for a
    wave launched without personal invitations (it is answered through its open link)."""
    invited = set(db.scalars(select(SurveyInvitation.membership_id).where(
        SurveyInvitation.wave_id == wave.id, SurveyInvitation.membership_id.is_not(None))))  # codes name nobody
    if not invited:
        return []
    return [m for m in audience(db, wave) if m.id not in invited]


def request_newcomer_invitations(db, tenant, wave: Wave) -> int:
    """Have the invitation job mail everyone who joined the audience after the launch; returns how many."""
    if not wave.takes_answers_on(date.today()):
        raise service.WaveNotOpen()
    count = len(newcomers(db, wave))
    if not count:
        raise NobodyNew()
    # The same job as at launch: it invites exactly those without an invitation, once.
    enqueue_after_commit(db, "saas.surveys.jobs.send_wave_invitations", tenant.id, wave.id, unique=True)
    return count


def next_reminder_round(db, wave: Wave) -> int:
    sent = db.scalar(select(func.max(SurveyInvitation.reminders_sent)).where(SurveyInvitation.wave_id == wave.id))
    return (sent or 0) + 1


def request_reminders(db, tenant, wave: Wave, round_: int) -> None:
    """Have a job remind everyone who has not answered. The page names the round it means, so a second
    click on the same button asks for the same round, which the job sends only once."""
    if wave.status != "open":
        raise service.WaveNotOpen()
    if not wave.takes_answers_on(date.today()):
        raise DomainError(_l("The close date has passed: nobody can answer any more, so no reminder is sent."))
    if round_ < next_reminder_round(db, wave):
        raise ReminderAlreadySent()
    if round_ > next_reminder_round(db, wave):
        raise DomainError(_l("Please reload the page and try again."))
    if not unanswered(db, wave):
        raise NobodyToRemind()
    asked_at = utcnow()
    if not unanswered(db, wave, mailed_before=reminder_cutoff(asked_at)):
        raise TooSoonToRemind()
    # The moment it was asked for goes with the job (as a whole number: job records hold only numbers),
    # so whoever is invited between now and the job's run is not reminded either.
    enqueue_after_commit(db, "saas.surveys.jobs.send_survey_reminders", tenant.id, wave.id, round_,
                         int(asked_at.timestamp()))


def reminder_cutoff(asked_at: datetime | int) -> datetime:
    """A reminder asked for at `asked_at` (a datetime, or seconds since 1970) goes to links mailed before this."""
    if isinstance(asked_at, int):
        asked_at = datetime.fromtimestamp(asked_at, timezone.utc)
    return asked_at - REMINDER_MIN_AGE


def unanswered(db, wave: Wave, *, below_round: int | None = None, mailed_before: datetime | None = None,
               lock: bool = False) -> list[SurveyInvitation]:
    """Personal invitations not answered (yet); answer codes are no one's, so nobody is reminded of them.
    With `lock`, someone answering right now is waited for and left out.
    `mailed_before`: only those whose link was mailed before then (or before mailing times were kept)."""
    query = select(SurveyInvitation).where(SurveyInvitation.wave_id == wave.id,
                                           SurveyInvitation.membership_id.is_not(None),
                                           SurveyInvitation.answered.is_(False))
    if below_round is not None:
        query = query.where(SurveyInvitation.reminders_sent < below_round)
    if mailed_before is not None:
        query = query.where(or_(SurveyInvitation.mailed_at.is_(None), SurveyInvitation.mailed_at <= mailed_before))
    query = query.order_by(SurveyInvitation.id)
    return list(db.scalars(query.with_for_update() if lock else query))


def open_invitations(db, membership, today: date) -> list[tuple[Wave, SurveyInvitation]]:
    """The waves a member is invited to that take answers today, newest first, with their invitation
    (answered or not)."""
    rows = db.execute(select(Wave, SurveyInvitation).join(SurveyInvitation, SurveyInvitation.wave_id == Wave.id)
                      .where(SurveyInvitation.membership_id == membership.id, Wave.status == "open",
                             or_(Wave.closes_on.is_(None), Wave.closes_on >= today))
                      .order_by(Wave.id.desc()))
    return [(wave, invitation) for wave, invitation in rows]


def invitation_of(db, wave_id: int, membership) -> SurveyInvitation | None:
    """A member's own invitation to an open wave."""
    return db.scalar(select(SurveyInvitation).join(Wave, Wave.id == SurveyInvitation.wave_id)
                     .where(SurveyInvitation.wave_id == wave_id, SurveyInvitation.membership_id == membership.id,
                            Wave.status == "open"))


def renew_token(invitation: SurveyInvitation) -> str:
    """A new personal link; the old one stops working. A half-finished draft stays with the invitation."""
    return tokens.renew_token(invitation)


def open_link(settings, tenant, token: str) -> str:
    """The wave's open link on BASE_URL, as it is handed out (the personal links are in the mails)."""
    with on_base_url():
        return url_for("respond.open_link", slug=tenant.slug, open_token=token, _external=True)


def invitation_counts(db, wave: Wave) -> tuple[int, int]:
    """(invited, answered) for the whole wave."""
    invited, answered = db.execute(
        select(func.count(), func.count().filter(SurveyInvitation.answered.is_(True)))
        .where(SurveyInvitation.wave_id == wave.id)).one()
    return invited or 0, answered or 0


# ---- response rates -------------------------------------------------------------------------

@dataclass(frozen=True)
class RateRow:
    label: str
    invited: int
    answered: int
    status: str = SHOWN

    @property
    def shown(self) -> bool:
        return self.status == SHOWN

    @property
    def percent(self) -> int:
        return int(100 * self.answered / self.invited + 0.5) if self.invited else 0  # half up, not to even


@dataclass(frozen=True)
class ResponseRates:
    k: int
    total: RateRow
    by_legacy_org: list[RateRow]
    by_team: list[RateRow]
    by_batch: list[RateRow] = ()  # per batch of answer codes (saas.surveys.codes)


def participation_pattern(db, tenant, wave: Wave, *, pattern: dict | None = None) -> dict:
    """The response rates' pattern, decided once and stored with the wave's release, and under
    "counts" the numbers a reading shows with it (`stored_counts`): a closed wave's invitations no
    longer change, so a reading need not count them again. `pattern`: one decided earlier (a release
    that repeats an earlier one keeps its pattern; only the counts are taken now)."""
    invited, answered = _signatures(db, wave)
    shown = people.from_json(pattern) if pattern else people.audit(invited, service.min_group_size(db, tenant, wave))
    return {**people.to_json(shown), "counts": _counts(invited, answered, shown)}


def _counts(invited: dict, answered: dict, shown) -> dict:
    """Invited and answered per legacy organisation and per team, by id (None: none or not known; no
    labels: they are looked up and translated when read). Answered only where the pattern shows it."""
    def rows(kind, sizes, answered_in, key_of=lambda key: key):
        return [[key, size,
                 answered_in.get(key, 0) if shown.overall and shown.reason(kind, key_of(key)) is None else 0]
                for key, size in sorted(sizes.items(), key=lambda item: (item[0] is None, item[0] or 0))]

    team_invited, team_answered = people.team_sizes(invited), people.team_sizes(answered)
    return {"invited": sum(invited.values()), "answered": sum(answered.values()) if shown.overall else 0,
            "orgs": rows("org", people.org_sizes(invited), people.org_sizes(answered)),
            "teams": rows("team", *_teams_only(team_invited, team_answered)),
            "batches": rows("team", *_batches_only(team_invited, team_answered), key_of=people.batch_key)}


def _teams_only(*sizes: dict) -> list[dict]:
    return [{key: n for key, n in size.items() if people.batch_of(key) is None} for size in sizes]


def _batches_only(*sizes: dict) -> list[dict]:
    """The sizes of the batches of answer codes, by batch id (they sit among the team groups)."""
    return [{people.batch_of(key): n for key, n in size.items() if people.batch_of(key) is not None}
            for size in sizes]


def _signatures(db, wave: Wave) -> tuple[dict, dict]:
    """({(organisation, teams): invited}, {(organisation, teams): answered}), counted by the database. An
    answer code's batch is among its teams (saas.anonymity.people.batch_key): one more group the audit weighs."""
    import json

    from sqlalchemy import Text, cast

    invited: dict[tuple, int] = {}
    answered: dict[tuple, int] = {}
    teams = cast(SurveyInvitation.team_ids, Text)
    for done, org_id, team_ids, batch_id, count in db.execute(
            select(SurveyInvitation.answered, SurveyInvitation.legacy_org_id, teams, SurveyInvitation.batch_id,
                   func.count())
            .where(SurveyInvitation.wave_id == wave.id)
            .group_by(SurveyInvitation.answered, SurveyInvitation.legacy_org_id, teams, SurveyInvitation.batch_id)):
        groups = set(json.loads(team_ids) if isinstance(team_ids, str) else team_ids or ())
        if batch_id is not None:
            groups.add(people.batch_key(batch_id))
        signature = (org_id, frozenset(groups))
        invited[signature] = invited.get(signature, 0) + count
        answered[signature] = answered.get(signature, 0) + (count if done else 0)
    return invited, answered


# How the page and the report name the audit's reasons (saas.anonymity.people).
_STATUS = {people.FEWER_THAN_K: TOO_SMALL, people.COMPLEMENTARY: PROTECTS}


def response_rates(db, tenant, wave: Wave, *, stored: dict | None = None, teams: bool = True) -> ResponseRates:
    """Invited and answered per legacy organisation and per team, as far as the audit allows.

    The organisation and teams are each invitation's, frozen when it was made: who moved or changed
    teams since changes nothing here. A person in several teams counts in each. People without a
    legacy organisation, or in no team, form a group of their own. Which groups are shown is decided
    by saas.anonymity.people, for both tables together, with the people as atoms.

    `stored`: the release's participation (`participation_pattern`); when it holds the counts, nothing
    is counted. `teams=False`: no rows per team (by_team empty; the report shows none).
    """
    k = service.min_group_size(db, tenant, wave)
    counts = (stored or {}).get("counts")
    if counts is not None:
        # A released wave's audience no longer changes: its pattern and counts were taken once, at the release.
        shown = people.from_json(stored)
        total_invited, total_answered = counts["invited"], counts["answered"]
        org_invited, org_answered = _split(counts["orgs"])
        team_invited, team_answered = _split(counts["teams"]) if teams else ({}, {})
        batch_invited, batch_answered = _split(counts.get("batches", []))
    else:
        invited, answered = _signatures(db, wave)
        shown = people.from_json(stored) if stored else people.audit(invited, k)
        total_invited, total_answered = sum(invited.values()), sum(answered.values())
        org_invited, org_answered = people.org_sizes(invited), people.org_sizes(answered)
        all_invited, all_answered = people.team_sizes(invited), people.team_sizes(answered)
        team_invited, team_answered = _teams_only(all_invited, all_answered) if teams else ({}, {})
        batch_invited, batch_answered = _batches_only(all_invited, all_answered)
    total = RateRow(str(_l("All invited people")), total_invited, total_answered)
    if not shown.overall:
        return ResponseRates(k, RateRow(total.label, total.invited, 0, TOO_SMALL), [], [])

    def breakdown(kind, sizes, answered_in, names, nobody_label, key_of=lambda key: key):
        rows = []
        for key, size in sizes.items():
            reason = shown.reason(kind, key_of(key))
            count = answered_in.get(key, 0) if reason is None else 0
            label = names.get(key, "") if key is not None else str(nobody_label)
            rows.append((key is None, label.casefold(), RateRow(label, size, count, _STATUS.get(reason, SHOWN))))
        return [row for *_order, row in sorted(rows, key=lambda item: item[:2])]

    org_names = dict(db.execute(select(LegacyOrganisation.id, LegacyOrganisation.name)).all())
    # the names only, not every member; none when the caller shows no teams
    team_names = dict(db.execute(select(Team.id, Team.name)).all()) if teams else {}
    return ResponseRates(
        k, total,
        breakdown("org", org_invited, org_answered, org_names, _l("No legacy organisation, or not known")),
        breakdown("team", team_invited, team_answered, team_names, _l("In no team")),
        breakdown("team", batch_invited, batch_answered, _batch_names(db, wave, set(batch_invited)), "",
                  key_of=people.batch_key),
    )


def _batch_names(db, wave: Wave, batch_ids: set) -> dict:
    """How the rates name each batch of answer codes: its group and when it was ordered."""
    return codes.batch_names(db, wave) if batch_ids else {}


def _split(rows: list) -> tuple[dict, dict]:
    """Stored [[id, invited, answered], ...] as ({id: invited}, {id: answered})."""
    return {key: size for key, size, _n in rows}, {key: n for key, _s, n in rows}
