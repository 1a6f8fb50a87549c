"""What the published statements say that is not fixed text: who is responsible, how long what is kept, who
else processes it. The pages (saas/statements/views.py, templates/statements/) put it into words.

The retention periods are the tenant's own settings (saas.privacy.retention, issue 19 point 2), so the
statement says what the daily retention job enforces.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from saas.privacy import retention
from saas.privacy.retention import Period


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


def retention_periods(db, tenant) -> list[Period]:
    """How long what is kept in `tenant` (None: the defaults every organisation starts with), in the order the
    privacy statement lists it."""
    return retention.retention_periods(db, tenant)


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
