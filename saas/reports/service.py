"""A wave's culture report for the works council (issue 7): one dict, the same for page, JSON, CSV and PDF.

Every figure comes from the wave's stored release (saas.reports.release, saas.anonymity.releases),
made once when the wave closed: the audit ran then over *all* groups a reader could ask for (the
whole wave, each legacy organisation, each team, each cell), per measure. A filter only picks which
of the released groups to lay out, so no combination of filters, formats or moments can show more
than the release, and a second reading gives the same figures. A wave that still takes answers has
no figures: the difference between two readings would be the newest answers.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from saas.anonymity import access, policy, releases
from saas.actions.service import cited_in_earlier_waves
from saas.anonymity.audit import FEWER_THAN_K
from saas.benchmark import service as benchmark
from saas.comparison import progress as merger_progress
from saas.comparison.models import Comparison
from saas.kernel import audit
from saas.kernel.errors import DomainError
from saas.opentext.service import for_report as themes_for_report
from saas.programme.models import Team
from saas.reports import heatmap
from saas.surveys.invitations import response_rates
from saas.surveys.models import Wave, WorksCouncilConsent
from saas.surveys.service import min_group_size
from tenants.models import LegacyOrganisation

ALL = "all"  # the pattern of the answers as a whole (and their counts)
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
    """The filters asked (a legacy organisation's code, a team's id), checked against the tenant and,
    once the wave is released, against the groups its release knew: an organisation added or a team
    formed after that is no group of the wave (its report shows the organisation as it was then)."""
    org = chosen_team = None
    known = released_groups(db, wave)
    if legacy_org:
        org = db.scalar(select(LegacyOrganisation).where(LegacyOrganisation.code == legacy_org.strip()))
        if org is None:
            raise UnknownFilter(_l("There is no legacy organisation with this code."), field="legacy_org")
        if known.get("orgs") is not None and org.id not in known["orgs"]:
            raise UnknownFilter(_l("This legacy organisation was added after this wave's figures were released, "
                                   "so the wave has no figures for it."), field="legacy_org")
    if team:
        if "team" not in wave.groupings:
            raise UnknownFilter(_l("This wave did not ask for teams, so it cannot be filtered by team."),
                                field="team")
        text = str(team).strip()
        # ids fit the database's integer: a longer number is simply no team, not a database error
        chosen_team = db.get(Team, int(text), options=[lazyload(Team.members)]) \
            if text.isdigit() and int(text) <= MAX_ID else None
        if chosen_team is None:
            raise UnknownFilter(_l("There is no such team."), field="team")
        if known.get("teams") is not None and chosen_team.id not in known["teams"]:
            raise UnknownFilter(_l("This team was formed after this wave's figures were released, "
                                   "so the wave has no figures for it."), field="team")
    return Filters(org, chosen_team)


def released_groups(db, wave: Wave, release=...) -> dict:
    """{"orgs": [id, ...], "teams": [id, ...]}: the legacy organisations and teams the wave's release
    knew (its groups are fixed then); empty for a wave without a release (or one from before they were stored)."""
    if release is ...:
        release = releases.latest_release(db, "wave", wave.id)
    return (release.figures.get("groups") or {}) if release is not None else {}


def readable_waves(db) -> list[Wave]:
    """The waves a report can be asked for: launched ones (open or closed), newest first."""
    return list(db.scalars(select(Wave).where(Wave.status.in_(("open", "closed")))
                           .order_by(Wave.opens_on.desc().nulls_last(), Wave.id.desc())))


def read_report(db, tenant, user, wave: Wave, filters: Filters, kind: str) -> dict:
    """The report as someone reads it (page, json, csv): built, and the reading logged, in one go."""
    report = wave_report(db, tenant, wave, filters)
    log_access(db, user, wave, kind, filters)
    return report


EXPORTS = ("json", "csv", "xlsx", "pdf")  # the readings that take the report away: also on the audit trail


def log_access(db, user, wave: Wave, kind: str, filters: Filters) -> None:
    access.log(db, user, kind, wave_id=wave.id, details=filters.as_dict())
    if kind in EXPORTS:
        audit.record(db, "report.exported", obj=wave, detail={"format": kind, **filters.as_dict()})


def log_chart(db, user, wave: Wave, filters: Filters, chart: str, kind: str) -> None:
    """A chart of the report taken away as a file: in the access log like every reading, and on the audit
    trail as an export (the works council reads those)."""
    access.log(db, user, "chart", wave_id=wave.id, details={**filters.as_dict(), "chart": chart})
    audit.record(db, "report.exported", obj=wave, detail={"format": kind, "chart": chart, **filters.as_dict()})


def log_access_log_export(db, kind: str, filters: dict, lines: int) -> None:
    """The access log itself taken away (who read which report): on the audit trail."""
    audit.record(db, "access_log.exported", object_type="tenants", object_id=db.info.get("tenant_id") or "",
                 detail={"format": kind, "filters": filters, "lines": lines})


# ---- the report --------------------------------------------------------------------------------

def wave_report(db, tenant, wave: Wave, filters: Filters = Filters()) -> dict:
    """Everything the report shows, as plain data (the JSON of `/reports/waves/<id>.json`), laid out
    from the wave's stored release (saas.reports.release): nothing is computed from the answers here."""
    release = releases.latest_release(db, "wave", wave.id)
    k = release.k if release is not None else min_group_size(db, tenant, wave)
    known = released_groups(db, wave, release)
    orgs = _orgs(db, known.get("orgs"))
    teams = _teams(db, wave, known.get("teams"))
    report = {
        "wave": {"id": wave.id, "name": wave.name, "series_label": wave.series_label, "status": wave.status,
                 "opens_on": _day(wave.opens_on), "closes_on": _day(wave.closes_on)},
        "k": k,
        "free_text_k": policy.free_text_k(k),
        "filters": filters.as_dict(),
        "filter_options": {"legacy_orgs": [{"code": o.code, "name": o.name} for o in orgs.values()],
                           "teams": [{"id": t.id, "name": t.name} for t in teams.values()]},
        "consent": _consent(db, wave),
        "participation": _participation(response_rates(
            db, tenant, wave, stored=release.figures.get("participation") if release is not None and release.final
            else None, teams=False)),
        "figures_ready": release is not None,
        "release": None if release is None else {"number": release.number, "final": release.final,
                                                 "released_on": release.released_on.isoformat()},
    }
    if not report["figures_ready"]:
        return report
    focus_org = filters.legacy_org.id if filters.legacy_org else None
    focus_team = filters.team.id if filters.team else None
    report["focus"] = _group(db, release, focus_org, focus_team, orgs)
    report["breakdown"] = _breakdown(db, release, wave, focus_org, focus_team, orgs, teams)
    report["heatmap"] = _heatmap(db, release, report["focus"], report["breakdown"], orgs)
    report["comparisons"] = _comparisons(db, wave, release, orgs, focus_org, focus_team)
    report["trend"] = _trend(db, wave, filters, orgs, release, report["focus"], report["comparisons"])
    report["free_text"] = (release.figures.get("free_text") or []) if focus_org is None and focus_team is None else []
    # what people say: like the open answers, only for the whole wave, never next to a group
    report["themes"] = themes_for_report(db, wave, release) if report["free_text"] else {"computed": False,
                                                                                         "questions": []}
    # merger progress up to this wave (saas.comparison.progress, from stored comparisons): the whole organisation only
    report["merger_progress"] = merger_progress.progress(db, tenant, wave) if focus_org is None and focus_team is None \
        else None
    # the sector norm beside the whole organisation's figures (saas.benchmark): a norm it contributed to only
    report["benchmark"] = benchmark.for_report(db, release, report["focus"]) if focus_org is None \
        and focus_team is None else None
    # plans and promises that cited a figure of this report's groups in an earlier wave (saas.actions), each
    # with its value then and now, both as released: the whole organisation's report only, like the themes
    report["cited"] = cited_in_earlier_waves(db, wave) if focus_org is None and focus_team is None else []
    return report


def _group(db, release, org: int | None, team: int | None, orgs, stored=...) -> dict:
    """One group's released figures; a group the release does not show: {"hidden": reason}.
    `stored`: its ReleaseGroup (or None) when the caller has read it already."""
    group = {"legacy_org": orgs[org].code if org is not None and org in orgs else None, "team": team}
    if stored is ...:
        stored = releases.group(db, release, org, team)
    if stored is None:
        reason = releases.reason_in(release.patterns.get(ALL), org, team) or FEWER_THAN_K
        return {"group": group, "n": None, "hidden": reason}
    return {"group": group, **stored.figures, "hidden": None}


def _breakdown(db, release, wave, org, team, orgs, teams) -> list[dict]:
    """The whole wave: per legacy organisation. One organisation: per team in it. One team: per
    legacy organisation in it. A cell (both filters): nothing further."""
    # Each: the release's rows of the listed groups in one query, not one query per group (an
    # organisation of a large tenant has hundreds of teams: bench/report_page.py).
    if org is None and team is None:
        stored = {g.org_id: g for g in releases.groups(db, release, team_id=None)}
        return [_group(db, release, o, None, orgs, stored.get(o)) for o in orgs]
    if org is not None and team is None and "team" in wave.groupings:
        # teams are many: only those shown are listed (the page says why others are not)
        stored = {g.team_id: g for g in releases.groups(db, release, org_id=org) if g.team_id is not None}
        return [_group(db, release, org, t, orgs, stored[t]) for t in teams if t in stored]
    if team is not None and org is None:
        stored = {g.org_id: g for g in releases.groups(db, release, team_id=team)}
        return [_group(db, release, o, team, orgs, stored.get(o)) for o in orgs]
    return []


def _heatmap(db, release, focus: dict, breakdown: list[dict], orgs) -> dict:
    """The groups laid out above (the focus group when a filter chose one, then the breakdown), each
    measure against the whole wave, all from the same release (saas.reports.heatmap)."""
    if focus["group"] == {"legacy_org": None, "team": None}:
        return heatmap.build(focus, breakdown)
    return heatmap.build(_group(db, release, None, None, orgs), [focus, *breakdown])


def _comparisons(db, wave, release, orgs, org, team) -> dict:
    """The pairs of the comparison made from this release. Only for whole organisations: under a
    team filter there is nothing to compare."""
    stored = db.scalar(select(Comparison).where(Comparison.wave_id == wave.id))
    if stored is None or stored.result.get("release") != release.number:
        return {"computed": False, "pairs": []}
    if team is not None:
        return {"computed": True, "pairs": []}
    pairs = [pair for pair in stored.result["pairs"] if org is None or orgs[org].code in (pair["a"], pair["b"])]
    return {"computed": True, "computed_at": stored.computed_at.isoformat(), "pairs": pairs}


def _trend(db, wave: Wave, filters: Filters, orgs, release, focus: dict, comparisons: dict) -> list[dict]:
    """The same group in each released wave of the programme: its size and culture profile, and the
    distances between legacy organisations, each from that wave's own release (`release`, `focus`,
    `comparisons`: this wave's, read already)."""
    if wave.programme_id is None:
        series = [wave]
    else:
        series = list(db.scalars(select(Wave).where(Wave.programme_id == wave.programme_id, Wave.status == "closed")
                                 .order_by(Wave.opens_on.is_(None), Wave.opens_on, Wave.id)))
    released = {**releases.releases_of(db, "wave", [each.id for each in series if each.id != wave.id]),
                wave.id: release}
    org = filters.legacy_org.id if filters.legacy_org else None
    team = filters.team.id if filters.team else None
    points = []
    for each in series:
        if (release := released.get(each.id)) is None:
            continue
        if team is not None and "team" not in each.groupings:
            points.append({"wave": _wave_ref(each), "n": None, "hidden": "not_asked"})
            continue
        known = released_groups(db, each, release)
        if (org is not None and org not in known.get("orgs", [org])) \
                or (team is not None and team not in known.get("teams", [team])):
            # added or formed after that wave was released: no group of it (not "fewer than k answers")
            points.append({"wave": _wave_ref(each), "n": None, "hidden": "not_yet"})
            continue
        if each.id == wave.id:
            figures, compared = focus, comparisons
        else:
            figures, compared = _group(db, release, org, team, orgs), _comparisons(db, each, release, orgs, org, team)
        points.append({"wave": _wave_ref(each), "n": figures["n"], "hidden": figures["hidden"],
                       "culture": figures.get("culture"),
                       "distances": [{"a": p["a"], "b": p["b"], "distance_now": p["distance_now"],
                                      "ci_now": p["ci_now"]} for p in compared["pairs"]]})
    return points


# ---- small helpers ---------------------------------------------------------------------------

def _orgs(db, known: list | None = None) -> dict:
    """The tenant's legacy organisations by id; with `known`, only those a release knew (one added
    after the close is no group of that wave)."""
    query = select(LegacyOrganisation).order_by(LegacyOrganisation.code)
    if known is not None:
        query = query.where(LegacyOrganisation.id.in_(known))
    return {o.id: o for o in db.scalars(query)}


def _teams(db, wave: Wave, known: list | None = None) -> dict:
    if "team" not in wave.groupings:
        return {}
    # Only id and name, not Team objects (Team.members loads eagerly by default: a large tenant's
    # teams have tens of thousands of members, which took seconds on every report reading; and 800
    # ORM objects still cost tens of ms: bench/report_page.py).
    query = select(Team.id, Team.name).order_by(Team.name, Team.id)
    if known is not None:
        query = query.where(Team.id.in_(known))
    return {t.id: t for t in db.execute(query)}


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
