"""Finding people in a tenant: search by name or e-mail address and filter by legacy organisation, role
and team, a page at a time. The admin's People page and a sponsor's recruit page use it; both read the
filters from the URL (`PeopleForm(request.args)`), so a filtered list is a link to share.

Here, below the administration, because the team filter reads the programme's teams. Every query is
tenant-scoped by construction (tenants.scoping); the search is saas.kernel.listing's.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, literal_column, select
from sqlalchemy.orm import contains_eager
from wtforms import SelectField

from saas.auth.models import User
from saas.kernel.listing import ListForm, Page, contains_words, page_of, words
from saas.programme.models import Programme, Team, TeamMember, Theme
from tenants.models import LegacyOrganisation, Membership, MembershipRole, Role

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.MANAGEMENT: _l("Central management"),
    Role.SPONSOR: _l("Sponsor"),
    Role.MEMBER: _l("Team member"),
    Role.WORKS_COUNCIL: _l("Works council"),
    Role.CONSULTANT: _l("Consultant"),
}
WITHOUT = "none"  # the legacy organisation filter's "none, or joined after the merger"


@dataclass(frozen=True)
class Criteria:
    """What a list of people is narrowed to. `legacy_org`: an id, WITHOUT, or None for everyone."""
    words: tuple[str, ...] = ()
    legacy_org: int | str | None = None
    role: str | None = None
    team_id: int | None = None


class PeopleForm(ListForm):
    """The people list's filters, read from the URL; `offer` fills in the tenant's choices first, so an
    unknown organisation, role or team is refused in the reader's language (a 400, never a 500)."""

    legacy_org = SelectField(_l("Legacy organisation"), default="", validate_choice=True)
    role = SelectField(_l("Role"), default="", validate_choice=True)
    team = SelectField(_l("Team"), default="", validate_choice=True)

    def offer(self, db) -> "PeopleForm":
        self.legacy_org.choices = [("", _l("All legacy organisations")),
                                   (WITHOUT, _l("None, or joined after the merger"))] + [
            (str(o.id), f"{o.name} ({o.code})") for o in db.scalars(
                select(LegacyOrganisation).order_by(LegacyOrganisation.name))]
        self.role.choices = [("", _l("All roles"))] + [(r.value, label) for r, label in ROLE_LABELS.items()]
        self.team.choices = [("", _l("All teams"))] + [(str(team_id), label) for team_id, label in team_choices(db)]
        return self

    def criteria(self) -> Criteria:
        legacy_org = self.legacy_org.data or None
        return Criteria(words=words(self.q.data), role=self.role.data or None,
                        legacy_org=int(legacy_org) if legacy_org not in (None, WITHOUT) else legacy_org,
                        team_id=int(self.team.data) if self.team.data else None)


def find(db, criteria: Criteria, *, number: int = 1, size: int = 50, among=()) -> Page:
    """One page of the people who meet `criteria` (and the extra conditions `among`), by name (as the
    database sorts: ordering by the folded name would fold every person of the tenant for every page); their
    user, legacy organisation and roles loaded with them (three queries: the count, the page, the roles)."""
    conditions = [*_conditions(criteria), *among]
    people = (select(Membership).join(User, User.id == Membership.user_id).options(contains_eager(Membership.user))
              .where(*conditions).order_by(User.name, Membership.id))
    count = select(func.count(Membership.id)).join(User, User.id == Membership.user_id).where(*conditions)
    return page_of(db, people, number=number, size=size, count=count)


def team_choices(db) -> list[tuple[int, str]]:
    """Every team of the tenant as the filter names it: "Team (theme, programme)", by programme and name."""
    rows = db.execute(select(Team.id, Team.name, Theme.title, Programme.name)
                      .join(Theme, Theme.id == Team.theme_id).join(Programme, Programme.id == Theme.programme_id)
                      .order_by(Programme.name, Team.name, Team.id))
    return [(team_id, f"{name} ({theme}, {programme})") for team_id, name, theme, programme in rows]


def _conditions(criteria: Criteria) -> list:
    conditions = []
    if criteria.words:
        conditions.append(contains_words(User.name.op("||")(literal_column("' '")).op("||")(User.email), criteria.words))
    if criteria.legacy_org == WITHOUT:
        conditions.append(Membership.legacy_org_id.is_(None))
    elif criteria.legacy_org is not None:
        conditions.append(Membership.legacy_org_id == criteria.legacy_org)
    if criteria.role:
        conditions.append(exists().where(MembershipRole.membership_id == Membership.id,
                                         MembershipRole.tenant_id == Membership.tenant_id,
                                         MembershipRole.role == criteria.role))
    if criteria.team_id is not None:
        conditions.append(exists().where(TeamMember.membership_id == Membership.id,
                                         TeamMember.tenant_id == Membership.tenant_id,
                                         TeamMember.team_id == criteria.team_id))
    return conditions
