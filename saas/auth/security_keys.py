"""Security keys and passkeys (WebAuthn) as a second factor, beside the authenticator app (saas.auth.twofactor).

The ceremonies' checks are the `webauthn` library's (py_webauthn: challenge, origin, RP ID, signature,
attestation format); what is Koers's own is here:
- The relying party is the configured BASE_URL: its host is the RP ID and its scheme, host and port the one
  origin accepted. A key registered on one address of Koers does not sign in on another.
- A challenge is made by the server for one ceremony, kept in the person's session (`Ceremony`) with the
  moment it was made, and taken out when the answer comes (used once; too old after CHALLENGE_MAX_AGE).
- The sign counter: an authenticator that counts (most security keys) must show a higher count each time. A
  count that does not go up means that a copy of the key was used somewhere (a clone): it is refused, and the
  key can only be used again after the person removes it and registers it anew. A count of 0 that stays 0 is
  an authenticator that does not count (many passkeys): nothing to compare.
- The public key, the counter and the credential id are kept; nothing secret is, so a copy of the database
  signs nobody in.
"""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import webauthn
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import AuthenticatorSelectionCriteria, PublicKeyCredentialDescriptor, \
    ResidentKeyRequirement, UserVerificationRequirement

from saas.auth.models import User
from saas.kernel.db import Base, utcnow
from saas.kernel.errors import DomainError

RP_NAME = "Koers"
CHALLENGE_MAX_AGE = 5 * 60  # seconds from the options to the answer
TIMEOUT_MS = 120_000  # what the browser is told to wait for the person to touch the key
NAME_MAX = 60
KEYS_MAX = 10  # per account: enough for a key on the keyring, one in the drawer, a laptop's and a phone's passkey
ANSWER_MAX = 16_000  # characters of the browser's answer (a credential id is at most 1023 bytes)


class SecurityKey(Base):
    """A security key or passkey of an account: its credential's id and public key, and its counter."""

    __tablename__ = "security_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # base64url of the credential id the authenticator made (unique the world over)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # COSE, as the authenticator gave it
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class KeyRefused(DomainError):
    default_message = _l("The security key's answer could not be checked, so it was not accepted. Please try "
                         "again, or use the code from your app.")


class KeyExpired(DomainError):
    default_message = _l("That took too long, or the page was opened again elsewhere. Please try again.")


class KeyUnknown(DomainError):
    default_message = _l("This security key is not registered for your account. Use one you added, or the code "
                         "from your app.")


class KeyCloned(DomainError):
    default_message = _l("This security key's counter went back, which happens when a copy of the key was used "
                         "elsewhere. It was not accepted. Sign in another way and remove the key from your "
                         "account; if you did not copy it, tell your administrator.")


class KeyNameNeeded(DomainError):
    default_message = _l("Give the key a name, so that you can tell your keys apart.")


class TooManyKeys(DomainError):
    default_message = _l("You have %(max)d security keys, the most an account can have. Remove one first.")


class AlreadyRegistered(DomainError):
    default_message = _l("This security key is registered already.")


@dataclass(frozen=True)
class RelyingParty:
    """Koers as the browser sees it: the RP ID (a host name: an IP address is no RP ID) and the origin."""

    id: str
    origin: str

    @classmethod
    def from_base_url(cls, base_url: str) -> RelyingParty:
        parts = urlsplit(base_url)
        return cls(id=parts.hostname or "", origin=f"{parts.scheme}://{parts.netloc}")


@dataclass(frozen=True)
class Ceremony:
    """One ceremony's challenge as kept in the person's session: whose, what for, since when."""

    user_id: int
    purpose: str  # "register" or "sign-in"
    challenge: str  # base64url
    at: int

    def to_session(self) -> dict:
        return {"uid": self.user_id, "purpose": self.purpose, "challenge": self.challenge, "at": self.at}

    @classmethod
    def from_session(cls, kept) -> Ceremony | None:
        if not isinstance(kept, dict) or not all(isinstance(kept.get(k), t) for k, t in (
                ("uid", int), ("purpose", str), ("challenge", str), ("at", int))):
            return None
        return cls(kept["uid"], kept["purpose"], kept["challenge"], kept["at"])

    def challenge_for(self, user: User, purpose: str) -> bytes:
        """The challenge, when this ceremony is the one the answer belongs to and still fresh."""
        if self.user_id != user.id or self.purpose != purpose or time.time() - self.at > CHALLENGE_MAX_AGE:
            raise KeyExpired()
        return webauthn.base64url_to_bytes(self.challenge)


def keys_of(db, user: User) -> list[SecurityKey]:
    return list(db.scalars(select(SecurityKey).where(SecurityKey.user_id == user.id).order_by(SecurityKey.created_at,
                                                                                             SecurityKey.id)))


def has_keys(db, user: User) -> bool:
    return db.scalar(select(SecurityKey.id).where(SecurityKey.user_id == user.id).limit(1)) is not None


def key_of(db, user: User, key_id: int) -> SecurityKey | None:
    """One of this account's keys (another account's key id is none of its business)."""
    return db.scalar(select(SecurityKey).where(SecurityKey.id == key_id, SecurityKey.user_id == user.id))


# ---- registering a key --------------------------------------------------------------------------

def begin_registration(db, user: User, rp: RelyingParty) -> tuple[str, Ceremony]:
    """The options for `navigator.credentials.create()` (JSON) and the ceremony to keep in the session."""
    challenge = secrets.token_bytes(32)
    options = webauthn.generate_registration_options(
        rp_id=rp.id, rp_name=RP_NAME, user_id=_user_handle(user), user_name=user.email,
        user_display_name=user.name, challenge=challenge, timeout=TIMEOUT_MS,
        # a second factor after the password: any key will do, no PIN needed and nothing kept on the key
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.DISCOURAGED),
        exclude_credentials=_descriptors(db, user))
    return webauthn.options_to_json(options), Ceremony(user.id, "register", bytes_to_base64url(challenge),
                                                       int(time.time()))


def finish_registration(db, user: User, rp: RelyingParty, *, name: str, answer: str,
                        ceremony: Ceremony | None) -> SecurityKey:
    """The browser's answer to the options checked (challenge, origin, RP ID, attestation) and the key kept."""
    name = " ".join((name or "").split())[:NAME_MAX]
    if not name:
        raise KeyNameNeeded(field="name")
    if db.scalar(select(func.count()).select_from(SecurityKey).where(SecurityKey.user_id == user.id)) >= KEYS_MAX:
        raise TooManyKeys(TooManyKeys.default_message % {"max": KEYS_MAX})
    if ceremony is None:
        raise KeyExpired()
    challenge = ceremony.challenge_for(user, "register")
    try:
        verified = webauthn.verify_registration_response(
            credential=_answer(answer), expected_challenge=challenge, expected_rp_id=rp.id,
            expected_origin=rp.origin)
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise KeyRefused() from error
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.scalar(select(SecurityKey.id).where(SecurityKey.credential_id == credential_id)) is not None:
        raise AlreadyRegistered()
    key = SecurityKey(user_id=user.id, credential_id=credential_id, public_key=verified.credential_public_key,
                      sign_count=verified.sign_count, name=name)
    db.add(key)
    db.flush()
    return key


# ---- signing in with a key ----------------------------------------------------------------------

def begin_sign_in(db, user: User, rp: RelyingParty) -> tuple[str, Ceremony]:
    """The options for `navigator.credentials.get()` (JSON: this account's keys) and the ceremony."""
    challenge = secrets.token_bytes(32)
    options = webauthn.generate_authentication_options(
        rp_id=rp.id, challenge=challenge, timeout=TIMEOUT_MS, allow_credentials=_descriptors(db, user),
        user_verification=UserVerificationRequirement.DISCOURAGED)
    return webauthn.options_to_json(options), Ceremony(user.id, "sign-in", bytes_to_base64url(challenge),
                                                       int(time.time()))


def check_sign_in(db, user: User, rp: RelyingParty, *, answer: str, ceremony: Ceremony | None) -> SecurityKey:
    """The key that answered, once its signature over this ceremony's challenge, the origin and the RP ID are
    checked and its counter went up (a clone is refused); its counter and last use are kept."""
    if ceremony is None:
        raise KeyExpired()
    challenge = ceremony.challenge_for(user, "sign-in")
    try:
        credential = parse_authentication_credential_json(_answer(answer))
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise KeyRefused() from error
    key = db.scalar(select(SecurityKey).where(SecurityKey.credential_id == credential.id,
                                              SecurityKey.user_id == user.id))
    if key is None:
        raise KeyUnknown()
    try:
        # the counter is checked below, after the signature: the library's own check would not tell a clone
        verified = webauthn.verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin,
            credential_public_key=key.public_key, credential_current_sign_count=0)
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise KeyRefused() from error
    new_count = verified.new_sign_count
    if (new_count or key.sign_count) and new_count <= key.sign_count:
        raise KeyCloned()
    # only from the count this check read: two answers with the same count cannot both pass
    taken = db.execute(update(SecurityKey).where(SecurityKey.id == key.id, SecurityKey.sign_count == key.sign_count)
                       .values(sign_count=new_count, last_used_at=utcnow())
                       .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise KeyCloned()
    db.refresh(key)
    return key


# ---- removing ------------------------------------------------------------------------------------

def remove_key(db, key: SecurityKey) -> None:
    db.delete(key)
    db.flush()


def remove_all(db, user: User) -> int:
    keys = keys_of(db, user)
    for key in keys:
        db.delete(key)
    db.flush()
    return len(keys)


# ---- helpers --------------------------------------------------------------------------------------

def _user_handle(user: User) -> bytes:
    """The WebAuthn user handle: the account's number, no address or name (the spec asks for nothing personal)."""
    return f"koers-user-{user.id}".encode()


def _descriptors(db, user: User) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=webauthn.base64url_to_bytes(key.credential_id))
            for key in keys_of(db, user)]


def _answer(answer: str) -> dict:
    """The browser's answer as the JSON object the library reads; anything else is refused as such."""
    if not isinstance(answer, str) or not answer or len(answer) > ANSWER_MAX:
        raise KeyRefused()
    try:
        data = json.loads(answer)
    except ValueError as error:
        raise KeyRefused() from error
    if not isinstance(data, dict):
        raise KeyRefused()
    return data
