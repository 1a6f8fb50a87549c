"""Survey submission under load, side by side with its framework-free floor and a bare Flask
hello-world (issue 15 point 9: submit/floor at least 0.5, goal 0.8; issue 5; house rule 7).

One run:
1. a throwaway PostgreSQL (as in the tests: the app connects as a role that RLS binds), migrated,
   a throwaway Redis and one `koers worker` on both, as in production;
2. a tenant with an open wave (k frozen at its launch) and enough personal invitations that every
   request submits a new answer;
3. the app under gunicorn with 2 workers, a bare Flask hello-world under the same gunicorn settings,
   and a third server, the floor (see FLOOR): the same checks, statements, job record and RQ
   enqueue as the app's intake, with no framework;
4. wrk on loopback with 16 connections against each, one after the other, for the same duration.

Both the app and the floor ask for the mixing job once k answers wait (a JobRun in the answer's
transaction, an RQ enqueue after the commit, the record then marked queued); the one worker runs
`saas.surveys.jobs.mix_pool` for both, in transactions of their own.

It prints the load average, the three rates, submit/floor (by rate and by CPU per request),
submit/hello-world (issue 5's old 40 % target), the p99 of submission, how many answers were stored
and mixed, and the CPU time each request cost, summed over the server's processes (gunicorn master
and workers), PostgreSQL, the worker, Redis and wrk. Other processes on the machine do not count in
it (contention still inflates it somewhat), so it shows where the ratios come from even when a
shared machine makes the rates noisy.

    .venv/bin/python bench/submit.py [--seconds 10] [--connections 16] [--keep]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.services import PostgresServer, RedisServer, WorkerProcess, _wait_for_port, free_port  # noqa: E402
from saas.kernel.config import Settings  # noqa: E402

WARM_UP = 2_000  # tokens kept apart for the warm-up, so the measured run never meets an answered one

HELLO = '''
from flask import Flask
app = Flask(__name__)

@app.post("/t/<slug>/survey/<token>/answers.json")
def hello(slug, token):
    return {"status": "received"}, 201
'''

# The floor: what submission costs at the least with this design, whatever the framework. The same
# checks (saas.surveys.service.clean_answers) and the same statements as saas/surveys/intake.py
# (tenant scope for row-level security, the invitation by its token's hash, claim it and pool the
# answer; once the wave's frozen k wait: the same JobRun lookup (`unique=True`: an unfinished run of
# the same job is reused) and insert in the same transaction, after the commit the same RQ enqueue
# (saas.kernel.jobs._enqueue, so the same `koers worker` mixes the pool in a transaction of its own)
# and the same pending → queued update), but as a bare WSGI function on one psycopg connection per
# worker, pipelined, with no Flask, no SQLAlchemy, no hooks, no languages and no error pages. Not
# a way to serve: a measuring stick for how far the framework's share can go.
FLOOR = """
import hashlib, hmac, json, os, re, secrets, uuid
from datetime import date, datetime, timezone

import psycopg

from saas.anonymity import policy
from saas.surveys import intake, service
from saas.kernel import jobs as queue
from saas.kernel.job_models import ACTIVE_STATUSES, args_key

_conn, _redis, _definitions = None, None, {}


def _sql(statement):  # SQLAlchemy's :name parameters as psycopg's %(name)s
    return re.sub(r"(?<![:\\w]):(\\w+)", r"%(\\1)s", statement.text)


SCOPE = ("SELECT concat(set_config('app.tenant_id', id::text, true), set_config('app.scope_sig', %s, true), "
         "set_config('app.user_id', '', true), set_config('app.all_tenants', 'off', true)), id FROM tenants WHERE slug = %s")
_signed = {}  # slug -> (tenant id, signature): signed as Koers's enter_tenant signs the id it last saw
FIND, TAKE_IN = _sql(intake._FIND), _sql(intake._TAKE_IN)
WAVE = "SELECT instruments, groupings, value_keys, questions, closes_on, k FROM survey_waves WHERE tenant_id = %s AND id = %s"
EXISTING = ("SELECT id FROM job_runs WHERE function = %s AND args_key = %s AND status = ANY(%s) AND tenant_id = %s "
            "ORDER BY created_at DESC LIMIT 1")
RECORD = ("INSERT INTO job_runs (id, tenant_id, function, args, args_key, queue, status, progress, attempts, created_at) "
          "VALUES (%s, %s, %s, %s, %s, 'default', 'pending', 0, 0, %s)")
QUEUED = "UPDATE job_runs SET status = 'queued' WHERE id = %s AND status = 'pending'"


def _answer(start_response, status, body):
    start_response(status, [("Content-Type", "application/json")])
    return [body]


def app(environ, start_response):
    global _conn, _redis
    if _conn is None:  # one connection per gunicorn worker, opened after the fork
        _conn = psycopg.connect(os.environ["FLOOR_DATABASE_URL"], autocommit=True)
        _redis = queue.redis_connection(os.environ["FLOOR_REDIS_URL"])
    conn = _conn
    _t, slug, _s, token, _a = environ["PATH_INFO"].strip("/").split("/")
    body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    attributes = body.get("attributes") or {}
    with conn.pipeline() as pipeline:
        conn.execute("BEGIN")
        tenant = conn.execute(SCOPE, (_signed.get(slug, (None, ""))[1], slug))
        pipeline.sync()
        tenant = tenant.fetchone()
        if tenant is None:
            conn.execute("ROLLBACK")
            return _answer(start_response, "404 Not Found", b'{"status":"unknown"}')
        tenant_id = tenant[1]
        if _signed.get(slug, (None,))[0] != tenant_id:  # first visit: sign, then scope again
            key = bytes.fromhex(os.environ["FLOOR_SCOPE_KEY"])
            _signed[slug] = (tenant_id, hmac.new(key, f"tenant:{tenant_id}".encode(), hashlib.sha256).hexdigest())
            conn.execute("SELECT set_config('app.scope_sig', %s, true)", (_signed[slug][1],))
        found = conn.execute(FIND, {"tenant": tenant_id, "hash": hashlib.sha256(token.encode()).hexdigest(),
                                    "org": attributes.get("legacy_org_id"), "team": attributes.get("team_id")})
        pipeline.sync()
        found = found.fetchone()
    if found is None or found[2] or found[3] != "open":
        conn.execute("ROLLBACK")
        return _answer(start_response, "409 Conflict", b'{"status":"refused"}')
    wave_id = found[1]
    wave = _definitions.get(wave_id)
    if wave is None:
        row = conn.execute(WAVE, (tenant_id, wave_id)).fetchone()
        wave = _definitions[wave_id] = intake.WaveDefinition(
            wave_id, tenant_id, tuple(row[0]), tuple(row[1]), tuple(row[2]), tuple(row[3]), row[4],
            policy.frozen_k(type("Frozen", (), {"k": row[5]})))
    try:
        clean = service.clean_answers(wave, body["answers"])
        payload = {"answers": clean, "day": date.today().isoformat(),
                   **service.check_attributes(wave, attributes, org_exists=found[4], team_exists=found[5])}
    except Exception:  # InvalidAnswer or a DomainError about an attribute
        conn.execute("ROLLBACK")
        return _answer(start_response, "400 Bad Request", b'{"status":"invalid"}')
    recorded = None
    with conn.pipeline() as pipeline:
        args = (tenant_id, wave_id)
        key = args_key(args)
        taken = conn.execute(TAKE_IN, {"tenant": tenant_id, "invitation": found[0], "wave": wave_id,
                                       "id": secrets.token_hex(16), "payload": json.dumps(payload),
                                       "job": service.MIX_JOB, "job_key": key})
        pipeline.sync()
        accepted, waiting, job_waiting = taken.fetchone()
        if accepted and waiting + 1 >= wave.k and not job_waiting:  # as intake, then enqueue_after_commit
            existing = conn.execute(EXISTING, (service.MIX_JOB, key, list(ACTIVE_STATUSES), tenant_id))
            pipeline.sync()
            if existing.fetchone() is None:
                recorded = uuid.uuid4().hex
                conn.execute(RECORD, (recorded, tenant_id, service.MIX_JOB, json.dumps(list(args)), key,
                                      datetime.now(timezone.utc)))
        conn.execute("COMMIT")
    if not accepted:
        return _answer(start_response, "409 Conflict", b'{"status":"refused"}')
    if recorded is not None:  # after the commit, as saas.kernel.jobs._send: RQ, then pending → queued
        queue._enqueue(_redis, queue._Queued(recorded, service.MIX_JOB, (tenant_id, wave_id)))
        with conn.pipeline():
            conn.execute("BEGIN")
            conn.execute("SELECT set_config('app.tenant_id', %s, true), set_config('app.scope_sig', %s, true)",
                         (str(tenant_id), _signed[slug][1]))  # the run is the tenant's: its signed scope
            conn.execute(QUEUED, (recorded,))
            conn.execute("COMMIT")
    return _answer(start_response, "201 Created", b'{"status":"received"}\\n')
"""

# Each wrk thread walks its own slice of the tokens, so no token is submitted twice.
WRK_SCRIPT = '''
local tokens = {}
for line in io.lines("%(tokens)s") do tokens[#tokens + 1] = line end
local body = io.open("%(body)s"):read("*a")
local threads, counter = %(threads)d, 0

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end

local i = 0
function request()
  local index = (offset or 0) + i * threads + 1  -- `offset` is this thread's global, set in setup()
  i = i + 1
  local token = tokens[((index - 1) %% #tokens) + 1]
  return wrk.format("POST", "/t/%(slug)s/survey/" .. token .. "/answers.json",
                    {["Content-Type"] = "application/json"}, body)
end
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--invitations", type=int, default=40_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs) for a look")
    args = parser.parse_args()
    wrk = _wrk()
    base = Path(tempfile.mkdtemp(prefix="koers-bench-"))
    base.chmod(0o711)  # the postgres service user must reach its folder inside
    postgres = PostgresServer(base / "pg").start()
    redis = RedisServer(base / "redis").start()
    servers: list[subprocess.Popen] = []
    worker = None
    try:
        postgres.create_database("koers_bench")
        app_url, owner_url = postgres.url("koers_bench"), postgres.url("koers_bench", "koers_owner")
        secret = secrets.token_hex(16)  # one key for the migration (it stores the scope key) and the servers
        slug, tokens = _prepare(app_url, owner_url, args.invitations, secret)
        body = json.dumps({"answers": _answers(), "attributes": {}})
        (base / "body.json").write_text(body)
        (base / "hello.py").write_text(HELLO)
        (base / "floor.py").write_text(FLOOR)
        threads = 2
        # Each side that stores answers has its own tokens (the first WARM_UP for its warm-up), so no
        # token is sent twice; hello-world takes the app's tokens and stores nothing.
        half = len(tokens) // 2
        measured = {}
        for side, side_tokens in (("koers", tokens[:half]), ("floor", tokens[half:])):
            for name, part in (("warmup", side_tokens[:WARM_UP]), ("run", side_tokens[WARM_UP:])):
                (base / f"{side}-{name}.txt").write_text("\n".join(part) + "\n")
                (base / f"{side}-{name}.lua").write_text(WRK_SCRIPT % {
                    "tokens": base / f"{side}-{name}.txt", "body": base / "body.json", "threads": threads,
                    "slug": slug})
            measured[side] = len(side_tokens) - WARM_UP
        env = {**os.environ, "KOERS_ENV": "production", "SECRET_KEY": secret, "DATABASE_URL": app_url,
               "KOERS_PLATFORM_DATABASE_URL": postgres.url("koers_bench", "koers_platform"),
               "BASE_URL": "http://127.0.0.1", "REDIS_URL": redis.url}
        floor_env = {**os.environ, "PYTHONPATH": str(ROOT), "FLOOR_REDIS_URL": redis.url,
                     "FLOOR_DATABASE_URL": app_url.replace("postgresql+psycopg://", "postgresql://"),
                     "FLOOR_SCOPE_KEY": Settings(secret_key=secret).scope_signing_key.hex()}
        # One `koers worker` (as in production) mixes the pools of both sides: the job each asks for.
        worker = WorkerProcess({**env, "PYTHONPATH": str(ROOT)}, base / "worker.log").start()
        ports = {"koers": free_port(), "hello": free_port(), "floor": free_port()}
        servers.append(_gunicorn("wsgi:app", ports["koers"], env, ROOT, base / "koers.log"))
        servers.append(_gunicorn("hello:app", ports["hello"], os.environ.copy(), base, base / "hello.log"))
        servers.append(_gunicorn("floor:app", ports["floor"], floor_env, base, base / "floor.log"))
        for port in ports.values():
            _wait_for_port(port, timeout=30)

        postmaster = int((postgres.data / "postmaster.pid").read_text().split()[0])
        load = os.getloadavg()
        back = {"database": postmaster, "worker": worker.process.pid, "redis": redis.process.pid}
        hello = _load(wrk, ports["hello"], base, "koers", args, threads, {"server": servers[1].pid})
        koers = _load(wrk, ports["koers"], base, "koers", args, threads, {"server": servers[0].pid, **back})
        koers_jobs = _jobs(owner_url)
        floor = _load(wrk, ports["floor"], base, "floor", args, threads, {"server": servers[2].pid, **back})
        time.sleep(2)  # the last mixing jobs
        jobs = _jobs(owner_url)
        floor_jobs = {status: jobs.get(status, 0) - koers_jobs.get(status, 0) for status in jobs}
        stored, mixed = _count_responses(owner_url)
        load = f"{load[0]:.1f} before, {os.getloadavg()[0]:.1f} after"
        ratio = koers["rate"] / hello["rate"] if hello["rate"] else 0.0
        floor_ratio = floor["rate"] / hello["rate"] if hello["rate"] else 0.0
        print(f"load average     {load} (1 min; {os.cpu_count()} cores)")
        print(f"hello-world      {hello['rate']:9.0f} req/s   p99 {hello['p99_ms']:7.1f} ms")
        print(f"survey submit    {koers['rate']:9.0f} req/s   p99 {koers['p99_ms']:7.1f} ms   "
              f"non-2xx {koers['errors']}   mixing jobs {_summary(koers_jobs)}")
        print(f"floor            {floor['rate']:9.0f} req/s   p99 {floor['p99_ms']:7.1f} ms   non-2xx {floor['errors']}   "
              f"mixing jobs {_summary(floor_jobs)}   (the same checks, statements, job record and RQ "
              "enqueue, no framework: see FLOOR)")
        submit_floor = koers["rate"] / floor["rate"] if floor["rate"] else 0.0
        cpu_floor = sum(floor["cpu"].values()) / max(sum(koers["cpu"].values()), 1e-9)
        print(f"submit/floor     {submit_floor:9.1%}   (issue 15: >= 50 %, goal 80 %; by CPU per request "
              f"{cpu_floor:.1%})")
        print(f"submit/hello     {ratio:9.1%}   floor/hello {floor_ratio:.1%}   (issue 5's 40 %: see bench/README.md)")
        print(f"p99 submission   {koers['p99_ms']:7.1f} ms   (target < 200 ms)")
        print(f"answers stored   {stored}, of them mixed into the responses {mixed} (accepted in the measured "
              f"runs: submit {koers['requests'] - koers['errors']}, floor {floor['requests'] - floor['errors']}; "
              "plus both warm-ups)")
        for name, side in (("hello-world", hello), ("submit", koers), ("floor", floor)):
            cpu = side["cpu"]
            parts = " + ".join(f"{part} {cpu[part]:.2f}" for part in ("server", "database", "worker", "redis", "wrk")
                               if part in cpu)
            print(f"CPU per request  {name + ':':12s} {parts} = {sum(cpu.values()):.2f} ms")
        if koers["requests"] > measured["koers"] or floor["requests"] > measured["floor"]:
            print("note: more requests than invitations; raise --invitations for a longer run")
    finally:
        if worker is not None:
            worker.stop()
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        redis.stop()
        postgres.stop()
        if args.keep:
            print(f"kept: {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


def _prepare(app_url: str, owner_url: str, invitations: int, secret: str) -> tuple[str, list[str]]:
    """A tenant, an open wave asking every instrument, and `invitations` people each with a token."""
    from sqlalchemy import insert

    from saas import create_app
    from saas.kernel import migrate
    from saas.auth.models import User
    from saas.surveys import service
    from saas.surveys.models import SurveyInvitation
    from tenants.models import Membership, Tenant
    from tenants.scoping import set_scope

    settings = Settings(database_url=app_url, migration_database_url=owner_url, secret_key=secret)
    migrate.upgrade(settings)
    app = create_app(settings)
    db_handle = app.extensions["koers.db"]
    with app.app_context(), db_handle.Session() as db:
        tenant = Tenant(slug="bench", name="Bench", country="GB", language="en")
        db.add(tenant)
        db.flush()
        set_scope(db, tenant_id=tenant.id)
        wave = service.create_wave(db, name="Bench wave", instruments=("values", "culture", "contract"),
                                   groupings=())
        service.open_wave(db, tenant, wave)
        db.commit()
        set_scope(db, tenant_id=tenant.id)
        users = [{"email": f"p{n}@bench.example", "name": f"P{n}", "password_hash": "!"} for n in range(invitations)]
        user_ids = db.scalars(insert(User).returning(User.id), users).all()
        member_ids = db.scalars(insert(Membership).returning(Membership.id),
                                [{"tenant_id": tenant.id, "user_id": uid} for uid in user_ids]).all()
        tokens = [secrets.token_urlsafe(32) for _ in member_ids]
        db.execute(insert(SurveyInvitation), [
            {"tenant_id": tenant.id, "wave_id": wave.id, "membership_id": mid,
             "token_hash": hashlib.sha256(token.encode()).hexdigest(), "answered": False, "reminders_sent": 0}
            for mid, token in zip(member_ids, tokens)])
        db.commit()
        return tenant.slug, tokens


def _answers() -> dict:
    from saas.surveys.instruments import CONTRACT_ITEMS, DIMENSIONS, VALUES, culture_key

    keys = [v.key for v in VALUES]
    culture = {}
    for dimension in DIMENSIONS:
        for phase, points in (("now", (40, 30, 20, 10)), ("preferred", (25, 25, 25, 25))):
            for type_, value in zip(("clan", "adhocracy", "market", "hierarchy"), points):
                culture[culture_key(dimension.number, type_, phase)] = value
    return {"values": {"personal": keys[:10], "team_current": keys[10:20], "org_current": keys[20:30],
                       "org_desired": keys[30:40]},
            "culture": culture, "contract": {item.key: 4 for item in CONTRACT_ITEMS}}


def _gunicorn(app: str, port: int, env: dict, cwd: Path, log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    # The same settings for both: 2 sync workers, as `make run`'s production notes suggest per core.
    return subprocess.Popen([str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                             "--log-level", "warning", app], cwd=cwd, env=env,
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT)


def _first_requests(port: int, base: Path, side: str) -> None:
    """A few requests at once, each waited for: a worker's first request loads what the app loads
    lazily, which takes seconds on a loaded machine, longer than wrk's warm-up would wait."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.error import HTTPError
    from urllib.request import Request, urlopen

    body = (base / "body.json").read_bytes()
    slug = re.search(r'"/t/([^/]+)/survey/', (base / f"{side}-warmup.lua").read_text()).group(1)
    tokens = (base / f"{side}-warmup.txt").read_text().split()[-8:]  # wrk's warm-up starts at the front

    def send(token: str) -> None:
        request = Request(f"http://127.0.0.1:{port}/t/{slug}/survey/{token}/answers.json", data=body,
                          headers={"Content-Type": "application/json"}, method="POST")
        try:
            urlopen(request, timeout=120).read()
        except HTTPError:
            pass

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, tokens))


def _load(wrk: str, port: int, base: Path, side: str, args, threads: int, processes: dict[str, int]) -> dict:
    # A short warm-up first (with tokens of its own), so every server has connections and imports ready.
    _first_requests(port, base, side)
    subprocess.run([wrk, "-t1", "-c2", "-d1s", "-s", str(base / f"{side}-warmup.lua"), f"http://127.0.0.1:{port}"],
                   capture_output=True, check=True)
    script = base / f"{side}-run.lua"
    before = {name: _cpu_seconds(pid) for name, pid in processes.items()}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([wrk, f"-t{threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--latency",
                          "-s", str(script), f"http://127.0.0.1:{port}"],
                         capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = {name: _cpu_seconds(pid) - before[name] for name, pid in processes.items()}
    used["wrk"] = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors_match = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rate": rate, "requests": requests, "errors": int(errors_match.group(1)) if errors_match else 0,
            "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
            "cpu": {name: seconds * 1000 / max(requests, 1) for name, seconds in used.items()}}


def _cpu_seconds(root: int) -> float:
    """User and system CPU time of a process and all its descendants (Linux /proc)."""
    parents, times = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = int(fields[11]) + int(fields[12])
    tree, grew = {root}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        grew = bool(found)
        tree |= found
    return sum(times.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def _jobs(owner_url: str) -> dict[str, int]:
    """The mixing job's runs by status."""
    import psycopg

    with psycopg.connect(owner_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("SELECT set_config('app.all_tenants', 'on', false)")
        return dict(conn.execute("SELECT status, count(*) FROM job_runs WHERE function = 'saas.surveys.jobs.mix_pool' "
                                 "GROUP BY status").fetchall())


def _summary(jobs: dict[str, int]) -> str:
    return ", ".join(f"{count} {status}" for status, count in sorted(jobs.items()) if count) or "none"


def _count_responses(owner_url: str) -> tuple[int, int]:
    import psycopg

    url = owner_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        # The owner is bound by RLS too (FORCE); count across tenants explicitly, as the platform would.
        conn.execute("SELECT set_config('app.all_tenants', 'on', false)")
        pooled = conn.execute("SELECT count(*) FROM survey_answer_pool").fetchone()[0]
        stored = conn.execute("SELECT count(*) FROM survey_responses").fetchone()[0]
    return pooled + stored, stored


def _wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing; installing Debian's wrk …", flush=True)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, stdout=subprocess.DEVNULL)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk")


if __name__ == "__main__":
    main()
