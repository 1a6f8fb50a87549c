"""Jobs on real Redis with a real `koers worker` process; mail at the SMTP boundary."""
import time

import pytest
from sqlalchemy import select, text, update

from saas.kernel.outbox import OutboundMail
from tests.conftest import settings_for, sign_in_scope
from tests.helpers import link_in, wait_for
from tests.smtp_server import SMTPServer


def _app(stack, database, **overrides):
    from saas import create_app
    from tests.helpers import KoersClient

    application = create_app(settings_for(stack, **overrides), database=database, testing=True)
    application.test_client_class = KoersClient
    return application


def _statuses(make, email):
    return [m.status for m in make.mails_to(email)]


def _runs(make, function, tenant_id=None):
    """The runs of a job, looked at as the platform admin does (across tenants)."""
    from tenants.scoping import cross_tenant
    from saas.kernel.job_models import JobRun

    with make.session(platform=True) as db, cross_tenant(db):
        query = select(JobRun).where(JobRun.function == function).order_by(JobRun.created_at)
        if tenant_id is not None:
            query = query.where(JobRun.tenant_id == tenant_id)
        return list(db.scalars(query))


def _run(make, run_id):
    from tenants.scoping import cross_tenant
    from saas.kernel.job_models import JobRun

    with make.session(platform=True) as db, cross_tenant(db):
        return db.get(JobRun, run_id)


@pytest.mark.worker
def test_invitation_mail_and_acceptance_notice_go_through_the_worker(stack, database, make, worker):
    app = _app(stack, database, redis_url=stack.redis.url)
    tenant = make.tenant("oost")
    admin = app.test_client()
    admin.login(tenant.admin_email)
    admin.submit("/t/oost/admin/invitations", {"email": "bob@example.org", "roles": ["member"], "legacy_org_id": ""})
    # the request did not wait: the worker process delivers the mail (kept, with no SMTP configured)
    wait_for(lambda: _statuses(make, "bob@example.org") == ["kept"])

    bob = app.test_client()
    path = link_in(make.mails_to("bob@example.org")[0].body)
    bob.submit(path, {"new-name": "Bob", "new-password": "bobs long password"})
    # a tenant job, run by the worker in tenant oost, tells the inviter
    notice = wait_for(lambda: [m for m in make.mails_to(tenant.admin_email) if m.status == "kept"])
    assert "Bob joined Organisation oost" == notice[0].subject


@pytest.mark.worker
def test_when_redis_is_down_the_request_succeeds_and_the_mail_goes_later(stack, database, make, worker):
    from saas.kernel.jobs import redis_connection, sweep

    down = _app(stack, database, redis_url="redis://127.0.0.1:1/0")  # nothing listens there
    tenant = make.tenant("oost")
    admin = down.test_client()
    admin.login(tenant.admin_email)
    response = admin.submit("/t/oost/admin/invitations",
                            {"email": "bob@example.org", "roles": ["member"], "legacy_org_id": ""})
    assert response.status_code == 302
    assert _statuses(make, "bob@example.org") == ["pending"]
    [run] = _runs(make, "saas.kernel.mail_jobs.send_mail")
    assert run.status == "pending"  # recorded with the request: nothing is lost
    # Redis is back: the sweeper (in `koers worker`, here called at once) enqueues what was left pending
    report = sweep(database.platform_engine, redis_connection(stack.redis.url), pending_after=0)
    assert report.enqueued == 1
    wait_for(lambda: _statuses(make, "bob@example.org") == ["kept"])
    wait_for(lambda: _run(make, run.id).status == "done")


@pytest.mark.smoke
def test_with_smtp_configured_mail_is_sent_and_its_link_not_kept(stack, database, make):
    smtp = SMTPServer()
    try:
        app = _app(stack, database, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False)
        tenant = make.tenant("oost")
        admin = app.test_client()
        admin.login(tenant.admin_email)
        admin.submit("/t/oost/admin/invitations", {"email": "bob@example.org", "roles": ["member"],
                                                   "legacy_org_id": ""})
        [message] = smtp.messages
        assert message["To"] == "bob@example.org"
        assert "/t/oost/invitations/" in message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()  # and the same mail as HTML (saas.kernel.mail)
        assert "<html lang=" in html and '<a href="http://' in html and "/t/oost/invitations/" in html
        assert make.mails_to("bob@example.org") == []  # who was mailed is not kept either
        with make.session(platform=True) as db:  # the tenant's mail: the platform role reads every tenant's
            [stored] = db.scalars(select(OutboundMail)).all()
        assert stored.status == "sent" and stored.body == "" and stored.html_body == "" and stored.recipient == ""
    finally:
        smtp.close()


@pytest.mark.smoke
def test_an_unreachable_mail_server_does_not_fail_the_request(stack, database, make):
    app = _app(stack, database, smtp_host="127.0.0.1", smtp_port=1, smtp_starttls=False)
    tenant = make.tenant("oost")
    admin = app.test_client()
    admin.login(tenant.admin_email)
    response = admin.submit("/t/oost/admin/invitations", {"email": "bob@example.org", "roles": ["member"],
                                                           "legacy_org_id": ""})
    assert response.status_code == 302
    [stored] = make.mails_to("bob@example.org")
    assert stored.status == "pending" and stored.attempts == 1 and stored.last_error
    # in-process there is no queue to retry later: the run is failed, visibly, with its error
    [run] = _runs(make, "saas.kernel.mail_jobs.send_mail")
    assert run.status == "failed" and run.attempts == 1 and run.error.startswith("ConnectionRefusedError")


@pytest.mark.smoke
def test_sending_the_same_mail_twice_sends_it_once(stack, database, make):
    smtp = SMTPServer()
    try:
        app = _app(stack, database, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False)
        from saas.kernel.mail_jobs import send_mail

        with make.session() as db:
            mail = OutboundMail(recipient="x@example.org", subject="s", body="b")
            db.add(mail)
            db.flush()
            mail_id = mail.id
        with app.app_context():
            send_mail(mail_id)
            send_mail(mail_id)
        assert len(smtp.messages) == 1
    finally:
        smtp.close()


@pytest.mark.smoke
def test_a_name_with_a_line_break_cannot_break_a_mail_header(stack, database, make):
    smtp = SMTPServer()
    try:
        app = _app(stack, database, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False)
        from saas.kernel.outbox import queue_mail

        with app.app_context(), database.Session() as db:
            mail = queue_mail(db, "x@example.org", "Eve\r\nBcc: victim@example.org joined", "body")
            db.commit()
        [message] = smtp.messages
        assert message["Subject"] == "Eve Bcc: victim@example.org joined" and message["Bcc"] is None
        assert mail.subject == "Eve Bcc: victim@example.org joined"
    finally:
        smtp.close()


@pytest.mark.smoke
def test_the_development_outbox_is_on_only_in_development(monkeypatch):
    from saas.kernel.config import Settings

    monkeypatch.setenv("SECRET_KEY", "s")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("KOERS_DEV_OUTBOX", raising=False)
    for env, expected in (("development", True), ("staging", False), ("production", False)):
        monkeypatch.setenv("KOERS_ENV", env)
        assert Settings.from_env().dev_outbox is expected


def _run_in(make, run_id, status):
    run = _run(make, run_id)
    return run if run is not None and run.status == status else None


def _make_platform_admin(make, email):
    from saas.auth.models import User

    with make.session() as db:
        db.execute(update(User).where(User.email == email).values(is_platform_admin=True))


def test_a_tenants_run_handed_to_the_queue_is_marked_queued_in_its_signed_scope(stack, database, make):
    """The mark after the hand-over is a session of its own, in the tenant's scope: on PostgreSQL it must sign
    that scope with the app's key, else row-level security shows it no run and the run stays pending."""
    from saas.kernel.jobs import dispatch

    tenant = make.tenant("alpha")
    app = _app(stack, database, redis_url=stack.redis.url)  # no worker: the run waits on the queue
    from rq.job import Job

    from saas.kernel.jobs import redis_connection

    with app.app_context():
        run_id = dispatch("tests.jobs_for_tests.count_slowly", tenant.id, 1, 0)
    try:
        assert _run(make, run_id).status == "queued"
    finally:  # not for a later test's worker
        Job.fetch(run_id, connection=redis_connection(stack.redis.url)).delete()


@pytest.mark.worker
def test_a_run_is_recorded_from_the_queue_through_running_to_done(stack, database, make, worker):
    from saas.kernel.jobs import dispatch

    app = _app(stack, database, redis_url=stack.redis.url)
    with make.session() as db:
        mail = OutboundMail(recipient="x@example.org", subject="s", body="b")
        db.add(mail)
        db.flush()
        mail_id = mail.id
    # a slow transaction holds the mail's row: the job, once running, waits for it
    with database.Session() as blocker:
        blocker.get(OutboundMail, mail_id, with_for_update=True)
        with app.app_context():
            run_id = dispatch("saas.kernel.mail_jobs.send_mail", mail_id)
        assert _run(make, run_id).status in ("queued", "running")
        running = wait_for(lambda: _run_in(make, run_id, "running"))
        assert running.attempts == 1 and running.started_at and running.finished_at is None
        assert running.tenant_id is None and running.queue == "mail" and running.args == [mail_id]
        blocker.rollback()
    done = wait_for(lambda: _run_in(make, run_id, "done"))
    assert done.progress == 100 and done.finished_at >= done.started_at and done.error is None
    assert _statuses(make, "x@example.org") == ["kept"]


@pytest.mark.worker
def test_a_failing_job_is_recorded_failed_with_its_error_and_not_retried(stack, database, make, worker):
    from saas.kernel.jobs import dispatch

    tenant = make.tenant("oost")
    app = _app(stack, database, redis_url=stack.redis.url)
    with app.app_context():
        run_id = dispatch("saas.administration.jobs.notify_invitation_accepted", tenant.id, "not-a-membership-id")
    failed = wait_for(lambda: _run_in(make, run_id, "failed"))
    assert failed.tenant_id == tenant.id and failed.finished_at
    assert "invalid input syntax" in failed.error and len(failed.error) <= 500
    time.sleep(1.5)  # a job that does not call outside is not retried
    assert _run(make, run_id).attempts == 1


def test_only_jobs_that_call_outside_are_retried_with_back_off(stack, database, make):
    from rq.job import Job

    from saas.kernel.jobs import dispatch, redis_connection

    tenant = make.tenant("oost")
    app = _app(stack, database, redis_url=stack.redis.url)
    with make.session() as db:
        mail = OutboundMail(recipient="x@example.org", subject="s", body="b")
        db.add(mail)
        db.flush()
        mail_id = mail.id
    with app.app_context():
        mail_run = dispatch("saas.kernel.mail_jobs.send_mail", mail_id)
        notice_run = dispatch("saas.administration.jobs.notify_invitation_accepted", tenant.id, 0)
    connection = redis_connection(stack.redis.url)
    mail_job, notice_job = Job.fetch(mail_run, connection=connection), Job.fetch(notice_run, connection=connection)
    assert mail_job.origin == "mail" and mail_job.retries_left == 3 and mail_job.retry_intervals == [10, 60, 300]
    assert notice_job.origin == "default" and not notice_job.retries_left


@pytest.mark.smoke
def test_without_redis_jobs_run_in_process_and_keep_their_records(app, make):
    tenant = make.tenant("oost")
    admin = app.test_client()
    admin.login(tenant.admin_email)
    admin.submit("/t/oost/admin/invitations", {"email": "bob@example.org", "roles": ["member"], "legacy_org_id": ""})
    [mail] = make.mails_to("bob@example.org")
    [delivery] = _runs(make, "saas.kernel.mail_jobs.send_mail")
    assert (delivery.status, delivery.attempts, delivery.args, delivery.tenant_id) == ("done", 1, [mail.id], None)

    bob = app.test_client()
    bob.submit(link_in(mail.body), {"new-name": "Bob", "new-password": "bobs long password"})
    [notice] = _runs(make, "saas.administration.jobs.notify_invitation_accepted")
    assert notice.status == "done" and notice.tenant_id == tenant.id and notice.finished_at


@pytest.mark.smoke
def test_a_tenant_sees_only_its_own_job_runs(app, make, database):
    from saas.kernel.outbox import queue_mail
    from tenants.scoping import TenantScopeError
    from saas.kernel.job_models import JobRun
    from saas.kernel.jobs import dispatch, job_status, latest_run

    notify = "saas.administration.jobs.notify_invitation_accepted"
    alpha, beta = make.tenant("alpha"), make.tenant("beta")
    with app.app_context():
        alpha_run = dispatch(notify, alpha.id, 0)
        beta_run = dispatch(notify, beta.id, 0)
        with database.Session() as db:
            queue_mail(db, "x@example.org", "s", "b")  # a platform run: no tenant
            db.commit()
    with make.session(alpha.id) as db:
        assert job_status(db, alpha_run).status == "done"
        assert job_status(db, beta_run) is None
        assert latest_run(db, notify, alpha.id, 0).id == alpha_run
        assert latest_run(db, notify, beta.id, 0) is None
        assert [run.id for run in db.scalars(select(JobRun))] == [alpha_run]  # no platform runs either
        db.add(JobRun(id="f" * 32, tenant_id=beta.id, function=notify, args=[beta.id, 0], args_key="[0]"))
        with pytest.raises(TenantScopeError):
            db.flush()
        db.rollback()
    if database.is_postgres:  # the second wall: row-level security for raw SQL
        with database.engine.connect() as conn:
            sign_in_scope(conn, alpha.id)
            assert conn.execute(text("SELECT id FROM job_runs")).scalars().all() == [alpha_run]
            conn.rollback()
            assert conn.execute(text("SELECT count(*) FROM job_runs")).scalar() == 0  # no tenant: nothing


def test_the_platform_admin_sees_failed_jobs_across_tenants_and_retries_one(app, make):
    from saas.kernel.jobs import dispatch

    smtp = SMTPServer()
    try:
        app.config["KOERS"].smtp_host, app.config["KOERS"].smtp_port = "127.0.0.1", 1  # the mail server is down
        app.config["KOERS"].smtp_starttls = False
        tenant = make.tenant("oost", name="Gemeente Oost")
        admin = app.test_client()
        admin.login(tenant.admin_email)
        admin.submit("/t/oost/admin/invitations", {"email": "bob@example.org", "roles": ["member"],
                                                   "legacy_org_id": ""})
        with app.app_context():
            broken = dispatch("saas.administration.jobs.notify_invitation_accepted", tenant.id, "not-a-membership-id")
        [failed_mail] = _runs(make, "saas.kernel.mail_jobs.send_mail")

        operator = app.test_client()
        make.user("operator@koers.example")
        _make_platform_admin(make, "operator@koers.example")
        operator.login("operator@koers.example")
        page = operator.text("/platform/jobs")
        assert "Failed jobs" in page
        assert "saas.kernel.mail_jobs.send_mail" in page and "Platform (no organisation)" in page
        assert "ConnectionRefusedError" in page
        assert "saas.administration.jobs.notify_invitation_accepted" in page and "Gemeente Oost" in page
        assert "invalid input syntax" in page

        app.config["KOERS"].smtp_port = smtp.port  # the mail server is back
        response = operator.submit(f"/platform/jobs/{failed_mail.id}/retry", page="/platform/jobs")
        assert response.status_code == 302
        assert "The job runs again" in operator.text("/platform/jobs")
        [message] = smtp.messages
        assert message["To"] == "bob@example.org"
        old, new = _runs(make, "saas.kernel.mail_jobs.send_mail")
        assert old.id == failed_mail.id and old.retried_as == new.id and new.status == "done"
        page = operator.text("/platform/jobs")
        assert failed_mail.id[:8] not in page and broken[:8] in page  # the retried one left the list
        # a second click on the same (stale) button retries nothing
        operator.submit(f"/platform/jobs/{failed_mail.id}/retry", page="/platform/jobs")
        assert len(_runs(make, "saas.kernel.mail_jobs.send_mail")) == 2 and len(smtp.messages) == 1
    finally:
        smtp.close()


@pytest.mark.smoke
def test_the_jobs_page_does_not_exist_for_anyone_but_the_platform_admin(app, make):
    from saas.kernel.jobs import dispatch

    tenant = make.tenant("oost")
    with app.app_context():
        run_id = dispatch("saas.administration.jobs.notify_invitation_accepted", tenant.id, 0)
    anonymous = app.test_client()
    assert anonymous.get("/platform/jobs").status_code == 404
    assert anonymous.post(f"/platform/jobs/{run_id}/retry").status_code in (400, 404)
    admin = app.test_client()  # the tenant's own admin is no platform admin
    admin.login(tenant.admin_email)
    assert admin.get("/platform/jobs").status_code == 404
    token = admin.csrf_token("/account")
    assert admin.post(f"/platform/jobs/{run_id}/retry", data={"csrf_token": token}).status_code == 404

    _make_platform_admin(make, tenant.admin_email)
    assert admin.get("/platform/jobs").status_code == 200
    assert admin.post(f"/platform/jobs/{run_id}/retry").status_code == 400  # no CSRF token: refused
    assert admin.get("/platform/jobs/nonexistent/retry").status_code == 405
    assert admin.post("/platform/jobs/nonexistent/retry", data={"csrf_token": token}).status_code == 404
    assert len(_runs(make, "saas.administration.jobs.notify_invitation_accepted")) == 1
