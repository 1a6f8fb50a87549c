"""Throwaway PostgreSQL, Redis and RQ worker for the test suite, on free loopback ports.

The servers live in a temporary folder and stop with the test session. PostgreSQL gets three roles
like production (README, Database roles), made once per server: `koers_owner` runs the migrations,
`koers_app` is what the app connects as (it owns nothing and is no superuser, so row-level security
really applies to it), `koers_platform` is the platform role of the work across tenants.
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

PG_BIN_CANDIDATES = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"]
APP_PASSWORD = "koers-app-test"
OWNER_PASSWORD = "koers-owner-test"
PLATFORM_PASSWORD = "koers-platform-test"
PASSWORDS = {"koers_app": APP_PASSWORD, "koers_owner": OWNER_PASSWORD, "koers_platform": PLATFORM_PASSWORD}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str:
    for folder in PG_BIN_CANDIDATES:
        if Path(folder, name).exists():
            return str(Path(folder, name))
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed; `make test` installs it")
    return found


def _as_service_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; run it as the `postgres` system user then."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--"] + command


class PostgresServer:
    def __init__(self, base: Path):
        self.base = base
        self.data = base / "pgdata"
        self.port = free_port()
        self.log = base / "postgres.log"

    def start(self) -> "PostgresServer":
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        subprocess.run(_as_service_user([_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres",
                                         "--auth=trust", "-E", "UTF8", "--no-sync"]),
                       check=True, stdout=subprocess.DEVNULL)
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        subprocess.run(_as_service_user([_pg_bin("pg_ctl"), "-D", str(self.data), "-o", options,
                                         "-l", str(self.log), "-w", "start"]),
                       check=True, stdout=subprocess.DEVNULL)
        self.superuser_sql(
            f"CREATE ROLE koers_owner LOGIN PASSWORD '{OWNER_PASSWORD}' NOSUPERUSER NOBYPASSRLS CREATEDB",
            f"CREATE ROLE koers_app LOGIN PASSWORD '{APP_PASSWORD}' NOSUPERUSER NOBYPASSRLS",
            f"CREATE ROLE koers_platform LOGIN PASSWORD '{PLATFORM_PASSWORD}' NOSUPERUSER NOBYPASSRLS",
        )
        return self

    def create_database(self, name: str) -> None:
        self.superuser_sql(f"CREATE DATABASE {name} OWNER koers_owner")
        self.superuser_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC",
                           "GRANT ALL ON SCHEMA public TO koers_owner", database=name)

    def superuser_sql(self, *statements: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database,
                             autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def url(self, database: str, role: str = "koers_app") -> str:
        password = PASSWORDS[role]
        return f"postgresql+psycopg://{role}:{password}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        subprocess.run(_as_service_user([_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class RedisServer:
    def __init__(self, base: Path):
        self.base = base
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server is not installed; `make test` installs it")
        self.base.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.base), "--maxmemory-policy", "noeviction"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class WorkerProcess:
    """A real `koers worker` process, as in production."""

    def __init__(self, env: dict, log_path: Path):
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> "WorkerProcess":
        self._log = open(self.log_path, "ab")
        koers = Path(sys.executable).with_name("koers")
        self.process = subprocess.Popen([str(koers), "worker"], env={**os.environ, **self.env},
                                        stdout=self._log, stderr=subprocess.STDOUT)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()


def _wait_for_port(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")
