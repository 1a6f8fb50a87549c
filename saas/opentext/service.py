"""The themes of a wave's open answers: found from its final release, stored, and read back for the report.

`find_themes` runs in the job after a wave's close (saas.reports.jobs.release_and_compare), after the
release and before the comparison. It reads only the open answers the release shows (its `free_text`,
present only where the free-text threshold was met; never the pool, never an open wave), groups each
question's answers into themes (saas.opentext.maths) and keeps of them what the free-text rule lets a
reader see (saas.anonymity.themes). Texts carry no attribute in the release, so none can appear here.
The result is one row per wave, replaced as a whole, so a job that dies halfway leaves the previous
one untouched; a rerun with the same release and method does nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from saas.anonymity import releases
from saas.anonymity.themes import most_themes, theme_shown
from saas.kernel.db import utcnow
from saas.opentext import maths
from saas.opentext.models import AnswerThemes
from saas.surveys.models import Wave

HIDDEN_BY_RELEASE = "fewer_than_free_text_k"  # the release shows no answers to the question
TOO_FEW = "too_few_for_themes"  # shown answers, but no theme reaches the threshold


@dataclass(frozen=True)
class Outcome:
    themes: AnswerThemes | None  # None: the wave has no final release (nothing to find themes in)
    computed: bool  # False: the stored themes were already up to date


def stored(db, wave: Wave) -> AnswerThemes | None:
    return db.scalar(select(AnswerThemes).where(AnswerThemes.wave_id == wave.id))


def find_themes(db, wave: Wave, *, force: bool = False) -> Outcome:
    """Find and store the themes of the wave's final release (the caller commits)."""
    release = releases.latest_release(db, "wave", wave.id)
    if release is None or not release.final or wave.status != "closed":
        return Outcome(None, False)
    row = stored(db, wave)
    if row is not None and row.release == release.number and row.method_version == maths.METHOD_VERSION \
            and not force:
        return Outcome(row, False)
    result = {"wave": wave.id, "release": release.number, "method_version": maths.METHOD_VERSION, "k": release.k,
              "questions": [question_themes(item, release.k) for item in release.figures.get("free_text") or ()]}
    db.execute(select(Wave.id).where(Wave.id == wave.id).with_for_update())  # one writer at a time
    row = stored(db, wave)
    if row is None:
        row = AnswerThemes(wave_id=wave.id)
        db.add(row)
    row.release, row.method_version, row.result, row.computed_at = \
        release.number, maths.METHOD_VERSION, result, utcnow()
    db.flush()
    return Outcome(row, True)


def question_themes(item: dict, k: int) -> dict:
    """One open question of a release (its `free_text` entry) as themes: each with its words, its count
    of answers (one answer per respondent, so also of people) and its most typical answers, only where the
    free-text rule allows; the answers of themes too small to stand alone are counted together as other."""
    out = {"key": item["key"], "text": item.get("text") or {}, "answers": None, "hidden": None, "themes": [],
           "other": None, "chosen": None, "tried": []}
    texts = item.get("answers")
    if texts is None:
        return {**out, "hidden": item.get("hidden") or HIDDEN_BY_RELEASE}
    out["answers"] = len(texts)
    found = maths.find(list(texts), most_themes(len(texts), k))
    if found is None:
        return {**out, "hidden": TOO_FEW}
    rest = len(found.unplaced)
    for theme in found.themes:
        if theme_shown(len(theme.members), k):
            out["themes"].append({"words": theme.words, "count": len(theme.members),
                                  "examples": [texts[i] for i in theme.typical]})
        else:
            rest += len(theme.members)
    if not out["themes"]:
        return {**out, "hidden": TOO_FEW}
    out["other"] = rest if rest and theme_shown(rest, k) else None
    out["chosen"] = found.chosen
    out["tried"] = [[count, score] for count, score in sorted(found.tried.items())]
    return out


def up_to_date(db, wave: Wave, release) -> bool:
    """Whether the stored themes are those of this release, by the current method."""
    row = stored(db, wave)
    return release is not None and row is not None and row.release == release.number \
        and row.method_version == maths.METHOD_VERSION


def for_report(db, wave: Wave, release) -> dict:
    """The stored themes as the report lays them out: {"computed": False} until the job has found them
    in this release; then {"computed": True, "questions": [...]}."""
    if not up_to_date(db, wave, release):
        return {"computed": False, "questions": []}
    row = stored(db, wave)
    return {"computed": True, "computed_at": row.computed_at.isoformat(), "questions": row.result["questions"]}
