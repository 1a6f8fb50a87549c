"""Job functions. Each takes ids, sets its scope first (see runtime), and is safe to run twice."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale, gettext as _
from sqlalchemy import select

from saas.db import utcnow
from saas.mail import OutboundMail, deliver, queue_mail
from workers.runtime import platform_job, tenant_job


@platform_job
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
        mail.status = "failed" if mail.attempts >= 4 else "pending"
        session.commit()
        raise  # RQ retries with back-off
    return mail.status


@platform_job
def sweep_outbox(session, settings, older_than_seconds: int = 60) -> int:
    """Re-enqueue mails left pending (queue was down, or a worker died) for a while."""
    from workers.queue import dispatch

    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    ids = session.scalars(
        select(OutboundMail.id).where(OutboundMail.status == "pending", OutboundMail.created_at < cutoff)
    ).all()
    for mail_id in ids:
        dispatch("workers.jobs.send_mail", mail_id, settings=settings)
    return len(ids)


@tenant_job
def notify_invitation_accepted(session, settings, membership_id: int) -> bool:
    """Tell the person who sent an invitation that it was accepted."""
    from tenants.models import Invitation, Membership, Tenant

    membership = session.get(Membership, membership_id)
    if membership is None:
        return False  # not in this job's tenant: the scope hides it
    invitation = session.scalars(
        select(Invitation).where(Invitation.membership_id == membership.id).order_by(Invitation.id.desc())
    ).first()
    if invitation is None or invitation.invited_by is None or invitation.inviter_notified_at:
        return False  # nothing to tell, or already told: a rerun sends no second mail
    invitation.inviter_notified_at = utcnow()
    tenant = session.get(Tenant, membership.tenant_id)
    inviter = invitation.invited_by
    with force_locale(inviter.locale or tenant.language):
        subject = _("%(name)s joined %(tenant)s", name=membership.user.name, tenant=tenant.name)
        body = _(
            "%(name)s (%(email)s) accepted your invitation and is now a member of %(tenant)s.\n\n%(link)s",
            name=membership.user.name, email=membership.user.email, tenant=tenant.name,
            link=f"{settings.base_url}/t/{tenant.slug}/admin/members",
        )
    queue_mail(session, inviter.email, subject, body)
    return True
