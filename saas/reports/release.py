"""The release of a survey wave (DESIGN.md §3): its figures, audited and stored once, after its close.

`release_wave` loads the wave's answers, runs the audit once per measure over every group any role,
filter, format or page could show (the whole wave, each legacy organisation, each team, each team
within an organisation), computes the figures of every shown group and stores them with the patterns
(saas.anonymity.releases). Reports, their JSON, CSV and PDF, the comparison and the trend over waves
then read only what is stored here. It runs in the release job after the close (saas.reports.jobs)
and is idempotent: a wave that already has a release of its current answers gets no second one.
"""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Text, cast, func, select

from saas.anonymity import policy, releases
from saas.anonymity.audit import Shown, audit
from saas.comparison.service import compare_wave
from saas.kernel.errors import DomainError
from saas.opentext.service import find_themes
from saas.programme.models import Team
from saas.reports import drivers
from saas.reports import figures as fig
from saas.surveys import answers as survey_answers
from saas.surveys.catalogue import limiting_keys
from saas.surveys.invitations import participation_pattern
from saas.surveys.models import Response, Wave
from tenants.models import LegacyOrganisation

ALL = "all"


class NotReleased(DomainError):
    status = 409


def release_wave(db, tenant, wave: Wave, *, today: date | None = None, interim: bool = False) -> releases.Release:
    """The wave's release: the final one of a closed wave, or (`interim`) one at a checkpoint fixed
    before the launch. The stored one is returned when it rests on the wave's current answers; else a
    new one is made (the caller commits).

    A later release of the same wave may be subtracted from an earlier one. So it shows only groups
    the earlier release showed, and of those only groups whose new answers, taken on their own, pass
    the audit as well (or that have none): every figure of the difference then rests on 0 or at least
    k people too, and so does anything combined from both (they rest on disjoint answers).
    """
    if wave.status != ("open" if interim else "closed"):
        raise NotReleased()
    db.execute(select(Wave.id).where(Wave.id == wave.id).with_for_update())  # one release at a time
    answers = db.scalar(select(func.count()).select_from(Response).where(Response.wave_id == wave.id)) or 0
    existing = releases.latest_release(db, "wave", wave.id)
    if existing is not None and existing.answers == answers and existing.final != interim:
        return existing
    k = existing.k if existing is not None else policy.frozen_k(wave, tenant)
    data = load(db, wave)
    audits = audits_of(data, wave, k)
    atoms = {_key(m): [[o, t, n] for (o, t), n in sorted(fig.atoms(data, m).items(), key=repr)] for m in audits}
    cells = "team" in wave.groupings and "legacy_org" in wave.groupings
    if existing is not None and existing.answers:
        audits = {m: releases.nested(shown, existing.patterns.get(_key(m)), existing.atoms.get(_key(m)),
                                     atoms[_key(m)], k, cells=cells) for m, shown in audits.items()}
        if not audits[None].overall:  # too few new answers to show anything new: the earlier figures stay
            release = releases.repeat(db, existing, final=not interim, answers=data.n, released_on=today)
            # The response rates are about who was invited, not about answers: their pattern is decided
            # again on the audience as it stands now (newcomers may have been invited since), with its counts.
            release.figures = {**release.figures, "participation": _participation_pattern(db, tenant, wave)}
            db.flush()
            return release
    known = (existing.figures.get("groups") if existing is not None else None) \
        or {"orgs": _org_ids(db), "teams": _team_ids(db, wave)}
    release = releases.store_release(
        db, "wave", wave.id, k=k, answers=data.n, final=not interim, released_on=today,
        patterns={_key(m): releases.pattern_of(shown) for m, shown in audits.items()}, atoms=atoms,
        figures={"groups": known, "free_text": _free_text(data, wave, k),
                 "verified": int(data.verified.sum()) if data.verified is not None else data.n,
                 "participation": _participation_pattern(db, tenant, wave)})
    overall = audits[None]
    if overall.overall:
        shown = [(None, None)] + [(o, None) for o in sorted(overall.orgs)] + [(None, t) for t in sorted(overall.teams)] \
            + sorted(overall.cells)
        found = release_drivers(data, audits, wave, k)
        for org, team in shown:
            figures = group_figures(data, audits, wave, org, team)
            if team is None and org in found:
                figures["drivers"] = found[org]
            releases.add_group(db, release, org, team, figures)
    db.flush()
    return release


def load(db, wave: Wave) -> fig.WaveData:
    part = survey_answers.read_wave(db, wave)
    rows = db.execute(select(Response.id, Response.team_id, Response.verified).where(Response.wave_id == wave.id)).all()
    team_of = {i: t for i, t, _v in rows} if "team" in wave.groupings else {}
    verified_of = {i: v for i, _t, v in rows}
    questions = {}
    if wave.questions:
        for response_id, text in db.execute(select(Response.id, cast(Response.answers, Text))
                                            .where(Response.wave_id == wave.id)):
            answers = json.loads(text) if isinstance(text, str) else text
            questions[response_id] = answers.get("questions") or {}
    return fig.build(part, team_of, questions, wave, limiting_keys(db, wave), verified_of)


def audits_of(data: fig.WaveData, wave: Wave, k: int) -> dict:
    """The audit per measure: None for the answers as a whole (and their counts), then each
    instrument of the wave, then each of its own scale questions."""
    cells = "team" in wave.groupings and "legacy_org" in wave.groupings
    measures = [None, *[m for m in fig.MEASURES if m in wave.instruments or (m == "enps" and wave.asks_enps)],
                *[q["key"] for q in wave.questions or () if q["kind"] == "likert"]]
    return {measure: audit(fig.atoms(data, measure), k, cells=cells) for measure in measures}


def group_figures(data, audits, wave, org: int | None, team: int | None) -> dict:
    """One shown group's figures; each measure either figures or {"hidden": reason}."""
    mask = fig.mask_of(data, org, team)
    out = {"n": int(mask.sum())}
    for measure in fig.MEASURES:
        if measure not in audits:
            continue
        reason = _reason(audits[measure], org, team)
        if reason:
            out[measure] = {"hidden": reason}
        elif measure == "enps":  # its interval's draws are seeded per group
            out[measure] = fig.enps(data, mask, org, team)
        else:
            out[measure] = getattr(fig, measure)(data, mask)
    out["questions"] = []
    for question in wave.questions or ():
        if question["kind"] != "likert" or question["key"] not in audits:
            continue
        reason = _reason(audits[question["key"]], org, team)
        item = {"key": question["key"], "text": _question_text(question)}
        item.update({"hidden": reason} if reason else fig.likert(data, mask, question["key"]))
        out["questions"].append(item)
    return out


def release_drivers(data, audits, wave, k: int) -> dict:
    """The drivers of the whole wave and of each legacy organisation the release shows (saas.reports.drivers):
    for the contract index and the eNPS where the whole wave shows them, with the own scale questions the whole
    wave shows and the values as predictors. {None or organisation id: {"outcomes": [...]}}."""
    overall = audits[None]
    if not overall.overall:
        return {}
    outcomes = [m for m in ("contract", "enps") if m in audits and audits[m].overall]
    questions = [q["key"] for q in wave.questions or () if q["kind"] == "likert" and q["key"] in audits
                 and audits[q["key"]].overall]
    groups = {g: {m: _reason(audits[m], g, None) for m in outcomes} for g in [None, *sorted(overall.orgs)]}
    found = drivers.release_drivers(data, k, questions, outcomes, groups)
    texts = {q["key"]: _question_text(q) for q in wave.questions or ()}
    for entry in found.values():
        for item in entry["outcomes"]:
            for weight in item.get("weights", ()):
                if weight["kind"] == "question":
                    weight["text"] = texts.get(weight["key"], {})
    return found


def _reason(shown: Shown, org: int | None, team: int | None) -> str | None:
    if not shown.overall:
        return shown.reason("org", None)
    if org is not None and team is not None:
        return shown.reason("cell", (org, team))
    if org is not None:
        return shown.reason("org", org)
    if team is not None:
        return shown.reason("team", team)
    return None


def _free_text(data, wave: Wave, k: int) -> list[dict]:
    """Open answers of the whole wave only (never with any attribute), in alphabetical order, which
    says nothing about who wrote them or when; only when at least free_text_k(k) verified people
    wrote one (open-link texts could be anyone's padding)."""
    out = []
    for question in wave.questions or ():
        if question["kind"] != "open":
            continue
        texts = data.open_answers.get(question["key"], [])
        enough = policy.free_text_shown((data.verified_texts or {}).get(question["key"], len(texts)), k)
        out.append({"key": question["key"], "text": _question_text(question),
                    "answers": sorted(texts, key=str.casefold) if enough else None,
                    "hidden": None if enough else "fewer_than_free_text_k"})
    return out


def _question_text(question: dict) -> dict:
    """A question's wording as the report names it, {"nl", "en"} (a wave keeps it as "nl" and "en" beside
    its key; a "text" dict only in older data): without it the report headed each question with its key."""
    return question.get("text") or {lang: question[lang] for lang in ("nl", "en") if question.get(lang)}


def _participation_pattern(db, tenant, wave: Wave, pattern: dict | None = None) -> dict:
    return participation_pattern(db, tenant, wave, pattern=pattern)


def _key(measure) -> str:
    return ALL if measure is None else measure


def _org_ids(db) -> list[int]:
    return sorted(db.scalars(select(LegacyOrganisation.id)))


def _team_ids(db, wave: Wave) -> list[int]:
    return sorted(db.scalars(select(Team.id))) if "team" in wave.groupings else []


def release_and_compare(db, tenant, wave: Wave, **options):
    """What the job after a close does, in one go (the demo, `koers compare`, benchmarks, tests):
    the wave's release, the themes of its open answers, then its comparison
    (saas.comparison.service.compare_wave options)."""
    release_wave(db, tenant, wave)
    find_themes(db, wave)
    return compare_wave(db, tenant, wave, **options)
