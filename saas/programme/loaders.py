"""What a URL names, for views: the programme, theme or team of the current tenant, or 404.

The one home of these loaders: every feature's views import them from here instead of writing their
own `_programme()`. Another tenant's row is simply not found (scoping is automatic), so it is a 404.

    from saas.programme.loaders import load_programme, load_team, load_theme
    programme = load_programme(programme_id)
    theme, programme = load_theme(theme_id)
    team, theme, programme = load_team(team_id)
    pillar, programme = with_programme(pillars.get_pillar(session(), pillar_id))  # a feature's own row
"""
from __future__ import annotations

from flask import abort

from saas.kernel.db import session
from saas.programme import service
from saas.programme.models import Programme, Team, Theme


def load_programme(programme_id: int) -> Programme:
    return service.get_programme(session(), programme_id) or abort(404)


def with_programme(found):
    """A feature's row that belongs to a programme (a pillar, a pulse check, …) and that programme;
    nothing found (another tenant's row, or none) is a 404."""
    if found is None:
        abort(404)
    return found, service.get_programme(session(), found.programme_id)


def load_theme(theme_id: int) -> tuple[Theme, Programme]:
    """The theme and its programme."""
    db = session()
    theme = service.get_theme(db, theme_id) or abort(404)
    return theme, service.get_programme(db, theme.programme_id)


def load_team(team_id: int) -> tuple[Team, Theme, Programme]:
    """The team, its theme and its programme."""
    db = session()
    team = service.get_team(db, team_id) or abort(404)
    theme = service.get_theme(db, team.theme_id)
    return team, theme, service.get_programme(db, theme.programme_id)
