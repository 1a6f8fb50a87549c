"""What a URL names, for views: the pitch of the current tenant with its team, theme and programme, or 404.

    from saas.pitches.loaders import load_pitch
    pitch, team, theme, programme = load_pitch(pitch_id)
"""
from __future__ import annotations

from flask import abort

from saas.kernel.db import session
from saas.pitches import service
from saas.pitches.models import Pitch
from saas.programme.loaders import load_team
from saas.programme.models import Programme, Team, Theme


def load_pitch(pitch_id: int) -> tuple[Pitch, Team, Theme, Programme]:
    pitch = service.get_pitch(session(), pitch_id) or abort(404)
    return (pitch, *load_team(pitch.team_id))
