"""SCIM provisioning under load, side by side with its framework-free floor (issue 18 point 3: at least 25
requests per second per tenant, what Microsoft Entra ID expects of a SCIM endpoint).

One run:
1. a throwaway PostgreSQL (as in the tests: the app connects as a role that RLS binds), migrated, with one
   tenant and its SCIM token;
2. the app under gunicorn with 2 workers and a second server, the floor (see FLOOR): the same token check
   and the same statements as the app for Entra's provisioning cycle, with no framework;
3. wrk on loopback with 8 connections against each, one after the other, for the same duration. Each request
   is one step of Entra ID's cycle for a new person, in its order: look them up (GET /Users?filter=userName eq
   "…"), create them (POST /Users), deactivate them (PATCH active "False"); every person is new, so every
   create creates an account, a membership and its role.

It prints the load average, the two rates, scim/floor, the p99 and the CPU per request of each side
(server, PostgreSQL, wrk), and how many people were provisioned and deactivated.

    .venv/bin/python bench/scim.py [--seconds 10] [--connections 8] [--keep]
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import subprocess
import sys
import resource
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from submit import _cpu_seconds, _gunicorn, _ms, _wrk  # noqa: E402  (the same measuring as bench/submit.py)
from tests.services import PostgresServer, _wait_for_port, free_port  # noqa: E402
from saas.kernel.config import Settings  # noqa: E402

TARGET = 25  # requests per second per tenant

# The floor: what a provisioning request costs at the least with this design, whatever the framework. The same
# statements as saas/scim (tenant scope for row-level security, the token by its hash; the lookup by
# user_name_key; for a create the userName check, the account by address, the account, the SCIM row, the
# membership and its role; for PATCH the row, the membership's removal and the session stamp), as a bare WSGI
# function on one psycopg connection per worker, with JSON built by hand: no Flask, no SQLAlchemy, no
# scim2-models validation, no error documents. A measuring stick, not a way to serve.
FLOOR = r'''
import hashlib, hmac, json, os, secrets, uuid
from datetime import datetime, timezone

import psycopg

_conn = None
SCOPE = ("SELECT concat(set_config('app.tenant_id', id::text, true), set_config('app.scope_sig', %s, true), "
         "set_config('app.user_id', '', true), set_config('app.all_tenants', 'off', true)), id FROM tenants WHERE slug = %s")
_signed: dict = {}  # slug -> (tenant id, signature): signed as Koers's enter_tenant signs the id it last saw
TOKEN = "SELECT id FROM scim_tokens WHERE token_hash = %s AND tenant_id = %s"


def _answer(start_response, status, body):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/scim+json"), ("Content-Length", str(len(data)))])
    return [data]


def _user(row):
    rid, attributes, active = row
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": rid, **attributes, "active": active}


def app(environ, start_response):
    global _conn
    if _conn is None:
        _conn = psycopg.connect(os.environ["FLOOR_DATABASE_URL"], autocommit=True)
    conn = _conn
    parts = environ["PATH_INFO"].strip("/").split("/")
    slug, rest = parts[1], parts[4:]
    token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")[2]
    method = environ["REQUEST_METHOD"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length)) if length else None
    now = datetime.now(timezone.utc)
    with conn.transaction():
        tenant = conn.execute(SCOPE, (_signed.get(slug, (None, ""))[1], slug)).fetchone()
        if tenant is not None and _signed.get(slug, (None,))[0] != tenant[1]:  # first visit: sign, then scope again
            key = bytes.fromhex(os.environ["FLOOR_SCOPE_KEY"])
            _signed[slug] = (tenant[1], hmac.new(key, f"tenant:{tenant[1]}".encode(), hashlib.sha256).hexdigest())
            conn.execute("SELECT set_config('app.scope_sig', %s, true)", (_signed[slug][1],))
        if tenant is None or conn.execute(TOKEN, (hashlib.sha256(token.encode()).hexdigest(), tenant[1])).fetchone() is None:
            return _answer(start_response, "401 Unauthorized", {"status": "401"})
        tenant_id = tenant[1]
        if method == "GET":
            name = environ["QUERY_STRING"].split("%22")[1].replace("%40", "@").lower()
            rows = conn.execute("SELECT resource_id, attributes, active FROM scim_users WHERE tenant_id = %s AND "
                                "user_name_key = %s ORDER BY id LIMIT 200", (tenant_id, name)).fetchall()
            return _answer(start_response, "200 OK", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                           "totalResults": len(rows), "startIndex": 1, "itemsPerPage": len(rows),
                           "Resources": [_user(row) for row in rows]})
        if method == "POST":
            name = body["userName"]
            if conn.execute("SELECT id FROM scim_users WHERE tenant_id = %s AND user_name_key = %s",
                            (tenant_id, name.lower())).fetchone():
                return _answer(start_response, "409 Conflict", {"status": "409"})
            address = body["emails"][0]["value"].lower()
            account = conn.execute("SELECT id FROM users WHERE email = %s", (address,)).fetchone()
            if account is None:
                account = conn.execute("INSERT INTO users (email, name, password_hash, is_platform_admin, created_at, "
                                       "password_changed_at, email_verified_at, session_stamp) VALUES "
                                       "(%s, %s, '!scim', false, %s, %s, %s, %s) RETURNING id",
                                       (address, body["displayName"], now, now, now, secrets.token_hex(16))).fetchone()
            rid = str(uuid.uuid4())
            attributes = {key: body[key] for key in ("userName", "name", "displayName", "emails", "active", "externalId")
                          if key in body}
            conn.execute("INSERT INTO scim_users (tenant_id, resource_id, user_id, user_name, user_name_key, external_id, "
                         "active, attributes, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, true, %s, %s, %s)",
                         (tenant_id, rid, account[0], name, name.lower(), body.get("externalId"), json.dumps(attributes),
                          now, now))
            if conn.execute("SELECT id FROM memberships WHERE tenant_id = %s AND user_id = %s",
                            (tenant_id, account[0])).fetchone() is None:
                membership = conn.execute("INSERT INTO memberships (tenant_id, user_id, joined_at) VALUES (%s, %s, %s) "
                                          "RETURNING id", (tenant_id, account[0], now)).fetchone()
                conn.execute("INSERT INTO membership_roles (tenant_id, membership_id, role) VALUES (%s, %s, 'member')",
                             (tenant_id, membership[0]))
            conn.execute("SELECT id FROM scim_group_mappings WHERE tenant_id = %s", (tenant_id,)).fetchall()
            return _answer(start_response, "201 Created", _user((rid, attributes, True)))
        # PATCH active
        row = conn.execute("SELECT id, user_id, resource_id, attributes FROM scim_users WHERE tenant_id = %s AND "
                           "resource_id = %s", (tenant_id, rest[1])).fetchone()
        if row is None:
            return _answer(start_response, "404 Not Found", {"status": "404"})
        operation = body["Operations"][0]
        active = str(operation["value"]).lower() == "true"
        attributes = {**row[3], "active": active}
        conn.execute("UPDATE scim_users SET active = %s, attributes = %s, updated_at = %s WHERE id = %s",
                     (active, json.dumps(attributes), now, row[0]))
        if not active:
            conn.execute("DELETE FROM memberships WHERE tenant_id = %s AND user_id = %s", (tenant_id, row[1]))
            conn.execute("UPDATE users SET session_stamp = %s WHERE id = %s", (secrets.token_hex(16), row[1]))
        return _answer(start_response, "200 OK", _user((row[2], attributes, active)))
'''

# Each connection walks Entra's cycle for people of its own: look up, create, deactivate (the id the create
# returned). wrk's Lua: one state per thread, requests are pipelined one after the other per connection.
WRK_SCRIPT = r'''
local token, slug, side = "%(token)s", "%(slug)s", "%(side)s"
local counter, threads = 0, {}
function setup(thread)
  thread:set("number", counter)
  counter = counter + 1
end
local step, person, created = -1, 0, nil
function request()
  -- the cycle advances as requests go out (a thread's connections share it); a PATCH deactivates the person
  -- whose create answered last
  step = (step + 1) %% 3
  if step == 0 then person = person + 1 end
  local headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/scim+json"}
  local name = side .. "-" .. number .. "-" .. person .. "@bench.example"
  local base = "/t/" .. slug .. "/scim/v2/Users"
  if step == 0 then
    return wrk.format("GET", base .. "?filter=userName%%20eq%%20%%22" .. name:gsub("@", "%%%%40") .. "%%22", headers)
  elseif step == 1 then
    local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],'
      .. '"externalId":"' .. name .. '","userName":"' .. name .. '","active":true,"displayName":"Bench Person",'
      .. '"emails":[{"primary":true,"type":"work","value":"' .. name .. '"}],'
      .. '"name":{"formatted":"Bench Person","familyName":"Person","givenName":"Bench"}}'
    return wrk.format("POST", base, headers, body)
  else
    local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}'
    return wrk.format("PATCH", base .. "/" .. (created or "none"), headers, body)
  end
end
function response(status, headers, body)
  if status == 201 then created = body:match('"id":%%s*"([^"]+)"') end
end
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs) for a look")
    args = parser.parse_args()
    wrk = _wrk()
    base = Path(tempfile.mkdtemp(prefix="koers-bench-scim-"))
    base.chmod(0o711)
    postgres = PostgresServer(base / "pg").start()
    servers: list[subprocess.Popen] = []
    try:
        postgres.create_database("koers_bench")
        app_url, owner_url = postgres.url("koers_bench"), postgres.url("koers_bench", "koers_owner")
        secret = secrets.token_hex(16)  # one key for the migration (it stores the scope key) and the servers
        slug, token = _prepare(app_url, owner_url, secret)
        (base / "floor.py").write_text(FLOOR)
        for side in ("koers", "floor", "warmup-koers", "warmup-floor"):  # people of their own: none provisioned twice
            (base / f"{side}.lua").write_text(WRK_SCRIPT % {"token": token, "slug": slug, "side": side})
        env = {**os.environ, "KOERS_ENV": "production", "SECRET_KEY": secret, "DATABASE_URL": app_url,
               "KOERS_PLATFORM_DATABASE_URL": postgres.url("koers_bench", "koers_platform"),
               "BASE_URL": "http://127.0.0.1", "REDIS_URL": ""}
        floor_env = {**os.environ, "PYTHONPATH": str(ROOT),
                     "FLOOR_DATABASE_URL": app_url.replace("postgresql+psycopg://", "postgresql://"),
                     "FLOOR_SCOPE_KEY": Settings(secret_key=secret).scope_signing_key.hex()}
        ports = {"koers": free_port(), "floor": free_port()}
        servers.append(_gunicorn("wsgi:app", ports["koers"], env, ROOT, base / "koers.log"))
        servers.append(_gunicorn("floor:app", ports["floor"], floor_env, base, base / "floor.log"))
        for port in ports.values():
            _wait_for_port(port, timeout=30)
        postmaster = int((postgres.data / "postmaster.pid").read_text().split()[0])
        load = os.getloadavg()
        koers = _load(wrk, ports["koers"], base, "koers", args, {"server": servers[0].pid, "database": postmaster})
        floor = _load(wrk, ports["floor"], base, "floor", args, {"server": servers[1].pid, "database": postmaster})
        provisioned, inactive = _count(owner_url)
        print(f"load average     {load[0]:.1f} before, {os.getloadavg()[0]:.1f} after (1 min; {os.cpu_count()} cores)")
        print(f"scim (Koers)     {koers['rate']:9.1f} req/s   p99 {koers['p99_ms']:7.1f} ms   non-2xx {koers['errors']}   "
              f"(issue 18: >= {TARGET} req/s per tenant: {'met' if koers['rate'] >= TARGET else 'NOT met'})")
        print(f"floor            {floor['rate']:9.1f} req/s   p99 {floor['p99_ms']:7.1f} ms   non-2xx {floor['errors']}   "
              "(the same token check and statements, no framework: see FLOOR)")
        print(f"scim/floor       {koers['rate'] / floor['rate'] if floor['rate'] else 0:9.1%}   (by CPU per request "
              f"{sum(floor['cpu'].values()) / max(sum(koers['cpu'].values()), 1e-9):.1%})")
        print(f"people           {provisioned} provisioned, {inactive} of them deactivated (both sides, warm-ups included)")
        for name, side in (("scim", koers), ("floor", floor)):
            cpu = side["cpu"]
            parts = " + ".join(f"{part} {cpu[part]:.2f}" for part in ("server", "database", "wrk") if part in cpu)
            print(f"CPU per request  {name + ':':7s} {parts} = {sum(cpu.values()):.2f} ms")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        postgres.stop()
        if args.keep:
            print(f"kept: {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


def _prepare(app_url: str, owner_url: str, secret: str) -> tuple[str, str]:
    """A migrated database with a tenant, its admin and its SCIM token."""
    from saas import create_app
    from saas.administration.service import add_member
    from saas.auth.models import User
    from saas.kernel import migrate
    from saas.scim import service
    from tenants.models import Tenant
    from tenants.scoping import set_scope

    settings = Settings(database_url=app_url, migration_database_url=owner_url, secret_key=secret)
    migrate.upgrade(settings)
    app = create_app(settings)
    with app.app_context(), app.extensions["koers.db"].Session() as db:
        tenant = Tenant(slug="bench", name="Bench", country="GB", language="en")
        db.add(tenant)
        db.flush()
        admin = User(email="admin@bench.example", name="Admin", password_hash="!")
        db.add(admin)
        db.flush()
        set_scope(db, tenant_id=tenant.id)
        add_member(db, admin, ["member"], None)
        token = service.new_token(db)
        db.commit()
        return tenant.slug, token


def _load(wrk: str, port: int, base: Path, side: str, args, processes: dict[str, int]) -> dict:
    _ready(port)
    # a short warm-up first, with people of its own, so every worker has its connection and imports ready
    subprocess.run([wrk, "-t1", "-c2", "-d2s", "-s", str(base / f"warmup-{side}.lua"), f"http://127.0.0.1:{port}"],
                   capture_output=True, check=True)
    before = {name: _cpu_seconds(pid) for name, pid in processes.items()}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([wrk, "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", "-s",
                          str(base / f"{side}.lua"), f"http://127.0.0.1:{port}"],
                         capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = {name: _cpu_seconds(pid) - before[name] for name, pid in processes.items()}
    used["wrk"] = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "requests": requests,
            "errors": int(errors.group(1)) if errors else 0, "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
            "cpu": {name: seconds * 1000 / max(requests, 1) for name, seconds in used.items()}}


def _ready(port: int) -> None:
    """Wait until the workers answer: on a loaded machine a worker's first import takes longer than wrk waits."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.error import HTTPError, URLError
    from urllib.request import urlopen

    def ask(_n):
        for _attempt in range(120):
            try:
                urlopen(f"http://127.0.0.1:{port}/t/bench/scim/v2/ServiceProviderConfig", timeout=60).read()
            except HTTPError:
                return  # 401: the app answered
            except URLError:
                time.sleep(0.5)
            else:
                return

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(ask, range(8)))


def _count(owner_url: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(owner_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("SELECT set_config('app.all_tenants', 'on', false)")
        return conn.execute("SELECT count(*), count(*) FILTER (WHERE NOT active) FROM scim_users").fetchone()


if __name__ == "__main__":
    main()
