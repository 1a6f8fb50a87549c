"""Survey mail jobs: the personal invitations of a wave and the reminders.

Each job takes ids, sets its tenant first (saas.kernel.job_runtime.tenant_job) and is safe to run twice:
invitations go only to people not yet invited, a reminder round only to invitations that have not
had it. The wave row is locked while a job works on it, so two runs of the same job do not mail
the same person twice. Every mail goes through the outbox (saas.kernel.mail.mail_to) in the person's
own language, and holds the only copy of their token.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from saas.kernel.db import utcnow
from saas.kernel.mail import mail_to
from saas.kernel.jobs import tenant_job
from saas.surveys import service
from saas.surveys.answering import engine as answering
from saas.surveys.invitations import audience, reminder_cutoff, renew_token, unanswered
from saas.surveys.models import Wave
from tenants.models import Membership, Tenant


@tenant_job
def send_wave_invitations(session, settings, wave_id: int) -> int:
    """Invite everyone in the wave's audience who has no invitation yet; returns how many were mailed."""
    wave, tenant = _open_wave(session, wave_id)
    if wave is None:
        return 0
    k = service.min_group_size(session, tenant, wave)
    minutes = answering.minutes(wave)  # the mail says how long this wave takes, not a fixed "ten minutes"
    sent = service.invite(session, wave, audience(session, wave))
    for membership, token in sent:
        user = membership.user
        mail_to(session, user.email, "survey_invitation", locale=user.locale or tenant.language, name=user.name,
                tenant=tenant, wave=wave, token=token, k=k, minutes=minutes)
    return len(sent)


@tenant_job
def send_survey_reminders(session, settings, wave_id: int, round_: int, asked_at: int | None = None) -> int:
    """Remind everyone who has not answered and has not had reminder `round_` yet, with a new link.

    Only the hash of a token is kept, so the first link cannot be sent again: each reminder carries a
    new one and the old one stops working. A half-finished survey stays, it belongs to the invitation.
    Whoever was mailed a link less than REMINDER_MIN_AGE before the reminder was asked for (`asked_at`,
    seconds since 1970; now when not given) keeps it, and is left for the next round.
    """
    wave, tenant = _open_wave(session, wave_id)
    if wave is None:
        return 0
    k = service.min_group_size(session, tenant, wave)
    cutoff = reminder_cutoff(asked_at if asked_at is not None else utcnow())
    invitations = unanswered(session, wave, below_round=round_, mailed_before=cutoff, lock=True)
    people = {m.id: m for m in session.scalars(
        select(Membership).where(Membership.id.in_([i.membership_id for i in invitations])))}
    for invitation in invitations:
        token = renew_token(invitation)
        invitation.reminders_sent = round_
        invitation.mailed_at = utcnow()
        user = people[invitation.membership_id].user
        mail_to(session, user.email, "survey_reminder", locale=user.locale or tenant.language, name=user.name,
                tenant=tenant, wave=wave, token=token, k=k)
    return len(invitations)


@tenant_job
def mix_pool(session, settings, wave_id: int) -> int:
    """Mix the wave's waiting answers into the responses, in this job's own transaction (never the
    transaction of the submission that brought the pool to k: DESIGN.md §3)."""
    wave = session.get(Wave, wave_id)
    if wave is None:
        return 0
    return service.mix_pool(session, session.get(Tenant, wave.tenant_id), wave)


def _open_wave(session, wave_id: int):
    """The wave, locked for this job, and its tenant; (None, None) when it is not open (any more)."""
    wave = session.scalar(select(Wave).where(Wave.id == wave_id).with_for_update())
    if wave is None or not wave.takes_answers_on(date.today()):
        return None, None  # closed or past its close date meanwhile, or not this job's tenant: nothing to send
    return wave, session.get(Tenant, wave.tenant_id)
