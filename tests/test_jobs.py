"""Jobs on real Redis with a real `koers worker` process; mail at the SMTP boundary."""
import time

import pytest
from sqlalchemy import select

from saas.mail import OutboundMail
from tests.conftest import settings_for
from tests.fake_smtp import FakeSMTP
from tests.helpers import link_in


def _app(stack, database, **overrides):
    from saas import create_app
    from tests.helpers import KoersClient

    application = create_app(settings_for(stack, **overrides), database=database, testing=True)
    application.test_client_class = KoersClient
    return application


def _wait_for(check, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("the worker did not finish in time (see test-artifacts/worker.log)")


def _statuses(make, email):
    return [m.status for m in make.mails_to(email)]


@pytest.mark.worker
def test_invitation_mail_and_acceptance_notice_go_through_the_worker(stack, database, make, worker):
    app = _app(stack, database, redis_url=stack.redis.url)
    tenant = make.tenant("oost")
    admin = app.test_client()
    admin.login(tenant.admin_email)
    admin.submit("/t/oost/admin/invitations", {"email": "bob@example.org", "roles": ["member"], "legacy_org_id": ""})
    # the request did not wait: the worker process delivers the mail (kept, with no SMTP configured)
    _wait_for(lambda: _statuses(make, "bob@example.org") == ["kept"])

    bob = app.test_client()
    path = link_in(make.mails_to("bob@example.org")[0].body)
    bob.submit(path, {"new-name": "Bob", "new-password": "bobs long password"})
    # a tenant job, run by the worker in tenant oost, tells the inviter
    notice = _wait_for(lambda: [m for m in make.mails_to(tenant.admin_email) if m.status == "kept"])
    assert "Bob joined Organisation oost" == notice[0].subject


@pytest.mark.worker
def test_when_redis_is_down_the_request_succeeds_and_the_mail_goes_later(stack, database, make, worker):
    from workers.jobs import sweep_outbox

    down = _app(stack, database, redis_url="redis://127.0.0.1:1/0")  # nothing listens there
    tenant = make.tenant("oost")
    admin = down.test_client()
    admin.login(tenant.admin_email)
    response = admin.submit("/t/oost/admin/invitations",
                            {"email": "bob@example.org", "roles": ["member"], "legacy_org_id": ""})
    assert response.status_code == 302
    assert _statuses(make, "bob@example.org") == ["pending"]
    # Redis is back: the worker's sweep re-enqueues what was left pending
    up = _app(stack, database, redis_url=stack.redis.url)
    with up.app_context():
        assert sweep_outbox(0) == 1
    _wait_for(lambda: _statuses(make, "bob@example.org") == ["kept"])


@pytest.mark.smoke
def test_with_smtp_configured_mail_is_sent_and_its_link_not_kept(stack, database, make):
    smtp = FakeSMTP()
    try:
        app = _app(stack, database, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False)
        tenant = make.tenant("oost")
        admin = app.test_client()
        admin.login(tenant.admin_email)
        admin.submit("/t/oost/admin/invitations", {"email": "bob@example.org", "roles": ["member"],
                                                   "legacy_org_id": ""})
        [message] = smtp.messages
        assert message["To"] == "bob@example.org"
        assert "/t/oost/invitations/" in message.get_content()
        [stored] = make.mails_to("bob@example.org")
        assert stored.status == "sent" and stored.body == ""
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


@pytest.mark.smoke
def test_sending_the_same_mail_twice_sends_it_once(stack, database, make):
    smtp = FakeSMTP()
    try:
        app = _app(stack, database, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False)
        from workers.jobs import send_mail

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
    smtp = FakeSMTP()
    try:
        app = _app(stack, database, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False)
        from saas.mail import queue_mail

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
    from saas.config import Settings

    monkeypatch.setenv("SECRET_KEY", "s")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("KOERS_DEV_OUTBOX", raising=False)
    for env, expected in (("development", True), ("staging", False), ("production", False)):
        monkeypatch.setenv("KOERS_ENV", env)
        assert Settings.from_env().dev_outbox is expected
