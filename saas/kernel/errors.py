"""One place that turns errors into a page or a JSON problem (RFC 9457), in the user's language."""
from __future__ import annotations

import logging

from flask import g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from saas.kernel.logredact import redact

log = logging.getLogger(__name__)  # its records pass saas.kernel.logredact.RedactingFilter (create_app)
# Writes a refusal the domain marked for the audit trail, after the rollback: saas.kernel.audit sets it (it
# imports this module through saas.kernel.db, so this module cannot import it).
keep_refusal = None


class DomainError(Exception):
    """A rule of the domain said no. Views catch these to re-show a form; unhandled, they are a 400."""

    status = 400

    def __init__(self, message=None, field: str | None = None):
        self.message = message or self.default_message
        self.field = field
        super().__init__(str(self.message))

    default_message = _l("This could not be done.")


class Conflict(DomainError):
    status = 409
    default_message = _l("Someone else changed this in the meantime.")


TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You may not do this"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("Conflict"),
    413: _l("What you sent is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}

EXPLANATIONS = {
    400: _l("Please go back, check what you entered and try again."),
    403: _l("Your role in this organisation does not allow this page. Ask an administrator if you need it."),
    404: _l("The page does not exist, or you have no access to it."),
    405: _l("Please use the buttons and links on the pages."),
    409: _l("Please reload the page and try again."),
    413: _l("Please send a smaller file or shorter text."),
    429: _l("Please wait a minute before you try again."),
    500: _l("We have been notified. Nothing you saved before this is lost; please try again later."),
}


def register_error_handlers(app) -> None:
    from sqlalchemy.exc import IntegrityError

    app.register_error_handler(IntegrityError, _integrity_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return best in ("application/json", "application/problem+json")


def problem(status: int, detail=None):
    detail = detail or EXPLANATIONS.get(status, "")
    if wants_json():
        return json_problem(status, detail)
    return render_template("errors/error.html", status=status, title=_title(status), detail=detail), status


def json_problem(status: int, detail, **extra):
    """An RFC 9457 problem document; `extra` adds members (e.g. which part of the input is wrong)."""
    response = jsonify({"type": "about:blank", "title": str(_title(status)), "status": status, "detail": str(detail),
                        **extra})
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _title(status: int):
    return TITLES.get(status, TITLES[400] if status < 500 else TITLES[500])


def _rollback():
    s = g.get("db_session")
    if s is not None:
        s.rollback()


def _csrf_error(error):
    _rollback()
    return problem(400, _l("The form had expired or was sent from elsewhere. Please reload the page and try again."))


def _integrity_error(error):
    # Two requests racing to create the same thing (a pitch for a team, a team name): the database's
    # unique key let one win; the other is told, and its transaction is rolled back whole.
    _rollback()
    log.info("integrity conflict on %s %s: %s", request.method, redact(request.path), type(error.orig).__name__)
    return problem(409, _l("Someone did the same at the same moment. Please reload the page and try again."))


def _domain_error(error: DomainError):
    _rollback()
    s = g.get("db_session")
    if s is not None and getattr(error, "audit", None) and keep_refusal is not None:
        keep_refusal(s, error)  # a refusal the domain marked (audit.refused) that no view caught: on the trail too
    return problem(error.status, error.message)


def _http_error(error: HTTPException):
    _rollback()
    if error.code is None or error.code < 400:
        return error
    response = problem(error.code)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response = _with_header(response, "Allow", ", ".join(error.valid_methods))
    return response


def _unexpected_error(error: Exception):
    _rollback()
    log.exception("unhandled error on %s %s", request.method, redact(request.path))
    return problem(InternalServerError.code)


def _with_header(response, name, value):
    if isinstance(response, tuple):
        body, status = response
        return body, status, {name: value}
    response.headers[name] = value
    return response
