"""Leadership jobs: the personal links of a pulse check and of a 360-degree feedback round, and the
mixing of pooled answers into the results in a transaction of their own (never the submitter's).

Each job takes ids, sets its tenant first (saas.kernel.job_runtime.tenant_job) and is safe to run twice: a
pulse check invites only people not yet invited, a feedback round mails only raters not yet mailed.
The round row is locked while the job works on it. Every mail goes through the outbox in the
person's own language and holds the only copy of their token.
"""
from __future__ import annotations

from datetime import date
from sqlalchemy import select

from saas.kernel.mail import mail_to
from saas.anonymity import policy
from saas.kernel.jobs import tenant_job
from saas.leadership import feedback, pulses
from saas.leadership.models import FeedbackRound, PulseRound
from tenants.models import Membership, Tenant
from saas.kernel.tokens import renew_token


@tenant_job
def send_pulse_invitations(session, settings, round_id: int) -> int:
    """Ask all staff who have no invitation yet; returns how many were mailed."""
    pulse = session.scalar(select(PulseRound).where(PulseRound.id == round_id).with_for_update())
    if pulse is None or pulse.status != "open":
        return 0  # closed in the meantime, or not in this job's tenant
    tenant = session.get(Tenant, pulse.tenant_id)
    sent = pulses.invite(session, pulse, pulses.audience(session))
    for membership, token in sent:
        user = membership.user
        mail_to(session, user.email, "pulse_invitation", locale=user.locale or tenant.language, name=user.name,
                tenant=tenant, token=token, closes_on=pulse.closes_on, k=policy.frozen_k(pulse, tenant))
    return len(sent)


@tenant_job
def send_pulse_reminders(session, settings, round_id: int) -> int:
    """The round's one reminder: a new link to each staff member who has not answered. Run twice, it
    sends nothing more (the round records the day it was sent, in the same transaction as the mails)."""
    pulse = session.scalar(select(PulseRound).where(PulseRound.id == round_id).with_for_update())
    if pulse is None or not pulses.accepts_answers(pulse, date.today()) or pulse.reminded_on is not None:
        return 0  # closed, past its date or reminded meanwhile, or not in this job's tenant
    tenant = session.get(Tenant, pulse.tenant_id)
    waiting = pulses.unanswered(session, pulse)
    for invitation in waiting:
        token = renew_token(invitation)
        user = session.get(Membership, invitation.membership_id).user
        mail_to(session, user.email, "pulse_reminder", locale=user.locale or tenant.language, name=user.name,
                tenant=tenant, token=token, closes_on=pulse.closes_on, k=policy.frozen_k(pulse, tenant))
    pulse.reminded_on = date.today()
    return len(waiting)


@tenant_job
def mix_pulse_pool(session, settings, round_id: int) -> int:
    """Mix a pulse check's waiting answers into its results once at least k wait; returns how many.
    Run twice, the second finds fewer than k waiting (or the round closed) and does nothing."""
    return pulses.mix_pool(session, round_id)


@tenant_job
def mix_feedback_pool(session, settings, round_id: int) -> int:
    """Mix a 360 round's waiting answers into its answers once three raters' answers wait; returns how many."""
    return feedback.mix_pool(session, round_id)


@tenant_job
def send_feedback_invitations(session, settings, round_id: int) -> int:
    """Mail each rater of a 360 round not mailed yet a fresh personal link; returns how many."""
    feedback_round = session.scalar(select(FeedbackRound).where(FeedbackRound.id == round_id)
                                    .with_for_update(of=FeedbackRound))
    if feedback_round is None or feedback_round.status != "open":
        return 0
    tenant = session.get(Tenant, feedback_round.tenant_id)
    manager = session.get(Membership, feedback_round.subject_id).user
    sent = feedback.to_mail(session, feedback_round)
    for invitation, token in sent:
        user = session.get(Membership, invitation.membership_id).user
        mail_to(session, user.email, "feedback_self" if invitation.relation == "self" else "feedback_invitation",
                locale=user.locale or tenant.language, name=user.name, manager=manager.name, tenant=tenant,
                token=token, closes_on=feedback_round.closes_on)
    return len(sent)


@tenant_job
def send_feedback_reminders(session, settings, round_id: int) -> int:
    """The round's one reminder: a new link to each rater who has not answered. Run twice, it sends
    nothing more (the round records the day it was sent, in the same transaction as the mails)."""
    feedback_round = session.scalar(select(FeedbackRound).where(FeedbackRound.id == round_id)
                                    .with_for_update(of=FeedbackRound))
    if feedback_round is None or feedback_round.status != "open" or date.today() > feedback_round.closes_on \
            or feedback_round.reminded_on is not None:
        return 0
    tenant = session.get(Tenant, feedback_round.tenant_id)
    manager = session.get(Membership, feedback_round.subject_id).user
    waiting = feedback.unanswered_raters(session, feedback_round)
    for invitation in waiting:
        token = renew_token(invitation)  # only hashes are kept: the first link cannot be re-sent
        user = session.get(Membership, invitation.membership_id).user
        mail_to(session, user.email, "feedback_reminder", locale=user.locale or tenant.language, name=user.name,
                manager=manager.name, tenant=tenant, token=token, closes_on=feedback_round.closes_on)
    feedback_round.reminded_on = date.today()
    return len(waiting)
