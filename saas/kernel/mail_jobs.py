"""Mail delivery jobs: each mail in the outbox is sent by a job of its own (retried with back-off while
the mail server is away), and the sweeper's safety net for mails left pending. They take ids and are
safe to run twice (see saas.kernel.job_runtime)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from saas.kernel.db import utcnow
from saas.kernel.outbox import OutboundMail, deliver
from saas.kernel.job_models import JobRun, args_key
from saas.kernel.jobs import enqueue_after_commit, platform_job, retry_run
from tenants.scoping import tenantless

SEND_MAIL = "saas.kernel.mail_jobs.send_mail"
MAIL_RETRY = (10, 60, 300)  # seconds between attempts: a mail server that is down may be back soon


@platform_job(queue="mail", retry=MAIL_RETRY)
def send_mail(session, settings, mail_id: int) -> str:
    mail = session.get(OutboundMail, mail_id, with_for_update=True)
    if mail is None or mail.status in ("sent", "kept"):
        return "nothing to do"  # a second run of the same job changes nothing
    try:
        deliver(mail, settings)
    except ValueError as error:  # a message that cannot be built will not get better by retrying
        mail.last_error, mail.status = str(error)[:2000], "failed"
        return mail.status
    except OSError as error:  # smtplib errors are OSErrors too
        mail.last_error = str(error)[:2000]
        mail.status = "failed" if mail.attempts > len(MAIL_RETRY) else "pending"
        session.commit()
        raise  # RQ retries with back-off
    return mail.status


@platform_job
def sweep_outbox(session, settings, older_than_seconds: int = 60) -> int:
    """Safety net for mails left pending with no job on its way: e.g. sent in-process while the
    mail server was down, before a worker ran. A failed delivery run is retried (it leaves the
    platform admin's failed list); a mail whose run is still pending, queued or running is left to
    it (the generic sweeper in `saas.kernel.jobs.sweep` enqueues pending runs)."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    ids = session.scalars(
        select(OutboundMail.id).where(OutboundMail.status == "pending", OutboundMail.created_at < cutoff)
        .order_by(OutboundMail.id).limit(500)
    ).all()
    if not ids:
        return 0
    with tenantless(session):  # delivery runs are platform runs: they have no tenant
        runs = session.scalars(select(JobRun).where(JobRun.function == SEND_MAIL,
                                                    JobRun.args_key.in_([args_key([i]) for i in ids]))).all()
    busy = {run.args_key for run in runs if run.active}
    failed = {run.args_key: run for run in runs if run.status == "failed" and not run.retried_as}
    swept = 0
    for mail_id in ids:
        key = args_key([mail_id])
        if key in busy:
            continue
        if key in failed:
            retry_run(session, failed[key])
        else:
            enqueue_after_commit(session, SEND_MAIL, mail_id)
        swept += 1
    return swept

