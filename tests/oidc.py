"""A real OpenID provider for the tests: npm's oidc-provider (OpenID Foundation certified), started on
loopback from tests/oidc_provider/provider.js (`make install-test` npm-installs it). Nothing in Koers is
mocked: Koers discovers it, sends the browser to it and exchanges the code with it over HTTP.

`Person` walks the provider's own login and consent pages with plain HTTP for the tests that do not
need a browser (tests/browser/test_sso.py uses Chromium)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from tests.services import free_port

HERE = Path(__file__).parent / "oidc_provider"


class Provider:
    def __init__(self, clients: list[dict], accounts: dict | None = None):
        if not (HERE / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError("tests/oidc_provider is not installed: run `make install-test` (npm ci there)")
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, OIDC_PORT=str(self.port), OIDC_CLIENTS=json.dumps(clients),
                   OIDC_ACCOUNTS=json.dumps(accounts or {}), NODE_ENV="test")
        self.process = subprocess.Popen([shutil.which("node") or "node", str(HERE / "provider.js")], cwd=HERE,
                                        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            self.stop()
            raise RuntimeError(f"the OpenID provider did not start: {line!r}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                requests.get(self.issuer + "/.well-known/openid-configuration", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
INPUT = re.compile(r'<input[^>]*>')
ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')


class Person:
    """Someone at the provider's pages, with their own browser cookies there."""

    def __init__(self, login: str):
        self.login = login
        self.http = requests.Session()

    def authorize(self, authorization_url: str) -> str:
        """Sign in and consent at the provider; returns the address it sends the browser back to."""
        response = self.http.get(authorization_url, allow_redirects=False, timeout=10)
        for _step in range(8):
            location = response.headers.get("Location")
            if response.status_code in (302, 303) and location:
                target = urljoin(response.url, location)
                if urlsplit(target).port != urlsplit(authorization_url).port:
                    return target  # back to Koers
                response = self.http.get(target, allow_redirects=False, timeout=10)
                continue
            action, body = FORM.search(response.text).groups()
            inputs = [dict(ATTRIBUTE.findall(tag)) for tag in INPUT.findall(body)]
            fields = {a["name"]: unescape(a.get("value", "")) for a in inputs if "name" in a}
            if "login" in fields:
                fields.update(login=self.login, password="any")
            response = self.http.post(urljoin(response.url, unescape(action)), data=fields, allow_redirects=False,
                                      timeout=10)
        raise AssertionError("the provider did not send the browser back")
