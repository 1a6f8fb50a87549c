"""The survey instruments: catalogue sanity and validation of answers (pure Python, no database)."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saas.surveys.instruments import (
    CONTRACT_GROUPS,
    CONTRACT_ITEMS,
    CULTURE_KEYS,
    DIMENSIONS,
    LIKERT_LABELS,
    MAX_PICKS,
    PHASES,
    TYPES,
    VALUE_LIST_PROMPTS,
    VALUE_LIST_TITLES,
    VALUE_LISTS,
    VALUES,
    VALUES_BY_KEY,
    InstrumentError,
    Value,
    contract_index,
    profile,
    validate_contract,
    validate_culture,
    validate_value_picks,
)


ALL_KEYS = set(VALUES_BY_KEY)
KEYS = [v.key for v in VALUES]


# --- the values catalogue -------------------------------------------------------------------

def test_catalogue_has_about_eighty_values_with_unique_stable_keys():
    assert 75 <= len(VALUES) <= 85
    assert len(set(KEYS)) == len(KEYS)
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", key) for key in KEYS)
    assert VALUES_BY_KEY == {v.key: v for v in VALUES}
    for key in ("client_focus", "cooperation", "bureaucracy"):
        assert key in VALUES_BY_KEY


def test_every_value_has_both_languages_and_a_sensible_share_is_limiting():
    for value in VALUES:
        assert isinstance(value, Value)
        assert value.nl.strip() and value.en.strip(), value.key
    limiting = [v for v in VALUES if v.limiting]
    assert 10 <= len(limiting) <= 20
    assert not VALUES_BY_KEY["trust"].limiting and VALUES_BY_KEY["silo_thinking"].limiting
    assert len({v.nl for v in VALUES}) == len(VALUES) and len({v.en for v in VALUES}) == len(VALUES)


def test_values_are_frozen():
    with pytest.raises(AttributeError):
        VALUES[0].nl = "iets anders"


# --- value picks -----------------------------------------------------------------------------

def picks(**overrides):
    lists = {name: [] for name in VALUE_LISTS}
    lists.update(overrides)
    return lists


def test_value_lists_have_prompts_in_both_languages():
    assert VALUE_LISTS == ("personal", "team_current", "org_current", "org_desired")
    assert MAX_PICKS == 10
    for name in VALUE_LISTS:
        for text in (VALUE_LIST_TITLES[name], VALUE_LIST_PROMPTS[name]):
            assert text.nl.strip() and text.en.strip()


def test_valid_picks_come_back_in_order():
    given_picks = picks(personal=["trust", "honesty", "cooperation"], org_desired=KEYS[:MAX_PICKS])
    cleaned = validate_value_picks(given_picks, ALL_KEYS)
    assert cleaned["personal"] == ["trust", "honesty", "cooperation"]
    assert cleaned["org_desired"] == KEYS[:MAX_PICKS]
    assert cleaned["team_current"] == [] and list(cleaned) == list(VALUE_LISTS)


def test_duplicate_picks_are_removed_keeping_first_order():
    cleaned = validate_value_picks(picks(team_current=["trust", "control", "trust", "quality", "control"]),
                                   ALL_KEYS)
    assert cleaned["team_current"] == ["trust", "control", "quality"]


def test_duplicates_do_not_count_towards_the_maximum():
    ten = KEYS[:10]
    cleaned = validate_value_picks(picks(personal=ten + ten[:3]), ALL_KEYS)
    assert cleaned["personal"] == ten


def test_unknown_key_is_refused():
    with pytest.raises(InstrumentError) as caught:
        validate_value_picks(picks(org_current=["trust", "world_domination"]), ALL_KEYS)
    assert caught.value.part == "org_current"
    assert "world_domination" in caught.value.detail


def test_a_key_outside_the_waves_selection_is_refused():
    with pytest.raises(InstrumentError) as caught:
        validate_value_picks(picks(personal=["bureaucracy"]), {"trust", "honesty"})
    assert caught.value.part == "personal"


def test_eleven_picks_are_refused():
    with pytest.raises(InstrumentError) as caught:
        validate_value_picks(picks(org_desired=KEYS[:11]), ALL_KEYS)
    assert caught.value.part == "org_desired"
    assert caught.value.code == "too_many"


def test_a_missing_list_is_refused():
    lists = picks()
    del lists["team_current"]
    with pytest.raises(InstrumentError) as caught:
        validate_value_picks(lists, ALL_KEYS)
    assert caught.value.part == "team_current"
    assert caught.value.code == "missing"


def test_an_unknown_list_is_refused():
    with pytest.raises(InstrumentError):
        validate_value_picks(picks(favourite_colour=["trust"]), ALL_KEYS)


# --- culture profile -------------------------------------------------------------------------

def even_culture() -> dict[str, int]:
    return {key: 25 for key in CULTURE_KEYS}


def test_culture_has_six_dimensions_with_statements_for_every_type():
    assert TYPES == ("clan", "adhocracy", "market", "hierarchy")
    assert len(DIMENSIONS) == 6 and [d.number for d in DIMENSIONS] == [1, 2, 3, 4, 5, 6]
    assert len(CULTURE_KEYS) == 48 == len(set(CULTURE_KEYS))
    for dim in DIMENSIONS:
        assert dim.title.nl and dim.title.en
        assert tuple(dim.statements) == TYPES
        for text in dim.statements.values():
            assert text.nl.strip() and text.en.strip()


def test_a_valid_culture_profile_passes():
    points = even_culture()
    points.update(d1_clan_now=70, d1_adhocracy_now=0, d1_market_now=10, d1_hierarchy_now=20)
    assert validate_culture(points) == points


def test_a_sum_of_99_names_the_dimension_and_phase():
    points = even_culture()
    points["d4_market_preferred"] = 24
    with pytest.raises(InstrumentError) as caught:
        validate_culture(points)
    assert caught.value.part == "d4_preferred"
    assert caught.value.code == "bad_sum"
    assert "99" in caught.value.detail


def test_a_negative_number_is_refused():
    points = even_culture()
    points.update(d2_clan_now=-10, d2_adhocracy_now=60)
    with pytest.raises(InstrumentError) as caught:
        validate_culture(points)
    assert caught.value.part == "d2_now"
    assert caught.value.code == "out_of_range"


def test_101_is_refused():
    points = even_culture()
    points.update(d6_clan_now=101, d6_adhocracy_now=0, d6_market_now=0, d6_hierarchy_now=-1)
    with pytest.raises(InstrumentError) as caught:
        validate_culture(points)
    assert caught.value.part == "d6_now"
    assert caught.value.code == "out_of_range"


@pytest.mark.parametrize("bad", [25.0, 24.5, "25", None, True])
def test_a_non_integer_is_refused(bad):
    points = even_culture()
    points["d3_hierarchy_now"] = bad
    with pytest.raises(InstrumentError) as caught:
        validate_culture(points)
    assert caught.value.part == "d3_now"
    assert caught.value.code == "not_integer"


def test_missing_and_unknown_cells_are_refused():
    points = even_culture()
    del points["d5_clan_preferred"]
    with pytest.raises(InstrumentError) as caught:
        validate_culture(points)
    assert caught.value.part == "d5_preferred"
    with pytest.raises(InstrumentError):
        validate_culture({**even_culture(), "d7_clan_now": 0})


def test_profile_means_by_hand():
    points = even_culture()
    now = {  # per dimension 1..6: clan, adhocracy, market, hierarchy
        1: (10, 30, 40, 20),
        2: (20, 30, 30, 20),
        3: (30, 30, 20, 20),
        4: (40, 30, 10, 20),
        5: (50, 30, 0, 20),
        6: (60, 30, 0, 10),
    }
    for d, row in now.items():
        for type_, value in zip(TYPES, row):
            points[f"d{d}_{type_}_now"] = value
    result = profile(points)
    assert result["now"] == pytest.approx({"clan": 35.0, "adhocracy": 30.0, "market": 100 / 6,
                                           "hierarchy": 110 / 6})
    assert result["preferred"] == {"clan": 25.0, "adhocracy": 25.0, "market": 25.0, "hierarchy": 25.0}


def test_profile_validates_its_input():
    points = even_culture()
    points["d1_clan_now"] = 26
    with pytest.raises(InstrumentError):
        profile(points)


four_summing_to_100 = st.lists(st.integers(0, 100), min_size=3, max_size=3).map(sorted).map(
    lambda cuts: (cuts[0], cuts[1] - cuts[0], cuts[2] - cuts[1], 100 - cuts[2]))

culture_inputs = st.fixed_dictionaries(
    {(d.number, phase): four_summing_to_100 for d in DIMENSIONS for phase in PHASES}
).map(lambda groups: {f"d{d}_{type_}_{phase}": value
                      for (d, phase), row in groups.items() for type_, value in zip(TYPES, row)})


@given(culture_inputs)
def test_profile_types_always_sum_to_100(points):
    assert validate_culture(points) == points
    result = profile(points)
    for phase in PHASES:
        assert set(result[phase]) == set(TYPES)
        assert abs(sum(result[phase].values()) - 100) <= 1e-9
        assert all(0 <= mean <= 100 for mean in result[phase].values())


# --- psychological contract ------------------------------------------------------------------

def contract(**overrides) -> dict[str, int]:
    answers = {item.key: 3 for item in CONTRACT_ITEMS}
    answers.update(overrides)
    return answers


def test_contract_items_are_grouped_and_bilingual():
    assert 10 <= len(CONTRACT_ITEMS) <= 14
    assert len({i.key for i in CONTRACT_ITEMS}) == len(CONTRACT_ITEMS)
    assert {i.group for i in CONTRACT_ITEMS} == set(CONTRACT_GROUPS) == {"promised", "delivered", "owe"}
    assert all(i.nl.strip() and i.en.strip() for i in CONTRACT_ITEMS)
    promised = {i.topic for i in CONTRACT_ITEMS if i.group == "promised"}
    delivered = {i.topic for i in CONTRACT_ITEMS if i.group == "delivered"}
    assert promised == delivered
    assert sorted(LIKERT_LABELS) == [1, 2, 3, 4, 5]
    assert all(label.nl and label.en for label in LIKERT_LABELS.values())


def test_valid_contract_answers_pass():
    answers = contract(owe_effort=5, promised_voice=1)
    assert validate_contract(answers) == answers


@pytest.mark.parametrize("bad", [0, 6, -1, 3.0, "4", None, True])
def test_contract_answers_outside_1_to_5_or_not_integer_are_refused(bad):
    with pytest.raises(InstrumentError) as caught:
        validate_contract(contract(delivered_clarity=bad))
    assert caught.value.part == "delivered_clarity"


def test_missing_or_unknown_contract_items_are_refused():
    answers = contract()
    del answers["owe_loyalty"]
    with pytest.raises(InstrumentError) as caught:
        validate_contract(answers)
    assert caught.value.part == "owe_loyalty"
    with pytest.raises(InstrumentError):
        validate_contract(contract(owe_cake=4))


def test_contract_index_by_hand():
    answers = contract(
        promised_development=5, promised_clarity=4, promised_fair_terms=4, promised_voice=3,    # mean 4
        delivered_development=3, delivered_clarity=2, delivered_fair_terms=4, delivered_voice=3,  # mean 3
        owe_effort=1, owe_loyalty=5, owe_flexibility=5, owe_knowledge_sharing=1,  # not counted
    )
    assert contract_index(answers) == pytest.approx(-1.0)
    assert contract_index(contract()) == 0.0
    kept_more = contract(promised_development=2, delivered_development=5)
    assert contract_index(kept_more) == pytest.approx(0.75)


def test_contract_index_validates_its_input():
    with pytest.raises(InstrumentError):
        contract_index(contract(promised_clarity=9))


def test_instrument_error_carries_part_and_detail():
    error = InstrumentError("d1_now", "dimension 1 adds up to 99")
    assert error.part == "d1_now" and error.detail == "dimension 1 adds up to 99"
    assert isinstance(error, Exception) and "d1_now" in str(error)
