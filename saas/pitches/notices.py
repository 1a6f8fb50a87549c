"""Notifications about pitches: submitted (to management), decided (to the team)."""
from __future__ import annotations

from flask import current_app, g, url_for
from flask_babel import gettext as _

from saas.kernel import notifications
from tenants import service as tenant_service
from tenants.models import Role


def tell_management_about_submission(db, pitch, team) -> None:
    managers = [m for m in tenant_service.members(db) if Role.MANAGEMENT in m.roles]

    def render():
        return (_("Pitch submitted: %(title)s", title=pitch.title),
                _("Team %(team)s submitted its business case \"%(title)s\" for review.", team=team.name,
                  title=pitch.title))

    notifications.notify(db, g.tenant, managers, "pitch_submitted", render,
                         url_for("pitches.pitch", team_id=team.id), current_app.config["KOERS"])


def tell_team_about_decision(db, pitch, team, decision_label) -> None:
    people = [m.membership for m in team.members]

    def render():
        return (_("Decision on your pitch: %(decision)s", decision=decision_label),
                _("Central management decided on \"%(title)s\": %(decision)s. Read the feedback on the pitch page.",
                  title=pitch.title, decision=decision_label))

    notifications.notify(db, g.tenant, people, "pitch_decided", render,
                         url_for("pitches.pitch", team_id=team.id), current_app.config["KOERS"])
