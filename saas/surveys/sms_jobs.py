"""SMS jobs: each text message is handed to the provider by a job of its own, retried with back-off while the
provider is away, and the reminder rounds (saas.surveys.sms).

Like the mail outbox (saas.kernel.mail_jobs): the message waits in its recipient's row, the job sends it once
per round (a second run, or a run for an older round, changes nothing), and once the provider has it the row
keeps neither the text nor its link. Jobs take ids and set their tenant first (saas.kernel.job_runtime).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from saas.kernel import sms as provider
from saas.kernel.db import utcnow
from saas.kernel.jobs import tenant_job
from saas.surveys import sms
from saas.surveys.invitations import reminder_cutoff
from saas.surveys.models import SmsRecipient, Wave
from tenants.models import Tenant

SMS_RETRY = (10, 60, 300)  # seconds between attempts, as for mail: a provider that is down may be back soon


@tenant_job(queue="mail", retry=SMS_RETRY)
def send_sms(session, settings, recipient_id: int, round_: int) -> str:
    """Hand recipient `recipient_id`'s message of round `round_` to the provider, once."""
    recipient = session.scalar(select(SmsRecipient).where(SmsRecipient.id == recipient_id).with_for_update())
    if recipient is None or recipient.round != round_ or recipient.status != "pending":
        return "nothing to do"  # sent already, a newer round replaced it, or the wave closed (the row is gone)
    wave = session.get(Wave, recipient.wave_id)
    if wave is None or not wave.takes_answers_on(date.today()):
        return "nothing to do"  # nobody can answer any more: a link would lead nowhere
    recipient.attempts += 1
    reference = f"koers-{recipient.tenant_id}-sms-{recipient.id}-{round_}"
    try:
        provider.send(settings, recipient.number, recipient.message, reference=reference)
    except provider.SmsRefused as error:  # this message will never be taken: counted as failed
        recipient.status, recipient.message, recipient.last_error = "failed", "", str(error)[:300]
        return recipient.status
    except provider.SmsUnavailable as error:
        recipient.last_error = str(error)[:300]
        if recipient.attempts > len(SMS_RETRY):
            recipient.status, recipient.message = "failed", ""
        session.commit()
        raise  # RQ retries with back-off
    # The provider has it: the link now exists only on the phone (DESIGN.md §3), as a sent mail keeps no body.
    recipient.status, recipient.message, recipient.last_error, recipient.sent_at = "sent", "", None, utcnow()
    return recipient.status


@tenant_job
def send_sms_reminders(session, settings, wave_id: int, round_: int, asked_at: int) -> int:
    """Reminder round `round_` by SMS, as the e-mail reminders (saas.surveys.jobs.send_survey_reminders): to
    every SMS invitation not answered whose message was made at least 24 hours before `asked_at`."""
    wave = session.scalar(select(Wave).where(Wave.id == wave_id).with_for_update())
    if wave is None or not wave.takes_answers_on(date.today()):
        return 0
    return sms.remind(session, settings, session.get(Tenant, wave.tenant_id), wave, round_, reminder_cutoff(asked_at))
