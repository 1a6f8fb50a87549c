"""The audit trail (issue 19, BIO2 8.15): who did what to which object, with what result, from where,
and when. One chain per tenant (`audit_trail`) and one for the platform (`platform_audit_trail`: sign-ins,
which belong to an account rather than a tenant, and what the platform's operators do outside a tenant).

Tamper-evident: each entry carries the SHA-256 of its own fields and of the entry before it, so changing,
removing or inserting a row breaks the chain, which `verify` (and `koers audit-verify`) finds. The
database refuses UPDATE and TRUNCATE on both tables (triggers); a row goes only by cascade when its
tenant is deleted at contract end. Entries are written by `record` in the same transaction as the change
they describe, so a change that rolls back leaves no entry and a change is never without one.

Sign-in records (sign-ins, failed sign-ins, sign-outs) form a chain of their own beside the main one
(`chain = "signin"`, in the same tables), because they are kept only for a period (the tenant's retention
setting; the platform's `PLATFORM_SIGN_IN_DAYS`): the daily retention pass removes the oldest of them as a
prefix (`prune_sign_ins`, the platform role only: the triggers let nothing else delete an entry) and writes an
anchor to the main chain (`audit.pruned`: through which entry, its hash, how many), from which `verify`
checks what remains. The main chain is never pruned.

What is never written here: anything about answering a survey (who answered, when, through which token).
The trail would otherwise become the link between a person and an answer that the anonymity rules forbid.
"""
from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import g, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint, delete, func, or_, select, text
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel import errors
from saas.kernel.db import Base, utcnow
from saas.kernel.listing import contains_words
from saas.kernel.models import TenantOwned

GENESIS = "0" * 64
OK, REFUSED, FAILED = "ok", "refused", "failed"
# pg_advisory_xact_lock's first key: one lock per chain, held until the change commits, so two
# concurrent changes in one tenant cannot both append after the same entry (the unique (chain, seq)
# would refuse the second anyway; the lock makes it wait instead of fail).
_LOCK_CLASS = 8150
MAIN, SIGN_IN = "main", "signin"
SIGN_IN_ACTIONS = frozenset({"signin", "signin.failed", "signout"})  # the records that go to the sign-in chain
PRUNED = "audit.pruned"  # the anchor entry, in the main chain, of a pruned sign-in chain
SIGN_IN_FLOOR_DAYS = 30  # younger sign-in records never go: the database's trigger refuses it too (migration 0042)


class _Entry:
    """The columns both chains share."""

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    chain: Mapped[str] = mapped_column(String(10), default=MAIN, server_default=MAIN)  # main | signin
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # the account; no foreign key: the trail outlives it
    actor: Mapped[str] = mapped_column(String(320))  # who, as known at the time (e-mail, "system", "SCIM", …)
    action: Mapped[str] = mapped_column(String(60))  # e.g. "membership.role", "settings.k", "signin.failed"
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # what changed: {"from": …, "to": …}, counts, …
    result: Mapped[str] = mapped_column(String(10), default=OK)  # ok | refused | failed
    origin: Mapped[str] = mapped_column(String(120), default="")  # "web 203.0.113.7", "job", "cli", "scim …"
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditEntry(_Entry, TenantOwned, Base):
    __tablename__ = "audit_trail"
    __table_args__ = (UniqueConstraint("tenant_id", "chain", "seq"),)


class PlatformAuditEntry(_Entry, Base):
    __tablename__ = "platform_audit_trail"
    __table_args__ = (UniqueConstraint("chain", "seq"),)


@dataclass(frozen=True)
class Actor:
    """Who acts, when it is not the signed-in person of a request: a job, a command, the identity provider."""

    label: str
    id: int | None = None


SYSTEM = Actor("system")

# Who acts outside a request: `koers …` sets the operator and "cli" for the command's run (saas.cli).
_process: ContextVar[tuple[Actor, str] | None] = ContextVar("koers_audit_process", default=None)

# The kinds of entry that concern anonymity, which the works council reads too: the minimum group size,
# the country and the consent requirement, consents recorded, reports released and exported, taking part in the
# benchmark across tenants and each contribution of released figures to a sector norm.
ANONYMITY_ACTIONS = ("settings.k", "settings.country", "settings.consent_required", "consent.recorded",
                     "report.released", "report.exported", "settings.benchmark", "benchmark.contributed")


@contextmanager
def acting_as(actor: Actor, origin: str):
    """Who acts outside a request while this lasts (a command line run): its entries carry this actor and origin."""
    token = _process.set((actor, origin))
    try:
        yield
    finally:
        _process.reset(token)


def act_in_request(actor: Actor, origin: str) -> None:
    """Who acts in this request when it is not a signed-in person (SCIM's identity provider, a webhook)."""
    g.audit_actor = (actor, origin)


def record(db, action: str, *, tenant_id: int | None = None, platform: bool = False, obj=None,
           object_type: str = "", object_id="", detail: dict | None = None, result: str = OK,
           actor: Actor | None = None, origin: str | None = None):
    """Append one entry to the tenant's chain (`tenant_id`, else the tenant of `obj`, else the session's) or, with
    `platform=True`, to the platform's. `obj` is a model instance: its table and id name the object. The
    actor and origin default to the request's signed-in person and address; outside a request, "system"."""
    if obj is not None:
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__)
        object_id = object_id or getattr(obj, "id", "")
    actor = actor or _request_actor()
    if platform:
        model, chain = PlatformAuditEntry, None
    else:
        # the tenant named, else the object's own (a change made across tenants), else the session's
        own = obj.id if getattr(obj, "__tablename__", "") == "tenants" else getattr(obj, "tenant_id", None)
        model, chain = AuditEntry, next((t for t in (tenant_id, own, db.info.get("tenant_id")) if t is not None), None)
        if chain is None:
            raise ValueError("an audit entry for a tenant needs a tenant")
    stream = SIGN_IN if action in SIGN_IN_ACTIONS else MAIN
    entry = model(
        seq=0, chain=stream, at=utcnow(), actor_id=actor.id, actor=actor.label[:320], action=action,
        object_type=object_type, object_id=str(object_id if object_id is not None else ""),
        detail=_plain(detail or {}), result=result, origin=(origin if origin is not None else _request_origin())[:120],
    )
    if chain is not None:
        entry.tenant_id = chain
    seq, prev = _lock_and_read_head(db, model, chain, stream)
    entry.seq, entry.prev_hash = seq + 1, prev
    entry.hash = entry_hash(entry)
    db.add(entry)
    db.flush()
    return entry


def refused(error: Exception, action: str, *, result: str = REFUSED, obj=None, **fields) -> Exception:
    """Mark a refusal by the domain for the trail and return it, to be raised. The change itself rolls
    back; the view pattern (saas.kernel.views) then writes this entry in a transaction of its own
    (`keep_refusal`), so an attempt that was refused is on record too."""
    if obj is not None:
        fields.setdefault("object_type", getattr(obj, "__tablename__", type(obj).__name__))
        fields.setdefault("object_id", getattr(obj, "id", ""))
    error.audit = {"action": action, "result": result, **fields}
    return error


def keep_refusal(db, error: Exception) -> None:
    """After the rollback of a refused change: its entry (see `refused`), committed on its own."""
    fields = getattr(error, "audit", None)
    if not fields:
        return
    error.audit = None  # written once, whoever catches it next
    record(db, **fields)
    db.commit()


errors.keep_refusal = keep_refusal  # the global error handler writes refusals no view caught


def entry_hash(entry: _Entry) -> str:
    """SHA-256 over the entry's fields (canonical JSON) and the previous entry's hash."""
    fields = {
        "tenant": getattr(entry, "tenant_id", None), "seq": entry.seq, "at": _instant(entry.at),
        "actor_id": entry.actor_id, "actor": entry.actor, "action": entry.action,
        "object_type": entry.object_type, "object_id": entry.object_id, "detail": entry.detail,
        "result": entry.result, "origin": entry.origin, "prev": entry.prev_hash,
    }
    if entry.chain not in (None, MAIN):  # the main chain's hashes are as they were before there were two
        fields["chain"] = entry.chain
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Verdict:
    entries: int
    broken_at: int | None = None  # the seq of the first entry that does not fit
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(db, *, tenant_id: int | None = None, platform: bool = False, chain: str = MAIN) -> Verdict:
    """Walk a chain from its first entry (the sign-in chain: from the main chain's last anchor, when it was
    pruned): every seq in order, every prev_hash the hash before it, every hash its own fields. The first
    entry that does not fit is named."""
    model = PlatformAuditEntry if platform else AuditEntry
    query = select(model).where(model.chain == chain).order_by(model.seq).execution_options(yield_per=1000)
    if not platform:
        query = query.where(model.tenant_id == tenant_id)
    expected_seq, expected_prev = _anchor(db, model, tenant_id, chain)
    expected_seq, count = expected_seq + 1, 0
    for entry in db.scalars(query):
        count += 1
        if entry.seq != expected_seq:
            return Verdict(count, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != expected_prev:
            return Verdict(count, entry.seq, "it does not follow the entry before it")
        if entry_hash(entry) != entry.hash:
            return Verdict(count, entry.seq, "its contents were changed")
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    return Verdict(count)


def to_json_line(entry: _Entry) -> str:
    """One entry as a line of JSON (the export for admins and auditors): every field its hash is made of, so
    they can check it (`entry_hash`: SHA-256 of these fields but `hash`, `prev_hash` named "prev", as canonical
    JSON with sorted keys and no spaces; "chain" is there for sign-in records only)."""
    line = {
        "tenant": getattr(entry, "tenant_id", None), "seq": entry.seq, "at": _instant(entry.at), "actor_id": entry.actor_id, "actor": entry.actor,
        "action": entry.action, "object_type": entry.object_type, "object_id": entry.object_id,
        "detail": entry.detail, "result": entry.result, "origin": entry.origin,
        "prev_hash": entry.prev_hash, "hash": entry.hash,
    }
    if entry.chain not in (None, MAIN):
        line["chain"] = entry.chain
    return json.dumps(line, ensure_ascii=False, sort_keys=True)


def prune_sign_ins(db, before: datetime, *, tenant_id: int | None = None, platform: bool = False,
                   actor: Actor = SYSTEM, origin: str = "job") -> int:
    """Remove the sign-in records older than `before` from a sign-in chain (the tenant's, or the platform's),
    oldest first and never past a newer one, and anchor what remains in the main chain: an `audit.pruned`
    entry naming the last removed entry and its hash and how many went. Only the platform role may (the
    triggers refuse everyone else, and any entry younger than the shortest period). Returns how many went."""
    model = PlatformAuditEntry if platform else AuditEntry
    chain = None if platform else tenant_id
    before = min(before, utcnow() - timedelta(days=SIGN_IN_FLOOR_DAYS))
    _lock(db, model, chain, SIGN_IN)
    where = [model.chain == SIGN_IN] + ([] if platform else [model.tenant_id == tenant_id])
    # a prefix: up to the first entry that is not old enough (clocks and the lock keep `at` in order, but a
    # prefix is what the anchor can vouch for, so it is what is taken)
    first_kept = db.scalar(select(func.min(model.seq)).where(*where, model.at >= before))
    last = db.scalars(select(model).where(*where, *([model.seq < first_kept] if first_kept else []))
                      .order_by(model.seq.desc()).limit(1)).first()
    if last is None:
        return 0
    through, last_hash = last.seq, last.hash
    removed = db.execute(delete(model).where(*where, model.seq <= through)
                         .execution_options(synchronize_session=False)).rowcount
    record(db, PRUNED, tenant_id=tenant_id, platform=platform, actor=actor, origin=origin,
           object_type="audit_trail", object_id=SIGN_IN,
           detail={"chain": SIGN_IN, "through_seq": through, "last_hash": last_hash, "removed": removed,
                   "before": before.isoformat()})
    return removed


def _anchor(db, model, tenant_id, chain) -> tuple[int, str]:
    """Where a chain starts: (seq, hash) of the entry before its first, from the main chain's last anchor of
    a pruning; (0, GENESIS) for a chain never pruned."""
    if chain == MAIN:
        return 0, GENESIS
    query = select(model.detail).where(model.chain == MAIN, model.action == PRUNED,
                                       model.object_id == chain).order_by(model.seq.desc()).limit(1)
    if model is AuditEntry:
        query = query.where(model.tenant_id == tenant_id)
    detail = db.scalar(query)
    return (detail["through_seq"], detail["last_hash"]) if detail else (0, GENESIS)


def _lock(db, model, chain, stream) -> None:
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:kind, :chain)"),
                   {"kind": _LOCK_CLASS + (stream == SIGN_IN), "chain": chain or 0})


def _lock_and_read_head(db, model, chain, stream) -> tuple[int, str]:
    """The (seq, hash) the next entry of this chain follows."""
    _lock(db, model, chain, stream)
    query = select(model).where(model.chain == stream).order_by(model.seq.desc()).limit(1)
    if chain is not None:
        query = query.where(model.tenant_id == chain)
    head = db.scalars(query).first()
    return (head.seq, head.hash) if head else _anchor(db, model, chain, stream)


def _plain(detail: dict) -> dict:
    """What the JSON column gives back when read: so the hash computed now is the hash verified later."""
    return json.loads(json.dumps(detail, default=str, ensure_ascii=False))


def _instant(at: datetime) -> str:
    if at.tzinfo is None:  # SQLite gives back naive UTC
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _request_actor() -> Actor:
    if not has_request_context():
        return _process.get()[0] if _process.get() else SYSTEM
    if has_app_context() and g.get("audit_actor"):
        return g.audit_actor[0]
    if getattr(current_user, "is_authenticated", False):
        return Actor(current_user.email, current_user.id)
    return Actor("anonymous")


def _request_origin() -> str:
    if not has_request_context():
        return _process.get()[1] if _process.get() else "job"
    address = request.remote_addr or ""
    if has_app_context() and g.get("audit_actor"):
        return f"{g.audit_actor[1]} {address}".strip()
    return f"web {address}".strip()


# ---- reading the trail -------------------------------------------------------------------------

@dataclass(frozen=True)
class Criteria:
    """Which entries to show: a period [since, until) in UTC, words of the actor, an action kind (its
    first part, "membership", or a whole action), the object (its kind, and its id), a result; `anonymity` keeps only
    the kinds in ANONYMITY_ACTIONS (what the works council reads)."""
    since: datetime | None = None
    until: datetime | None = None
    actor: tuple[str, ...] = ()
    kind: str = ""
    object_type: str = ""
    object_id: str = ""
    result: str = ""
    anonymity: bool = False


def newest_first(criteria: Criteria):
    """The tenant's entries (scoped like every tenant-owned row) that match, newest first."""
    conditions = []
    if criteria.since is not None:
        conditions.append(AuditEntry.at >= criteria.since)
    if criteria.until is not None:
        conditions.append(AuditEntry.at < criteria.until)
    if criteria.actor:
        conditions.append(contains_words(AuditEntry.actor, criteria.actor))
    if criteria.kind:
        conditions.append(or_(AuditEntry.action == criteria.kind,
                              AuditEntry.action.like(f"{_escape(criteria.kind)}.%", escape="\\")))
    if criteria.object_type:
        conditions.append(AuditEntry.object_type == criteria.object_type)
    if criteria.object_id:
        conditions.append(AuditEntry.object_id == criteria.object_id)
    if criteria.result:
        conditions.append(AuditEntry.result == criteria.result)
    if criteria.anonymity:
        conditions.append(AuditEntry.action.in_(ANONYMITY_ACTIONS))
    return select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc())  # two chains: in the order written


def _escape(text_: str) -> str:
    return text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
