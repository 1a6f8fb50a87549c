"""Keyed pseudonyms (DESIGN.md §3): a way to count distinct authors of anonymous texts in one
collection without storing who they are. The key is derived from the application's secret and the
collection, so the same person has unrelated pseudonyms in two rounds, and without the secret a
pseudonym cannot be matched to a membership. It is used only for counting and is dropped at the
release."""
from __future__ import annotations

import hashlib
import hmac


def collection_key(secret: str, collection: str, collection_id: int) -> bytes:
    return hmac.new(secret.encode(), f"pseudonym-key:{collection}:{collection_id}".encode(), hashlib.sha256).digest()


def pseudonym(secret: str, collection: str, collection_id: int, membership_id: int) -> str:
    """The author's pseudonym in this collection: 64 hex digits."""
    return hmac.new(collection_key(secret, collection, collection_id), f"membership:{membership_id}".encode(),
                    hashlib.sha256).hexdigest()
