"""The programme's notifications: what each says and where it links. Who receives them is decided by
the service (`saas.programme.service`), which calls these, as `saas.pitches.notices` does for pitches.
Each is stored as a message and its parameters and put into words in the reader's language when read
(saas.kernel.notifications)."""
from __future__ import annotations

from flask import current_app, g, url_for
from flask_babel import lazy_gettext as _l

from saas.kernel import notifications

NEW_SUPPORTER = notifications.message(
    "new_supporter", _l("%(name)s supports %(theme)s"), _l("%(name)s now supports your theme \"%(theme)s\"."))
TEAM_JOINED = notifications.message(
    "team_joined", _l("%(name)s joined %(team)s"),
    _l("%(name)s joined your team %(team)s under the theme \"%(theme)s\"."))
RECRUITMENT = notifications.message(
    "recruitment", _l("%(name)s invites you to support: %(theme)s"),
    _l("%(name)s asks you to support the theme \"%(theme)s\"."))
# the sponsor's own words, in whatever language they wrote them
SPONSOR_MESSAGE = notifications.message("sponsor_message", "%(subject)s", "%(body)s")


def new_supporter(db, theme, supporter, sponsors) -> None:
    notifications.notify(db, g.tenant, sponsors, "new_supporter", NEW_SUPPORTER,
                         {"name": supporter.user.name, "theme": theme.title},
                         url_for("programme.theme", theme_id=theme.id), current_app.config["KOERS"])


def team_joined(db, team, theme, joiner, teammates) -> None:
    notifications.notify(db, g.tenant, teammates, "team_joined", TEAM_JOINED,
                         {"name": joiner.user.name, "team": team.name, "theme": theme.title},
                         url_for("programme.team", team_id=team.id), current_app.config["KOERS"])


def recruitment(db, theme, sponsor, invited, note: str) -> int:
    return notifications.notify(db, g.tenant, invited, "recruitment", RECRUITMENT,
                                {"name": sponsor.user.name, "theme": theme.title, "note": note},
                                url_for("programme.theme", theme_id=theme.id), current_app.config["KOERS"])


def sponsor_message(db, theme, supporters, subject: str, body: str) -> int:
    return notifications.notify(db, g.tenant, supporters, "sponsor_message", SPONSOR_MESSAGE,
                                {"subject": subject, "body": body},
                                url_for("programme.theme", theme_id=theme.id), current_app.config["KOERS"])
