"""What the survey pages load from their URL, once for the admin's and the respondent's pages.

Loaded when a view asks, not in a `url_value_preprocessor`: that runs before the tenant guard has put
the tenant in scope, and every query must run inside it.
"""
from __future__ import annotations

from flask import abort, g, request
from sqlalchemy import select

from saas.kernel.db import session
from saas.surveys.models import Wave


def wave_or_404(wave_id: int | None = None) -> Wave:
    """The wave the URL names (`wave_id`, or the one given) in the tenant in scope, once per request; else 404."""
    if wave_id is None:
        wave_id = (request.view_args or {}).get("wave_id")
    known = g.get("_survey_wave")
    if known is not None and known.id == wave_id:
        return known
    wave = session().scalar(select(Wave).where(Wave.id == wave_id)) if wave_id is not None else None
    if wave is None:
        abort(404)
    g._survey_wave = wave
    return wave
