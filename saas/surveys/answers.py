"""Reading a wave's answers into the per-respondent arrays of `saas.comparison.maths`.

Parsing the answers (JSON) is most of the work of a comparison: about 30 µs per answer, so three
seconds for 100,000 on one core. On PostgreSQL a large wave is therefore read in parts, by key
range of the random response ids, in parallel: this process reads one part and helper processes
(plain subprocesses: nothing of a threaded parent is inherited) read the others over their own
connections. They see exactly the same data: the reading transaction exports its snapshot and the
helpers import it (`SET TRANSACTION SNAPSHOT`), and each helper sets the tenant for row-level
security like any transaction of the app. Respondents are then ordered by response id, so the
result does not depend on how the rows were scanned or split (the resampling depends on that
order, and the same seed must give the same result).

This module must stay light: helper processes import it.
"""
from __future__ import annotations

import gc
import io
import json
import math
import os
import subprocess
import sys
from array import array
from contextlib import contextmanager
from itertools import repeat
from operator import itemgetter

import numpy as np

from saas.surveys.instruments import CONTRACT_PAIRED_TOPICS, DIMENSIONS, TYPES

VALUE_LISTS = ("personal", "org_current", "org_desired")
BATCH = 5000  # answers parsed and held at a time
PARALLEL_FROM = 20_000  # responses; below this, starting helper processes costs more than it saves
MAX_PARTS = 4
_CULTURE_CELLS = itemgetter(*[f"d{d.number}_{t}_{phase}" for phase in ("now", "preferred")
                              for d in DIMENSIONS for t in TYPES])  # (phase, dimension, type) order
_PROMISED = itemgetter(*[f"promised_{topic}" for topic in CONTRACT_PAIRED_TOPICS])
_DELIVERED = itemgetter(*[f"delivered_{topic}" for topic in CONTRACT_PAIRED_TOPICS])
_NO_CULTURE = (math.nan,) * (2 * len(DIMENSIONS) * len(TYPES))
_NO_CONTRACT = (math.nan,) * len(CONTRACT_PAIRED_TOPICS)
_SELECT = "SELECT id, legacy_org_id, answers::text FROM survey_responses WHERE wave_id = %s"


@contextmanager
def paused_gc():
    """Parsing 100,000 answers into small dicts otherwise sets off collection after collection."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Columns:
    """Accumulates parsed answers, one respondent at a time, as flat columns."""

    def __init__(self, value_keys: list[str]):
        self.index = {key: i for i, key in enumerate(value_keys)}
        self.ids, self.org_ids, self.answered = [], [], []
        self.culture, self.delivered, self.promised = array("d"), array("d"), array("d")
        self.enps = array("d")  # the eNPS answer (0-10), NaN where the wave does not ask it
        self.picked = {name: [] for name in VALUE_LISTS}
        self.lengths = {name: [] for name in VALUE_LISTS}

    def add(self, rows) -> None:
        """`rows`: (response id, legacy_org_id, answers as JSON text or as a dict)."""
        loads = json.loads
        for response_id, org_id, answers in rows:
            if isinstance(answers, str):
                answers = loads(answers)
            self.ids.append(response_id)
            self.org_ids.append(org_id)
            cells = answers.get("culture")
            self.culture.extend(_CULTURE_CELLS(cells) if cells else _NO_CULTURE)
            items = answers.get("contract")
            self.delivered.extend(_DELIVERED(items) if items else _NO_CONTRACT)
            self.promised.extend(_PROMISED(items) if items else _NO_CONTRACT)
            recommend = answers.get("enps")
            self.enps.append(math.nan if recommend is None else recommend)
            values = answers.get("values")
            self.answered.append(values is not None)
            for name in VALUE_LISTS:
                keys = (values.get(name) or ()) if values is not None else ()
                self.picked[name].extend(keys)
                self.lengths[name].append(len(keys))

    def finish(self) -> dict:
        """Plain arrays (cheap to send between processes)."""
        n = len(self.ids)
        part = {
            "ids": np.array(self.ids, dtype="S32") if n else np.zeros(0, dtype="S32"),
            "org_ids": np.array([-1 if o is None else o for o in self.org_ids], dtype=np.int64),
            "answered": np.array(self.answered, dtype=bool),
            "culture": np.frombuffer(self.culture, dtype=np.float64).reshape(n, len(_NO_CULTURE)).copy(),
            "delivered": np.frombuffer(self.delivered, dtype=np.float64).reshape(n, len(_NO_CONTRACT)).copy(),
            "promised": np.frombuffer(self.promised, dtype=np.float64).reshape(n, len(_NO_CONTRACT)).copy(),
            "enps": np.frombuffer(self.enps, dtype=np.float64).copy(),
        }
        for name in VALUE_LISTS:
            keys = self.picked[name]
            part[f"{name}_cols"] = np.fromiter(map(self.index.get, keys, repeat(-1)), dtype=np.int64,
                                               count=len(keys))
            part[f"{name}_lengths"] = np.array(self.lengths[name], dtype=np.int64)
        return part


def read_wave(db, wave, *, parts: int | None = None) -> dict:
    """All the wave's responses as arrays (see `Columns.finish`), ordered by response id.

    `db` is the caller's scoped session. `parts`: how many parallel readers (default: one per
    core, at most MAX_PARTS, and 1 below PARALLEL_FROM responses or off PostgreSQL).
    """
    # Lazy imports, on purpose: helper processes import this module and must start light.
    from sqlalchemy import Text, cast, func, select

    from saas.surveys.models import Response

    connection = db.connection()
    if parts is None:
        parts = 1
        if connection.dialect.name == "postgresql":
            count = db.scalar(select(func.count()).select_from(Response).where(Response.wave_id == wave.id))
            if count >= PARALLEL_FROM:
                parts = max(1, min(MAX_PARTS, os.cpu_count() or 1))
    keys = list(wave.value_keys)
    with paused_gc():
        if parts <= 1 or connection.dialect.name != "postgresql":
            columns = Columns(keys)
            statement = (select(Response.id, Response.legacy_org_id, cast(Response.answers, Text))
                         .where(Response.wave_id == wave.id).execution_options(yield_per=BATCH))
            for rows in db.execute(statement).partitions():
                columns.add(rows)
            return _ordered(columns.finish())
        return _ordered(_merge(_read_in_parts(db, connection, wave, keys, parts)))


def _read_in_parts(db, connection, wave, keys, parts: int) -> list[dict]:
    from sqlalchemy import text  # lazy: see read_wave

    from tenants.scoping import current_tenant_id

    bounds = _bounds(parts)
    # the helpers take this transaction's signed scope with its snapshot (row-level security asks the signature)
    snapshot, signature = connection.execute(
        text("SELECT pg_export_snapshot(), current_setting('app.scope_sig', true)")).one()
    task = {"url": connection.engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
            "snapshot": snapshot, "tenant_id": current_tenant_id(db), "scope_sig": signature or "",
            "wave_id": wave.id, "keys": keys}
    helpers = []
    try:
        for low, high in bounds[1:]:
            # a plain subprocess, not multiprocessing: nothing of this (maybe threaded) process is
            # inherited, and no main module is imported again. The task (with the database
            # password) goes over stdin, the arrays come back on stdout.
            helper = subprocess.Popen([sys.executable, "-c", "from saas.surveys.answers import helper_main; "
                                       "helper_main()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            helper.stdin.write(json.dumps({**task, "low": low, "high": high}).encode())
            helper.stdin.close()
            helpers.append(helper)
        # This process reads its own part in the exported snapshot too: its own transaction is READ
        # COMMITTED, where every statement would see a newer one.
        low, high = bounds[0]
        with paused_gc():
            results = [read_part_in_snapshot({**task, "low": low, "high": high})]
        for helper in helpers:
            output = helper.stdout.read()
            if helper.wait() != 0:
                raise RuntimeError(f"a helper reading the answers failed (exit status {helper.returncode})")
            with np.load(io.BytesIO(output)) as arrays:
                results.append({key: arrays[key] for key in arrays.files})
        return results
    finally:
        for helper in helpers:
            if helper.poll() is None:
                helper.kill()
                helper.wait()


def read_part_in_snapshot(task: dict) -> dict:
    """One key range of the wave, over a connection of its own, in the exported snapshot and with
    the tenant set for row-level security."""
    import psycopg

    with psycopg.connect(task["url"]) as connection:
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        connection.execute("SET TRANSACTION SNAPSHOT %s" % _literal(task["snapshot"]))
        connection.execute("SELECT set_config('app.tenant_id', %s, true), set_config('app.scope_sig', %s, true)",
                           (str(task["tenant_id"]), task["scope_sig"]))
        part = _read_part(connection, task["wave_id"], task["low"], task["high"], task["keys"])
        connection.rollback()
    return part


def helper_main() -> None:
    """A helper process: reads the task from stdin, writes the part's arrays to stdout."""
    task = json.loads(sys.stdin.buffer.read())
    with paused_gc():
        part = read_part_in_snapshot(task)
    buffer = io.BytesIO()
    np.savez(buffer, **part)
    sys.stdout.buffer.write(buffer.getvalue())
    sys.stdout.buffer.flush()


def _read_part(raw, wave_id, low, high, keys) -> dict:
    query, params = _SELECT, [wave_id]
    if low is not None:
        query, params = query + " AND id >= %s", params + [low]
    if high is not None:
        query, params = query + " AND id < %s", params + [high]
    columns = Columns(keys)
    with raw.cursor(name=f"comparison_part_{low or 'start'}") as cursor:  # server-side: streamed
        cursor.itersize = BATCH
        cursor.execute(query, params)
        while rows := cursor.fetchmany(BATCH):
            columns.add(rows)
    return columns.finish()


def _bounds(parts: int) -> list[tuple[str | None, str | None]]:
    """Key ranges over the random hex ids: [None, "40"), ["40", "80"), … ["c0", None)."""
    cuts = [f"{(256 * i) // parts:02x}" for i in range(1, parts)]
    return list(zip([None] + cuts, cuts + [None]))


def _literal(snapshot: str) -> str:
    if not all(c.isalnum() or c == "-" for c in snapshot):
        raise ValueError("unexpected snapshot id")
    return f"'{snapshot}'"


def _merge(parts: list[dict]) -> dict:
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def _ordered(part: dict) -> dict:
    """Respondents in order of response id; the value picks follow their respondents."""
    order = np.argsort(part["ids"], kind="stable")
    out = {key: part[key][order] for key in ("ids", "org_ids", "answered", "culture", "delivered", "promised", "enps")}
    n = len(order)
    for name in VALUE_LISTS:
        lengths, cols = part[f"{name}_lengths"], part[f"{name}_cols"]
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if n else np.zeros(0, dtype=np.int64)
        new_lengths = lengths[order]
        # the picks of respondent order[i], in their new place
        take = np.repeat(starts[order] - np.concatenate([[0], np.cumsum(new_lengths)[:-1]]), new_lengths) \
            + np.arange(new_lengths.sum()) if n else np.zeros(0, dtype=np.int64)
        out[f"{name}_cols"] = cols[take]
        out[f"{name}_lengths"] = new_lengths
    return out
