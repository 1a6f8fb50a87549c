"""The audit trail's pages (issue 19): every change in the organisation, filtered through the URL and a page
at a time, and the filtered entries as JSON lines, each with its hash, for an auditor to check.

Admins read everything; the works council reads the entries that concern anonymity (the minimum group size,
the country, the consent requirement and consents, reports released and exported), on the same page."""
from __future__ import annotations

from flask import g, render_template, request
from sqlalchemy import select
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas.administration.audit_forms import ANONYMITY_KINDS, KINDS, OBJECTS, RESULTS, AuditTrailForm
from saas.kernel import audit
from saas.kernel.db import session
from saas.kernel.downloads import attachment
from saas.kernel.listing import page_of
from saas.leadership.models import PulseRound
from saas.surveys.models import Wave
from tenants.guards import requires, tenant_blueprint
from tenants.models import Invitation, LegacyOrganisation, Membership, Role

bp = tenant_blueprint("audit", __name__, "/admin")
READERS = (Role.ADMIN, Role.WORKS_COUNCIL)
JSON_LINES = "application/jsonl"


@bp.route("/audit")
@requires(*READERS)
def trail():
    db = session()
    form = _form()
    if not form.validate():
        return render_template("administration/audit.html", form=form, page=None, rows=[]), 400
    page = page_of(db, audit.newest_first(form.criteria(g.tenant)), number=form.number, size=form.per_page)
    return render_template("administration/audit.html", form=form, page=page, rows=_described(db, page.items))


@bp.route("/audit.jsonl")
@requires(*READERS)
def export():
    """Every entry the filters find (not only a page), oldest first, one JSON object a line with the fields
    its hash is made of (README, "Audit trail"); the export itself goes on the trail."""
    db = session()
    form = _form()
    if not form.validate():
        return render_template("administration/audit.html", form=form, page=None, rows=[]), 400
    criteria = form.criteria(g.tenant)
    statement = audit.newest_first(criteria).order_by(None).order_by(audit.AuditEntry.id)  # each chain in order
    body = "".join(audit.to_json_line(entry) + "\n" for entry in db.scalars(statement.execution_options(yield_per=1000)))
    audit.record(db, "audit.exported", object_type="tenants", object_id=g.tenant.id,
                 detail={"filters": form.query(page=None, size=None), "lines": body.count("\n")})
    db.commit()
    return attachment(body.encode(), JSON_LINES, f"audit-trail-{g.tenant.slug}.jsonl")


def _form() -> AuditTrailForm:
    """The works council (unless also an admin) is offered, and shown, the anonymity entries only."""
    return AuditTrailForm(request.args).offer(anonymity_only=Role.ADMIN not in g.membership.roles)


def _described(db, entries) -> list[dict]:
    names = _names(db, entries)
    return [{"at": e.at, "actor": e.actor, "origin": e.origin, "action": _action(e.action),
             "object": _object(e, names), "result": str(RESULTS.get(e.result, e.result)), "result_key": e.result,
             "detail": _detail(e.detail), "seq": e.seq} for e in entries]


# What an object is called now, where it still exists (the trail keeps ids: a name may change, a person may go).
_NAMED = {"memberships": (Membership, lambda m: m.user.name or m.user.email),
          "invitations": (Invitation, lambda i: i.email), "legacy_organisations": (LegacyOrganisation, lambda o: o.name),
          "survey_waves": (Wave, lambda w: w.name), "pulse_rounds": (PulseRound, lambda r: r.name)}


def _names(db, entries) -> dict:
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.object_type in _NAMED and entry.object_id.isdigit():
            wanted.setdefault(entry.object_type, set()).add(int(entry.object_id))
    names = {}
    for kind, ids in wanted.items():
        model, name = _NAMED[kind]
        for row in db.scalars(select(model).where(model.id.in_(ids))):
            names[(kind, str(row.id))] = name(row)
    return names


def _action(action: str) -> str:
    """An action in words: its own name where there is one, else its kind's with the rest of the name."""
    if action in ANONYMITY_KINDS:
        return str(ANONYMITY_KINDS[action])
    kind, _dot, rest = action.partition(".")
    if kind in KINDS:
        return f"{KINDS[kind]}: {rest.replace('_', ' ')}" if rest else str(KINDS[kind])
    return action


def _object(entry, names: dict) -> str:
    if not entry.object_type:
        return ""
    label = f"{OBJECTS.get(entry.object_type, entry.object_type)} {entry.object_id}".strip()
    name = names.get((entry.object_type, entry.object_id))
    return f"{label} ({name})" if name else label


def _detail(detail: dict) -> str:
    """What changed, briefly: "5 → 7", "roles: member → admin, member; …"."""
    detail = detail or {}
    if set(detail) == {"from", "to"}:
        return _change(detail)
    parts = []
    for key, value in detail.items():
        value = _change(value) if isinstance(value, dict) and set(value) == {"from", "to"} else _plain(value)
        parts.append(f"{DETAIL_KEYS.get(key, key.replace('_', ' '))}: {value}")
    return "; ".join(parts)


def _change(value: dict) -> str:
    return f"{_plain(value['from'])} → {_plain(value['to'])}"


DETAIL_KEYS = {
    "roles": _l("roles"), "legacy_org_id": _l("legacy organisation"), "user_id": _l("account"), "method": _l("how"),
    "reason": _l("reason"), "format": _l("format"), "answers": _l("answers"), "release": _l("release"),
    "final": _l("final"), "colour": _l("colour"), "logo": _l("logo"), "by": _l("by"), "lines": _l("lines"),
    "filters": _l("filters"), "raters": _l("raters"),
}


def _plain(value) -> str:
    if value is None:
        return _("none")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value) or "–"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)
