"""Language choice: the user's own, else the tenant's, else the browser's."""
from __future__ import annotations

from flask import g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

LANGUAGES = {"nl": "Nederlands", "en": "English"}
DEFAULT_LANGUAGE = "en"


def select_locale() -> str:
    if not has_request_context():  # CLI and jobs choose their language with force_locale
        return DEFAULT_LANGUAGE
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    tenant = g.get("tenant")
    if tenant is not None and tenant.language in LANGUAGES:
        return tenant.language
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LANGUAGE


def language() -> str:
    """The language the request's pages are in, as a key of LANGUAGES ("nl", "en"): for a text kept in both
    languages and for the names of downloads."""
    chosen = str(get_locale() or DEFAULT_LANGUAGE)[:2]
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE
