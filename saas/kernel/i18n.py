"""Language choice: the user's own, else the tenant's, else the browser's."""
from __future__ import annotations

from flask import g, has_request_context, request, session
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
