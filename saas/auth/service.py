"""Accounts: sign-up, passwords, password reset. Plain functions over a session."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from saas.auth.models import User
from saas.kernel.db import utcnow
from saas.kernel.errors import DomainError
from saas.kernel.mail import mail_to

_hasher = PasswordHasher()
# Verified against when no account matches, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("no account has this password")
RESET_MAX_AGE = 2 * 60 * 60


class EmailTaken(DomainError):
    default_message = _l("An account with this e-mail address already exists. Log in instead.")


class WrongCredentials(DomainError):
    default_message = _l("The e-mail address or password is not right.")


class ResetLinkInvalid(DomainError):
    default_message = _l("This reset link is invalid or has expired. Ask for a new one.")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def find_user(db, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalise_email(email)))


def register(db, *, email: str, name: str, password: str, locale: str | None = None) -> User:
    email = normalise_email(email)
    if find_user(db, email) is not None:
        raise EmailTaken(field="email")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), locale=locale)
    db.add(user)
    db.flush()
    return user


def log_in_check(db, email: str, password: str) -> User:
    """The user with this e-mail address and password; refused without telling which of the two is wrong."""
    user = authenticate(db, email, password)
    if user is None:
        raise WrongCredentials(field="password")
    return user


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
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()


def update_account(user: User, *, name: str, locale: str) -> None:
    user.name = name.strip()
    user.locale = locale


def request_password_reset(db, email: str, settings, secret_key: str, locale: str) -> None:
    """Mail a reset link if the account exists; the caller answers the same either way."""
    user = find_user(db, email)
    if user is None:
        return
    token = _reset_serializer(secret_key).dumps({"uid": user.id, "pc": _stamp(user)})
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


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="koers-password-reset")


def _stamp(user: User) -> int:
    return user.password_stamp
