"""A wave's culture report for the works council (issue 7): one dict, the same for page, JSON, CSV and PDF.

Every figure passes `saas.reports.suppression.audit`, run once per wave and measure over *all*
groups a reader could ask for (the whole wave, each legacy organisation, each team, each cell).
A filter only picks which of those groups to lay out, so no combination of filters, formats or
moments can show more than the audit allowed. Figures exist only for closed waves: a wave that
still takes answers would change between two readings, and the difference would be the newest
answers.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, cast, select

from saas.comparison import extract
from saas.comparison.models import Comparison
from saas.errors import DomainError
from saas.reports import figures as fig
from saas.reports.models import ReportAccess
from saas.reports.suppression import FEWER_THAN_K, Shown, audit
from saas.surveys.models import Response, Wave, WorksCouncilConsent

FREE_TEXT_MIN = 10  # answers to an open question before any are shown (never below k)
MAX_ID = 2**31 - 1  # as saas.DatabaseIntConverter for ids in paths


class UnknownFilter(DomainError):
    status = 400
    default_message = _l("This filter is not known for this wave.")


@dataclass(frozen=True)
class Filters:
    legacy_org: object | None = None  # LegacyOrganisation
    team: object | None = None  # Team

    def as_dict(self) -> dict:
        return {"legacy_org": self.legacy_org.code if self.legacy_org else None,
                "team": self.team.id if self.team else None}


def parse_filters(db, wave: Wave, legacy_org: str | None, team: str | None) -> Filters:
    """The filters asked (a legacy organisation's code, a team's id), checked against the tenant."""
    from saas.programme.models import Team
    from tenants.models import LegacyOrganisation

    org = chosen_team = None
    if legacy_org:
        org = db.scalar(select(LegacyOrganisation).where(LegacyOrganisation.code == legacy_org.strip()))
        if org is None:
            raise UnknownFilter(_l("There is no legacy organisation with this code."), field="legacy_org")
    if team:
        if "team" not in wave.groupings:
            raise UnknownFilter(_l("This wave did not ask for teams, so it cannot be filtered by team."),
                                field="team")
        text = str(team).strip()
        # ids fit the database's integer: a longer number is simply no team, not a database error
        chosen_team = db.get(Team, int(text)) if text.isdigit() and int(text) <= MAX_ID else None
        if chosen_team is None:
            raise UnknownFilter(_l("There is no such team."), field="team")
    return Filters(org, chosen_team)


def readable_waves(db) -> list[Wave]:
    """The waves a report can be asked for: launched ones (open or closed), newest first."""
    return list(db.scalars(select(Wave).where(Wave.status.in_(("open", "closed")))
                           .order_by(Wave.opens_on.desc().nulls_last(), Wave.id.desc())))


def read_report(db, tenant, user, wave: Wave, filters: Filters, kind: str) -> dict:
    """The report as someone reads it (page, json, csv): built, and the reading logged, in one go."""
    report = wave_report(db, tenant, wave, filters)
    log_access(db, user, wave, kind, filters)
    return report


def log_access(db, user, wave: Wave, kind: str, filters: Filters) -> None:
    db.add(ReportAccess(user_id=user.id, user_name=user.name, user_email=user.email, wave_id=wave.id, kind=kind,
                        filters=filters.as_dict()))
    db.flush()


def log_pulse_access(db, user, programme, pulse_round=None) -> None:
    """A reading of pulse-check results: a programme's over time, or one round's."""
    db.add(ReportAccess(user_id=user.id, user_name=user.name, user_email=user.email, programme_id=programme.id,
                        kind="pulse", filters={"round": pulse_round.id} if pulse_round is not None else {}))
    db.flush()


def access_log(db, limit: int = 500) -> list[ReportAccess]:
    return list(db.scalars(select(ReportAccess).order_by(ReportAccess.at.desc(), ReportAccess.id.desc())
                           .limit(limit)))


# ---- the report --------------------------------------------------------------------------------

def wave_report(db, tenant, wave: Wave, filters: Filters = Filters()) -> dict:
    """Everything the report shows, as plain data (the JSON of `/reports/waves/<id>.json`)."""
    from saas.surveys.invitations import response_rates
    from saas.surveys.service import min_group_size

    k = min_group_size(db, tenant, wave)
    orgs, teams = _orgs(db), _teams(db, wave)
    report = {
        "wave": {"id": wave.id, "name": wave.name, "series_label": wave.series_label, "status": wave.status,
                 "opens_on": _day(wave.opens_on), "closes_on": _day(wave.closes_on)},
        "k": k,
        "free_text_k": max(FREE_TEXT_MIN, k),
        "filters": filters.as_dict(),
        "filter_options": {"legacy_orgs": [{"code": o.code, "name": o.name} for o in orgs.values()],
                           "teams": [{"id": t.id, "name": t.name} for t in teams.values()]},
        "consent": _consent(db, wave),
        "participation": _participation(response_rates(db, tenant, wave)),
        "figures_ready": wave.status == "closed",
    }
    if wave.status != "closed":
        return report
    data = load(db, wave)
    audits = audits_of(data, wave, k)
    focus_org = filters.legacy_org.id if filters.legacy_org else None
    focus_team = filters.team.id if filters.team else None
    report["focus"] = group_figures(data, audits, wave, focus_org, focus_team, orgs, teams)
    report["breakdown"] = _breakdown(data, audits, wave, focus_org, focus_team, orgs, teams)
    report["comparisons"] = _comparisons(db, wave, audits, orgs, focus_org, focus_team)
    report["trend"] = _trend(db, tenant, wave, filters, known={wave.id: (data, audits)})
    report["free_text"] = _free_text(data, wave, k) if filters.legacy_org is None and filters.team is None else []
    return report


def load(db, wave: Wave) -> fig.WaveData:
    from saas.comparison.service import _limiting_keys

    part = extract.read_wave(db, wave)
    team_of = dict(db.execute(select(Response.id, Response.team_id).where(Response.wave_id == wave.id)).all()) \
        if "team" in wave.groupings else {}
    questions = {}
    if wave.questions:
        for response_id, text in db.execute(select(Response.id, cast(Response.answers, Text))
                                            .where(Response.wave_id == wave.id)):
            answers = json.loads(text) if isinstance(text, str) else text
            questions[response_id] = answers.get("questions") or {}
    return fig.build(part, team_of, questions, wave, _limiting_keys(db, wave))


def audits_of(data: fig.WaveData, wave: Wave, k: int) -> dict:
    """The audit per measure: None for the answers as a whole (and their counts), then each
    instrument of the wave, then each of its own scale questions."""
    cells = "team" in wave.groupings and "legacy_org" in wave.groupings
    measures = [None, *[m for m in fig.MEASURES if m in wave.instruments],
                *[q["key"] for q in wave.questions or () if q["kind"] == "likert"]]
    return {measure: audit(fig.atoms(data, measure), k, cells=cells) for measure in measures}


def _reason(shown: Shown, org: int | None, team: int | None) -> str | None:
    if not shown.overall:
        return FEWER_THAN_K
    if org is not None and team is not None:
        return shown.reason("cell", (org, team))
    if org is not None:
        return shown.reason("org", org)
    if team is not None:
        return shown.reason("team", team)
    return None


def group_figures(data, audits, wave, org: int | None, team: int | None, orgs, teams) -> dict:
    """One group's figures; each measure either figures or {"hidden": reason}."""
    group = {"legacy_org": orgs[org].code if org is not None and org in orgs else None,
             "team": team}
    hidden = _reason(audits[None], org, team)
    if hidden:
        return {"group": group, "n": None, "hidden": hidden}
    mask = fig.mask_of(data, org, team)
    out = {"group": group, "n": int(mask.sum()), "hidden": None}
    for measure in fig.MEASURES:
        if measure not in audits:
            continue
        reason = _reason(audits[measure], org, team)
        out[measure] = {"hidden": reason} if reason else getattr(fig, measure)(data, mask)
    out["questions"] = []
    for question in wave.questions or ():
        if question["kind"] != "likert" or question["key"] not in audits:
            continue
        reason = _reason(audits[question["key"]], org, team)
        item = {"key": question["key"], "text": question.get("text", {})}
        item.update({"hidden": reason} if reason else fig.likert(data, mask, question["key"]))
        out["questions"].append(item)
    return out


def _breakdown(data, audits, wave, org, team, orgs, teams) -> list[dict]:
    """The whole wave: per legacy organisation. One organisation: per team in it. One team: per
    legacy organisation in it. A cell (both filters): nothing further."""
    if org is None and team is None:
        return [group_figures(data, audits, wave, o, None, orgs, teams) for o in orgs]
    if org is not None and team is None and "team" in wave.groupings:
        # teams are many: only those shown are listed (the page says why others are not)
        return [group_figures(data, audits, wave, org, t, orgs, teams) for t in teams
                if _reason(audits[None], org, t) is None]
    if team is not None and org is None:
        return [group_figures(data, audits, wave, o, team, orgs, teams) for o in orgs]
    return []


def _comparisons(db, wave, audits, orgs, org, team) -> dict:
    """The pairs of the stored comparison whose two organisations this report shows with a profile.
    Only for whole organisations: under a team filter there is nothing to compare."""
    stored = db.scalar(select(Comparison).where(Comparison.wave_id == wave.id))
    if team is not None or "culture" not in audits:
        return {"computed": stored is not None, "pairs": []}
    if stored is None:
        return {"computed": False, "pairs": []}
    by_code = {o.code: o.id for o in orgs.values()}
    shown = {code for code, org_id in by_code.items()
             if _reason(audits[None], org_id, None) is None and _reason(audits["culture"], org_id, None) is None}
    pairs = [pair for pair in stored.result["pairs"] if pair["a"] in shown and pair["b"] in shown
             and (org is None or orgs[org].code in (pair["a"], pair["b"]))]
    return {"computed": True, "computed_at": stored.computed_at.isoformat(), "pairs": pairs}


def _trend(db, tenant, wave: Wave, filters: Filters, known: dict) -> list[dict]:
    """The same group in each closed wave of the programme: its size and culture profile, and the
    distances between legacy organisations. Each wave under its own audit."""
    from saas.surveys.service import min_group_size

    if wave.programme_id is None:
        series = [wave]
    else:
        series = list(db.scalars(select(Wave).where(Wave.programme_id == wave.programme_id, Wave.status == "closed")
                                 .order_by(Wave.opens_on.is_(None), Wave.opens_on, Wave.id)))
    orgs, teams = _orgs(db), _teams(db, wave)
    points = []
    for each in series:
        if filters.team is not None and "team" not in each.groupings:
            points.append({"wave": _wave_ref(each), "n": None, "hidden": "not_asked"})
            continue
        if each.id in known:  # the report's own wave, already read and audited
            data, audits = known[each.id]
        else:
            data = load(db, each)
            audits = audits_of(data, each, min_group_size(db, tenant, each))
        org = filters.legacy_org.id if filters.legacy_org else None
        team = filters.team.id if filters.team else None
        figures = group_figures(data, {m: a for m, a in audits.items() if m in (None, "culture")}, each,
                                org, team, orgs, teams)
        comparisons = _comparisons(db, each, audits, orgs, org, team)
        points.append({"wave": _wave_ref(each), "n": figures["n"], "hidden": figures["hidden"],
                       "culture": figures.get("culture"),
                       "distances": [{"a": p["a"], "b": p["b"], "distance_now": p["distance_now"],
                                      "ci_now": p["ci_now"]} for p in comparisons["pairs"]]})
    return points


def _free_text(data, wave: Wave, k: int) -> list[dict]:
    """Open answers of the whole wave only (never with any attribute), in alphabetical order, which
    says nothing about who wrote them or when; only with at least `free_text_k` answers."""
    out = []
    for question in wave.questions or ():
        if question["kind"] != "open":
            continue
        texts = data.open_answers.get(question["key"], [])
        enough = len(texts) >= max(FREE_TEXT_MIN, k)
        out.append({"key": question["key"], "text": question.get("text", {}),
                    "answers": sorted(texts, key=str.casefold) if enough else None,
                    "hidden": None if enough else "fewer_than_free_text_k"})
    return out


# ---- small helpers ---------------------------------------------------------------------------

def _orgs(db) -> dict:
    from tenants.models import LegacyOrganisation

    return {o.id: o for o in db.scalars(select(LegacyOrganisation).order_by(LegacyOrganisation.code))}


def _teams(db, wave: Wave) -> dict:
    from saas.programme.models import Team

    if "team" not in wave.groupings:
        return {}
    return {t.id: t for t in db.scalars(select(Team).order_by(Team.name, Team.id))}


def _consent(db, wave: Wave) -> dict | None:
    consent = db.scalar(select(WorksCouncilConsent).where(WorksCouncilConsent.wave_id == wave.id))
    if consent is None:
        return None
    return {"decided_on": consent.decided_on.isoformat(), "decision": consent.decision,
            "conditions": consent.conditions, "min_group_size": consent.min_group_size}


def _participation(rates) -> dict:
    def row(r):
        return {"label": r.label, "invited": r.invited, "answered": r.answered if r.shown else None,
                "percent": r.percent if r.shown else None, "hidden": None if r.shown else r.status}
    return {"total": row(rates.total), "by_legacy_org": [row(r) for r in rates.by_legacy_org]}


def _wave_ref(wave: Wave) -> dict:
    return {"id": wave.id, "name": wave.name, "series_label": wave.series_label}


def _day(day) -> str | None:
    return day.isoformat() if day else None
