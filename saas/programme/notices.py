"""The programme's notifications: what each says and where it links. Who receives them is decided by
the service (`saas.programme.service`), which calls these, as `saas.pitches.notices` does for pitches."""
from __future__ import annotations

from flask import current_app, g, url_for
from flask_babel import gettext as _

from saas.kernel import notifications


def new_supporter(db, theme, supporter, sponsors) -> None:
    def render():
        return (_("%(name)s supports %(theme)s", name=supporter.user.name, theme=theme.title),
                _("%(name)s now supports your theme \"%(theme)s\".", name=supporter.user.name, theme=theme.title))

    notifications.notify(db, g.tenant, sponsors, "new_supporter", render,
                         url_for("programme.theme", theme_id=theme.id), current_app.config["KOERS"])


def team_joined(db, team, theme, joiner, teammates) -> None:
    def render():
        return (_("%(name)s joined %(team)s", name=joiner.user.name, team=team.name),
                _("%(name)s joined your team %(team)s under the theme \"%(theme)s\".", name=joiner.user.name,
                  team=team.name, theme=theme.title))

    notifications.notify(db, g.tenant, teammates, "team_joined", render, url_for("programme.team", team_id=team.id),
                         current_app.config["KOERS"])


def recruitment(db, theme, sponsor, invited, note: str) -> int:
    def render():
        subject = _("%(name)s invites you to support: %(theme)s", name=sponsor.user.name, theme=theme.title)
        body = _("%(name)s asks you to support the theme \"%(theme)s\".", name=sponsor.user.name, theme=theme.title)
        return subject, f"{body}\n\n{note}".strip()

    return notifications.notify(db, g.tenant, invited, "recruitment", render,
                                url_for("programme.theme", theme_id=theme.id), current_app.config["KOERS"])


def sponsor_message(db, theme, supporters, subject: str, body: str) -> int:
    return notifications.notify(db, g.tenant, supporters, "sponsor_message", lambda: (subject, body),
                                url_for("programme.theme", theme_id=theme.id), current_app.config["KOERS"])
