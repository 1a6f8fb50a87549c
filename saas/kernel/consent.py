"""The works council's consent (WOR art. 27), one rule for survey waves and pulse checks.

Whether a collection needs consent before it opens is a tenant setting of its own
(`Tenant.consent_required`), not derived from the country: an admin may turn it on, only a works
council member may turn it off. A consent is recorded either by a works council member (date,
decision, conditions, a higher k) or by an admin (or a consultant, who runs waves like one) who
uploads the works council's signed decision as a PDF. Who recorded it, and how, is kept with it, and
every consent and every change of the rules (k, country, the requirement) goes into the access log in
the transaction of the change, where the works council reads it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from flask import Response
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from saas.anonymity import access, policy
from saas.kernel import audit
from saas.kernel.errors import DomainError
from saas.kernel.files import PDF, sniff_content_type
from tenants.models import Role

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DECISION_MAX = 5000
TYPED = "works_council"  # typed in by a member of the works council
UPLOADED = "upload"  # the signed decision, uploaded by an admin
RECORDERS = (Role.WORKS_COUNCIL,)
UPLOADERS = (Role.ADMIN, Role.CONSULTANT)


class NotYours(DomainError):
    status = 403
    default_message = _l("Only a member of the works council records its consent; an administrator uploads its "
                         "signed decision.")


class DocumentMissing(DomainError):
    default_message = _l("Upload the works council's signed decision as a PDF file.")


class DocumentRefused(DomainError):
    default_message = _l("The signed decision must be a PDF file of at most 10 MB.")


class OnlyTheWorksCouncil(DomainError):
    status = 403
    default_message = _l("Only a member of the works council can stop requiring its consent.")


@dataclass(frozen=True)
class Document:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Recorded:
    """Who recorded a consent, and how (with the signed decision when uploaded)."""

    user_id: int
    name: str
    how: str
    document: Document | None


def required(tenant) -> bool:
    return bool(getattr(tenant, "consent_required", False))


def document(filename: str | None, data: bytes | None) -> Document | None:
    """An uploaded file checked by its content: a PDF of at most 10 MB. Nothing sent: None."""
    if not data:
        return None
    if len(data) > MAX_DOCUMENT_BYTES or sniff_content_type(data) != PDF:
        raise DocumentRefused(field="document")
    safe = "".join(c for c in (filename or "decision.pdf").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
                   if c.isprintable() and c not in '"<>:|?*')[:200] or "decision.pdf"
    return Document(filename=safe, content_type="application/pdf", data=data)


def uploaded(upload) -> Document | None:
    """The signed decision from a form's file field: nothing chosen is None; text sent in its place is refused."""
    if isinstance(upload, FileStorage):
        return document(upload.filename, upload.read(MAX_DOCUMENT_BYTES + 1))
    if upload:
        raise DocumentRefused(field="document")
    return None


def recorder(membership, signed: Document | None) -> Recorded:
    """A works council member records by typing (a document may come along); an admin only by uploading."""
    roles = set(membership.roles)
    if roles & set(RECORDERS):
        how = TYPED
    elif roles & set(UPLOADERS):
        if signed is None:
            raise DocumentMissing(field="document")
        how = UPLOADED
    else:
        raise NotYours()
    return Recorded(user_id=membership.user.id, name=membership.user.name or membership.user.email, how=how,
                    document=signed)


def check_decision(decided_on: date | None, decision: str, conditions: str) -> tuple[str, str]:
    if decided_on is None:
        raise DomainError(_l("Enter the date of the decision."), field="decided_on")
    decision, conditions = (decision or "").strip(), (conditions or "").strip()
    if not decision:
        raise DomainError(_l("Record the text of the works council's decision."), field="decision")
    if len(decision) > DECISION_MAX or len(conditions) > DECISION_MAX:
        raise DomainError(_l("At most %(max)d characters.", max=DECISION_MAX),
                          field="decision" if len(decision) > DECISION_MAX else "conditions")
    return decision, conditions


def check(membership, signed: Document | None, *, decided_on: date | None, decision: str, conditions: str,
          min_group_size: int | None) -> tuple[Recorded, str, str]:
    """Everything a consent must satisfy, for a wave and a pulse check alike: who may record it and how,
    the decision's date and text, and a higher k only. Returns (who and how, decision, conditions)."""
    recorded = recorder(membership, signed)
    decision, conditions = check_decision(decided_on, decision, conditions)
    if min_group_size is not None and not policy.valid_k(min_group_size):
        raise DomainError(_l("A condition may raise the minimum group size, never lower it below 5."),
                          field="min_group_size")
    return recorded, decision, conditions


def log_consent(db, user, recorded: Recorded, *, decided_on: date, min_group_size: int | None,
                wave_id: int | None = None, programme_id: int | None = None, round_id: int | None = None) -> None:
    details = {"how": recorded.how, "decided_on": decided_on.isoformat(), "k": min_group_size,
               "file": recorded.document.filename if recorded.document else None}
    if round_id is not None:
        details["round"] = round_id
    access.log(db, user, "consent", wave_id=wave_id, programme_id=programme_id, details=details)
    audit.record(db, "consent.recorded", object_type="survey_waves" if wave_id is not None else "pulse_rounds",
                 object_id=wave_id if wave_id is not None else round_id, detail=details)


# The audit trail's names of the settings that protect anonymity (saas.kernel.audit.ANONYMITY_ACTIONS).
AUDITED_SETTINGS = {"min_group_size": "settings.k", "country": "settings.country",
                    "consent_required": "settings.consent_required"}


def log_setting(db, user, field: str, before, after) -> None:
    """A change of a rule that protects anonymity (k, country, the consent requirement): into the access
    log, which the works council reads, and into the audit trail."""
    if before != after:
        access.log(db, user, "setting", details={"field": field, "from": before, "to": after})
        audit.record(db, AUDITED_SETTINGS[field], object_type="tenants", object_id=db.info.get("tenant_id"),
                     detail={"from": before, "to": after})


def set_required(db, tenant, membership, on: bool) -> None:
    """An admin (or a works council member) may turn the requirement on; only the works council off."""
    roles = set(membership.roles)
    if not roles & {Role.ADMIN, Role.WORKS_COUNCIL}:
        raise NotYours()
    if not on and Role.WORKS_COUNCIL not in roles and tenant.consent_required:
        raise OnlyTheWorksCouncil()
    before = bool(tenant.consent_required)
    tenant.consent_required = bool(on)
    log_setting(db, membership.user, "consent_required", before, bool(on))
    db.flush()


def decision_response(data: bytes, filename: str):
    """The signed decision as a download, never shown inline (a crafted PDF runs in no one's page)."""
    response = Response(data, mimetype="application/pdf")
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    response.headers["Cache-Control"] = "no-store"
    return response
