"""Faults, with real Redis and real `koers worker` processes (DESIGN.md §7, issue 6 point 8).

These tests start their own workers instead of the session's one (which they stop meanwhile):
with the project root on PYTHONPATH (so a test-only job can be imported), a sweep every second
and a job counted as lost after 10 s without a heartbeat, instead of 15 s and 60 s. A worker is
killed as a machine dies: the worker, its work horse and its scheduler at once, with SIGKILL.
"""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from saas.kernel.outbox import OutboundMail
from tests.conftest import ARTIFACTS, LOG_SUFFIX, settings_for
from tests.helpers import link_in, wait_for
from tests.smtp_server import SMTPServer
from tests.services import WorkerProcess

pytestmark = pytest.mark.worker
ROOT = Path(__file__).resolve().parent.parent
LOST_AFTER = 10


class FaultWorker(WorkerProcess):
    """`koers worker` with options, its output in test-artifacts/fault-worker.log."""

    def __init__(self, env, *options):
        super().__init__(env, ARTIFACTS / f"fault-worker{LOG_SUFFIX}.log")
        self.options = options

    def start(self) -> "FaultWorker":
        ARTIFACTS.mkdir(exist_ok=True)
        self._log = open(self.log_path, "ab")
        koers = Path(sys.executable).with_name("koers")
        self.process = subprocess.Popen([str(koers), "worker", *self.options], env={**os.environ, **self.env},
                                        stdout=self._log, stderr=subprocess.STDOUT)
        return self

    def kill_hard(self) -> None:
        """SIGKILL the worker and everything it started (RQ's work horse has a process group of its own)."""
        for pid in [self.process.pid] + _descendants(self.process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(10)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@pytest.fixture
def start_worker(stack, worker):
    worker.stop()  # one worker at a time on the queues: ours
    started = []

    def start(**env) -> FaultWorker:
        process = FaultWorker(
            {"DATABASE_URL": stack.app_url, "REDIS_URL": stack.redis.url, "SECRET_KEY": "test-secret-key",
             "KOERS_ENV": "test", "BASE_URL": "http://localhost", "PYTHONPATH": str(ROOT), **env},
            "--sweep-every", "1", "--lost-after", str(LOST_AFTER),
        ).start()
        started.append(process)
        wait_for(lambda: _listening(stack, process), 30, "the new worker")
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop()
        worker.start()


def _listening(stack, process) -> bool:
    """The worker registered itself with RQ: it swept once and listens on the queues."""
    from rq import Worker

    from saas.kernel.jobs import redis_connection

    return any(w.pid == process.process.pid for w in Worker.all(connection=redis_connection(stack.redis.url)))


def _app(stack, database, **overrides):
    from saas import create_app
    from tests.helpers import KoersClient

    application = create_app(settings_for(stack, redis_url=stack.redis.url, **overrides), database=database,
                             testing=True)
    application.test_client_class = KoersClient
    return application


def _runs(make, function):
    from tenants.scoping import cross_tenant
    from saas.kernel.job_models import JobRun

    with make.session(platform=True) as db, cross_tenant(db):
        return list(db.scalars(select(JobRun).where(JobRun.function == function).order_by(JobRun.created_at)))


def _run(make, run_id, status=None):
    from tenants.scoping import cross_tenant
    from saas.kernel.job_models import JobRun

    with make.session(platform=True) as db, cross_tenant(db):
        run = db.get(JobRun, run_id)
    return run if run is not None and (status is None or run.status == status) else None


def _statuses(make, email):
    return [m.status for m in make.mails_to(email)]


def _invite_bob(app, make, tenant):
    admin = app.test_client()
    admin.login(tenant.admin_email)
    response = admin.submit(f"/t/{tenant.slug}/admin/invitations",
                            {"email": "bob@example.org", "roles": ["member"], "legacy_org_id": ""})
    assert response.status_code == 302
    return admin


def test_a_running_jobs_progress_is_visible_from_another_session(stack, database, make, start_worker):
    from saas.kernel.jobs import dispatch, job_status

    start_worker()
    tenant = make.tenant("oost")
    app = _app(stack, database)
    with app.app_context():
        run_id = dispatch("tests.jobs_for_tests.count_slowly", tenant.id, 20, 0.25)

    def part_way():
        with make.session(tenant.id) as db:  # as a page of the tenant reads it, while the job runs
            run = job_status(db, run_id)
        return run if run is not None and run.status == "running" and 0 < run.progress < 100 else None

    seen = wait_for(part_way, what="progress")
    assert seen.progress_note.startswith("Step ") and seen.progress_note.endswith(" of 20")
    done = wait_for(lambda: _run(make, run_id, "done"))
    assert done.progress == 100 and done.attempts == 1


def test_redis_stopped_while_a_request_enqueues_then_the_job_runs_once_it_is_back(stack, database, make,
                                                                                  start_worker):
    start_worker()
    tenant = make.tenant("oost")
    app = _app(stack, database)
    admin = app.test_client()
    admin.login(tenant.admin_email)
    token = admin.csrf_token(f"/t/{tenant.slug}/admin/invitations")
    stack.redis.stop()
    try:
        started = time.monotonic()
        response = admin.post(f"/t/{tenant.slug}/admin/invitations",
                              data={"email": "bob@example.org", "roles": ["member"], "legacy_org_id": "",
                                    "csrf_token": token})
        assert response.status_code == 302 and time.monotonic() - started < 10  # it did not hang on Redis
        assert _statuses(make, "bob@example.org") == ["pending"]
        [run] = _runs(make, "saas.kernel.mail_jobs.send_mail")
        assert run.status == "pending"
    finally:
        stack.redis.start()  # an empty Redis: whatever was on the queue before is gone too
    # the worker reconnects; its sweeper finds the pending run and enqueues it; the mail goes out
    wait_for(lambda: _statuses(make, "bob@example.org") == ["kept"], 60, "the mail")
    done = _run(make, run.id)
    assert done.status == "done" and done.attempts == 1


def test_a_queued_job_that_redis_lost_in_a_restart_is_enqueued_again(stack, database, make, start_worker):
    from saas.kernel.jobs import dispatch, redis_connection, sweep

    app = _app(stack, database)  # no worker runs yet: the job waits on the queue
    with make.session() as db:
        mail = OutboundMail(recipient="x@example.org", subject="Hello", body="b")
        db.add(mail)
        db.flush()
        mail_id = mail.id
    with app.app_context():
        run_id = dispatch("saas.kernel.mail_jobs.send_mail", mail_id)
    assert _run(make, run_id).status == "queued"
    stack.redis.stop()
    stack.redis.start()  # without persistence: the queue is empty now
    connection = redis_connection(stack.redis.url)
    assert sweep(database.platform_engine, connection, pending_after=0).enqueued == 1
    assert sweep(database.platform_engine, connection, pending_after=0).enqueued == 0  # on the queue again: left alone
    start_worker()
    assert wait_for(lambda: _run(make, run_id, "done")).attempts == 1
    assert _statuses(make, "x@example.org") == ["kept"]


def test_a_job_whose_worker_is_killed_shows_failed_soon_and_the_platform_admin_retries_it(
        stack, database, make, start_worker, owner_engine):
    from saas.auth.models import User
    from tenants.models import Invitation
    from saas.kernel.jobs import LOST

    first = start_worker()
    tenant = make.tenant("oost")
    app = _app(stack, database)
    admin = _invite_bob(app, make, tenant)
    wait_for(lambda: _statuses(make, "bob@example.org") == ["kept"])
    bob = app.test_client()
    with owner_engine.connect() as blocker:
        # a slow transaction holds the outbox: the notice to the inviter waits for it, half done
        blocker.execute(text("LOCK TABLE outbound_mail IN SHARE MODE"))
        response = bob.submit(link_in(make.mails_to("bob@example.org")[0].body),
                              {"new-name": "Bob", "new-password": "bobs long password"})
        assert response.status_code == 302
        [run] = _runs(make, "saas.administration.jobs.notify_invitation_accepted")
        wait_for(lambda: _run(make, run.id, "running"))
        time.sleep(1)
        first.kill_hard()
        killed_at = time.monotonic()
        start_worker()  # a supervisor brings the worker back
        failed = wait_for(lambda: _run(make, run.id, "failed"), 60, "the lost job")
        assert time.monotonic() - killed_at < 30  # RQ alone notices only after its maintenance, ~600 s
        assert failed.error == LOST and failed.attempts == 1
        blocker.rollback()
    time.sleep(1)
    # nothing of the killed run was written: no notice, the invitation not marked as notified
    assert make.mails_to(tenant.admin_email) == []
    with make.session(tenant.id) as db:
        assert db.scalar(select(Invitation.inviter_notified_at)) is None

    with make.session() as db:
        db.execute(update(User).where(User.email == tenant.admin_email).values(is_platform_admin=True))
    page = admin.text("/platform/jobs")
    assert "saas.administration.jobs.notify_invitation_accepted" in page and "Organisation oost" in page and LOST in page
    response = admin.submit(f"/platform/jobs/{run.id}/retry", page="/platform/jobs")
    assert response.status_code == 302
    notices = wait_for(lambda: [m for m in make.mails_to(tenant.admin_email) if m.status == "kept"])
    assert [m.subject for m in notices] == ["Bob joined Organisation oost"]
    retried = _run(make, run.id)
    assert wait_for(lambda: _run(make, retried.retried_as, "done"))
    assert run.id[:8] not in admin.text("/platform/jobs")


class _SilentServer:
    """A mail server that accepts the connection and never says a word: delivery hangs (20 s)."""

    def __enter__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.port = self.socket.getsockname()[1]
        return self

    def __exit__(self, *exc):
        self.socket.close()


def test_a_mail_whose_worker_is_killed_mid_delivery_is_retried_and_sent_once(stack, database, make,
                                                                               start_worker):
    from saas.kernel.jobs import dispatch

    app = _app(stack, database)
    with make.session() as db:
        mail = OutboundMail(recipient="x@example.org", subject="Hello", body="b")
        db.add(mail)
        db.flush()
        mail_id = mail.id
    with _SilentServer() as hanging:
        first = start_worker(SMTP_HOST="127.0.0.1", SMTP_PORT=str(hanging.port), SMTP_STARTTLS="false")
        with app.app_context():
            run_id = dispatch("saas.kernel.mail_jobs.send_mail", mail_id)
        wait_for(lambda: _run(make, run_id, "running"))
        time.sleep(1)
        first.kill_hard()
        killed_at = time.monotonic()
    smtp = SMTPServer()
    try:
        start_worker(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.port), SMTP_STARTTLS="false")
        # the sweeper sees the heartbeat stop; mail delivery has retries left, so it runs again
        done = wait_for(lambda: _run(make, run_id, "done"), 60, "the lost job")
        assert done.attempts == 2 and time.monotonic() - killed_at < 30
        [message] = smtp.messages
        assert message["To"] == "x@example.org" and message["Subject"] == "Hello"
        with make.session() as db:  # sent once; and neither recipient nor body is kept once sent
            sent = db.get(OutboundMail, mail_id)
            assert (sent.status, sent.recipient, sent.body) == ("sent", "", "")
    finally:
        smtp.close()
