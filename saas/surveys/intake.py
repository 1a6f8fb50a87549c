"""Taking in a submitted survey: the hot path of `POST …/survey/<token>/answers.json` (issue 5 §9).

The same rules as `service.submit` + `service.mix_when_k_wait` (DESIGN.md §3), in fewer round
trips to the database:

1. one read: the invitation behind the token hash, its wave's status, and whether the chosen
   legacy organisation and team exist (only when given);
2. the answers are checked in Python against the wave's definition, kept per process (see
   `definition`): a wave's instruments, groupings, values, questions and close date can change
   only while it is in preparation, and a wave never goes back to preparation;
3. one write, a single statement: mark the invitation answered (only if it is not yet, and only
   while its wave is open) and put the answer in the mixing pool, detached (a random id, the day,
   the grouping attributes; no token, invitation or person). It returns how many answers wait in
   the pool, so most submissions know without another query that there is nothing to mix yet;
4. once at least k (the wave's, frozen at its launch) answers wait: a job is asked for after the
   commit, which moves the whole pool into the responses in a transaction of its own
   (`service.mix_pool`), in random order, under a lock per wave that every mixing takes.

Tenant scope: every statement names the tenant of the session's scope (set by the guard from the
URL, never from the request body), and PostgreSQL's row-level security checks the same tenant, set
for the transaction by the same guard (tenants.scoping.enter_tenant). With no tenant in scope,
nothing runs.

On a database other than PostgreSQL (the development default, SQLite) the ORM path in `service`
does the same, slower.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date
from threading import Lock

from sqlalchemy import select, text

from saas.anonymity import policy, pool
from saas.kernel.jobs import enqueue_after_commit
from saas.surveys import service
from saas.surveys.models import Wave
from tenants.scoping import TenantScopeError, current_tenant_id
from saas.kernel.job_models import ACTIVE_STATUSES, args_key
from saas.kernel.tokens import hash_token


class UnknownLink(Exception):
    """No invitation behind this token in this tenant."""


@dataclass(frozen=True)
class WaveDefinition:
    """What a wave asks, which is all `service.clean_answers` reads. Fixed once the wave has opened."""

    id: int
    tenant_id: int
    instruments: tuple[str, ...]
    groupings: tuple[str, ...]
    value_keys: tuple[str, ...]
    questions: tuple[dict, ...]
    closes_on: date | None  # the last day answers are taken
    k: int  # frozen at the launch (saas.anonymity.policy)
    asks_enps: bool = False  # the eNPS question (0-10)


def submit_by_token(db, tenant, token: str, answers: dict, attributes: dict, today: date) -> None:
    """Take in one whole survey for the personal link `token`; the caller commits.

    Raises UnknownLink, service.WaveNotOpen, service.AlreadyAnswered, service.InvalidAnswer or a
    DomainError about an attribute; on any of these nothing has been written.
    """
    if not token or len(token) > 200:
        raise UnknownLink()
    conn = db.connection()  # the session's, in its transaction
    if conn.dialect.name != "postgresql":
        return _submit_with_orm(db, tenant, token, answers, attributes, today)
    tenant_id = current_tenant_id(db)
    if tenant_id is None:
        raise TenantScopeError("survey intake with no tenant in scope")
    found = _find(conn, tenant_id, hash_token(token), attributes.get("legacy_org_id"), attributes.get("team_id"))
    if found is None:
        raise UnknownLink()
    if found.status != "open":
        raise service.WaveNotOpen()
    if found.answered:
        raise service.AlreadyAnswered()
    wave = definition(db, tenant_id, found.wave_id)
    if wave.closes_on is not None and today > wave.closes_on:
        raise service.WaveNotOpen()  # past its close date, not closed yet (see saas.deadlines)
    clean = service.clean_answers(wave, answers)
    payload = {"answers": clean, "day": today.isoformat(),
               **service.check_attributes(wave, attributes, org_exists=found.org_exists, team_exists=found.team_exists)}
    row = conn.execute(_TAKE_IN, {
        "tenant": tenant_id, "invitation": found.id, "wave": found.wave_id, "id": secrets.token_hex(16),
        "payload": json.dumps(payload), "job": service.MIX_JOB, "job_key": args_key((tenant_id, found.wave_id)),
    }).one()
    if not row.accepted:  # answered or closed between our read and our write: tell which
        again = _find(conn, tenant_id, hash_token(token), None, None)
        if again is not None and again.status != "open":
            raise service.WaveNotOpen()
        raise service.AlreadyAnswered()
    # `waiting` was counted before this answer joined the pool. While a mixing job is already
    # waiting or running, it is not asked for again (enqueue_after_commit's `unique` would find it,
    # at the cost of an ORM query on every submission until the job has run); what it leaves in the
    # pool is mixed by the job the next submission asks for, or by the close.
    if pool.mix_due(row.waiting + 1, wave.k) and not row.job_waiting:
        enqueue_after_commit(db, service.MIX_JOB, tenant.id, found.wave_id, unique=True)


def definition(db, tenant_id: int, wave_id: int) -> WaveDefinition:
    """The wave's definition, read once per process once it can no longer change."""
    key = (tenant_id, wave_id)
    known = _definitions.get(key)
    if known is not None:
        return known
    wave = db.scalar(select(Wave).where(Wave.id == wave_id))
    found = WaveDefinition(id=wave.id, tenant_id=wave.tenant_id, instruments=tuple(wave.instruments or ()),
                           groupings=tuple(wave.groupings or ()), value_keys=tuple(wave.value_keys or ()),
                           questions=tuple(wave.questions or ()), closes_on=wave.closes_on,
                           k=policy.frozen_k(wave, tenant=None), asks_enps=bool(wave.asks_enps))
    if wave.status != "draft" and wave.tenant_id == tenant_id:
        with _definitions_lock:
            if len(_definitions) >= _DEFINITIONS_MAX:
                _definitions.pop(next(iter(_definitions)))
            _definitions[key] = found
    return found


_definitions: dict[tuple[int, int], WaveDefinition] = {}
_definitions_lock = Lock()
_DEFINITIONS_MAX = 1024


def _find(conn, tenant_id: int, token_hash: str, org_id, team_id):
    """The invitation and its wave's status; whether the given organisation and team exist."""
    return conn.execute(_FIND, {"tenant": tenant_id, "hash": token_hash, "org": org_id, "team": team_id}).first()


def _submit_with_orm(db, tenant, token, answers, attributes, today) -> None:
    found = service.invitation_and_wave(db, token)
    if found is None:
        raise UnknownLink()
    invitation, wave = found
    service.submit(db, wave, invitation, answers, attributes, today)
    service.mix_when_k_wait(db, tenant, wave)


# Plain SQL on the session's connection, in the session's transaction: the cheapest way through
# SQLAlchemy (no ORM compilation per request), and the statements are prepared by psycopg after a
# few runs. Each names the tenant of the session's scope; RLS checks the same tenant.
_FIND = text("""
SELECT i.id, i.wave_id, i.answered, w.status,
       EXISTS (SELECT 1 FROM legacy_organisations
               WHERE tenant_id = :tenant AND id = CAST(:org AS integer)) AS org_exists,
       EXISTS (SELECT 1 FROM teams WHERE tenant_id = :tenant AND id = CAST(:team AS integer)) AS team_exists
FROM survey_invitations i JOIN survey_waves w ON w.tenant_id = i.tenant_id AND w.id = i.wave_id
WHERE i.tenant_id = :tenant AND i.token_hash = :hash
""")

# The invitation is claimed only if it is unanswered and its wave open. `FOR SHARE` on the wave
# makes a wave that is being closed wait for this answer (and its release then mixes it in), or
# this answer wait for the close and then find the wave closed: no answer is left in the pool of a
# closed wave. Two requests with the same token: the second waits for the first's row lock, then
# finds the invitation answered and claims nothing. `waiting` is counted in the statement's snapshot,
# so without this answer. `job_waiting`: an unfinished run of the mixing job for this wave (the
# `unique` lookup of saas.kernel.jobs.enqueue_after_commit, read in the same statement).
_TAKE_IN = text(f"""
WITH claimed AS (
    UPDATE survey_invitations SET answered = true, draft = NULL
    WHERE tenant_id = :tenant AND id = :invitation AND wave_id = :wave AND NOT answered
      AND EXISTS (SELECT 1 FROM survey_waves
                  WHERE tenant_id = :tenant AND id = :wave AND status = 'open' FOR SHARE)
    RETURNING wave_id
), pooled AS (
    INSERT INTO survey_answer_pool (id, tenant_id, wave_id, payload)
    SELECT :id, :tenant, wave_id, CAST(:payload AS json) FROM claimed
    RETURNING 1
)
SELECT (SELECT count(*) FROM pooled) AS accepted,
       (SELECT count(*) FROM survey_answer_pool WHERE tenant_id = :tenant AND wave_id = :wave) AS waiting,
       EXISTS (SELECT 1 FROM job_runs
               WHERE tenant_id = :tenant AND function = :job AND args_key = :job_key
                 AND status IN ({", ".join(f"'{status}'" for status in ACTIVE_STATUSES)})) AS job_waiting
""")
