"""Tenant administration's jobs: telling the person who sent an invitation that it was accepted. Takes ids, sets its
tenant first (saas.kernel.job_runtime.tenant_job) and is safe to run twice."""
from __future__ import annotations

from sqlalchemy import select

from saas.kernel.db import utcnow
from saas.kernel.jobs import tenant_job
from saas.kernel.mail import mail_to
from tenants.models import Invitation, Membership, Tenant


@tenant_job
def notify_invitation_accepted(session, settings, membership_id: int) -> bool:
    """Tell the person who sent an invitation that it was accepted."""
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
    mail_to(session, inviter.email, "member_joined", locale=inviter.locale or tenant.language,
            member=membership.user, tenant=tenant)
    return True
