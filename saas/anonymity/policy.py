"""The anonymity thresholds (DESIGN.md §3), and the one place where a collection's k is decided.

k is fixed per collection when it is launched (with the works council's consent) and stored on it:
a later change of the tenant's k applies to later collections only, so two readings of one
collection can never be made under two values of k.
"""
from __future__ import annotations

SMALLEST_K = 5  # a tenant or the works council may raise k, never lower it below this
FREE_TEXT_MIN = 10  # open answers need at least max(this, k) people
RATERS_MIN_SCORES = 3  # 360: a group of raters is shown with at least this many answers
RATERS_MIN_COMMENTS = 5  # 360: comments by others are shown with at least this many raters


def tenant_k(tenant) -> int:
    """The tenant's k as it stands now; only for collections launched from now on."""
    return max(SMALLEST_K, getattr(tenant, "min_group_size", None) or 0)


def launch_k(tenant, consent_k: int | None = None) -> int:
    """The k to freeze on a collection at its launch: the tenant's, or the consent's when higher."""
    return max(tenant_k(tenant), consent_k or 0)


def frozen_k(collection, tenant=None) -> int:
    """The k a launched collection was frozen with (a collection in preparation: the tenant's now)."""
    k = getattr(collection, "k", None)
    if k:
        return max(SMALLEST_K, k)
    return tenant_k(tenant) if tenant is not None else SMALLEST_K


def free_text_k(k: int) -> int:
    return max(FREE_TEXT_MIN, k)


def free_text_shown(writers: int, k: int) -> bool:
    """Whether open answers may be shown: at least free_text_k(k) people wrote one."""
    return writers >= free_text_k(k)


def settable_k(value: int) -> int:
    """A tenant's k as an admin sets it: never below SMALLEST_K."""
    return max(SMALLEST_K, value)


def valid_k(value) -> bool:
    """A k a tenant or a consent may set: a whole number of at least SMALLEST_K."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= SMALLEST_K
