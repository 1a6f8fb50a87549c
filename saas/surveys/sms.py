"""SMS invitations (issue 20, point 4): a wave reaches people who have a mobile number and no e-mail.

An SMS invitation is an answer code sent by text message: the admin pastes numbers, and they become a batch
of channel "sms" (an AnswerCodeBatch, optionally for a legacy organisation) with one invitation per number,
answered through the same link and intake as a personal invitation, and counted in the batch's group like
one. The number is kept in `sms_recipients` only to send the invitation and its reminders; it is never shown
in full after it was entered (saas.kernel.sms.mask) and it is deleted when the wave closes
(service.rewrite_results). A number knows only whether its invitation was answered, as a person's
invitation does.

Like a mail in the outbox, each message (with the only copy of its link) waits in its recipient's row until
a job (saas.surveys.sms_jobs) has handed it to the provider; the row is then emptied. Plain functions on a
tenant-scoped session; the pages never wait for the provider.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from saas.kernel import audit
from saas.kernel import sms as provider
from saas.kernel.db import utcnow
from saas.kernel.errors import DomainError
from saas.kernel.formatting import day
from saas.kernel.jobs import enqueue_after_commit
from saas.kernel.mail import on_base_url
from saas.surveys import codes, invitations, service
from saas.surveys.answering import engine as answering
from saas.surveys.models import SmsRecipient, SurveyInvitation, Wave

SEND_SMS = "saas.surveys.sms_jobs.send_sms"
SEND_REMINDERS = "saas.surveys.sms_jobs.send_sms_reminders"
MAX_NUMBERS = 1000  # in one go; more in several
MAX_SHOWN_PROBLEMS = 10
SMS = "sms"  # the batch's channel (saas.surveys.models.CODE_CHANNELS)
NAME_IN_MESSAGE = 30  # characters of the organisation's name in a text message: it must stay short


class SmsOff(DomainError):
    status = 409
    default_message = _l("SMS is not set up on this Koers, so no text messages can be sent.")


class BadNumbers(DomainError):
    """Lines that hold no mobile number (`problems`, one message per line): nothing is sent."""

    default_message = _l("Nothing has been sent: correct the lines listed below, then send again.")

    def __init__(self, problems: list[str]):
        super().__init__()
        self.problems = problems


class AlreadyInvitedBySms(DomainError):
    status = 409


class NobodyToRemindBySms(DomainError):
    status = 409
    default_message = _l("Everyone who got an SMS invitation has answered: there is nobody to remind.")


class TooSoonToRemindBySms(DomainError):
    status = 409
    default_message = _l("Everyone who has not answered got their text message less than 24 hours ago. A reminder "
                         "replaces that link, so please send it later.")


# ---- the numbers as pasted ------------------------------------------------------------------

@dataclass(frozen=True)
class Parsed:
    numbers: list[tuple[int, str]]  # (line, E.164), each number once
    problems: list[str]  # what is wrong, line by line, in the reader's language


def parse_numbers(text: str) -> Parsed:
    """Mobile numbers from pasted text: one per line (a line may hold a CSV row: its first cell counts; an
    empty line is skipped). A number twice counts once. Every line that is no mobile number is a problem."""
    numbers: list[tuple[int, str]] = []
    seen: set[str] = set()
    problems: list[str] = []
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for line_no, line in enumerate(lines, start=1):
        cell = _first_cell(line)
        if not cell:
            continue
        if line_no == 1 and not any(ch.isdigit() for ch in cell):
            continue  # a CSV's header ("telefoon", "mobile")
        number = provider.mobile_number(cell)
        if number is None:
            problems.append(_("Line %(line)d: \"%(text)s\" is not a mobile number (for example 06 12345678 or "
                              "+32 470 12 34 56).", line=line_no, text=cell[:40]))
        elif number not in seen:
            seen.add(number)
            numbers.append((line_no, number))
    if len(numbers) > MAX_NUMBERS:
        problems.insert(0, _("At most %(max)d numbers at a time, please: these are %(count)d.",
                             max=MAX_NUMBERS, count=len(numbers)))
    if len(problems) > MAX_SHOWN_PROBLEMS:
        rest = len(problems) - MAX_SHOWN_PROBLEMS
        problems = problems[:MAX_SHOWN_PROBLEMS] + [_("… and %(count)d more lines like these.", count=rest)]
    return Parsed(numbers, problems)


def read_upload(data: bytes) -> str:
    """An uploaded CSV or text file as text (UTF-8, with or without a byte order mark, else Windows-1252)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return ""


def _first_cell(line: str) -> str:
    line = line.strip()
    if not line:
        return ""
    if ";" in line or "," in line or "\t" in line:
        dialect = ";" if ";" in line else ("\t" if "\t" in line else ",")
        row = next(csv.reader(io.StringIO(line), delimiter=dialect), [])
        return next((cell.strip() for cell in row if cell.strip()), "")
    return line


# ---- sending --------------------------------------------------------------------------------

def invite_from_text(db, settings, tenant, wave: Wave, text: str, upload: bytes | None = None, *,
                     legacy_org_id: int | None = None, by=None) -> int:
    """SMS invitations for the numbers pasted (`text`) and in an uploaded file (`upload`); see `invite_by_sms`.
    Raises BadNumbers, listing the lines that hold no mobile number, and then sends nothing."""
    if not settings.sms_enabled:
        raise SmsOff()
    if upload:
        text = "\n".join(part for part in (text or "", read_upload(upload)) if part)
    parsed = parse_numbers(text)
    if parsed.problems:
        raise BadNumbers(parsed.problems)
    return invite_by_sms(db, settings, tenant, wave, parsed.numbers, legacy_org_id=legacy_org_id, by=by)


def invite_by_sms(db, settings, tenant, wave: Wave, numbers: list[tuple[int, str]], *,
                  legacy_org_id: int | None = None, by=None) -> int:
    """A batch of SMS invitations for `numbers` ((line, E.164) from `parse_numbers`), optionally for a legacy
    organisation; jobs send them after the commit. Returns how many. A number already invited to this wave is
    refused (nothing is sent), so nobody gets two links."""
    if not settings.sms_enabled:
        raise SmsOff()
    if not wave.takes_answers_on(date.today()):
        raise service.WaveNotOpen()
    if not numbers:
        raise DomainError(_l("Please enter at least one mobile number."), field="numbers")
    pasted = [number for _line, number in numbers]
    known = set(db.scalars(select(SmsRecipient.number).where(SmsRecipient.wave_id == wave.id,
                                                              SmsRecipient.number.in_(pasted))))
    if known:
        lines = ", ".join(str(line) for line, number in numbers if number in known)
        raise AlreadyInvitedBySms(_l("This wave has already been sent to the number on line %(lines)s. Please "
                                     "remove it: nobody gets two links.", lines=lines), field="numbers")
    # The batch and its codes as on paper (saas.surveys.codes), one code per number, sent instead of printed.
    _batch, plain = codes.order_batch(db, settings.secret_key, wave, count=len(numbers),
                                      legacy_org_id=legacy_org_id, label="" if legacy_org_id is not None else "SMS",
                                      by=by, channel=SMS)
    invitation_of = codes.invitations_for_codes(db, settings.secret_key, plain)
    recipients = []
    for (_line, number), code in zip(numbers, plain):  # the codes come shuffled: no order ties a row to a line
        recipient = SmsRecipient(wave_id=wave.id, invitation_id=invitation_of[code].id, number=number, round=0,
                                 status="pending", attempts=0, message=message(tenant, wave, code),
                                 messaged_at=utcnow())
        db.add(recipient)
        recipients.append(recipient)
    db.flush()
    # the audit trail has the batch from order_batch ("wave.answer_codes_ordered", channel "sms"): its count, no number
    for recipient in recipients:
        enqueue_after_commit(db, SEND_SMS, tenant.id, recipient.id, 0)
    return len(numbers)


def message(tenant, wave: Wave, code: str, *, reminder: bool = False) -> str:
    """The text message with its link (the code's short address), in the organisation's language: plain
    words, under 160 characters where the organisation's name and address allow."""
    name = " ".join((tenant.name or "").split())
    if len(name) > NAME_IN_MESSAGE:
        name = name[:NAME_IN_MESSAGE - 3].rstrip() + "..."  # GSM-7 has no "…": it would halve what fits
    with on_base_url(), force_locale(tenant.language or "nl"):
        link = url_for("answer_code.by_code", slug=tenant.slug, answer_code=code, _external=True)
        values = {"name": name, "link": link, "min": answering.minutes(wave)}  # the wave's own estimate
        if wave.closes_on is not None:
            text = (_("Reminder: %(name)s asks your opinion. Anonymous, %(min)d min. Until %(day)s: %(link)s")
                    if reminder else
                    _("%(name)s asks your opinion. Anonymous, %(min)d min. Until %(day)s: %(link)s"))
            return text % {**values, "day": day(wave.closes_on)}
        text = (_("Reminder: %(name)s asks your opinion. Anonymous, %(min)d min: %(link)s") if reminder
                else _("%(name)s asks your opinion. Anonymous, %(min)d min: %(link)s"))
        return text % values


# ---- reminders ------------------------------------------------------------------------------

def next_round(db, wave: Wave) -> int:
    latest = db.scalar(select(func.max(SmsRecipient.round)).where(SmsRecipient.wave_id == wave.id))
    return (latest or 0) + 1


def request_reminders(db, settings, tenant, wave: Wave, round_: int) -> None:
    """Have a job text a new link to everyone invited by SMS who has not answered, as the e-mail reminders do:
    rounds are numbered (a second click asks for the same round), and whoever got a message less than 24
    hours before keeps their link."""
    if not settings.sms_enabled:
        raise SmsOff()
    if not wave.takes_answers_on(date.today()):
        raise service.WaveNotOpen()
    if round_ < next_round(db, wave):
        raise invitations.ReminderAlreadySent()
    if round_ > next_round(db, wave):
        raise DomainError(_l("Please reload the page and try again."))
    asked_at = utcnow()
    if not unanswered(db, wave):
        raise NobodyToRemindBySms()
    if not unanswered(db, wave, messaged_before=invitations.reminder_cutoff(asked_at)):
        raise TooSoonToRemindBySms()
    audit.record(db, "wave.sms_reminded", obj=wave, detail={"round": round_})
    enqueue_after_commit(db, SEND_REMINDERS, tenant.id, wave.id, round_, int(asked_at.timestamp()))


def unanswered(db, wave: Wave, *, below_round: int | None = None, messaged_before=None,
               lock: bool = False) -> list[tuple[SmsRecipient, SurveyInvitation]]:
    """The SMS invitations not answered (yet), with their numbers. With `lock`, someone answering right now
    is waited for and left out."""
    query = (select(SmsRecipient, SurveyInvitation)
             .join(SurveyInvitation, SurveyInvitation.id == SmsRecipient.invitation_id)
             .where(SmsRecipient.wave_id == wave.id, SurveyInvitation.answered.is_(False)))
    if below_round is not None:
        query = query.where(SmsRecipient.round < below_round)
    if messaged_before is not None:
        query = query.where(SmsRecipient.messaged_at <= messaged_before)
    query = query.order_by(SmsRecipient.id)
    return [(recipient, invitation) for recipient, invitation in
            db.execute(query.with_for_update(of=SurveyInvitation) if lock else query)]


def remind(db, settings, tenant, wave: Wave, round_: int, cutoff) -> int:
    """Reminder `round_` for each unanswered SMS invitation that has not had it, with a new link (the old one
    stops working; a half-finished survey stays): the message waits in the row for its own send job."""
    reminded = unanswered(db, wave, below_round=round_, messaged_before=cutoff, lock=True)
    for recipient, invitation in reminded:
        code = codes.renew_code(settings.secret_key, invitation)
        recipient.message = message(tenant, wave, code, reminder=True)
        recipient.round, recipient.status, recipient.attempts, recipient.last_error = round_, "pending", 0, None
        recipient.messaged_at, recipient.sent_at = utcnow(), None
    db.flush()
    for recipient, _invitation in reminded:
        enqueue_after_commit(db, SEND_SMS, tenant.id, recipient.id, round_)
    return len(reminded)


# ---- what the page shows --------------------------------------------------------------------

@dataclass(frozen=True)
class Delivery:
    sent: int
    waiting: int
    failed: int
    failed_numbers: list[str]  # masked

    @property
    def total(self) -> int:
        return self.sent + self.waiting + self.failed


def delivery(db, wave: Wave) -> Delivery:
    """How the wave's text messages fared (their latest round), as counts; the numbers that could not be
    reached only masked. Never who answered."""
    counts = dict(db.execute(select(SmsRecipient.status, func.count()).where(SmsRecipient.wave_id == wave.id)
                             .group_by(SmsRecipient.status)).all())
    failed = db.scalars(select(SmsRecipient.number).where(SmsRecipient.wave_id == wave.id,
                                                          SmsRecipient.status == "failed")
                        .order_by(SmsRecipient.number).limit(50))
    return Delivery(counts.get("sent", 0), counts.get("pending", 0), counts.get("failed", 0),
                    [provider.mask(number) for number in failed])

