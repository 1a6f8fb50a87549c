"""Tenant jobs: telling the person who sent an invitation that it was accepted. Takes ids, sets its
tenant first (saas.kernel.job_runtime.tenant_job) and is safe to run twice."""
from __future__ import annotations

from flask_babel import force_locale, gettext as _
from sqlalchemy import select

from saas.db import utcnow
from saas.kernel.jobs import tenant_job
from saas.mail import queue_mail
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
    with force_locale(inviter.locale or tenant.language):
        subject = _("%(name)s joined %(tenant)s", name=membership.user.name, tenant=tenant.name)
        body = _(
            "%(name)s (%(email)s) accepted your invitation and is now a member of %(tenant)s.\n\n%(link)s",
            name=membership.user.name, email=membership.user.email, tenant=tenant.name,
            link=f"{settings.base_url}/t/{tenant.slug}/admin/members",
        )
    queue_mail(session, inviter.email, subject, body)
    return True
