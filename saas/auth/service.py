"""Accounts: sign-up, passwords, password reset. Plain functions over a session."""
from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import object_session

from saas.auth.models import User
from saas.kernel import audit
from saas.kernel.db import utcnow
from saas.kernel.errors import DomainError
from saas.kernel.mail import mail_to
from saas.kernel.tokens import sign, unsign
from saas.sso.models import password_refused_by

_hasher = PasswordHasher()  # argon2id with the library's defaults (RFC 9106's low-memory profile)
# Verified against when no account matches, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("no account has this password")


def use_test_hashing() -> None:
    """The test suite's passwords are hashed with argon2's own profile for tests (`profiles.CHEAPEST`): the same
    algorithm and code path, without the 64 MiB and three passes per hash that are the point in production and,
    with thousands of accounts made and signed in, most of a test run's time. Only for KOERS_ENV=test."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    _DUMMY_HASH = _hasher.hash("no account has this password")
RESET_MAX_AGE = 2 * 60 * 60
VERIFY_MAX_AGE = 3 * 24 * 60 * 60


class EmailTaken(DomainError):
    default_message = _l("An account with this e-mail address already exists. Log in instead.")


class WrongCredentials(DomainError):
    default_message = _l("The e-mail address or password is not right.")


class VerificationLinkInvalid(DomainError):
    default_message = _l("This confirmation link is invalid or has expired. Ask for a new one on your account page.")


class EmailNotVerified(DomainError):
    default_message = _l("Confirm your e-mail address first: follow the link we mailed you when you signed up "
                         "(your account page sends a new one).")


class SingleSignOnRequired(DomainError):
    default_message = _l("Your organisation signs you in through its own sign-in service.")


class ResetLinkInvalid(DomainError):
    default_message = _l("This reset link is invalid or has expired. Ask for a new one.")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def find_user(db, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalise_email(email)))


def register(db, *, email: str, name: str, password: str, locale: str | None = None,
             verified: bool = False) -> User:
    """An account for an address. `verified`: the caller knows the person reads that address (the demo's
    made-up accounts); an invitation accepted with its mailed link confirms it too."""
    email = normalise_email(email)
    if find_user(db, email) is not None:
        raise EmailTaken(field="email")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), locale=locale,
                email_verified_at=utcnow() if verified else None)
    db.add(user)
    db.flush()
    return user


def sign_up(db, *, email: str, name: str, password: str, locale: str, secret_key: str) -> None:
    """The public sign-up. It answers the same whether or not the address has an account, so it tells
    nobody who uses Koers: a new address gets its account (unconfirmed) and a link to confirm it; the
    owner of a known address gets a mail that someone tried, with the way to reset a forgotten password.
    Both ways hash the password once and queue one mail, so they also take about as long."""
    existing = find_user(db, email)
    if existing is not None:
        hash_password(password)  # the same work as a new account's hash, then thrown away
        mail_to(db, existing.email, "signup_attempt", locale=existing.locale or locale)
        return
    user = register(db, email=email, name=name, password=password, locale=locale)
    send_verification(db, user, secret_key, locale)


def send_verification(db, user: User, secret_key: str, locale: str) -> None:
    """Mail the link that confirms the account's address (a signed link, valid for three days)."""
    token = sign(secret_key, "verify-email", {"uid": user.id, "email": user.email})
    mail_to(db, user.email, "verify_email", locale=user.locale or locale, name=user.name, token=token)


def verify_email(db, token: str, secret_key: str) -> User:
    """The account whose address the link confirms, now confirmed. A link works once: it names the
    address it was sent to, and a confirmed account has nothing left to confirm."""
    data = unsign(secret_key, "verify-email", token, max_age=VERIFY_MAX_AGE)
    user = db.get(User, data.get("uid")) if isinstance(data, dict) and isinstance(data.get("uid"), int) else None
    if user is None or user.email != data.get("email") or user.email_verified:
        raise VerificationLinkInvalid()
    user.email_verified_at = utcnow()
    return user


def confirm_address(user: User) -> None:
    """The person showed they read the account's address (an invitation or reset link mailed to it)."""
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()


def require_verified(user: User, field: str | None = None) -> None:
    """Nobody is made administrator or consultant of anything, nor creates a tenant, on an address
    they have not shown to be theirs (else whoever signs up first with a colleague's address would be)."""
    if not user.email_verified:
        raise EmailNotVerified(field=field)


def log_in_check(db, email: str, password: str) -> User:
    """The user with this e-mail address and password; refused without telling which of the two is wrong."""
    user = authenticate(db, email, password)
    if user is None:  # on the platform's trail once the view has rolled back (saas.kernel.views)
        raise audit.refused(WrongCredentials(field="password"), "signin.failed", platform=True, result=audit.FAILED,
                            actor=audit.Actor(normalise_email(email)[:320]), detail={"reason": "password"})
    try:
        refuse_password_if_single_sign_on(db, user)  # said only to whoever knows the password
    except SingleSignOnRequired as error:
        raise audit.refused(error, "signin.failed", platform=True, actor=audit.Actor(user.email, user.id),
                            obj=user, detail={"reason": "single sign-on required"})
    return user


def refuse_password_if_single_sign_on(db, user: User) -> None:
    """A tenant of the account requires single sign-on (it is not that tenant's break-glass admin): a
    password signs it in nowhere, neither at log-in nor through a reset link."""
    tenant = password_refused_by(db, user.id)
    if tenant is not None:
        raise SingleSignOnRequired(_l("%(name)s requires signing in through its own sign-in service: use "
                                      "“Sign in with your organisation” below, with the web address %(slug)s.",
                                      name=tenant.name, slug=tenant.slug))


def authenticate(db, email: str, password: str) -> User | None:
    user = find_user(db, email)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def set_password(user: User, password: str) -> None:
    """A new password ends every session of the account (each signed in elsewhere, a copied cookie)."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.rotate_session_stamp()


def update_account(user: User, *, name: str, locale: str) -> None:
    user.name = name.strip()
    user.locale = locale


def request_password_reset(db, email: str, settings, secret_key: str, locale: str) -> None:
    """Mail a reset link if the account exists; the caller answers the same either way."""
    user = find_user(db, email)
    if user is None:
        return
    token = _reset_serializer(secret_key).dumps({"uid": user.id, "pc": _stamp(user)})
    audit.record(db, "password.reset_requested", platform=True, obj=user, actor=audit.Actor(user.email, user.id))
    mail_to(db, user.email, "password_reset", locale=user.locale or locale, token=token)


def user_for_reset_token(db, token: str, secret_key: str) -> User:
    try:
        data = _reset_serializer(secret_key).loads(token, max_age=RESET_MAX_AGE)
    except (BadSignature, SignatureExpired):
        raise ResetLinkInvalid()
    user = db.get(User, data.get("uid")) if isinstance(data, dict) else None
    # A link stops working once the password has changed, so each link works once.
    if user is None or data.get("pc") != _stamp(user):
        raise ResetLinkInvalid()
    return user


def reset_password(user: User, password: str) -> None:
    """The password set through a reset link: the link came to the account's address, so it is confirmed."""
    set_password(user, password)
    confirm_address(user)
    audit.record(object_session(user), "password.reset", platform=True, obj=user, actor=audit.Actor(user.email, user.id))


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="koers-password-reset")


def _stamp(user: User) -> int:
    return user.password_stamp
