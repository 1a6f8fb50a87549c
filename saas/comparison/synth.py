"""Synthetic survey answers for demos and benchmarks (`koers synth`).

The legacy organisations differ in known ways, so a comparison has something to find:

- the first is clan-heavy (collaboration, trust; few limiting values),
- the second hierarchy-heavy (rules, control; many limiting values, the largest broken promises),
- the third market-heavy, the fourth adhocracy-heavy, the fifth balanced; further ones mix these.

Everyone prefers much the same culture (clan 35, adhocracy 25, market 15, hierarchy 25) and the same
values for the organisation they want. Over the waves of the series each organisation's culture
*now* and its values *today* move towards that shared target, so the distance between any two
organisations shrinks from wave to wave, and cultural entropy falls. The first organisation has the
most respondents, later ones fewer (about 3 : 2 : 2 : 1.5 : 1 …).

Answers are generated with NumPy from one seeded generator (the same seed gives the same answers)
and inserted like the CSV importer does: in chunks with Core, in random order, with random ids and
only the day.
"""
from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import JSON, Text, bindparam, cast, insert, select

from saas.administration import service
from saas.auth.models import User
from saas.auth.service import find_user, hash_password
from saas.kernel.db import utcnow
from saas.programme.service import create_programme
from saas.surveys import instruments
from saas.surveys.catalogue import catalogue
from saas.surveys.instruments import CONTRACT_ITEMS, DIMENSIONS, MAX_PICKS, TYPES, VALUES_BY_KEY
from saas.surveys.models import Response, Wave
from tenants.models import LegacyOrganisation, Membership, Role, Tenant
from tenants.scoping import current_tenant_id, set_scope

CHUNK = 5000
TARGET = np.array([35.0, 25.0, 15.0, 25.0])  # the culture everybody grows towards (clan, adhocracy, market, hierarchy)
CONVERGENCE = 0.75  # share of the way to TARGET an organisation has come by the last wave
CONCENTRATION = 24.0  # how closely respondents follow their organisation (Dirichlet concentration per dimension)
MONTHS_BETWEEN_WAVES = 6
_shuffle = random.SystemRandom().shuffle


@dataclass(frozen=True)
class Archetype:
    name: str
    now: tuple[float, float, float, float]
    values: tuple[str, ...]  # what people see in the organisation today
    breach: float  # how much less was delivered than promised, in Likert points


ARCHETYPES = (
    Archetype("clan-heavy", (50, 20, 10, 20),
              ("cooperation", "trust", "team_spirit", "care", "collegiality", "helpfulness", "commitment",
               "loyalty", "appreciation", "connection"), 0.3),
    Archetype("hierarchy-heavy", (15, 10, 20, 55),
              ("reliability", "diligence", "continuity", "clarity", "bureaucracy", "rigid_hierarchy", "control",
               "risk_avoidance", "silo_thinking", "micromanagement"), 1.4),
    Archetype("market-heavy", (15, 15, 50, 20),
              ("result_orientation", "efficiency", "decisiveness", "ambition", "internal_competition",
               "short_term_focus", "accountability", "quality", "firefighting", "client_focus"), 0.9),
    Archetype("adhocracy-heavy", (20, 45, 15, 20),
              ("innovation", "creativity", "flexibility", "agility", "entrepreneurship", "curiosity", "courage",
               "initiative", "firefighting", "autonomy"), 0.6),
    Archetype("balanced", (25, 25, 25, 25),
              ("professionalism", "client_focus", "cooperation", "reliability", "quality", "respect",
               "bureaucracy", "commitment", "endless_deliberation", "public_service"), 0.7),
)
DESIRED_VALUES = ("client_focus", "cooperation", "trust", "openness", "professionalism", "ownership",
                  "psychological_safety", "learning", "transparency", "appreciation", "innovation", "respect")
PERSONAL_VALUES = ("honesty", "respect", "trust", "work_life_balance", "enjoyment", "reliability", "humour",
                   "integrity", "personal_growth", "care", "commitment", "fairness")
ORG_CODES = ("AAL", "BEE", "CUR", "DRO", "EMM", "FAR", "GOU", "HAR", "IJS", "JOU", "KAM", "LEE")
ORG_NAMES = ("Aaldersum", "Beekhoven", "Curwolde", "Drostwijk", "Emmerveld", "Farmsum", "Goudveen",
             "Harkstede", "IJsselmond", "Joure", "Kampen", "Leens")
# One response's answers as JSON text, filled in with %-formatting: far faster than building dicts.
_CULTURE_KEYS = [d.field(t, phase) for phase in ("now", "preferred") for d in DIMENSIONS for t in TYPES]
_ANSWERS_TEMPLATE = ('{"values": {"personal": %s, "team_current": %s, "org_current": %s, "org_desired": %s}, '
                     '"culture": {' + ", ".join(f'"{k}": %d' for k in _CULTURE_KEYS)
                     + '}, "contract": {' + ", ".join(f'"{item.key}": %d' for item in CONTRACT_ITEMS) + "}}")


def ensure_tenant(db, slug: str, admin_email: str | None = None):
    """The tenant with this slug, created (with `admin_email`'s account as admin) when it does not exist.

    With no admin given, a new tenant gets an administrator account nobody can log in with
    (``admin@<slug>.synth.invalid``); pass an existing account to look at the pages. An existing
    account given for an existing tenant becomes an admin there if it is not a member yet.
    """
    admin = find_user(db, admin_email) if admin_email else None
    if admin_email and admin is None:
        raise LookupError(f"no account for {admin_email}; create it first with `koers create-user`")
    tenant = db.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        if admin is None:
            email = f"admin@{slug}.synth.invalid"
            admin = find_user(db, email) or User(email=email, name="Synthetic admin", email_verified_at=utcnow(),
                                                 password_hash=hash_password(secrets.token_urlsafe(32)))
            db.add(admin)
            db.flush()
        tenant = service.create_tenant(db, admin, name=f"Synthetic organisation {slug}", slug=slug,
                                       country="NL", language="en")
    set_scope(db, tenant_id=tenant.id)
    if admin is not None and db.scalar(select(Membership).where(Membership.user_id == admin.id)) is None:
        service.add_member(db, admin, [Role.ADMIN], legacy_org_id=None)
    return tenant


def synthesise(db, *, respondents: int, legacy_orgs: int, waves: int = 1, seed: int = 0,
               first_day: date | None = None, drivers: bool = False) -> list[int]:
    """Add a programme with `waves` closed waves of `respondents` answers each; returns the wave ids.
    With `drivers`, each wave also asks the eNPS question (its release then has eNPS and drivers: the values as
    predictors of the contract index and the eNPS).

    `db` must be scoped to the tenant. Legacy organisations with the codes AAL, BEE, … are created
    where missing. All in the caller's transaction; the caller commits.
    """
    if not 1 <= legacy_orgs <= len(ORG_CODES):
        raise ValueError(f"between 1 and {len(ORG_CODES)} legacy organisations")
    if respondents < 0 or waves < 1:
        raise ValueError("respondents must be 0 or more and waves at least 1")
    tenant_id = current_tenant_id(db)
    rng = np.random.default_rng(seed)
    org_ids = _legacy_orgs(db, legacy_orgs, LegacyOrganisation)
    value_keys = [v.key for v in catalogue(db)]
    first_day = first_day or date.today() - timedelta(days=30 * MONTHS_BETWEEN_WAVES * waves)
    programme = create_programme(db, name=f"Synthetic programme (seed {seed})", goal="Grow together",
                                 starts_on=first_day, ends_on=first_day + timedelta(days=30 * MONTHS_BETWEEN_WAVES * waves))
    sizes = _sizes(rng, respondents, legacy_orgs)
    wave_ids = []
    for number in range(waves):
        opens = first_day + timedelta(days=30 * MONTHS_BETWEEN_WAVES * number)
        closes = opens + timedelta(days=21)
        label = ("baseline" if number == 0 else "end" if number == waves - 1
                 else "midway" if waves == 3 else f"wave {number + 1}")
        wave = Wave(name=f"Synthetic wave {number + 1} of {waves}", programme_id=programme.id, series_label=label,
                    status="closed", opens_on=opens, closes_on=closes, instruments=["values", "culture", "contract"],
                    groupings=["legacy_org"], audience_legacy_org_ids=[], audience_team_ids=[],
                    value_keys=value_keys, questions=[], asks_enps=drivers)
        db.add(wave)
        db.flush()
        progress = CONVERGENCE * (number / (waves - 1) if waves > 1 else 0.0)
        records = []
        for position, (org_id, size) in enumerate(zip(org_ids, sizes)):
            for answers in _answers(rng, _archetype(position), progress, size, value_keys, enps=drivers):
                records.append((secrets.token_hex(16), tenant_id, wave.id, org_id, closes, answers))
        _shuffle(records)  # as the importer does: the insertion order says nothing
        _insert(db, records)
        wave_ids.append(wave.id)
    return wave_ids


def fill_wave(db, wave, sizes: dict[int | None, int], *, seed: int = 0, progress: float = 0.0,
              day: date | None = None, questions: list[dict] | None = None) -> int:
    """Add synthetic answers to an existing wave (`db` scoped to its tenant); returns how many.

    `sizes`: legacy organisation id (None: people without one) → number of answers. The i-th
    organisation in `sizes` answers like the i-th of `synthesise` (clan-heavy, hierarchy-heavy, …),
    `progress` (0–1) of the way to the shared target. Stored like every response: random ids, random
    order, only the day (`day`, default the wave's closing day or today). The answers go straight
    into the responses, past the mixing pool: this is for demos (saas/demo.py) and tests, not for
    real answers. A wave that asks eNPS or own scale questions gets answers to them too (`_answers`).
    `questions`: more answers to the wave's own questions ({key: answer}, e.g. open answers), one dict per
    answer in the order of `sizes` (an empty dict: none), laid over the generated ones; answers past the
    list's end have none.
    """
    rng = np.random.default_rng(seed)
    day = day or wave.closes_on or date.today()
    tenant_id = current_tenant_id(db)
    records = [(secrets.token_hex(16), tenant_id, wave.id, org_id, day, answers)
               for position, (org_id, count) in enumerate(sizes.items())
               for answers in _answers(rng, _archetype(position), progress, count, list(wave.value_keys),
                                       enps=wave.asks_enps, scales=_scale_keys(wave))]
    for number, given in enumerate((questions or [])[:len(records)]):
        if given:
            *head, answers = records[number]
            parsed = json.loads(answers)
            parsed["questions"] = {**parsed.get("questions", {}), **given}
            records[number] = (*head, json.dumps(parsed))
    _shuffle(records)
    _insert(db, records)
    return len(records)


def add_answers(db, wave, legacy_org_id: int | None, count: int, *, archetype: int = 0, progress: float = 0.0,
                seed: int = 0) -> None:
    """Add `count` synthetic answers of one legacy organisation (None: people without one) to an
    existing wave, shaped like the `archetype`-th organisation of `synthesise`."""
    rng = np.random.default_rng(seed)
    day = wave.closes_on or date.today()
    _insert(db, [(secrets.token_hex(16), current_tenant_id(db), wave.id, legacy_org_id, day, answers)
                 for answers in _answers(rng, _archetype(archetype), progress, count, list(wave.value_keys),
                                         enps=wave.asks_enps)])


_COLUMNS = ("id", "tenant_id", "wave_id", "legacy_org_id", "submitted_on", "answers")  # as in the records


def _insert(db, records: list[tuple]) -> None:
    """Bulk insert in chunks, in the session's transaction (so row-level security sees the tenant).

    The answers are already JSON text and go in as such. (COPY would be faster, but PostgreSQL
    refuses COPY FROM into a table with row-level security; SQLAlchemy's multi-row VALUES
    batches measured faster than psycopg's pipelined executemany.)
    """
    connection = db.connection()
    text = bindparam("answers_text", type_=Text)
    # PostgreSQL needs the text cast to json; SQLite stores JSON as text already (and a CAST to "JSON"
    # there would turn it into a number)
    statement = insert(Response.__table__).values(
        answers=cast(text, JSON) if connection.dialect.name == "postgresql" else text)
    keys = (*_COLUMNS[:-1], "answers_text")
    for start in range(0, len(records), CHUNK):
        connection.execute(statement, [dict(zip(keys, record)) for record in records[start:start + CHUNK]])


def _legacy_orgs(db, count: int, model) -> list[int]:
    existing = {org.code: org.id for org in db.scalars(select(model))}
    ids = []
    for code, name in zip(ORG_CODES[:count], ORG_NAMES):
        if code not in existing:
            taken = {org.name for org in db.scalars(select(model))}
            label = f"Gemeente {name}" if f"Gemeente {name}" not in taken else f"Gemeente {name} ({code})"
            existing[code] = service.add_legacy_org(db, code=code, name=label).id
        ids.append(existing[code])
    return ids


def _sizes(rng, respondents: int, count: int) -> list[int]:
    weights = np.array([3.0, 2.0, 2.0, 1.5] + [1.0] * max(0, count - 4))[:count]
    return [int(n) for n in rng.multinomial(respondents, weights / weights.sum())]


def _archetype(position: int) -> Archetype:
    if position < len(ARCHETYPES):
        return ARCHETYPES[position]
    a, b = ARCHETYPES[position % 4], ARCHETYPES[(position + 1) % 4]  # a mix of two
    return Archetype(f"{a.name}/{b.name}", tuple((x + y) / 2 for x, y in zip(a.now, b.now)),
                     a.values[:5] + b.values[:5], (a.breach + b.breach) / 2)


def _answers(rng, archetype: Archetype, progress: float, size: int, value_keys: list[str],
             enps: bool = False, scales: list[str] = ()) -> list[str]:
    """`size` answers of one legacy organisation in one wave, each as JSON text; with `enps`, the eNPS
    answer too (`_enps`: higher where the organisation kept its promises and one's own values are seen); with
    `scales` (keys of the wave's own scale questions), answers 1–5 to them that lean on the same (`_scales`)."""
    if size == 0:
        return []
    now_profile = (1 - progress) * np.array(archetype.now) + progress * TARGET
    preferred_profile = 0.85 * TARGET + 0.15 * np.array(archetype.now)
    now = _points(rng, now_profile, size)
    preferred = _points(rng, preferred_profile, size)
    quoted = [json.dumps(key) for key in value_keys]
    limiting = np.array([VALUES_BY_KEY[k].limiting if k in VALUES_BY_KEY else False for k in value_keys])
    today_weights = _weights(value_keys, archetype.values, strength=12.0)
    desired_weights = _weights(value_keys, DESIRED_VALUES, strength=14.0)
    current_weights = (1 - progress) * today_weights + progress * desired_weights
    current_weights = np.where(limiting, current_weights * (1 - progress), current_weights)
    lists = (
        _picks(rng, _weights(value_keys, PERSONAL_VALUES, strength=10.0), size, quoted),
        _picks(rng, (current_weights + desired_weights) / 2, size, quoted),
        _picks(rng, current_weights, size, quoted),
        _picks(rng, desired_weights, size, quoted),
    )
    contract = _contract(rng, archetype.breach * (1 - progress), size)
    rows = np.concatenate([now.reshape(size, -1), preferred.reshape(size, -1)], axis=1).tolist()
    contract_rows = contract.tolist()
    answers = [_ANSWERS_TEMPLATE % (*picks, *culture, *promises)
               for *picks, culture, promises in zip(*lists, rows, contract_rows)]
    if enps:  # drawn after everything else: a wave without it gets the very same answers as before
        scores = _enps(rng, contract, lists[0], lists[2]).tolist()
        answers = [answer[:-1] + ', "enps": %d}' % score for answer, score in zip(answers, scores)]
    if scales:
        given = _scales(rng, contract, len(scales)).tolist()
        answers = [answer[:-1] + ', "questions": {' + ", ".join(f'"{key}": {value}' for key, value in zip(scales, row))
                   + "}}" for answer, row in zip(answers, given)]
    _check(answers[0], value_keys)
    return answers


def _check(answer: str, value_keys: list[str]) -> None:
    """The answers are made in bulk as JSON text; each batch's first one goes through the survey's own
    rules (saas.surveys.instruments, as every submitted and imported answer does), so that a generator
    drifting from them fails here, not in a report. Raises InstrumentError."""
    given = json.loads(answer)
    instruments.validate_value_picks(given["values"], set(value_keys))
    instruments.validate_culture(given["culture"])
    instruments.validate_contract(given["contract"])
    if "enps" in given:
        instruments.validate_enps(given["enps"])


def _points(rng, profile, size: int) -> np.ndarray:
    """(size, 6, 4) whole points per dimension and type, each dimension adding up to exactly 100."""
    shares = rng.dirichlet(np.maximum(profile, 1.0) / 100 * CONCENTRATION, size=(size, len(DIMENSIONS)))
    raw = shares * 100
    points = np.floor(raw).astype(np.int64)
    short = 100 - points.sum(axis=2)  # 0..3 points still to hand out: to the largest remainders
    order = np.argsort(-(raw - points), axis=2)
    ranks = np.argsort(order, axis=2)
    points += (ranks < short[..., None]).astype(np.int64)
    return points


def _weights(value_keys, favoured, strength: float) -> np.ndarray:
    favoured = set(favoured)
    return np.array([strength if key in favoured else 1.0 for key in value_keys])


def _picks(rng, weights, size: int, quoted: list[str]) -> list[str]:
    """Each respondent picks 6 to 10 different values, more likely the heavier ones (Gumbel top-k).

    Returns each respondent's list as JSON text; `quoted` holds the keys already as JSON strings.
    """
    scores = np.log(weights)[None, :] + rng.gumbel(size=(size, len(weights)))
    counts = rng.integers(6, MAX_PICKS + 1, size=size).tolist()
    top = np.argpartition(-scores, MAX_PICKS - 1, axis=1)[:, :MAX_PICKS]
    top = np.take_along_axis(top, np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1), axis=1)
    return ["[" + ", ".join([quoted[i] for i in row[:count]]) + "]" for row, count in zip(top.tolist(), counts)]


def _enps(rng, contract: np.ndarray, personal: list[str], current: list[str]) -> np.ndarray:
    """eNPS answers 0–10: around 8, 1.8 lower per point of broken promises (the respondent's contract index),
    0.4 higher per own value also seen in the organisation today, with noise (sd 1.7)."""
    promised = np.array([item.group == "promised" for item in CONTRACT_ITEMS])
    delivered = np.array([item.group == "delivered" for item in CONTRACT_ITEMS])
    index = contract[:, delivered].mean(axis=1) - contract[:, promised].mean(axis=1)
    aligned = np.array([len(set(json.loads(a)) & set(json.loads(b))) for a, b in zip(personal, current)])
    raw = 8 + 1.8 * index + 0.4 * (aligned - 1) + rng.normal(0, 1.7, size=len(index))
    return np.clip(np.rint(raw), instruments.ENPS_MIN, instruments.ENPS_MAX).astype(np.int64)


def _scale_keys(wave) -> list[str]:
    return [q["key"] for q in wave.questions or () if q["kind"] == "likert"]


def _scales(rng, contract: np.ndarray, count: int) -> np.ndarray:
    """Answers 1–5 to `count` own scale questions: around 3.6, 0.6 lower per point of broken promises, the
    first question leaning on that most (each next one half as much), with noise (sd 0.9)."""
    promised = np.array([item.group == "promised" for item in CONTRACT_ITEMS])
    delivered = np.array([item.group == "delivered" for item in CONTRACT_ITEMS])
    index = contract[:, delivered].mean(axis=1) - contract[:, promised].mean(axis=1)
    lean = 0.6 * 0.5 ** np.arange(count)
    raw = 3.6 + index[:, None] * lean[None, :] + rng.normal(0, 0.9, size=(len(index), count))
    return np.clip(np.rint(raw), 1, 5).astype(np.int64)


def _contract(rng, breach: float, size: int) -> np.ndarray:
    """Likert answers 1–5 in CONTRACT_ITEMS order: promises around 4, deliveries `breach` lower."""
    base = np.array([4.0 if item.group == "promised" else 4.0 - breach if item.group == "delivered" else 3.8
                     for item in CONTRACT_ITEMS])
    person = rng.normal(0, 0.5, size=(size, 1))
    raw = base[None, :] + person + rng.normal(0, 0.7, size=(size, len(CONTRACT_ITEMS)))
    return np.clip(np.rint(raw), 1, 5).astype(np.int64)

