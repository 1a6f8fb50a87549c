"""What the published statements say that is not fixed text: who is responsible, how long what is kept, who
else processes it. The pages (saas/statements/views.py, templates/statements/) put it into words.

The retention periods are behind one function that takes the tenant (`retention_periods`): until the
tenant's own retention settings are merged (issue 19, point 2: saas.privacy.retention) it states their
defaults, in the same shape, so wiring them is one line.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

MAIL_RECIPIENT_DAYS = 30


@dataclass(frozen=True)
class Period:
    """How long one kind of personal data is kept: `days`, or a fixed rule said in `rule`."""

    key: str
    label: object
    days: int | None
    rule: object = ""


@dataclass(frozen=True)
class Subprocessor:
    name: object
    purpose: object
    location: object


@dataclass(frozen=True)
class PrivacyStatement:
    controller: str | None  # the tenant's name; None on the platform's own page
    operator: object
    contact: str
    min_group_size: int | None
    periods: list[Period]
    subprocessors: list[Subprocessor]


# The default sub-processors, when the platform's settings name none (SUBPROCESSORS; README, Configuration).
DEFAULT_SUBPROCESSORS = (
    Subprocessor(_l("The hosting provider of this Koers service"),
                 _l("Hosting: the application, its database, uploaded files and backups"), _l("European Union")),
    Subprocessor(_l("The e-mail delivery service of this Koers service"),
                 _l("Sending Koers's e-mails: invitations, reminders and notifications"), _l("European Union")),
    Subprocessor("Stripe Payments Europe, Ltd.",
                 _l("Billing only: the paying administrator's name, e-mail address and payment details; no data "
                    "about staff, their answers or their work"), _l("Ireland (European Union)")),
)
STRIPE = DEFAULT_SUBPROCESSORS[2]

# The retention defaults of issue 19, point 2 (saas.privacy.retention.LIMITS), until they are wired in.
DEFAULT_DAYS = {"left_days": 90, "invitations_days": 30, "attachments_days": 365}


def retention_periods(db, tenant) -> list[Period]:
    """How long what is kept in `tenant` (None: the defaults every organisation starts with), in the order the
    privacy statement lists it. Wiring the tenant's own settings: `return saas.privacy.retention.retention_periods(
    db, tenant)` (same shape) once that module is merged."""
    days = DEFAULT_DAYS
    return [
        Period("left_days", _l("Personal data of people who left"), days["left_days"]),
        Period("invitations_days", _l("Addresses of invitations that ended"), days["invitations_days"]),
        Period("attachments_days", _l("Attachments of decided pitches"), days["attachments_days"]),
        Period("survey_drafts", _l("Unsent drafts of survey answers"), None, _l("removed when the survey closes")),
        Period("mail", _l("E-mails sent"), MAIL_RECIPIENT_DAYS,
               _l("their text once delivered, the recipient's address after %(days)s days", days=MAIL_RECIPIENT_DAYS)),
        Period("anonymous_results", _l("Anonymous results and released figures"), None,
               _l("kept: they hold no personal data")),
    ]


def subprocessors(settings) -> list[Subprocessor]:
    """The platform's sub-processors as configured; the defaults otherwise (Stripe only while billing is on)."""
    if settings.subprocessors:
        return [Subprocessor(*entry) for entry in settings.subprocessors]
    return [entry for entry in DEFAULT_SUBPROCESSORS if entry is not STRIPE or settings.billing_enabled]


def privacy_statement(db, tenant, settings) -> PrivacyStatement:
    """Everything the privacy statement of `tenant` (None: the platform's) says that varies."""
    return PrivacyStatement(
        controller=tenant.name if tenant is not None else None,
        operator=settings.operator_name or _l("the operator of this Koers service"),
        contact=settings.privacy_contact,
        min_group_size=tenant.min_group_size if tenant is not None else None,
        periods=retention_periods(db, tenant),
        subprocessors=subprocessors(settings),
    )
