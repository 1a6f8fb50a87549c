"""Logging in and out starts a fresh browser session.

The session may hold the secret links of whoever used this browser before (survey, pulse-check and
360 tokens kept by the answering pages) and their unsent drafts. Logging out or in as someone else must
not hand those on: both clear the whole session. Only the language chosen in the header survives,
as it is no secret and the next page should speak the same language.
"""
from __future__ import annotations

from flask import session as http_session
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import object_session

from saas.kernel import audit

KEPT = ("locale",)


def _clear() -> None:
    kept = {key: http_session[key] for key in KEPT if key in http_session}
    http_session.clear()
    http_session.update(kept)


def log_in(user, **kwargs) -> None:
    _clear()
    login_user(user, **kwargs)


def log_out() -> None:
    """Sign out, and end the session on the server too: the account's session stamp is rotated, so a copy
    of the cookie (kept by someone who had the browser, or stolen) no longer signs anyone in. The caller
    commits. Every other session of the account ends with it: the stamp is one per account."""
    if current_user.is_authenticated:
        current_user.rotate_session_stamp()
        user = current_user._get_current_object()
        audit.record(object_session(user), "signout", platform=True, obj=user)
    logout_user()
    _clear()
