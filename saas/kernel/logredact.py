"""Secret links never reach a log file.

Survey, open-link, pulse-check, 360, invitation, kiosk-enrolment and password-reset links carry their secret in a path
segment (an answer code, in a path segment or the code page's query). Whoever reads a log (an operator, a log service, a backup) must not be able to answer as
someone, accept their invitation or take over their account, nor tie a log line to a person's link.
`redact` replaces every such segment by `…` in any text (a request line, a referrer, an error
message, a traceback); `RedactingFilter` applies it to every record of a logger. It is installed on
Koers's unexpected-error log (saas/kernel/errors.py), the development server's request log (werkzeug) and
gunicorn's access and error logs (`RedactingGunicornLogger`, set in gunicorn.conf.py); the development
outbox prints mails with their links redacted (saas/kernel/outbox.py).
"""
from __future__ import annotations

import logging
import re

MASK = "…"

_SEP = r"(?:/|%2[Ff])"  # a slash, also when the path sits URL-encoded in a query (?next=…)
_SEG = r"[^/%?#&\s\"'<>]+(?:%(?!2[Ff])[^/%?#&\s\"'<>]*)*"  # one path segment, %-escapes allowed except %2F
_SLUG = _SEG
# Words that follow /survey/ but are not tokens (the other routes of saas/surveys/answering/views.py).
_SURVEY_WORDS = r"(?:open|personal|shared|preview|mine)"

_PATTERNS = [
    # /t/<slug>/survey/open/<open token>
    re.compile(rf"({_SEP}t{_SEP}{_SLUG}{_SEP}survey{_SEP}open{_SEP}){_SEG}"),
    # /t/<slug>/survey/<survey token>[/answers.json]
    re.compile(rf"({_SEP}t{_SEP}{_SLUG}{_SEP}survey{_SEP})(?!{_SURVEY_WORDS}(?:{_SEP}|[?#&\s\"'<>]|$)){_SEG}"),
    # /t/<slug>/leadership/p/<pulse token>, /t/<slug>/leadership/f/<360 token>
    re.compile(rf"({_SEP}t{_SEP}{_SLUG}{_SEP}leadership{_SEP}[pf]{_SEP}){_SEG}"),
    # /t/<slug>/invitations/<invitation token>
    re.compile(rf"({_SEP}t{_SEP}{_SLUG}{_SEP}invitations{_SEP}){_SEG}"),
    # /password/reset/<reset token>
    re.compile(rf"({_SEP}password{_SEP}reset{_SEP}){_SEG}"),
    # /t/<slug>/c/<answer code> (a slip's QR code), /t/<slug>/c?code=<answer code> (the code typed on the page)
    re.compile(rf"({_SEP}t{_SEP}{_SLUG}{_SEP}c{_SEP}){_SEG}"),
    re.compile(rf"({_SEP}t{_SEP}{_SLUG}{_SEP}c\?(?:[^#\s\"'<>]*&)?code=)[^&#\s\"'<>]+"),
    # /t/<slug>/kiosk/enrol/<enrolment token> (a kiosk tablet's one-time link, saas/surveys/answering/kiosk.py)
    re.compile(rf"({_SEP}t{_SEP}{_SLUG}{_SEP}kiosk{_SEP}enrol{_SEP}){_SEG}"),
]


def redact(text: str) -> str:
    """`text` with every secret path segment replaced by `…`; other text is unchanged."""
    if not isinstance(text, str) or not text:
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record in place so no handler (file, console, a test's capture) sees a token: the
    message is formatted and redacted, and a traceback is rendered and redacted into `exc_text`.
    Also removes the current request's token values wherever they appear (e.g. in an SQL error's
    parameters), as those may show up outside a path."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = _request_secrets()
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler's own error handling
            return True
        record.msg, record.args = _scrub(message, secrets), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None  # a handler must not render the raw traceback again
        if record.exc_text:
            record.exc_text = _scrub(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = _scrub(record.stack_info, secrets)
        return True


TOKEN_ARGUMENTS = ("token", "survey_token", "open_token", "pulse_token", "feedback_token", "answer_code",
                   "enrol_token")


def _request_secrets() -> list[str]:
    try:
        from flask import has_request_context, request
    except ImportError:  # pragma: no cover
        return []
    if not has_request_context():
        return []
    values = request.view_args or {}
    return [str(values[name]) for name in TOKEN_ARGUMENTS if values.get(name)]


def _scrub(text: str, secrets: list[str]) -> str:
    text = redact(text)
    for secret in secrets:
        if len(secret) >= 8:  # never blank out short, ordinary words
            text = text.replace(secret, MASK)
    return text


def install(logger_name: str | None) -> None:
    """Adds the filter to a logger once (it applies to every record logged on that logger)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())


try:  # gunicorn is a production dependency; the class exists only where it is installed
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = None

if _GunicornLogger is not None:
    class RedactingGunicornLogger(_GunicornLogger):
        """gunicorn's logger with token segments redacted from the access log (request line, path,
        query, referrer and any other atom) and from its error log (`logger_class` in gunicorn.conf.py)."""

        def setup(self, cfg):
            super().setup(cfg)
            for logger in (self.error_log, self.access_log):
                if not any(isinstance(f, RedactingFilter) for f in logger.filters):
                    logger.addFilter(RedactingFilter())

        def atoms(self, resp, req, environ, request_time):
            return {key: redact(value) if isinstance(value, str) else value
                    for key, value in super().atoms(resp, req, environ, request_time).items()}
