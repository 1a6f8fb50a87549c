"""Notifications about pitches: submitted (to management), decided (to the team). Stored as a message
and its parameters, put into words in the reader's language when read (saas.kernel.notifications)."""
from __future__ import annotations

from flask import current_app, g, url_for
from flask_babel import lazy_gettext as _l

from saas.kernel import notifications
from saas.pitches.models import DECISION_LABELS
from tenants import service as tenant_service
from tenants.models import Role

PITCH_SUBMITTED = notifications.message(
    "pitch_submitted", _l("Pitch submitted: %(title)s"),
    _l("Team %(team)s submitted its business case \"%(title)s\" for review."))
PITCH_DECIDED = notifications.message(
    "pitch_decided", _l("Decision on your pitch: %(decision)s"),
    _l("Central management decided on \"%(title)s\": %(decision)s. Read the feedback on the pitch page."),
    words={"decision": DECISION_LABELS})


def tell_management_about_submission(db, pitch, team) -> None:
    managers = [m for m in tenant_service.members(db) if Role.MANAGEMENT in m.roles]
    notifications.notify(db, g.tenant, managers, "pitch_submitted", PITCH_SUBMITTED,
                         {"title": pitch.title, "team": team.name},
                         url_for("pitches.pitch", team_id=team.id), current_app.config["KOERS"])


def tell_team_about_decision(db, pitch, team, decision: str) -> None:
    people = [m.membership for m in team.members]
    notifications.notify(db, g.tenant, people, "pitch_decided", PITCH_DECIDED,
                         {"title": pitch.title, "decision": decision},
                         url_for("pitches.pitch", team_id=team.id), current_app.config["KOERS"])
