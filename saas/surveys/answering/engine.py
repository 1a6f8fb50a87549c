"""A survey answered step by step: which steps a wave has, how a step's form fields go into the
respondent's draft, what is still wrong or missing, and the answers that `service.submit` takes.

The pages call `post` for a posted step and `send` once the review is passed; `send` alone calls
the service. Plain functions on plain data (no request; only `about_options` and `send` touch the
database), so the respondent's pages, the JSON submission and the tests share one set of rules.

A draft is what the respondent has entered so far, kept *as entered*: a culture dimension that adds
up to 90, or an eleventh value, stays in the draft, so that leaving and coming back loses nothing.
The rules are applied when the respondent moves on (`problems`) and, for every step, before
submitting (`unfinished`). Its shape::

    {"step": "culture-now",                 # where the respondent was, to return there
     "passed": ["welcome", "about", ...],   # steps left with "Next" and no problems
     "answers": {"values": {"personal": [keys]}, "culture": {"d1_clan_now": 40 | None | "4o"},
                 "contract": {"promised_voice": 4}, "enps": 7, "questions": {"q1": 3, "q2": "text"}},
     "attributes": {"legacy_org_id": 12 | "none", "team_id": ..., "tenure_band": "lt_2" | "none"}}
"""
from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from saas.kernel.errors import DomainError
from saas.programme.models import Team, Theme
from saas.surveys import instruments, service
from saas.surveys.instruments import (
    CONTRACT_GROUPS,
    CONTRACT_ITEMS,
    DIMENSIONS,
    ENPS_MAX,
    ENPS_MIN,
    LIKERT_MAX,
    LIKERT_MIN,
    MAX_PICKS,
    PHASES,
    TYPES,
    VALUE_LISTS,
)
from saas.surveys.models import GROUPINGS, TENURE_BANDS
from saas.surveys.service import OPEN_ANSWER_MAX
from tenants.models import LegacyOrganisation

#: the form value of "Prefer not to say" (ids and tenure bands can never be this)
NOT_SAYING = "none"
#: the form fields of the grouping attributes, in the order the "about you" step asks them
ATTRIBUTE_FIELDS = {"legacy_org": "legacy_org_id", "team": "team_id", "tenure": "tenure_band"}
TENURE_LABELS = {
    "lt_2": _l("Less than 2 years"),
    "2_to_10": _l("2 to 10 years"),
    "gt_10": _l("More than 10 years"),
}
#: culture statements are shown as A-D, without the framework's type names, so the names do not steer
TYPE_LETTERS = dict(zip(TYPES, "ABCD"))
_WHOLE_NUMBER = re.compile(r"^\d{1,3}$")
_TYPED_MAX = 8  # a culture cell that is not a number is kept as typed, up to this many characters
_INT_MAX = 2**31 - 1

assert set(ATTRIBUTE_FIELDS) == set(GROUPINGS) and set(TENURE_LABELS) == set(TENURE_BANDS)


@dataclass(frozen=True)
class Step:
    """One page of the survey. `part` is the value list (values) or the phase (culture)."""

    key: str
    kind: str
    part: str = ""


@dataclass(frozen=True)
class Problem:
    """Something to fix on a step: `part` names the question (a form field or fieldset id), `anchor`
    the input the message links to, `message` a translatable sentence."""

    part: str
    message: object
    anchor: str = ""
    summary: object = None  # for the list at the top of the page, when `message` alone would not say which

    @property
    def headline(self):
        return self.summary or self.message


@dataclass
class AboutOptions:
    """What the "about you" step offers: (id, label) pairs from the tenant's data."""

    legacy_orgs: list[tuple[int, str]] = field(default_factory=list)
    teams: list[tuple[int, str]] = field(default_factory=list)

    def allowed(self, name: str) -> set:
        if name == "legacy_org_id":
            return {id_ for id_, _label in self.legacy_orgs}
        if name == "team_id":
            return {id_ for id_, _label in self.teams}
        return set(TENURE_BANDS)


WELCOME = Step("welcome", "welcome")
ABOUT = Step("about", "about")
REVIEW = Step("review", "review")


def steps(wave) -> list[Step]:
    """The wave's steps in order: only those for the instruments and attributes it asks."""
    found = [WELCOME]
    if asked_attributes(wave):
        found.append(ABOUT)
    if "values" in wave.instruments:
        found += [Step("values-" + name.replace("_", "-"), "values", name) for name in VALUE_LISTS]
    if "culture" in wave.instruments:
        found += [Step(f"culture-{phase}", "culture", phase) for phase in PHASES]
    if "contract" in wave.instruments:
        found.append(Step("contract", "contract"))
    if getattr(wave, "asks_enps", False):
        found.append(Step("recommend", "enps"))
    if wave.questions:
        found.append(Step("questions", "questions"))
    found.append(REVIEW)
    return found


def step_title(step: Step, lang: str):
    """The step's heading, also used where the review lists what is still open."""
    if step.kind == "values":
        return instruments.VALUE_LIST_TITLES[step.part].get(lang)
    return {
        "welcome": _l("Welcome"),
        "about": _l("About you"),
        "culture": _l("The culture today") if step.part == "now" else _l("The culture you want"),
        "contract": _l("Promises and commitments"),
        "enps": _l("Recommending the organisation"),
        "questions": _l("A few more questions"),
        "review": _l("Check and send"),
    }[step.kind]


def about_options(db, wave) -> AboutOptions:
    """The legacy organisations and teams a respondent may choose: the wave's audience if it has one."""
    from sqlalchemy import select

    options = AboutOptions()
    asked = asked_attributes(wave)
    if "legacy_org_id" in asked:
        query = select(LegacyOrganisation).order_by(LegacyOrganisation.name)
        if wave.audience_legacy_org_ids:
            query = query.where(LegacyOrganisation.id.in_(wave.audience_legacy_org_ids))
        options.legacy_orgs = [(org.id, org.name) for org in db.scalars(query)]
    if "team_id" in asked:
        query = select(Team.id, Team.name).order_by(Team.name)  # not the members (eager by default)
        if wave.audience_team_ids:
            query = query.where(Team.id.in_(wave.audience_team_ids))
        elif wave.programme_id is not None:
            query = query.where(Team.theme_id.in_(select(Theme.id).where(Theme.programme_id == wave.programme_id)))
        options.teams = [(team_id, name) for team_id, name in db.execute(query)]
    return options


def find_step(wave, key: str) -> Step | None:
    return next((step for step in steps(wave) if step.key == key), None)


def neighbours(wave, step: Step) -> tuple[Step | None, Step | None]:
    order = steps(wave)
    index = order.index(step)
    return (order[index - 1] if index > 0 else None), (order[index + 1] if index + 1 < len(order) else None)


def asked_attributes(wave) -> list[str]:
    """The form fields of the grouping attributes this wave asks, in a fixed order."""
    return [name for grouping, name in ATTRIBUTE_FIELDS.items() if grouping in (wave.groupings or [])]


def new_draft() -> dict:
    return {"step": WELCOME.key, "passed": [], "answers": {}, "attributes": {}}


def load(draft) -> dict:
    """A stored draft in the current shape; anything else (none yet, an older shape) starts afresh."""
    if not isinstance(draft, dict) or not isinstance(draft.get("answers"), dict):
        return new_draft()
    loaded = new_draft()
    loaded.update(copy.deepcopy(draft))
    for key in ("answers", "attributes"):
        if not isinstance(loaded.get(key), dict):
            loaded[key] = {}
    if not isinstance(loaded.get("passed"), list):
        loaded["passed"] = []
    return loaded


def resume(wave, draft: dict) -> Step:
    """Where a returning respondent continues: the step they were on."""
    return find_step(wave, str(draft.get("step", ""))) or WELCOME


def take(wave, step: Step, form, draft: dict, options: AboutOptions | None = None) -> dict:
    """A new draft with the step's posted fields in it, kept as entered. `form` is a MultiDict.

    Only fields of this step and of this wave are read; anything else in the form is ignored.
    """
    draft = load(draft)
    answers = draft["answers"]
    if step.kind == "about":
        options = options or AboutOptions()
        for name in asked_attributes(wave):
            raw = str(form.get(name, "")).strip()
            allowed = options.allowed(name)
            chosen = raw if name == "tenure_band" else _as_id(raw)
            if raw == NOT_SAYING:
                draft["attributes"][name] = NOT_SAYING
            elif chosen is not None and chosen in allowed:
                draft["attributes"][name] = chosen
            else:
                draft["attributes"].pop(name, None)
    elif step.kind == "values":
        allowed = set(wave.value_keys)
        picks = []
        for key in form.getlist("values"):
            if key in allowed and key not in picks:
                picks.append(key)
        answers.setdefault("values", {})[step.part] = picks
    elif step.kind == "culture":
        cells = answers.setdefault("culture", {})
        for dimension in DIMENSIONS:
            for type_ in TYPES:
                key = dimension.field(type_, step.part)
                raw = str(form.get(key, "")).strip()
                if raw == "":
                    cells[key] = None
                elif _WHOLE_NUMBER.match(raw):
                    cells[key] = int(raw)
                else:
                    cells[key] = raw[:_TYPED_MAX]
    elif step.kind == "contract":
        chosen = answers.setdefault("contract", {})
        for item in CONTRACT_ITEMS:
            _take_likert(chosen, item.key, form.get(item.key))
    elif step.kind == "enps":
        value = _as_int(str(form.get("enps") or "").strip())
        if _enps(value):
            answers["enps"] = value
        else:
            answers.pop("enps", None)
    elif step.kind == "questions":
        given = answers.setdefault("questions", {})
        for question in wave.questions:
            key = question["key"]
            if question["kind"] == "likert":
                _take_likert(given, key, form.get(key))
            else:
                text = str(form.get(key, ""))[:2 * OPEN_ANSWER_MAX]
                if text.strip():
                    given[key] = text
                else:
                    given.pop(key, None)
    return draft


def problems(wave, step: Step, draft: dict, lang: str, options: AboutOptions | None = None) -> list[Problem]:
    """What keeps the respondent from moving on from `step`, in the order of the page."""
    draft = load(draft)
    answers = draft["answers"]
    found: list[Problem] = []
    if step.kind == "about":
        options = options or AboutOptions()
        for name in asked_attributes(wave):
            chosen = draft["attributes"].get(name)
            if chosen != NOT_SAYING and chosen not in options.allowed(name):
                found.append(Problem(name, _l("Choose one of the options, or “Prefer not to say”."), name))
    elif step.kind == "values":
        picks = (answers.get("values") or {}).get(step.part) or []
        if instruments.check_pick_count(step.part, picks):
            found.append(Problem("values", _l("You chose %(count)d values. Choose at most %(max)d.",
                                              count=len(picks), max=MAX_PICKS), "values"))
    elif step.kind == "culture":
        cells = answers.get("culture") or {}
        for dimension in DIMENSIONS:
            given = {key: (0 if cells.get(key) is None else cells[key])  # empty counts as 0, as when sent
                     for key in (dimension.field(type_, step.part) for type_ in TYPES)}
            wrong = instruments.check_culture_group(dimension.number, step.part, given)
            part = f"d{dimension.number}_{step.part}"
            anchor = dimension.field(TYPES[0], step.part)
            title = dimension.title.get(lang)
            if any(error.code != "bad_sum" for error in wrong):
                found.append(Problem(part, _l("%(dimension)s: use whole numbers from 0 to 100.", dimension=title),
                                     anchor))
                continue
            total = sum(given.values())
            if wrong:
                found.append(Problem(part, _l("%(dimension)s: the four numbers add up to %(total)d. They must add up "
                                              "to 100.", dimension=title, total=total), anchor))
    elif step.kind == "contract":
        chosen = answers.get("contract") or {}
        for item in CONTRACT_ITEMS:
            if not _likert(chosen.get(item.key)):
                found.append(Problem(item.key, _l("Choose an answer for this statement."), f"{item.key}-1",
                                     _l("Not answered yet: “%(statement)s”", statement=item.label(lang))))
    elif step.kind == "enps":
        if not _enps(answers.get("enps")):
            found.append(Problem("enps", _l("Choose a number from 0 to 10."), "enps-0",
                                 _l("Not answered yet: how likely you would recommend the organisation as an employer")))
    elif step.kind == "questions":
        given = answers.get("questions") or {}
        for question in wave.questions:
            key, value = question["key"], given.get(question["key"])
            if question["kind"] == "likert" and not _likert(value):
                found.append(Problem(key, _l("Choose an answer for this question."), f"{key}-1",
                                     _l("Not answered yet: “%(statement)s”", statement=_question_text(question, lang))))
            elif question["kind"] == "open" and isinstance(value, str) and len(value.strip()) > OPEN_ANSWER_MAX:
                found.append(Problem(key, _l("Your answer has %(count)d characters. Please shorten it to at most "
                                             "%(max)d.", count=len(value.strip()), max=OPEN_ANSWER_MAX), key))
    return found


def unfinished(wave, draft: dict, lang: str, options: AboutOptions | None = None) -> list[tuple[Step, list]]:
    """The steps that still need the respondent before submitting: never finished, or with problems."""
    draft = load(draft)
    waiting = []
    for step in steps(wave):
        if step.kind in ("welcome", "review"):
            continue
        found = problems(wave, step, draft, lang, options)
        if found or step.key not in draft["passed"]:
            waiting.append((step, found))
    return waiting


def mark_passed(draft: dict, step: Step) -> dict:
    draft = load(draft)
    if step.key not in draft["passed"]:
        draft["passed"].append(step.key)
    return draft


def submission(wave, draft: dict) -> tuple[dict, dict]:
    """The draft as `service.submit` takes it: (answers, attributes). An empty culture cell counts as 0."""
    draft = load(draft)
    given = draft["answers"]
    answers: dict = {}
    if "values" in wave.instruments:
        picks = given.get("values") or {}
        answers["values"] = {name: list(picks.get(name) or []) for name in VALUE_LISTS}
    if "culture" in wave.instruments:
        cells = given.get("culture") or {}
        answers["culture"] = {key: (0 if cells.get(key) is None else cells[key]) for key in instruments.CULTURE_KEYS}
    if "contract" in wave.instruments:
        answers["contract"] = {k: v for k, v in (given.get("contract") or {}).items() if _likert(v)}
    if getattr(wave, "asks_enps", False):
        answers["enps"] = given.get("enps") if _enps(given.get("enps")) else None
    if wave.questions:
        answers["questions"] = {k: (v.strip() if isinstance(v, str) else v)
                                for k, v in (given.get("questions") or {}).items()}
    attributes = {}
    for name in asked_attributes(wave):
        chosen = draft["attributes"].get(name)
        attributes[name] = None if chosen in (None, NOT_SAYING) else chosen
    return answers, attributes


@dataclass(frozen=True)
class Posted:
    """What a posted step comes to (`post`): the new draft, what is still wrong, the step to show
    next (the same one when something is wrong), and whether the answers are ready to be sent."""

    draft: dict
    problems: list[Problem]
    target: Step
    action: str
    ready: bool = False


def post(wave, step: Step, form, draft: dict, lang: str, options: AboutOptions | None = None) -> Posted:
    """One posted step, the whole way: take its fields into the draft; on "Next" check the step and
    mark it passed; at the review check every step, and say whether the answers can be sent (`send`).
    `form` is a MultiDict with the button's `action` ("next", "back" or "save")."""
    action = str(form.get("action", "next"))
    draft = take(wave, step, form, draft, options)
    moving_on = action not in ("back", "save")
    found: list[Problem] = []
    if moving_on:
        found = problems(wave, step, draft, lang, options)
        if not found:
            draft = mark_passed(draft, step)
    if moving_on and step == REVIEW:
        waiting = unfinished(wave, draft, lang, options)
        if not waiting:
            return Posted(draft, [], REVIEW, action, ready=True)
        found = [Problem(s.key, _l("“%(step)s” is not finished yet.", step=step_title(s, lang)), f"change-{s.key}")
                 for s, _found in waiting]
        target = REVIEW
    else:
        previous, following = neighbours(wave, step)
        target = step if found or action == "save" else (previous if action == "back" else following) or step
    draft["step"] = target.key
    return Posted(draft, found, target, action)


def send(db, tenant, wave, invitation, draft: dict, today) -> None:
    """Send a finished draft: the one way answers from the survey's pages reach `service.submit`
    (`invitation` is None for the open link). Once k answers wait, a job mixes them into the
    responses (`service.mix_when_k_wait`). The caller commits."""
    answers, attributes = submission(wave, draft)
    service.submit(db, wave, invitation, answers, attributes, today)
    service.mix_when_k_wait(db, tenant, wave)


class BadSubmission(DomainError):
    """A JSON submission that does not have the documented shape."""


def parse_json_submission(body) -> tuple[dict, dict]:
    """`{"answers": {...}, "attributes": {"legacy_org_id": .., "team_id": .., "tenure_band": ..}}`.

    Checks the shape and the types, so that nothing malformed reaches the database (an id that is
    not a whole number in the database's range is refused here); `service.submit` checks the rest.
    """
    if not isinstance(body, dict) or set(body) - {"answers", "attributes"}:
        raise BadSubmission(_l("Send a JSON object with “answers” and, optionally, “attributes”."))
    answers, attributes = body.get("answers"), body.get("attributes") or {}
    if not isinstance(answers, dict):
        raise BadSubmission(_l("“answers” must be an object with the answers to the survey."), field="answers")
    if not isinstance(attributes, dict) or set(attributes) - set(ATTRIBUTE_FIELDS.values()):
        raise BadSubmission(_l("“attributes” may hold only legacy_org_id, team_id and tenure_band."),
                            field="attributes")
    for name in ("legacy_org_id", "team_id"):
        value = attributes.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _INT_MAX):
            raise BadSubmission(_l("%(name)s must be a whole number or null.", name=name), field=name)
    tenure = attributes.get("tenure_band")
    if tenure is not None and tenure not in TENURE_BANDS:
        raise BadSubmission(_l("tenure_band must be one of %(bands)s, or null.", bands=", ".join(TENURE_BANDS)),
                            field="tenure_band")
    return answers, dict(attributes)


# How long answering takes (issue 20.5: at most 10 minutes where people answer with a paper code or at a
# kiosk), per step, for a slow reader: B1 level, some 120 words a minute, counted on the Dutch texts of
# saas.surveys.instruments, plus the time to answer. Welcome and privacy in short (~90 words): 45 s. About you:
# 10 s a question. Values: the catalogue (81 values, ~125 words) read once, ten chosen: 90 s for the first
# list, 50 s for each next one. Culture today: 24 statements (~360 words, 3 min) and 6 × 4 numbers to divide
# (20 s a dimension): 300 s; the culture wanted, the same statements known: 210 s. Contract: 12 statements
# (~150 words) and a choice each: 125 s. An own question: 10 s (a scale) or 60 s (written). Check and send: 30 s.
STEP_SECONDS = {"welcome": 45, "about": 10, "values": 50, "first_values": 90, "culture": 300,
                "culture_again": 210, "contract": 125, "enps": 10, "likert": 10, "open": 60, "review": 30}


def step_seconds(wave, step: Step) -> int:
    """The time one step takes a slow reader (STEP_SECONDS)."""
    if step.kind == "about":
        return STEP_SECONDS["about"] * len(asked_attributes(wave))
    if step.kind == "values":
        return STEP_SECONDS["first_values" if step.part == VALUE_LISTS[0] else "values"]
    if step.kind == "culture":
        return STEP_SECONDS["culture" if step.part == PHASES[0] else "culture_again"]
    if step.kind == "questions":
        return sum(STEP_SECONDS["likert" if q["kind"] == "likert" else "open"] for q in wave.questions)
    return STEP_SECONDS[step.kind]


def minutes(wave) -> int:
    """The whole survey's time for a slow reader, in whole minutes (what the welcome page says)."""
    return max(1, math.ceil(sum(step_seconds(wave, step) for step in steps(wave)) / 60))


PROMISED_MINUTES = 10  # issue 20, point 5: answering by code, SMS or kiosk takes at most this long


def duration(wave) -> dict:
    """What the admin's pages of the channels for people without e-mail (codes, SMS, kiosk) say of a wave's length:
    {"minutes": the estimate, "promised": PROMISED_MINUTES, "too_long": whether the estimate is over it}."""
    estimate = minutes(wave)
    return {"minutes": estimate, "promised": PROMISED_MINUTES, "too_long": estimate > PROMISED_MINUTES}


def culture_total(draft: dict, number: int, phase: str):
    """The running sum of one dimension as the page shows it; None when a cell is not a number."""
    cells = (load(draft)["answers"].get("culture") or {})
    values = [cells.get(culture_key_of(number, type_, phase)) for type_ in TYPES]
    if any(not (value is None or _whole(value)) for value in values):
        return None
    return sum(value or 0 for value in values)


def culture_key_of(number: int, type_: str, phase: str) -> str:
    return instruments.culture_key(number, type_, phase)


CONTRACT_SECTIONS = tuple((group, [item for item in CONTRACT_ITEMS if item.group == group]) for group in CONTRACT_GROUPS)
LIKERT_POINTS = tuple(range(LIKERT_MIN, LIKERT_MAX + 1))


def _question_text(question: dict, lang: str) -> str:
    return question.get("nl" if lang == "nl" else "en") or question.get("en", "")


def _take_likert(target: dict, key: str, raw) -> None:
    value = _as_int(str(raw or "").strip())
    if _likert(value):
        target[key] = value
    else:
        target.pop(key, None)


def _likert(value) -> bool:
    return _whole(value) and LIKERT_MIN <= value <= LIKERT_MAX


def _enps(value) -> bool:
    return _whole(value) and ENPS_MIN <= value <= ENPS_MAX


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_int(raw: str):
    return int(raw) if _WHOLE_NUMBER.match(raw or "") else None


def _as_id(raw: str):
    return int(raw) if re.match(r"^\d{1,10}$", raw or "") and 0 < int(raw) <= _INT_MAX else None
