"""The rules of saas.anonymity for small anonymous collections, as pure functions: group labels for
anonymous texts counted over distinct authors (finding 5: one manager writing five items is one
person, not a group of five), the keyed per-round pseudonym that counts them, and the figures a
workshop's evaluation releases."""
from __future__ import annotations


from saas.anonymity.labels import group_counts, group_labels, visible_groups
from saas.anonymity.pseudonyms import pseudonym
from saas.anonymity.scores import score_figures



def people(prefix: str, n: int) -> set:
    return {f"{prefix}{i}" for i in range(n)}


def test_a_group_is_named_from_k_distinct_authors_and_the_rest_must_hold_none_or_k():
    assert visible_groups({"AAL": people("a", 6), "BEE": people("b", 5), "CUR": people("c", 7)}, 5) == {
        "AAL", "BEE", "CUR"}
    # CUR (2 people) is hidden; then the total minus AAL and BEE would be CUR: BEE, the smaller, goes too
    assert visible_groups({"AAL": people("a", 6), "BEE": people("b", 5), "CUR": people("c", 2)}, 5) == {"AAL"}
    assert visible_groups({"AAL": people("a", 9), "BEE": people("b", 3), "CUR": people("c", 3)}, 5) == {"AAL"}
    assert visible_groups({"AAL": people("a", 9), "BEE": people("b", 1)}, 5) == set()
    assert visible_groups({}, 5) == set()


def test_one_person_writing_five_items_is_one_author_not_a_group():
    manager = [("m1", "management", "AAL")] * 5
    staff = [(author, "staff", "AAL") for author in sorted(people("s", 6))]
    labels = group_labels(manager + staff, 5)
    # one manager is no group, and "staff" would then be the total minus that one manager: nothing is named
    assert set(labels) == {()}
    assert group_counts(labels) == {}


def test_items_are_labelled_with_the_finest_group_their_authors_allow():
    aal = [(a, "staff", "AAL") for a in sorted(people("a", 6))]
    aal += [("a0", "staff", "AAL")] * 4  # a0 writes five in all: still six authors
    bee = [(a, "staff", "BEE") for a in sorted(people("b", 5))]
    cur = [(a, "staff", "CUR") for a in sorted(people("c", 2))] * 3  # two people, six items
    labels = group_labels(aal + bee + cur, 5)
    assert set(labels[:10]) == {("staff", "AAL")}
    assert set(labels[10:]) == {("staff",)}  # BEE and CUR together (7 people) say only "staff"
    assert group_counts(labels) == {("staff",): 21, ("staff", "AAL"): 10}


def test_raising_k_names_fewer_groups():
    items = [(a, "staff", "AAL") for a in sorted(people("a", 6))] + [(a, "staff", "BEE") for a in
                                                                   sorted(people("b", 6))]
    assert set(group_labels(items, 5)) == {("staff", "AAL"), ("staff", "BEE")}
    assert set(group_labels(items, 7)) == {("staff",)}
    assert set(group_labels(items, 13)) == {()}


def test_a_pseudonym_counts_one_person_in_one_round_and_says_nothing_across_rounds():
    same = pseudonym("secret", "expectations", 7, 42)
    assert same == pseudonym("secret", "expectations", 7, 42)
    assert same != pseudonym("secret", "expectations", 8, 42)  # another round: unrelated
    assert same != pseudonym("secret", "expectations", 7, 43)
    assert same != pseudonym("other secret", "expectations", 7, 42)
    assert "42" not in same and len(same) == 64


def test_a_workshop_release_shows_the_average_from_k_and_comments_from_the_free_text_threshold():
    assert score_figures([(4, "a"), (5, "")], 5) == {"count": 2, "average": None, "comments": None}
    five = [(4, "b"), (5, ""), (3, "A"), (4, "c"), (5, "")]
    assert score_figures(five, 5) == {"count": 5, "average": 4.2, "comments": None}
    assert score_figures(five, 6)["average"] is None  # k frozen higher: no average
    ten = five + [(2, "Zeer goed"), (3, "alles"), (4, ""), (5, "d"), (1, "  ")]
    assert score_figures(ten, 5) == {"count": 10, "average": 3.6,
                                     "comments": ["A", "alles", "b", "c", "d", "Zeer goed"]}
    assert score_figures(ten, 11)["comments"] is None
