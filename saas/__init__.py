"""Koers: the app factory.

Its imports of the app's modules stand inside the functions on purpose (the documented exception of
the import contracts): every `import saas.x` runs this file first, so the answers reader's helper
processes and the command line stay light, and the blueprints are imported only to register them.
"""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, g
from werkzeug.routing import IntegerConverter

from saas.kernel.config import ROOT, Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, database=None, testing: bool = False) -> Flask:
    settings = settings or Settings.from_env()
    if settings.env == "test":
        from saas.auth.service import use_test_hashing

        use_test_hashing()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.url_map.converters["int"] = DatabaseIntConverter
    app.config.update(
        KOERS=settings,
        SECRET_KEY=settings.secret_key,
        TESTING=testing,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=2 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.production,
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead, so a long survey form does not expire
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        BABEL_DEFAULT_LOCALE="en",
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_HEADERS_ENABLED=False,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
    )

    from saas.kernel.db import Database, close_request_session

    app.extensions["koers.db"] = database or Database(settings.database_url,
                                                      platform_url=settings.platform_database_url,
                                                      scope_key=settings.scope_signing_key)
    app.teardown_appcontext(close_request_session)

    if settings.proxy_hops:  # behind nginx: the client's address and scheme as the proxies report them
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    _init_extensions(app)
    _register_blueprints(app)

    from saas.kernel.errors import register_error_handlers
    from saas.kernel.security import add_hsts, add_security_headers

    register_error_handlers(app)
    app.before_request(_refuse_nul_bytes)
    app.after_request(add_security_headers)
    if settings.production:
        app.after_request(add_hsts)

    from tenants.guards import check_guards

    check_guards(app)
    _configure_logging(settings)
    if settings.production:
        _refuse_unbound_database_roles(app.extensions["koers.db"])
    return app


def _refuse_unbound_database_roles(database) -> None:
    """Production stops at start (web, worker, command) when row-level security would not bind its roles."""
    from saas.kernel.db import UnsafeDatabaseRole, refuse_unsafe_roles

    try:
        refuse_unsafe_roles(database)
    except UnsafeDatabaseRole as refused:
        log.critical("%s", refused)
        raise


class DatabaseIntConverter(IntegerConverter):
    """Ids in URLs fit the database's integer, so /…/99999999999999 is a 404, not a database error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _refuse_nul_bytes():
    """PostgreSQL text cannot hold NUL; no honest form or link sends one. Answer 400 before any view runs
    (in the path too: a tenant's slug or a token with a NUL would otherwise reach the database)."""
    from flask import abort, request

    values = [request.path, *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += list(request.form.values())
    if any("\x00" in value for value in values):
        abort(400)


def _init_extensions(app: Flask) -> None:
    from saas.kernel import formatting
    from saas.kernel.extensions import babel, csrf, limiter, login_manager
    from saas.kernel.i18n import LANGUAGES, select_locale
    import tenants.scoping  # noqa: F401  (installs the tenant-scoping session events)

    babel.init_app(app, locale_selector=select_locale, timezone_selector=formatting.time_zone)  # the tenant's zone
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.user_loader(_load_user)
    from saas.surveys.forms import series_text

    formatting.register(app)
    from saas.kernel.tables import ScrollingTables

    app.jinja_env.add_extension(ScrollingTables)  # every page's tables scroll in their own box
    app.jinja_env.globals["series_text"] = series_text  # a wave's place in its series, in the reader's words

    @app.context_processor
    def template_globals():
        from flask_babel import get_locale

        return {"languages": LANGUAGES, "current_locale": str(get_locale()), "tenant": g.get("tenant"),
                "membership": g.get("membership"), "house_style": _house_style,
                "unread_notifications": _unread_notifications}


def _house_style():
    """The house style a page of the tenant shows to its members (base.html asks once per page)."""
    from saas.administration.branding import brand_for
    from saas.kernel.db import session

    from sqlalchemy.exc import SQLAlchemyError

    tenant, membership = g.get("tenant"), g.get("membership")
    if tenant is None or membership is None:
        return None
    try:
        return brand_for(session(), tenant)
    except SQLAlchemyError:  # an error page when the database is away still renders, in Koers's theme
        return None


def _unread_notifications() -> int:
    """The unread count beside "Notifications" in the navigation."""
    from saas.kernel.db import session
    from saas.kernel.notifications import unread_count

    from sqlalchemy.exc import SQLAlchemyError

    membership = g.get("membership")
    if membership is None:
        return 0
    try:
        return unread_count(session(), membership)
    except SQLAlchemyError:  # as above: the count is not worth a second error
        return 0


def _load_user(user_id: str):
    """Session cookies carry id and session stamp: logging out, a password change or reset rotates the
    stamp, which ends every session made before (a copied cookie included)."""
    from saas.auth.models import User
    from saas.kernel.db import session
    from tenants.scoping import set_scope

    user_key, _, stamp = user_id.partition(":")
    if not user_key.isdigit():
        return None
    db = session()
    user = db.get(User, int(user_key))
    if user is None or not stamp or user.session_stamp != stamp:
        return None
    set_scope(db, user_id=user.id)
    return user


def _register_blueprints(app: Flask) -> None:
    from saas.auth.views import bp as auth_bp
    from saas.core import bp as core_bp
    from saas.pitches.review_views import bp as reviews_bp
    from saas.pitches.views import bp as pitches_bp
    from saas.programme.views import bp as programme_bp
    from saas.comparison.views import bp as comparison_bp
    from saas.surveys.answering.views import bp as respond_bp
    from saas.surveys.administration import bp as surveys_bp
    from saas.worklog.views import bp as worklog_bp
    from saas.reports.views import bp as reports_bp
    from saas.strategy.views import bp as strategy_bp
    from saas.leadership.views import bp as leadership_bp
    from billing.views import bp as billing_bp, public as billing_public_bp
    from saas.administration.views import bp as tenant_bp, setup as tenant_setup_bp
    from saas.home.views import bp as home_bp
    from saas.sso.views import bp as sso_bp, entry as sso_entry_bp
    from saas.administration.audit_views import bp as audit_bp

    for blueprint in (core_bp, auth_bp, tenant_setup_bp, tenant_bp, home_bp, programme_bp, pitches_bp, worklog_bp,
                      reviews_bp, surveys_bp, respond_bp, comparison_bp, reports_bp, strategy_bp,
                      leadership_bp, billing_bp, billing_public_bp, sso_bp, sso_entry_bp, audit_bp):
        app.register_blueprint(blueprint)
    from saas.surveys.answering.views import code_bp as answer_code_bp  # answer codes' short address, /t/<slug>/c
    app.register_blueprint(answer_code_bp)
    from saas.surveys.sms_views import bp as sms_bp  # a wave's SMS invitations (issue 20)
    app.register_blueprint(sms_bp)
    from saas.platform.views import bp as platform_bp  # the platform admin's pages (failed jobs)
    app.register_blueprint(platform_bp)
    from saas.benchmark.views import bp as benchmark_bp  # the benchmark across tenants (issue 21 point 7)
    app.register_blueprint(benchmark_bp)
    from saas.auth.twofactor import enforce_policy
    from saas.auth.twofactor_views import bp as twofactor_bp, policy as twofactor_policy_bp

    app.register_blueprint(twofactor_bp)  # two-factor sign-in (issue 18)
    app.register_blueprint(twofactor_policy_bp)
    app.extensions["koers.tenant_entry_checks"] = [enforce_policy]  # a tenant may require it (tenants.guards)
    from billing.entitlements import ReadOnly
    from billing.readonly import job_refused, refusal, refuse_writes

    # read-only that really is: one check before every tenant view, one before every tenant job (issue 19.5)
    app.extensions["koers.tenant_write_check"] = refuse_writes
    app.extensions["koers.tenant_job_check"] = job_refused
    app.register_error_handler(ReadOnly, refusal)
    from saas.scim.views import admin as provisioning_bp, api as scim_bp  # SCIM provisioning and its admin page
    app.register_blueprint(scim_bp)
    app.register_blueprint(provisioning_bp)
    from saas.exit.views import bp as exit_bp, platform as exit_platform_bp  # exit archive, contract end (issue 19)

    app.register_blueprint(exit_bp)
    app.register_blueprint(exit_platform_bp)
    from saas.statements.views import bp as statements_bp, platform as platform_statements_bp  # issue 19.7
    app.register_blueprint(platform_statements_bp)
    app.register_blueprint(statements_bp)

    from saas.privacy.views import account_bp as privacy_account_bp, bp as privacy_bp  # people's data (issue 19)
    app.register_blueprint(privacy_account_bp)
    app.register_blueprint(privacy_bp)
    from saas.surveys.answering.kiosk import bp as kiosk_bp  # kiosk mode (issue 20, point 3)
    app.register_blueprint(kiosk_bp)
    from saas.actions.views import bp as actions_bp, cited_figures, may_act_on_figures  # issue 21 point 6

    app.register_blueprint(actions_bp)
    # the plan's and the promise's pages (features below saas.actions) show the figures they cite; the
    # report, comparison and merger-progress pages offer "Act on this" to those who may
    app.jinja_env.globals.update(cited_figures=cited_figures, may_act_on_figures=may_act_on_figures)


def _configure_logging(settings: Settings) -> None:
    from saas.kernel import logredact

    # secret links never reach a log: Koers's own error log and the development server's request log
    # (gunicorn's logs: gunicorn.conf.py)
    for name in ("saas.kernel.errors", "werkzeug"):
        logredact.install(name)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
