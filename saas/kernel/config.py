"""Settings, all read from the environment in one place.

Every variable is listed in the README's configuration table; keep the two in step.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout: saas/kernel/config.py
INSTANCE = ROOT / "instance"
DEFAULT_SQLITE_URL = f"sqlite:///{INSTANCE / 'koers.sqlite3'}"


class ConfigError(RuntimeError):
    """Raised when the settings cannot run the app (production without its secrets)."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Settings:
    env: str = "development"
    secret_key: str = ""
    # signs the tenant the app scopes each transaction to (README, Database roles); empty: derived from secret_key
    scope_key: str = ""
    database_url: str = DEFAULT_SQLITE_URL
    migration_database_url: str = ""
    # the platform role's connection, for the work across tenants (saas.kernel.db; README, Database roles)
    platform_database_url: str = ""
    redis_url: str = ""
    base_url: str = "http://127.0.0.1:5000"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    mail_from: str = "Koers <no-reply@koers.example.org>"
    dev_outbox: bool = True  # from the environment only in development on SQLite (see from_env)
    login_rate_limit: str = "10 per minute"
    # Proxies in front of the app that each append the client to X-Forwarded-For (nginx in front of
    # gunicorn: 1). Their headers are trusted, so the login limits see the client, not the proxy.
    proxy_hops: int = 0
    invitation_days: int = 14
    # Billing (billing/): off when no Stripe secret key is set; then every tenant is active.
    stripe_secret_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_price_organisation: str = ""
    stripe_price_consultancy_client: str = ""
    stripe_portal_configuration: str = ""
    stripe_api_base: str = "https://api.stripe.com"
    stripe_webhook_tolerance: int = 300
    billing_trial_days: int = 14
    billing_grace_days: int = 7
    # SMS invitations (saas.kernel.sms): off unless a provider's URL and API key are set.
    sms_provider_url: str = ""
    sms_api_key: str = ""
    sms_sender: str = "Koers"
    # Exit (saas.exit): days after a contract's end before the tenant is deleted; where archives wait for download.
    exit_grace_days: int = 30
    export_dir: str = str(INSTANCE / "exports")
    # Published statements (saas/statements): who runs this Koers and whom it engages (README, "Published statements")
    operator_name: str = ""  # the processor; empty: "the operator of this Koers service"
    privacy_contact: str = ""  # an address for questions about privacy; empty: none is named
    subprocessors: tuple = ()  # (name, purpose, location) each; empty: saas.statements.service.DEFAULT_SUBPROCESSORS
    extra: dict = field(default_factory=dict)

    @property
    def billing_enabled(self) -> bool:
        return bool(self.stripe_secret_key)

    @property
    def sms_enabled(self) -> bool:
        return bool(self.sms_provider_url and self.sms_api_key)

    @property
    def scope_signing_key(self) -> bytes:
        """The key of the signed scope (tenants/rls.py): from KOERS_SCOPE_KEY, else SECRET_KEY, with a label of its
        own so that it signs nothing else. The database keeps a copy, written by `koers db upgrade`."""
        return hmac.new((self.scope_key or self.secret_key).encode(), b"koers row-level security scope v1",
                        hashlib.sha256).digest()

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls) -> "Settings":
        explicit_env = os.environ.get("KOERS_ENV", "").strip().lower()
        env = explicit_env or "development"
        production = env == "production"
        database_url = os.environ.get("DATABASE_URL", "")
        sqlite = normalise_database_url(database_url or DEFAULT_SQLITE_URL).startswith("sqlite")
        if not explicit_env and not sqlite:
            # development is a default for a laptop with its SQLite file; on a server database it would
            # serve the development outbox (every mailed link) and drop secure cookies: say which it is
            raise ConfigError(
                "Koers refuses to start: DATABASE_URL names a server database but KOERS_ENV is not set. "
                "Set KOERS_ENV=production on a server (or KOERS_ENV=development or test on purpose; "
                "see README, Configuration)."
            )
        secret_key = os.environ.get("SECRET_KEY", "")
        if production:
            missing = [n for n, v in (("SECRET_KEY", secret_key), ("DATABASE_URL", database_url)) if not v]
            if missing:
                raise ConfigError(
                    "Koers refuses to start in production without " + " and ".join(missing)
                    + ". Set them in the environment (see README, Configuration)."
                )
            if not sqlite and not os.environ.get("KOERS_PLATFORM_DATABASE_URL", ""):
                raise ConfigError(
                    "Koers refuses to start in production without KOERS_PLATFORM_DATABASE_URL: the work across "
                    "tenants (Stripe's webhook, the platform admin, the sweeper) connects as its own database role, "
                    "which the app role cannot imitate (see README, Database roles)."
                )
        return cls(
            env=env,
            secret_key=secret_key or _development_secret(),
            scope_key=os.environ.get("KOERS_SCOPE_KEY", ""),
            database_url=normalise_database_url(database_url or DEFAULT_SQLITE_URL),
            migration_database_url=normalise_database_url(os.environ.get("MIGRATION_DATABASE_URL", "")),
            platform_database_url=normalise_database_url(os.environ.get("KOERS_PLATFORM_DATABASE_URL", "")),
            redis_url=os.environ.get("REDIS_URL", ""),
            base_url=_base_url(env),
            smtp_host=os.environ.get("SMTP_HOST", ""),
            smtp_port=int(os.environ.get("SMTP_PORT", "587")),
            smtp_user=os.environ.get("SMTP_USER", ""),
            smtp_password=os.environ.get("SMTP_PASSWORD", ""),
            smtp_starttls=_flag("SMTP_STARTTLS", True),
            mail_from=os.environ.get("MAIL_FROM", "Koers <no-reply@koers.example.org>"),
            # the outbox page shows every tenant's mailed links: development on its SQLite file only
            dev_outbox=env == "development" and sqlite and _flag("KOERS_DEV_OUTBOX", True),
            login_rate_limit=os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
            proxy_hops=_count("KOERS_PROXY_HOPS"),
            stripe_secret_key=os.environ.get("STRIPE_SECRET_KEY", ""),
            stripe_webhook_secret=os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
            stripe_price_organisation=os.environ.get("STRIPE_PRICE_ORGANISATION", ""),
            stripe_price_consultancy_client=os.environ.get("STRIPE_PRICE_CONSULTANCY_CLIENT", ""),
            stripe_portal_configuration=os.environ.get("STRIPE_PORTAL_CONFIGURATION", ""),
            stripe_api_base=os.environ.get("STRIPE_API_BASE", "https://api.stripe.com").rstrip("/"),
            stripe_webhook_tolerance=int(os.environ.get("STRIPE_WEBHOOK_TOLERANCE", "300")),
            billing_trial_days=int(os.environ.get("BILLING_TRIAL_DAYS", "14")),
            billing_grace_days=int(os.environ.get("BILLING_GRACE_DAYS", "7")),
            sms_provider_url=os.environ.get("SMS_PROVIDER_URL", "").strip(),
            sms_api_key=os.environ.get("SMS_API_KEY", "").strip(),
            sms_sender=_sms_sender(os.environ.get("SMS_SENDER", "").strip() or "Koers"),
            exit_grace_days=int(os.environ.get("EXIT_GRACE_DAYS", "30")),
            export_dir=os.environ.get("EXPORT_DIR", "") or str(INSTANCE / "exports"),
            operator_name=os.environ.get("OPERATOR_NAME", "").strip(),
            privacy_contact=os.environ.get("PRIVACY_CONTACT", "").strip(),
            subprocessors=parse_subprocessors(os.environ.get("SUBPROCESSORS", "")),
        )


DEVELOPMENT_PORT = 5000


def parse_subprocessors(text: str) -> tuple:
    """SUBPROCESSORS: entries separated by ";", each "name | purpose | location", e.g.
    "Hetzner Online GmbH | hosting | Germany (EU); Mailgun Technologies | e-mail delivery | Germany (EU)"."""
    entries = []
    for entry in (part.strip() for part in text.split(";")):
        if not entry:
            continue
        fields = tuple(f.strip() for f in entry.split("|"))
        if len(fields) != 3 or not all(fields):
            raise ConfigError(f"SUBPROCESSORS: {entry!r} is not \"name | purpose | location\" (see README, Configuration).")
        entries.append(fields)
    return tuple(entries)


def _sms_sender(sender: str) -> str:
    """SMS_SENDER: a name of at most 11 letters and digits (what a phone shows as the sender), or a number."""
    if re.fullmatch(r"[A-Za-z0-9 ]{1,11}", sender) or re.fullmatch(r"\+?[0-9]{3,15}", sender):
        return sender
    raise ConfigError(f"SMS_SENDER must be at most 11 letters and digits, or a phone number, not {sender!r} "
                      "(see README, Configuration).")


def _count(name: str) -> int:
    value = os.environ.get(name, "").strip() or "0"
    if not value.isdigit() or int(value) > 5:
        raise ConfigError(f"{name} must be a number of proxies from 0 to 5, not {value!r} (see README, Configuration).")
    return int(value)


def _base_url(env: str) -> str:
    """BASE_URL when set. Otherwise, outside production, the address the development server listens on:
    `PORT=5101 make run` passes PORT, and a mailed link on another port than the server's would be dead."""
    base_url = os.environ.get("BASE_URL", "").strip()
    if base_url:
        return base_url.rstrip("/")
    port = os.environ.get("PORT", "").strip() if env != "production" else ""
    if not port.isdigit() or not 0 < int(port) < 65536:
        port = str(DEVELOPMENT_PORT)
    return f"http://127.0.0.1:{int(port)}"


def normalise_database_url(url: str) -> str:
    """Accept the usual postgres:// spellings and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _development_secret() -> str:
    """A stable per-checkout key so development sessions survive a restart."""
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
