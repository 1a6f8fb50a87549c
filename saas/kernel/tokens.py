"""Personal links: a random token goes out in a mail, only its hash is kept (and, at the end, signed
links that need no row: `sign` / `unsign`).

Invitations of every kind (a tenant's, a survey wave's, a pulse check's, a 360 round's) use these, so a
link can be checked, renewed and revoked the same way everywhere, and a leaked database holds no link.
"""
from __future__ import annotations

import hashlib
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import String, cast, literal, select, update


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_once(db, model, memberships, *, columns_of=None, **parent) -> list[tuple[object, str]]:
    """One personal token per person not yet invited to `parent` (e.g. `wave_id=3`), in the invitation
    table `model` (a survey wave's, a pulse check's). Only the hash is kept; returns (membership, token)
    for the mails, which hold the only copy of each token. `columns_of(membership)`: more columns of the
    new row (e.g. what a survey invitation freezes about the person)."""
    invited = set(db.scalars(select(model.membership_id)
                             .where(*(getattr(model, column) == value for column, value in parent.items()))))
    sent = []
    for membership in memberships:
        if membership.id in invited:
            continue
        token = secrets.token_urlsafe(32)
        db.add(model(membership_id=membership.id, token_hash=hash_token(token), **parent,
                     **(columns_of(membership) if columns_of else {})))
        sent.append((membership, token))
    db.flush()
    return sent


def invitation_by_token(db, model, token: str):
    """The row of the invitation table `model` behind a personal link; None for an unknown or absurd token."""
    if not token or len(token) > 200:
        return None
    return db.scalar(select(model).where(model.token_hash == hash_token(token)))


def renew_token(row) -> str:
    """A new personal link for an invitation of any kind (a row with `token_hash`): only the new token's
    hash is kept, so the old link stops working and the token exists only in what the caller sends."""
    token = secrets.token_urlsafe(32)
    row.token_hash = hash_token(token)
    return token


SCRUBBED = "closed:"  # what a scrubbed token_hash starts with; never a SHA-256 in hex, so it matches no link


def scrub_tokens(db, model, **parent) -> int:
    """When a round closes its links serve nothing any more: every invitation of `parent` (e.g. `wave_id=3`)
    in `model` loses its token's hash (retention, issue 19), replaced by "closed:<id>", which no token hashes
    to (the column stays unique and filled; who was asked and who answered stay for the response rates).
    A link of the round then finds no invitation, like any unknown link. Returns how many."""
    return db.execute(update(model).where(*(getattr(model, column) == value for column, value in parent.items()),
                                          model.token_hash.not_like(f"{SCRUBBED}%"))
                      .values(token_hash=literal(SCRUBBED).concat(cast(model.id, String)))
                      .execution_options(synchronize_session=False)).rowcount


# ---- signed links -----------------------------------------------------------------------------
# A link that needs no row of its own (confirming an e-mail address): the data signed with the app's
# key and a purpose of its own, so a link of one kind never passes for another, and refused after max_age.

def sign(secret_key: str, purpose: str, data) -> str:
    return URLSafeTimedSerializer(secret_key, salt=f"koers-{purpose}").dumps(data)


def unsign(secret_key: str, purpose: str, token: str, *, max_age: int):
    """The data of a link made by `sign` for `purpose`; None when forged, for another purpose or too old."""
    if not token or len(token) > 500:
        return None
    try:
        return URLSafeTimedSerializer(secret_key, salt=f"koers-{purpose}").loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
