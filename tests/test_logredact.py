"""Secret links never reach a log: the redaction on every route that carries a token in its path, and
on every log Koers writes (its error log, the development outbox, the development server's and gunicorn's
request logs)."""
from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from saas.kernel.logredact import redact

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "Zq3_secretTOKENvalue-9xY"


@pytest.mark.parametrize("path, shown", [
    (f"/t/oost/survey/{TOKEN}", "/t/oost/survey/…"),
    (f"/t/oost/survey/{TOKEN}/answers.json", "/t/oost/survey/…/answers.json"),
    (f"/t/oost/survey/open/{TOKEN}", "/t/oost/survey/open/…"),
    (f"/t/oost/leadership/p/{TOKEN}", "/t/oost/leadership/p/…"),
    (f"/t/oost/leadership/f/{TOKEN}", "/t/oost/leadership/f/…"),
    (f"/t/oost/invitations/{TOKEN}", "/t/oost/invitations/…"),
    (f"/password/reset/{TOKEN}", "/password/reset/…"),
    (f"/t/oost/kiosk/enrol/{TOKEN}", "/t/oost/kiosk/enrol/…"),
    (f"/password/reset/{TOKEN}.abc.def", "/password/reset/…"),  # signed tokens carry dots
    (f"/login?next=%2Ft%2Foost%2Fsurvey%2F{TOKEN}", "/login?next=%2Ft%2Foost%2Fsurvey%2F…"),
    (f"/t/oost/c/{TOKEN}", "/t/oost/c/…"),  # an answer code (issue 20), from a slip's QR code or typed
    (f"/t/oost/c?code={TOKEN}", "/t/oost/c?code=…"),
])
def test_every_token_route_is_redacted(path, shown):
    assert redact(path) == shown
    line = f'127.0.0.1 - - [06/Dec/2026:14:00:00] "GET {path} HTTP/1.1" 200 - "https://koers.example{path}" "Firefox"'
    assert TOKEN not in redact(line)
    assert f'"GET {shown} HTTP/1.1" 200 - "https://koers.example{shown}"' in redact(line)


@pytest.mark.parametrize("path", [
    "/t/oost/survey/mine", "/t/oost/survey/mine/4/start", "/t/oost/survey/personal/4/step/welcome",
    "/t/oost/survey/shared/4/thanks", "/t/oost/survey/preview/4", "/t/oost/admin/invitations/3/resend",
    "/t/oost/leadership/pulse-checks/3", "/t/oost/waves/4/consent", "/password/forgot", "/static/koers.css",
    "/t/oost/c", "/t/oost/waves/4/codes", "/t/oost/kiosk", "/t/oost/kiosk/4/step/welcome",
])
def test_other_paths_are_left_as_they_are(path):
    assert redact(path) == path
    assert redact(f'"GET {path} HTTP/1.1" 200') == f'"GET {path} HTTP/1.1" 200'


def test_an_unexpected_error_on_a_token_url_logs_no_token(app, make, caplog, monkeypatch):
    from saas.surveys import service

    make.tenant("oost")

    def broken(db, token):
        raise RuntimeError(f"lookup failed for {token}")  # as an SQL error would show its parameters

    monkeypatch.setattr(service, "invitation_for_token", broken)
    caplog.set_level(logging.INFO)
    client = app.test_client()
    for url in (f"/t/oost/survey/{TOKEN}", f"/t/oost/survey/{TOKEN}?x=1"):
        response = client.get(url, headers={"Referer": f"https://koers.example/t/oost/survey/{TOKEN}"})
        assert response.status_code == 500
    assert "unhandled error on GET /t/oost/survey/…" in caplog.text
    assert "RuntimeError: lookup failed for …" in caplog.text  # the traceback is kept, without the token
    assert TOKEN not in caplog.text
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


def test_the_development_servers_request_log_holds_no_token(app, make, caplog):
    from werkzeug.serving import make_server

    make.tenant("oost")
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    caplog.set_level(logging.INFO, logger="werkzeug")
    try:
        for path in (f"/t/oost/survey/{TOKEN}", f"/t/oost/leadership/p/{TOKEN}", f"/password/reset/{TOKEN}"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}")
            except urllib.error.HTTPError:
                pass
    finally:
        server.shutdown()
        thread.join()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any('GET /t/oost/survey/… HTTP/1.1' in line for line in lines), lines
    assert any('GET /password/reset/… HTTP/1.1' in line for line in lines), lines
    assert TOKEN not in caplog.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorns_access_log_holds_no_token(stack, tmp_path):
    """gunicorn started as README "Production" says, in the checkout: it reads gunicorn.conf.py."""
    port, access = _free_port(), tmp_path / "access.log"
    # the suite's SECRET_KEY: production checks that the database has the key that signs the scope
    env = {**os.environ, "KOERS_ENV": "production", "SECRET_KEY": "test-secret-key", "DATABASE_URL": stack.app_url,
           "PYTHONPATH": str(ROOT)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "--workers", "1", "--bind", f"127.0.0.1:{port}",
                               "--access-logfile", str(access), "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        for path in (f"/t/oost/survey/{TOKEN}", f"/t/oost/survey/open/{TOKEN}", f"/t/oost/leadership/f/{TOKEN}",
                     f"/t/oost/invitations/{TOKEN}", f"/password/reset/{TOKEN}"):
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                             headers={"Referer": f"https://koers.example{path}"})
            try:
                urllib.request.urlopen(request)
            except urllib.error.HTTPError:
                pass
    finally:
        server.terminate()
        server.wait(timeout=30)
    log = access.read_text()
    assert '"GET /t/oost/survey/… HTTP/1.1"' in log and '"GET /password/reset/… HTTP/1.1"' in log, log
    assert '"https://koers.example/t/oost/leadership/f/…"' in log, log
    assert TOKEN not in log


def test_the_development_outbox_prints_mails_without_their_secret_links(caplog):
    from types import SimpleNamespace

    from saas.kernel.outbox import OutboundMail, deliver

    caplog.set_level(logging.INFO)
    mail = OutboundMail(recipient="anna@oost.example", subject="Survey", attempts=0,
                        body=f"Answer here: http://127.0.0.1:5000/t/oost/survey/{TOKEN}\nThank you.")
    deliver(mail, SimpleNamespace(smtp_host="", dev_outbox=True))
    assert mail.status == "kept"
    assert "Answer here: http://127.0.0.1:5000/t/oost/survey/…" in caplog.text and "/dev/outbox" in caplog.text
    assert TOKEN not in caplog.text
