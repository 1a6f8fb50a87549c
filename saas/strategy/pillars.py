"""Strategy pillars: what a programme's strategy rests on, and how far each pillar has come.

Functions take the session first and raise DomainErrors with a message for the user; views commit.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from saas.kernel.errors import DomainError
from saas.programme.models import Programme, Theme
from saas.strategy.models import (
    ActionPlan, DevelopmentGoal, ExpectationRound, KnowledgeDay, Pillar, PlanAction, Workshop,
)
from tenants.models import Membership, Role

# Who shapes the strategy; everyone in the tenant reads it.
EDITORS = (Role.ADMIN, Role.MANAGEMENT)


class PillarTitleTaken(DomainError):
    default_message = _l("This programme already has a pillar with that title.")


class PillarInUse(DomainError):
    status = 409
    default_message = _l("Actions, personal goals or expectation rounds are linked to this pillar. Link them to "
                         "another pillar first.")


class UnknownPillar(DomainError):
    default_message = _l("Choose one of the programme's pillars.")


@dataclass
class PillarProgress:
    """How far a pillar has come: the plans' actions done of all, and the personal goals linked to it."""

    pillar: Pillar
    actions_done: int = 0
    actions_total: int = 0
    goals: int = 0
    themes: list[Theme] = field(default_factory=list)

    @property
    def percent_done(self) -> int:
        return round(100 * self.actions_done / self.actions_total) if self.actions_total else 0


def may_edit(membership: Membership) -> bool:
    return membership.has_any(EDITORS)


# ---- reading -------------------------------------------------------------------------------

def pillars(db, programme: Programme) -> list[Pillar]:
    return list(db.scalars(select(Pillar).where(Pillar.programme_id == programme.id)
                           .order_by(Pillar.position, Pillar.id)))


def get_pillar(db, pillar_id: int) -> Pillar | None:
    return db.scalar(select(Pillar).where(Pillar.id == pillar_id))


def pillar_of_programme(db, programme: Programme, pillar_id: int | None, field_name: str = "pillar_id") -> Pillar:
    """The pillar with this id if it belongs to the programme; otherwise a message on the field."""
    pillar = get_pillar(db, pillar_id) if pillar_id else None
    if pillar is None or pillar.programme_id != programme.id:
        raise UnknownPillar(field=field_name)
    return pillar


def themes_of(db, pillar: Pillar) -> list[Theme]:
    return list(db.scalars(select(Theme).where(Theme.pillar_id == pillar.id).order_by(Theme.title)))


def progress(db, programme: Programme, year: int | None = None) -> list[PillarProgress]:
    """Per pillar, in order: actions done and in all (of one year's plans, or of all years), goals, themes."""
    rows = {p.id: PillarProgress(p) for p in pillars(db, programme)}
    actions = (select(PlanAction.pillar_id, PlanAction.status, func.count())
               .join(ActionPlan, ActionPlan.id == PlanAction.plan_id)
               .where(ActionPlan.programme_id == programme.id))
    if year is not None:
        actions = actions.where(ActionPlan.year == year)
    for pillar_id, status, count in db.execute(actions.group_by(PlanAction.pillar_id, PlanAction.status)):
        if pillar_id in rows:
            rows[pillar_id].actions_total += count
            if status == "done":
                rows[pillar_id].actions_done += count
    goals = (select(DevelopmentGoal.pillar_id, func.count()).where(DevelopmentGoal.pillar_id.in_(list(rows)))
             .group_by(DevelopmentGoal.pillar_id)) if rows else None
    for pillar_id, count in (db.execute(goals) if goals is not None else []):
        rows[pillar_id].goals = count
    for theme in db.scalars(select(Theme).where(Theme.programme_id == programme.id, Theme.pillar_id.is_not(None))
                            .order_by(Theme.title)):
        if theme.pillar_id in rows:
            rows[theme.pillar_id].themes.append(theme)
    return list(rows.values())


# ---- writing -------------------------------------------------------------------------------

def save_pillar(db, programme: Programme, pillar: Pillar | None, *, title: str, meaning: str,
                examples: str) -> Pillar:
    title = title.strip()
    clash = select(Pillar.id).where(Pillar.programme_id == programme.id, func.lower(Pillar.title) == title.lower())
    if pillar is not None:
        clash = clash.where(Pillar.id != pillar.id)
    if db.scalar(clash) is not None:
        raise PillarTitleTaken(field="title")
    if pillar is None:
        last = db.scalar(select(func.max(Pillar.position)).where(Pillar.programme_id == programme.id))
        pillar = Pillar(programme_id=programme.id, position=(last or 0) + 1)
        db.add(pillar)
    pillar.title, pillar.meaning, pillar.examples = title, (meaning or "").strip(), (examples or "").strip()
    db.flush()
    # the linked themes' free-text pillar follows a new title (see link_theme)
    db.execute(update(Theme).where(Theme.pillar_id == pillar.id).values(pillar=title)
               .execution_options(synchronize_session="fetch"))
    return pillar


def delete_pillar(db, pillar: Pillar) -> None:
    """Remove a pillar nothing depends on; themes and workshops that named it are simply unlinked."""
    in_use = (db.scalar(select(func.count()).select_from(PlanAction).where(PlanAction.pillar_id == pillar.id))
              or db.scalar(select(func.count()).select_from(DevelopmentGoal)
                           .where(DevelopmentGoal.pillar_id == pillar.id))
              or db.scalar(select(func.count()).select_from(ExpectationRound)
                           .where(ExpectationRound.pillar_id == pillar.id)))
    if in_use:
        raise PillarInUse()
    db.execute(update(Theme).where(Theme.pillar_id == pillar.id).values(pillar_id=None)
               .execution_options(synchronize_session="fetch"))
    db.execute(update(Workshop).where(Workshop.pillar_id == pillar.id).values(pillar_id=None)
               .execution_options(synchronize_session="fetch"))
    db.delete(pillar)
    db.flush()


def link_theme(db, programme: Programme, theme: Theme, pillar_id: int | None) -> None:
    """Let a theme serve one of its programme's pillars (or none). The theme's old free-text pillar
    follows the link, so pages that still show that text show the pillar's title."""
    if not pillar_id:
        theme.pillar_id = None
        return
    pillar = pillar_of_programme(db, programme, pillar_id)
    theme.pillar_id, theme.pillar = pillar.id, pillar.title
    db.flush()


def knowledge_days_of(db, programme: Programme) -> list[KnowledgeDay]:
    return list(db.scalars(select(KnowledgeDay).where(KnowledgeDay.programme_id == programme.id)
                           .order_by(KnowledgeDay.held_on.desc(), KnowledgeDay.id.desc())))
