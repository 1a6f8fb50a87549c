"""The survey instruments (DESIGN.md §4): the values catalogue, the culture profile and the
psychological contract, as plain data plus the validation of a respondent's answers.

Plain Python: no request, no database (the messages for people are lazy translations that take the
reader's language when shown). All wording is our own. The competing-values framework and the
idea of a psychological contract are public; the published questionnaires are not copied here.

Errors are raised as `InstrumentError(part, detail, code)`: `part` names the list, dimension or item
that is wrong, `detail` is an English sentence for developers and logs, `code` is a stable key the
app can translate for respondents, and `message`, where a rule has one, says it for people in their
language. The same rules check answers from the survey's pages, its JSON submission, an imported CSV
file (saas.surveys.importer, one rule at a time: `check_culture_group`, `check_pick`, `check_pick_count`)
and generated demo data (saas.comparison.synth).
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from flask_babel import lazy_gettext as _l


class InstrumentError(Exception):
    """An answer to an instrument does not fit its rules.

    `part`: which list, culture dimension (e.g. ``"d3_now"``) or contract item is wrong.
    `detail`: what is wrong, in English, for developers (the app shows a translated message).
    `code`: a stable machine key such as ``"unknown_key"``, ``"too_many"``, ``"missing"``,
    ``"not_integer"``, ``"out_of_range"`` or ``"bad_sum"``.
    """

    def __init__(self, part: str, detail: str, code: str = "invalid", message=None, cell: str | None = None):
        self.part = part
        self.detail = detail
        self.code = code
        self.message = message or detail  # in the reader's language where the rule has a sentence for it
        self.cell = cell  # the one answer (a culture cell) that is wrong, if it is one
        super().__init__(f"{part}: {detail}")


@dataclass(frozen=True)
class Text:
    """A short text in both languages."""

    nl: str
    en: str

    def get(self, lang: str) -> str:
        return self.nl if lang == "nl" else self.en


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ---------------------------------------------------------------------------------------------
# 1. Values
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Value:
    """One workplace value. `limiting` marks values that often hold an organisation back."""

    key: str
    nl: str
    en: str
    limiting: bool = False

    def label(self, lang: str) -> str:
        return self.nl if lang == "nl" else self.en


_POSITIVE = (
    ("client_focus", "klantgerichtheid", "client focus"),
    ("cooperation", "samenwerking", "cooperation"),
    ("trust", "vertrouwen", "trust"),
    ("professionalism", "vakmanschap", "professionalism"),
    ("honesty", "eerlijkheid", "honesty"),
    ("openness", "openheid", "openness"),
    ("commitment", "betrokkenheid", "commitment"),
    ("accountability", "verantwoordelijkheid", "accountability"),
    ("integrity", "integriteit", "integrity"),
    ("respect", "respect", "respect"),
    ("reliability", "betrouwbaarheid", "reliability"),
    ("transparency", "transparantie", "transparency"),
    ("innovation", "vernieuwing", "innovation"),
    ("creativity", "creativiteit", "creativity"),
    ("curiosity", "nieuwsgierigheid", "curiosity"),
    ("learning", "leren en ontwikkelen", "learning and development"),
    ("personal_growth", "persoonlijke groei", "personal growth"),
    ("quality", "kwaliteit", "quality"),
    ("efficiency", "efficiëntie", "efficiency"),
    ("decisiveness", "daadkracht", "decisiveness"),
    ("result_orientation", "resultaatgerichtheid", "result orientation"),
    ("flexibility", "flexibiliteit", "flexibility"),
    ("agility", "wendbaarheid", "agility"),
    ("autonomy", "zelfstandigheid", "autonomy"),
    ("ownership", "eigenaarschap", "ownership"),
    ("initiative", "initiatief nemen", "taking initiative"),
    ("courage", "moed", "courage"),
    ("clarity", "duidelijkheid", "clarity"),
    ("fairness", "rechtvaardigheid", "fairness"),
    ("equality", "gelijkwaardigheid", "equality"),
    ("inclusion", "inclusie", "inclusion"),
    ("diversity", "diversiteit", "diversity"),
    ("empathy", "inlevingsvermogen", "empathy"),
    ("care", "zorgzaamheid", "care"),
    ("appreciation", "waardering", "appreciation"),
    ("recognition", "erkenning", "recognition"),
    ("humour", "humor", "humour"),
    ("enjoyment", "werkplezier", "enjoyment at work"),
    ("work_life_balance", "balans tussen werk en privé", "work-life balance"),
    ("wellbeing", "gezondheid en vitaliteit", "health and wellbeing"),
    ("psychological_safety", "sociale veiligheid", "psychological safety"),
    ("team_spirit", "teamgeest", "team spirit"),
    ("collegiality", "collegialiteit", "collegiality"),
    ("helpfulness", "behulpzaamheid", "helpfulness"),
    ("listening", "goed luisteren", "listening"),
    ("dialogue", "het open gesprek", "open dialogue"),
    ("feedback", "feedback geven en ontvangen", "giving and receiving feedback"),
    ("coaching", "coachend leidinggeven", "coaching leadership"),
    ("vision", "visie", "vision"),
    ("long_term_perspective", "langetermijnperspectief", "long-term perspective"),
    ("sustainability", "duurzaamheid", "sustainability"),
    ("social_responsibility", "maatschappelijke betrokkenheid", "social responsibility"),
    ("citizen_participation", "participatie van inwoners", "citizen participation"),
    ("public_service", "dienstbaarheid", "public service"),
    ("accessibility", "toegankelijkheid", "accessibility"),
    ("pragmatism", "praktisch handelen", "pragmatism"),
    ("diligence", "zorgvuldigheid", "diligence"),
    ("continuity", "continuïteit", "continuity"),
    ("entrepreneurship", "ondernemerschap", "entrepreneurship"),
    ("ambition", "ambitie", "ambition"),
    ("pride", "trots op het werk", "pride in our work"),
    ("loyalty", "loyaliteit", "loyalty"),
    ("connection", "verbinding", "connection"),
    ("knowledge_sharing", "kennis delen", "knowledge sharing"),
    ("simplicity", "eenvoud", "simplicity"),
)

_LIMITING = (
    ("bureaucracy", "bureaucratie", "bureaucracy"),
    ("control", "controledrang", "control"),
    ("blame", "schuld bij anderen leggen", "blame"),
    ("short_term_focus", "kortetermijndenken", "short-term focus"),
    ("silo_thinking", "verkokering", "silo thinking"),
    ("internal_competition", "onderlinge concurrentie", "internal competition"),
    ("risk_avoidance", "risicomijdend gedrag", "caution and risk avoidance"),
    ("rigid_hierarchy", "hiërarchie als doel op zich", "hierarchy for its own sake"),
    ("empire_building", "eigen koninkrijkjes bouwen", "empire building"),
    ("micromanagement", "micromanagement", "micromanagement"),
    ("indecision", "besluiteloosheid", "indecision"),
    ("resistance_to_change", "weerstand tegen verandering", "resistance to change"),
    ("information_hoarding", "informatie voor jezelf houden", "information hoarding"),
    ("cynicism", "cynisme", "cynicism"),
    ("firefighting", "brandjes blussen", "firefighting"),
    ("endless_deliberation", "eindeloos overleggen", "endless deliberation"),
)

VALUES: tuple[Value, ...] = tuple(
    [Value(key, nl, en, False) for key, nl, en in _POSITIVE]
    + [Value(key, nl, en, True) for key, nl, en in _LIMITING]
)
VALUES_BY_KEY: dict[str, Value] = {value.key: value for value in VALUES}
assert len(VALUES_BY_KEY) == len(VALUES), "value keys must be unique"


# ---------------------------------------------------------------------------------------------
# 2. Value lists: up to ten picks for each of four questions
# ---------------------------------------------------------------------------------------------

VALUE_LISTS = ("personal", "team_current", "org_current", "org_desired")
MAX_PICKS = 10

VALUE_LIST_TITLES: Mapping[str, Text] = MappingProxyType({
    "personal": Text("Mijn waarden", "My values"),
    "team_current": Text("Mijn team nu", "My team today"),
    "org_current": Text("De organisatie nu", "The organisation today"),
    "org_desired": Text("De organisatie die ik wil", "The organisation I want"),
})

VALUE_LIST_PROMPTS: Mapping[str, Text] = MappingProxyType({
    "personal": Text(
        "Kies maximaal tien waarden die het best weergeven wie je bent en wat je belangrijk vindt.",
        "Choose up to ten values that best reflect who you are and what matters to you."),
    "team_current": Text(
        "Kies maximaal tien waarden die laten zien hoe het in je team nu echt gaat.",
        "Choose up to ten values that show how things really work in your team today."),
    "org_current": Text(
        "Kies maximaal tien waarden die laten zien hoe de organisatie nu werkt.",
        "Choose up to ten values that show how the organisation works today."),
    "org_desired": Text(
        "Kies maximaal tien waarden die de organisatie zou moeten hebben om goed te kunnen werken.",
        "Choose up to ten values the organisation should have to work at its best."),
})


def validate_value_picks(picks: dict[str, list[str]], allowed_keys: set[str]) -> dict[str, list[str]]:
    """Check a respondent's four value lists and return them cleaned.

    Every list in `VALUE_LISTS` must be present (it may be empty); no other lists are accepted.
    Each pick must be a key in `allowed_keys` (the wave's selection of the catalogue). Repeated
    picks are dropped, keeping the first occurrence and the respondent's order; after that a list
    may hold at most `MAX_PICKS` keys. Raises `InstrumentError` with the list's name as `part`.
    """
    if not isinstance(picks, Mapping):
        raise InstrumentError("values", "picks must be a mapping of list name to keys", "invalid")
    extra = sorted(set(picks) - set(VALUE_LISTS), key=str)
    if extra:
        raise InstrumentError(str(extra[0]), f"unknown value list {extra[0]!r}", "unknown_list")
    cleaned: dict[str, list[str]] = {}
    for name in VALUE_LISTS:
        if name not in picks or picks[name] is None:
            raise InstrumentError(name, f"value list {name!r} is missing", "missing")
        keys = picks[name]
        if isinstance(keys, (str, bytes)) or not hasattr(keys, "__iter__"):
            raise InstrumentError(name, f"value list {name!r} must be a list of keys", "invalid")
        seen: list[str] = []
        for key in keys:
            if not isinstance(key, str) or key not in allowed_keys:  # kept inline: the submission's hot path
                raise check_pick(name, key, allowed_keys)
            if key not in seen:
                seen.append(key)
        if len(seen) > MAX_PICKS:
            raise check_pick_count(name, seen)
        cleaned[name] = seen
    return cleaned


def check_pick(name: str, key, allowed_keys) -> InstrumentError | None:
    """One pick of value list `name`: a key of the wave's values."""
    if isinstance(key, str) and key in allowed_keys:
        return None
    return InstrumentError(name, f"unknown value key {key!r} in list {name!r}", "unknown_key",
                           _l("unknown value key %(key)s (see `koers values`)", key=repr(key)))


def check_pick_count(name: str, keys: list) -> InstrumentError | None:
    """A value list, repeats dropped: at most MAX_PICKS keys."""
    if len(keys) <= MAX_PICKS:
        return None
    return InstrumentError(name, f"list {name!r} has {len(keys)} picks; at most {MAX_PICKS} allowed", "too_many",
                           _l("%(count)d values; at most %(max)d allowed", count=len(keys), max=MAX_PICKS))


# ---------------------------------------------------------------------------------------------
# 3. Culture profile (competing-values framework): 6 dimensions x 4 types, 100 points each
# ---------------------------------------------------------------------------------------------

TYPES = ("clan", "adhocracy", "market", "hierarchy")
PHASES = ("now", "preferred")
POINTS_PER_DIMENSION = 100

TYPE_NAMES: Mapping[str, Text] = MappingProxyType({
    "clan": Text("Familie (samenwerken)", "Clan (collaborate)"),
    "adhocracy": Text("Adhocratie (vernieuwen)", "Adhocracy (create)"),
    "market": Text("Markt (presteren)", "Market (compete)"),
    "hierarchy": Text("Hiërarchie (beheersen)", "Hierarchy (control)"),
})

PHASE_NAMES: Mapping[str, Text] = MappingProxyType({
    "now": Text("Nu", "Now"),
    "preferred": Text("Gewenst", "Preferred"),
})
PHASE_WORDS = {"now": _l("now"), "preferred": _l("preferred")}  # inside a sentence, in the reader's language


@dataclass(frozen=True)
class Dimension:
    """One of the six aspects of culture. `statements` holds one statement per culture type."""

    number: int
    key: str
    title: Text
    statements: Mapping[str, Text]

    def field(self, type_: str, phase: str) -> str:
        return culture_key(self.number, type_, phase)


def culture_key(number: int, type_: str, phase: str) -> str:
    """The answer key for one cell, e.g. ``d3_market_now``."""
    return f"d{number}_{type_}_{phase}"


def _dimension(number, key, title, **statements) -> Dimension:
    assert tuple(statements) == TYPES
    return Dimension(number, key, title, MappingProxyType(statements))


DIMENSIONS: tuple[Dimension, ...] = (
    _dimension(
        1, "dominant_characteristics",
        Text("Wat de organisatie kenmerkt", "Dominant characteristics"),
        clan=Text("De organisatie voelt als een hechte gemeenschap: mensen kennen elkaar, delen veel "
                  "en zorgen voor elkaar.",
                  "The organisation feels like a close community: people know each other, share a lot "
                  "and look after one another."),
        adhocracy=Text("De organisatie is ondernemend en in beweging: mensen durven iets nieuws te "
                       "proberen en nemen daarbij risico.",
                       "The organisation is enterprising and on the move: people dare to try something "
                       "new and take risks in doing so."),
        market=Text("De organisatie is sterk gericht op resultaat: het gaat erom dat het werk af komt en "
                    "de doelen gehaald worden.",
                    "The organisation is strongly focused on results: what counts is getting the work "
                    "done and meeting the targets."),
        hierarchy=Text("De organisatie is geordend en overzichtelijk: procedures en afspraken bepalen "
                       "grotendeels wat mensen doen.",
                       "The organisation is orderly and well arranged: procedures and agreements largely "
                       "determine what people do."),
    ),
    _dimension(
        2, "leadership",
        Text("Leiderschap", "Leadership"),
        clan=Text("Leidinggevenden zijn vooral begeleiders die mensen helpen groeien en er voor hen "
                  "zijn.",
                  "Managers are mainly mentors who help people grow and are there for them."),
        adhocracy=Text("Leidinggevenden zijn vernieuwers die vooruitkijken, kansen zien en "
                       "experimenten aanmoedigen.",
                       "Managers are innovators who look ahead, spot opportunities and encourage "
                       "experiments."),
        market=Text("Leidinggevenden zijn zakelijk en doelgericht; ze sturen scherp op prestaties.",
                    "Managers are businesslike and goal-driven; they steer firmly on performance."),
        hierarchy=Text("Leidinggevenden coördineren en organiseren; ze zorgen dat alles soepel en "
                       "volgens plan verloopt.",
                       "Managers coordinate and organise; they make sure everything runs smoothly and "
                       "to plan."),
    ),
    _dimension(
        3, "management_of_employees",
        Text("Omgang met medewerkers", "Management of employees"),
        clan=Text("Mensen werken in teams, praten mee over besluiten en komen samen tot "
                  "overeenstemming.",
                  "People work in teams, have a say in decisions and reach agreement together."),
        adhocracy=Text("Mensen krijgen ruimte om eigen ideeën uit te proberen en hun werk zelf vorm te "
                       "geven.",
                       "People get room to try out their own ideas and shape their own work."),
        market=Text("De lat ligt hoog: mensen worden aangesproken op wat ze presteren en meten zich met "
                    "elkaar.",
                    "The bar is high: people are held to what they achieve and measure themselves "
                    "against each other."),
        hierarchy=Text("Medewerkers weten waar ze aan toe zijn: taken, rollen en werkafspraken liggen "
                       "vast en zijn voorspelbaar.",
                       "Employees know where they stand: tasks, roles and working arrangements are "
                       "fixed and predictable."),
    ),
    _dimension(
        4, "organisational_glue",
        Text("Wat de organisatie bindt", "Organisational glue"),
        clan=Text("Wat ons bindt is onderling vertrouwen en trouw aan elkaar; mensen voelen zich "
                  "betrokken.",
                  "What holds us together is mutual trust and loyalty to each other; people feel "
                  "involved."),
        adhocracy=Text("Wat ons bindt is de wil om te vernieuwen en voorop te lopen.",
                       "What holds us together is the drive to renew and to lead the way."),
        market=Text("Wat ons bindt is het gezamenlijke streven om te presteren en onze doelen te "
                    "halen.",
                    "What holds us together is the shared drive to perform and reach our goals."),
        hierarchy=Text("Wat ons bindt zijn heldere regels en beleid; een goed lopende organisatie vinden "
                       "we belangrijk.",
                       "What holds us together is clear rules and policy; we value a smoothly running "
                       "organisation."),
    ),
    _dimension(
        5, "strategic_emphases",
        Text("Waar de organisatie op inzet", "Strategic emphases"),
        clan=Text("We investeren in de ontwikkeling van mensen, in een open sfeer en in onderling "
                  "vertrouwen.",
                  "We invest in people's development, an open atmosphere and mutual trust."),
        adhocracy=Text("We zoeken nieuwe mogelijkheden, werken aan nieuwe diensten en proberen dingen "
                       "uit.",
                       "We look for new possibilities, work on new services and try things out."),
        market=Text("We richten ons op het halen van doelen en laten inwoners en bestuur zichtbare "
                    "resultaten zien.",
                    "We concentrate on reaching goals and showing residents and the board visible "
                    "results."),
        hierarchy=Text("We streven naar stabiliteit, continuïteit en een efficiënte, beheerste "
                       "bedrijfsvoering.",
                       "We aim for stability, continuity and efficient, well-controlled operations."),
    ),
    _dimension(
        6, "criteria_of_success",
        Text("Wat we als succes zien", "Criteria of success"),
        clan=Text("Succes is dat mensen zich ontwikkelen, goed samenwerken en zich betrokken voelen "
                  "bij de organisatie.",
                  "Success is people developing, working well together and feeling committed to the "
                  "organisation."),
        adhocracy=Text("Succes is dat we als eerste met nieuwe oplossingen en diensten komen.",
                       "Success is being first with new solutions and services."),
        market=Text("Succes is dat we onze doelen halen en beter presteren dan vergelijkbare "
                    "organisaties.",
                    "Success is meeting our goals and doing better than comparable organisations."),
        hierarchy=Text("Succes is betrouwbare dienstverlening, een goede planning en lage kosten.",
                       "Success is dependable service, good planning and low costs."),
    ),
)

CULTURE_KEYS: tuple[str, ...] = tuple(
    culture_key(d.number, t, p) for d in DIMENSIONS for p in PHASES for t in TYPES
)


_GROUP_KEYS = {(d.number, phase): tuple(d.field(type_, phase) for type_ in TYPES) for d in DIMENSIONS for phase in PHASES}


def validate_culture(points: dict[str, int]) -> dict[str, int]:
    """Check a culture profile and return exactly the 48 cells as a new dict.

    Keys are ``d{1..6}_{type}_{now|preferred}``. Every cell is an integer from 0 to 100 (bools and
    floats are refused), and per dimension and per now/preferred the four types add up to exactly
    100. Raises `InstrumentError` whose `part` names the dimension and phase, e.g. ``"d3_now"``;
    a key outside the 48 gives `part` ``"culture"``.
    """
    if not isinstance(points, Mapping):
        raise InstrumentError("culture", "points must be a mapping of cell key to integer", "invalid")
    extra = sorted(set(points) - set(CULTURE_KEYS), key=str)
    if extra:
        raise InstrumentError("culture", f"unknown culture key {extra[0]!r}", "unknown_key")
    for dim in DIMENSIONS:
        for phase in PHASES:
            found = check_culture_group(dim.number, phase, points)
            if found:
                raise found[0]
    return {key: points[key] for key in CULTURE_KEYS}


def check_culture_group(number: int, phase: str, points: Mapping) -> list[InstrumentError]:
    """Everything wrong with the four cells of one dimension and phase, in type order: a cell that is
    absent from `points` (missing), not a whole number, or not from 0 to 100; or, when the four are
    fine, a total other than 100 (`part` ``"d3_now"``; each cell's error also names its `cell`)."""
    keys = _GROUP_KEYS[number, phase]
    try:  # the common case, on the submission's hot path: four whole numbers that add up
        values = [points[key] for key in keys]
        if all(type(value) is int and 0 <= value <= POINTS_PER_DIMENSION for value in values) \
                and sum(values) == POINTS_PER_DIMENSION:
            return []
    except KeyError:
        pass
    dim = DIMENSIONS[number - 1]
    part = f"d{number}_{phase}"
    where = f"dimension {number} ({dim.title.en}), {phase}"
    found: list[InstrumentError] = []
    total = 0
    for type_ in TYPES:
        key = dim.field(type_, phase)
        if key not in points:
            found.append(InstrumentError(part, f"{where}: {key} is missing", "missing", _l(
                "empty; give a whole number from 0 to %(max)d", max=POINTS_PER_DIMENSION), cell=key))
            continue
        value = points[key]
        if not _is_int(value):
            found.append(InstrumentError(part, f"{where}: {key} must be a whole number, got {value!r}", "not_integer",
                                         _l("%(value)s is not a whole number", value=repr(value)), cell=key))
        elif not 0 <= value <= POINTS_PER_DIMENSION:
            found.append(InstrumentError(
                part, f"{where}: {key} must be between 0 and {POINTS_PER_DIMENSION}, got {value}", "out_of_range",
                _l("%(value)d is negative", value=value) if value < 0 else
                _l("%(value)d is more than %(max)d", value=value, max=POINTS_PER_DIMENSION), cell=key))
        else:
            total += value
    if not found and total != POINTS_PER_DIMENSION:
        found.append(InstrumentError(
            part, f"{where}: the four types add up to {total}, not {POINTS_PER_DIMENSION}", "bad_sum",
            _l("the four '%(phase)s' numbers of dimension %(number)d add up to %(total)d, not %(max)d",
               phase=PHASE_WORDS[phase], number=number, total=total, max=POINTS_PER_DIMENSION)))
    return found


def profile(points: dict[str, int]) -> dict[str, dict[str, float]]:
    """The culture profile: per phase, per type, the mean of its points over the six dimensions.

    Validates first. Because every dimension sums to 100, each phase's four means sum to 100 too.
    Returns ``{"now": {"clan": ..., ...}, "preferred": {...}}``.
    """
    cells = validate_culture(points)
    return {
        phase: {
            type_: sum(cells[d.field(type_, phase)] for d in DIMENSIONS) / len(DIMENSIONS)
            for type_ in TYPES
        }
        for phase in PHASES
    }


# ---------------------------------------------------------------------------------------------
# 4. Psychological contract: Likert items, 1 (strongly disagree) to 5 (strongly agree)
# ---------------------------------------------------------------------------------------------

CONTRACT_GROUPS = ("promised", "delivered", "owe")
LIKERT_MIN, LIKERT_MAX = 1, 5

CONTRACT_GROUP_TITLES: Mapping[str, Text] = MappingProxyType({
    "promised": Text("Wat de organisatie mij heeft beloofd", "What the organisation promised me"),
    "delivered": Text("Wat de organisatie mij echt biedt", "What the organisation delivered"),
    "owe": Text("Wat ik daar zelf tegenover stel", "What I give in return"),
})

LIKERT_LABELS: Mapping[int, Text] = MappingProxyType({
    1: Text("Helemaal mee oneens", "Strongly disagree"),
    2: Text("Mee oneens", "Disagree"),
    3: Text("Niet eens, niet oneens", "Neither agree nor disagree"),
    4: Text("Mee eens", "Agree"),
    5: Text("Helemaal mee eens", "Strongly agree"),
})


@dataclass(frozen=True)
class ContractItem:
    """One Likert statement. Keys are ``{group}_{topic}``; a `promised` and a `delivered` item with
    the same topic form a pair for `contract_index`."""

    key: str
    group: str
    nl: str
    en: str

    @property
    def topic(self) -> str:
        return self.key[len(self.group) + 1:]

    def label(self, lang: str) -> str:
        return self.nl if lang == "nl" else self.en


CONTRACT_ITEMS: tuple[ContractItem, ...] = (
    ContractItem("promised_development", "promised",
                 "Mij is toegezegd dat ik me in de nieuwe organisatie kan blijven ontwikkelen.",
                 "I was told I could keep developing myself in the new organisation."),
    ContractItem("promised_clarity", "promised",
                 "Mij is toegezegd dat ik op tijd duidelijkheid krijg over mijn plek en mijn werk.",
                 "I was told I would get timely clarity about my position and my work."),
    ContractItem("promised_fair_terms", "promised",
                 "Mij is toegezegd dat mijn arbeidsvoorwaarden er niet op achteruit gaan.",
                 "I was told my terms of employment would not get worse."),
    ContractItem("promised_voice", "promised",
                 "Mij is toegezegd dat ik kan meepraten over de veranderingen die mij raken.",
                 "I was told I could have a say in the changes that affect me."),
    ContractItem("delivered_development", "delivered",
                 "Ik krijg in de praktijk de ruimte en de middelen om me te ontwikkelen.",
                 "In practice I get the room and the means to develop myself."),
    ContractItem("delivered_clarity", "delivered",
                 "Ik weet op dit moment voldoende waar ik aan toe ben.",
                 "At this moment I know well enough where I stand."),
    ContractItem("delivered_fair_terms", "delivered",
                 "Mijn arbeidsvoorwaarden zijn minstens zo goed gebleven als ze waren.",
                 "My terms of employment have stayed at least as good as they were."),
    ContractItem("delivered_voice", "delivered",
                 "Er wordt echt naar mijn inbreng geluisterd bij de veranderingen.",
                 "My input on the changes is really listened to."),
    ContractItem("owe_effort", "owe",
                 "Ik vind het vanzelfsprekend dat ik me extra inzet als het nodig is.",
                 "I take it for granted that I put in extra effort when it is needed."),
    ContractItem("owe_loyalty", "owe",
                 "Ik vind dat ik loyaal hoor te zijn aan de nieuwe organisatie.",
                 "I feel I should be loyal to the new organisation."),
    ContractItem("owe_flexibility", "owe",
                 "Ik vind dat ik moet meebewegen met de veranderingen, ook als die mij niet goed "
                 "uitkomen.",
                 "I feel I should go along with the changes, even when they do not suit me."),
    ContractItem("owe_knowledge_sharing", "owe",
                 "Ik vind dat ik mijn kennis en ervaring moet delen met mijn nieuwe collega's.",
                 "I feel I should share my knowledge and experience with my new colleagues."),
)
CONTRACT_ITEMS_BY_KEY: dict[str, ContractItem] = {item.key: item for item in CONTRACT_ITEMS}
assert len(CONTRACT_ITEMS_BY_KEY) == len(CONTRACT_ITEMS), "contract item keys must be unique"
assert all(item.key.startswith(item.group + "_") and item.group in CONTRACT_GROUPS for item in CONTRACT_ITEMS)

#: the topics that have both a `promised` and a `delivered` item, in catalogue order
CONTRACT_PAIRED_TOPICS: tuple[str, ...] = tuple(
    item.topic for item in CONTRACT_ITEMS
    if item.group == "promised" and f"delivered_{item.topic}" in CONTRACT_ITEMS_BY_KEY
)


def validate_contract(answers: dict[str, int]) -> dict[str, int]:
    """Check the psychological-contract answers and return them as a new dict in item order.

    Every item in `CONTRACT_ITEMS` must be answered with an integer from 1 to 5; unknown keys are
    refused. Raises `InstrumentError` with the item key (or ``"contract"``) as `part`.
    """
    if not isinstance(answers, Mapping):
        raise InstrumentError("contract", "answers must be a mapping of item key to integer", "invalid")
    extra = sorted(set(answers) - set(CONTRACT_ITEMS_BY_KEY), key=str)
    if extra:
        raise InstrumentError("contract", f"unknown contract item {extra[0]!r}", "unknown_key")
    cleaned: dict[str, int] = {}
    for item in CONTRACT_ITEMS:
        if item.key not in answers:
            raise InstrumentError(item.key, f"contract item {item.key!r} is missing", "missing")
        value = answers[item.key]
        if not _is_int(value):
            raise InstrumentError(item.key, f"contract item {item.key!r} must be a whole number, got {value!r}",
                                  "not_integer")
        if not LIKERT_MIN <= value <= LIKERT_MAX:
            raise InstrumentError(item.key, f"contract item {item.key!r} must be between {LIKERT_MIN} and "
                                            f"{LIKERT_MAX}, got {value}", "out_of_range")
        cleaned[item.key] = value
    return cleaned


def contract_index(answers: dict[str, int]) -> float:
    """How far the organisation kept its promises, from -4.0 to +4.0.

    Definition: over the topics that have both a `promised` and a `delivered` item
    (`CONTRACT_PAIRED_TOPICS`), the mean of the `delivered` answers minus the mean of the
    `promised` answers. The `owe` items do not count. Below 0 the respondent feels the
    organisation delivered less than it promised (a breach); 0 means promises kept; above 0 it
    delivered more than promised. Validates the answers first.
    """
    cells = validate_contract(answers)
    topics = CONTRACT_PAIRED_TOPICS
    delivered = sum(cells[f"delivered_{t}"] for t in topics) / len(topics)
    promised = sum(cells[f"promised_{t}"] for t in topics) / len(topics)
    return delivered - promised


# ---------------------------------------------------------------------------------------------
# 4. eNPS: the employee Net Promoter Score question (issue 21 point 4), asked where a wave turns it on
# ---------------------------------------------------------------------------------------------

ENPS_MIN, ENPS_MAX = 0, 10
ENPS_POINTS = tuple(range(ENPS_MIN, ENPS_MAX + 1))
# The standard wording, with the organisation's name in it ({organisation}).
ENPS_QUESTION = Text(
    "Hoe waarschijnlijk is het dat je {organisation} als werkgever zou aanbevelen bij een vriend of kennis?",
    "How likely is it that you would recommend {organisation} as an employer to a friend or acquaintance?")
ENPS_ENDS = MappingProxyType({ENPS_MIN: Text("Zeer onwaarschijnlijk", "Not at all likely"),
                              ENPS_MAX: Text("Zeer waarschijnlijk", "Extremely likely")})


def enps_question(organisation: str, lang: str) -> str:
    return ENPS_QUESTION.get(lang).format(organisation=organisation)


def validate_enps(value) -> int:
    """An eNPS answer: a whole number from 0 to 10. Raises `InstrumentError` with part ``"enps"``."""
    if value is None:
        raise InstrumentError("enps", "the eNPS question is not answered", "missing")
    if not _is_int(value):
        raise InstrumentError("enps", f"the eNPS answer must be a whole number, got {value!r}", "not_integer")
    if not ENPS_MIN <= value <= ENPS_MAX:
        raise InstrumentError("enps", f"the eNPS answer must be between {ENPS_MIN} and {ENPS_MAX}, got {value}",
                              "out_of_range")
    return value
