"""Outgoing e-mail through an outbox table.

A mail is written in the same transaction as whatever caused it, then delivered by a job after
commit. So a mail is never sent for a change that rolled back, and none is lost when the queue
is down: pending rows are picked up again by `koers worker` (see saas.kernel.mail_jobs.sweep_outbox).
Development has no SMTP server: mails stay in the outbox, shown on /dev/outbox and printed.
"""
from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saas.kernel.db import Base, utcnow
from saas.kernel.jobs import enqueue_after_commit
from saas.kernel.logredact import redact

log = logging.getLogger(__name__)
STATUS_LABELS = {"pending": _l("waiting to be sent"), "sent": _l("sent"),
                 "kept": _l("kept here, not sent (no mail server)"), "failed": _l("could not be sent")}


class OutboundMail(Base):
    """Read by the delivery job (the platform role) and the dev page. A tenant's mail carries its tenant, so that
    the tenant's exit archive, deletion and erasures reach it (row-level security as for every tenant's row);
    the platform's own mails (sign-up, password reset) have none. Not `TenantOwned`: a mail is written in
    whatever scope caused it, and takes the tenant of that scope."""

    __tablename__ = "outbound_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)  # the text part
    html_body: Mapped[str] = mapped_column(Text, default="", server_default="")  # the HTML part; may be empty
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, sent, kept, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def queue_mail(session, recipient: str, subject: str, body: str, html: str = "") -> OutboundMail:
    """Add a mail to the outbox and have it delivered once the transaction commits. Features make
    their mails with saas.kernel.mail.mail_to (templates), which calls this."""
    subject = " ".join(str(subject).split())[:255]  # a header is one line, whatever a name contains
    mail = OutboundMail(tenant_id=session.info.get("tenant_id"), recipient=recipient, subject=subject, body=body,
                        html_body=html)
    session.add(mail)
    session.flush()
    enqueue_after_commit(session, "saas.kernel.mail_jobs.send_mail", mail.id)
    return mail


def deliver(mail: OutboundMail, settings) -> None:
    """Send by SMTP when configured; otherwise keep it in the development outbox."""
    mail.attempts += 1
    if not settings.smtp_host:
        if settings.dev_outbox:  # development: the console is where the developer reads the mail
            # secret links are redacted here like in every log (saas.kernel.logredact); /dev/outbox shows them
            log.info("mail to %s kept in the development outbox (links with a secret: /dev/outbox): %s\n%s",
                     mail.recipient, mail.subject, redact(mail.body))
        else:
            log.warning("no SMTP_HOST configured: mail %d (%s) is not sent", mail.id, mail.subject)
        mail.status = "kept"
        return
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    if mail.html_body:
        message.add_alternative(mail.html_body, subtype="html")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)
    mail.status = "sent"
    mail.sent_at = utcnow()
    # The body may hold a one-time link, and who was mailed when says who had not answered a survey by
    # then (a reminder): once the mail server has it, we keep neither (DESIGN.md §3).
    mail.body = ""
    mail.html_body = ""
    mail.recipient = ""
