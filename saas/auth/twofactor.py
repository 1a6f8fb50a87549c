"""Two-factor sign-in for passwords: a TOTP app (RFC 6238) and ten single-use recovery codes.

- Enrolment: a secret is made (pending) and shown once, as a QR code of its otpauth URI and as text; it is
  on only after a first code from the app confirms it. The secret is kept encrypted (Fernet, with a key
  derived from the app's secret key): the server must read it back to check codes, so it cannot be hashed,
  but a copy of the database (a backup, a replica, a dump for support) alone holds no second factor.
  Once confirmed it is never shown again; a new phone means turning it off and enrolling again.
- Recovery codes: ten, shown once when made, kept as SHA-256 hashes (random, 50 bits each: no slow hash
  needed), each accepted once; making new ones ends the old ones.
- A code is accepted within one step (30 s) either side of the server's clock, and only for a step later than
  the last accepted one: a code seen over a shoulder or in a log cannot be used again in its window.
- Sign-in: after the password the session holds only a pending second step (who, their session stamp, when),
  for PENDING_MAX_AGE seconds; the account is signed in only after the code (`finish_sign_in`).
  A password reset goes through the same second step.
- Security keys and passkeys (WebAuthn, saas.auth.security_keys) are a second factor too: an account may have
  the app, keys, or both, and signs in with whichever it has at hand. An account whose first second factor is
  a key gets the recovery codes then; they go when its last second factor goes.
- A tenant may require it for its admins, works council members and consultants (`Tenant.require_two_factor`):
  `enforce_policy` sends such a member without it to enrolment before any page of that tenant. A key
  satisfies the policy as the app does. So does a sign-in through the tenant's own identity provider when
  that provider enforces multi-factor sign-in (saas.sso: `http_session[SSO_MFA]` names the tenant).
"""
from __future__ import annotations

import base64
import hmac
import secrets
import time
from datetime import datetime
from io import BytesIO

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import flash, redirect, request, session as http_session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, UniqueConstraint, delete, func, select, \
    update
from sqlalchemy.orm import Mapped, mapped_column, object_session

from saas.auth import security_keys, service
from saas.auth.models import User
from saas.auth.sessions import log_in
from saas.kernel import audit
from saas.kernel.db import Base, session, utcnow
from saas.kernel.errors import DomainError
from saas.kernel.tokens import hash_token
from saas.sso.models import identity_provider_enforces_mfa
from tenants.models import Role

ISSUER = "Koers"
STEP = 30  # seconds per code (what every authenticator app uses)
DRIFT = 1  # steps accepted either side of the server's clock
PENDING_MAX_AGE = 5 * 60
RECOVERY_CODES = 10
POLICY_ROLES = frozenset({Role.ADMIN, Role.WORKS_COUNCIL, Role.CONSULTANT})
_PENDING = "twofactor_pending"
SSO_MFA = "sso_mfa"  # the tenant whose identity provider signed this session in, and whether with MFA
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off a sheet of paper


class TwoFactor(Base):
    """An account's authenticator app: pending until a first code confirms it."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The time step of the last code accepted: only a later step is accepted (no replay within the window).
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)


class WrongCode(DomainError):
    default_message = _l("This code is not right. Enter the code your app shows now, or one of your recovery codes.")


class CodeUsed(DomainError):
    default_message = _l("This code has been used already. Wait for the next code in your app.")


class AlreadyOn(DomainError):
    default_message = _l("Two-factor sign-in is already on for your account.")


class NotOn(DomainError):
    default_message = _l("Two-factor sign-in is not on for your account.")


class WrongPassword(DomainError):
    default_message = _l("The password is not right.")


# ---- the secret ---------------------------------------------------------------------------------

def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"koers two-factor secrets").derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _secret(row: TwoFactor, secret_key: str) -> str | None:
    try:
        return _fernet(secret_key).decrypt(row.secret_encrypted.encode()).decode()
    except InvalidToken:  # the app's secret key changed: the account uses a recovery code, then enrols again
        return None


def setting(db, user: User) -> TwoFactor | None:
    return db.get(TwoFactor, user.id)


def enabled(db, user: User) -> bool:
    """Whether the authenticator app is on."""
    row = setting(db, user)
    return row is not None and row.confirmed_at is not None


def has_second_factor(db, user: User) -> bool:
    """The app or a security key: the password alone no longer signs in."""
    return enabled(db, user) or security_keys.has_keys(db, user)


def start_enrolment(db, user: User, secret_key: str) -> TwoFactor:
    """A new pending secret for the account (any earlier unconfirmed one is replaced)."""
    row = setting(db, user)
    if row is not None and row.confirmed_at is not None:
        raise AlreadyOn()
    encrypted = _fernet(secret_key).encrypt(pyotp.random_base32().encode()).decode()
    if row is None:
        row = TwoFactor(user_id=user.id, secret_encrypted=encrypted, last_step=0)
        db.add(row)
    else:
        row.secret_encrypted, row.created_at, row.last_step = encrypted, utcnow(), 0
    db.flush()
    return row


def pending_secret(db, user: User, secret_key: str) -> str | None:
    """The secret being set up, to show; None once it is on (then it is never shown again)."""
    row = setting(db, user)
    if row is None or row.confirmed_at is not None:
        return None
    return _secret(row, secret_key)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> bytes:
    """The otpauth URI as an SVG QR code (no inline style: the page's CSP forbids it)."""
    out = segno.make(uri, error="m")
    buffer = BytesIO()
    out.save(buffer, kind="svg", scale=5, border=4, xmldecl=False, dark="#000", light="#fff",
             title=_("QR code for your authenticator app"))
    return buffer.getvalue()


def confirm_enrolment(db, user: User, code: str, secret_key: str) -> list[str]:
    """Turn it on with a first code from the app; returns the recovery codes (shown once)."""
    row = setting(db, user)
    if row is None:
        raise NotOn()
    if row.confirmed_at is not None:
        raise AlreadyOn()
    _accept_totp(db, row, code, secret_key)
    row.confirmed_at = utcnow()
    audit.record(db, "twofactor.enabled", platform=True, obj=user)
    return new_recovery_codes(db, user)


# ---- codes --------------------------------------------------------------------------------------

def _digits(code: str) -> str:
    return "".join((code or "").split())


def _is_app_code(code: str) -> bool:
    """Six ASCII digits (str.isdigit also takes "１" and "²", which no app shows)."""
    return len(code) == 6 and code.isascii() and code.isdigit()


def _accept_totp(db, row: TwoFactor, code: str, secret_key: str) -> None:
    """The code from the app, for a step later than the last one accepted; that step is then taken
    (one UPDATE with the condition, so two requests with the same code cannot both pass)."""
    code = _digits(code)
    secret = _secret(row, secret_key)
    if secret is None or not _is_app_code(code):
        raise WrongCode(field="code")
    totp = pyotp.TOTP(secret, interval=STEP)
    now = int(time.time()) // STEP
    for step in range(now - DRIFT, now + DRIFT + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            taken = db.execute(update(TwoFactor).where(TwoFactor.user_id == row.user_id, TwoFactor.last_step < step)
                               .values(last_step=step).execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                raise CodeUsed(field="code")
            db.refresh(row)
            return
    raise WrongCode(field="code")


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def new_recovery_codes(db, user: User) -> list[str]:
    """Ten new single-use codes (the old ones stop working); only their hashes are kept."""
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _index in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(RecoveryCode(user_id=user.id, code_hash=hash_token(raw)))
    db.flush()
    return codes


def recovery_codes_left(db, user: User) -> int:
    return db.scalar(select(func.count()).select_from(RecoveryCode)
                     .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def _accept_recovery(db, user: User, code: str) -> bool:
    raw = _normalise_recovery(code)
    if len(raw) != 10:
        return False
    used = db.execute(update(RecoveryCode)
                      .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == hash_token(raw),
                             RecoveryCode.used_at.is_(None))
                      .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return used.rowcount == 1


def check_code(db, user: User, code: str, secret_key: str) -> str:
    """A code from the app ("totp") or an unused recovery code ("recovery"); else WrongCode / CodeUsed.
    An account with keys but no app has only its recovery codes here."""
    row = setting(db, user)
    if row is None or row.confirmed_at is None:
        if not security_keys.has_keys(db, user):
            raise NotOn()
        if _accept_recovery(db, user, code):
            return "recovery"
        raise WrongCode(field="code")
    if _digits(code).isascii() and _digits(code).isdigit():
        _accept_totp(db, row, code, secret_key)
        return "totp"
    if _accept_recovery(db, user, code):
        return "recovery"
    raise WrongCode(field="code")


def regenerate_recovery_codes(db, user: User, code: str, secret_key: str) -> list[str]:
    check_code(db, user, code, secret_key)
    audit.record(db, "twofactor.recovery_codes", platform=True, obj=user)
    return new_recovery_codes(db, user)


def regenerate_recovery_codes_by_key(db, user: User, rp: security_keys.RelyingParty, answer: str,
                                     ceremony: security_keys.Ceremony | None) -> list[str]:
    security_keys.check_sign_in(db, user, rp, answer=answer, ceremony=ceremony)
    return new_recovery_codes(db, user)


def turn_off(db, user: User, password: str, code: str, secret_key: str) -> None:
    """Needs the password and a code (from the app or a recovery code): a session left open is not enough."""
    if service.authenticate(db, user.email, password) is None:
        raise WrongPassword(field="password")
    check_code(db, user, code, secret_key)
    db.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    if not security_keys.has_keys(db, user):  # the keys still need the recovery codes
        db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(db, "twofactor.disabled", platform=True, obj=user)


def remove(db, user: User, *, action: str = "twofactor.reset") -> bool:
    """An operator's last resort for someone who lost phone, keys and recovery codes (`koers reset-two-factor`),
    after checking who is asking: the password alone signs in again. Returns whether there was anything."""
    keys = security_keys.remove_all(db, user)
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    removed = db.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id)).rowcount > 0 or keys > 0
    if removed:
        audit.record(db, action, platform=True, obj=user)
    return removed


# ---- security keys --------------------------------------------------------------------------------

def add_key(db, user: User, rp: security_keys.RelyingParty, *, name: str, answer: str,
            ceremony: security_keys.Ceremony | None) -> list[str] | None:
    """Register a security key; returns new recovery codes (shown once) when it is the account's first second
    factor, else None."""
    first = not has_second_factor(db, user)
    security_keys.finish_registration(db, user, rp, name=name, answer=answer, ceremony=ceremony)
    return new_recovery_codes(db, user) if first else None


def remove_key(db, user: User, key: security_keys.SecurityKey) -> None:
    """Remove a key; with it the recovery codes when nothing else (the app, another key) is left."""
    security_keys.remove_key(db, key)
    if not has_second_factor(db, user):
        db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


# ---- signing in in two steps --------------------------------------------------------------------

def begin_sign_in(db, user: User) -> bool:
    """After the password (or a reset link): signed in at once (True) when the account has no second factor;
    else only the pending second step is kept in the session (False) and the caller asks for the code."""
    if not has_second_factor(db, user):
        log_in(user)
        audit.record(db, "signin", platform=True, obj=user, actor=audit.Actor(user.email, user.id),
                     detail={"method": "password"})
        return True
    log_in_pending = {"uid": user.id, "stamp": user.session_stamp, "at": int(time.time())}
    kept_locale = http_session.get("locale") or user.locale  # the second step speaks the account's language
    http_session.clear()  # whatever this browser held before: nobody's session until the code
    if kept_locale:
        http_session["locale"] = kept_locale
    http_session[_PENDING] = log_in_pending
    return False


def pending_user(db) -> User | None:
    """Whose second step this browser is in, if it has not expired (and the account's sessions have not
    been ended since, by a password change or a log-out elsewhere)."""
    pending = http_session.get(_PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("uid"), int) \
            or not isinstance(pending.get("at"), int) or time.time() - pending["at"] > PENDING_MAX_AGE:
        return None
    user = db.get(User, pending["uid"])
    if user is None or user.session_stamp != pending.get("stamp"):
        return None
    return user


def pending_key() -> str:
    """The rate limit's key for codes: the account whose second step this is."""
    pending = http_session.get(_PENDING)
    uid = pending.get("uid") if isinstance(pending, dict) else None
    return f"twofactor-account:{uid}"


def finish_sign_in(db, user: User, code: str, secret_key: str) -> str:
    signing_in = audit.Actor(user.email, user.id)
    try:
        kind = check_code(db, user, code, secret_key)
    except DomainError as error:  # on record once the view has rolled back (saas.kernel.views)
        raise audit.refused(error, "signin.failed", platform=True, result=audit.FAILED, obj=user, actor=signing_in,
                            detail={"reason": "second factor"})
    log_in(user)  # clears the pending step with the rest of the session
    audit.record(db, "signin", platform=True, obj=user, actor=signing_in, detail={"method": f"password+{kind}"})
    return kind


def finish_sign_in_with_key(db, user: User, rp: security_keys.RelyingParty, answer: str,
                            ceremony: security_keys.Ceremony | None) -> security_keys.SecurityKey:
    key = security_keys.check_sign_in(db, user, rp, answer=answer, ceremony=ceremony)
    log_in(user)
    return key


# ---- the tenant's policy ------------------------------------------------------------------------

def note_identity_provider_sign_in(tenant_id: int, mfa_claimed: bool) -> None:
    """After a sign-in through a tenant's own identity provider (saas.sso; the session is fresh): which tenant,
    and whether the ID token itself said that more than a password was used (its `amr` claim)."""
    http_session[SSO_MFA] = {"tenant": tenant_id, "amr": bool(mfa_claimed)}


def signed_in_with_mfa_by_identity_provider(db, tenant) -> bool:
    """Whether this session began with a multi-factor sign-in at this tenant's own identity provider: its ID
    token said so (`amr`), or the tenant's admin declared that the provider enforces it (checked now, so that
    taking the tick away takes effect at once). A password sign-in never counts; nor does another tenant's."""
    noted = http_session.get(SSO_MFA)
    if not isinstance(noted, dict) or noted.get("tenant") != tenant.id:
        return False
    if noted.get("amr") is True:
        return True
    return identity_provider_enforces_mfa(db)

def set_policy(tenant, required: bool) -> None:
    if bool(tenant.require_two_factor) != bool(required):
        audit.record(object_session(tenant), "settings.two_factor", obj=tenant,
                     detail={"from": bool(tenant.require_two_factor), "to": bool(required)})
    tenant.require_two_factor = required


def must_enrol(db, tenant, membership, user: User) -> bool:
    return bool(tenant.require_two_factor and membership.roles & POLICY_ROLES and not has_second_factor(db, user)
                and not signed_in_with_mfa_by_identity_provider(db, tenant))


def enforce_policy(tenant, membership):
    """The tenant guard's extra check (tenants.guards): a member whom the tenant's policy binds and who has no
    second factor is sent to enrolment first. Other tenants, and members in other roles, are unaffected."""
    if must_enrol(session(), tenant, membership, current_user):
        flash(_("%(tenant)s requires two-factor sign-in for your role. Set it up to continue.", tenant=tenant.name),
              "info")
        return redirect(url_for("twofactor.manage", next=request.path))
    return None
