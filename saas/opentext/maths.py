"""Themes in open answers (issue 21 point 5): TF-IDF and NMF by scikit-learn, on plain lists of texts.

No database and no Flask here, and no rule about what may be shown (saas.anonymity.themes decides that):
`find(texts, most)` groups texts into 2..`most` themes (at most MAX_THEMES) and says which text went
where, which words name each theme and which texts express it most. README, "What people say", gives the
exact definition; every setting is a constant below, and the result depends only on the texts and their
order (a fixed random_state, a deterministic initialisation). scikit-learn is imported where it is used:
it takes a second to load, and only the job after a close needs it, not every process that loads the app.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

METHOD_VERSION = 1  # raise when anything below changes what is found: stored themes are then found again
MIN_THEMES, MAX_THEMES = 2, 8
LABEL_WORDS = 4  # the words that name a theme
VERBATIMS = 3  # the answers shown with a theme
TOKEN = r"(?u)\b[^\W\d_]{2,}\b"  # words of two or more letters (no digits, no underscores)
MIN_DF = 2  # a word counts when at least two answers use it
MAX_DF = 0.9  # and not when nearly all do (it then names no theme)
SEED = 0


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """English (scikit-learn's list) and Dutch (Snowball's list and Koers's additions, shipped in
    saas/opentext/stopwords/): one set, so an answer in either language, or in both, is read alike."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    folder = resources.files("saas.opentext") / "stopwords"
    dutch = set()
    for name in ("nl_snowball.txt", "nl_koers.txt"):
        dutch.update(w.strip() for w in (folder / name).read_text(encoding="utf-8").split() if w.strip())
    return frozenset(ENGLISH_STOP_WORDS | dutch)


@dataclass(frozen=True)
class Theme:
    words: list[str]  # the LABEL_WORDS heaviest words of the theme, heaviest first
    members: list[int]  # the positions of the texts whose strongest theme this is
    typical: list[int]  # of those, the VERBATIMS with the largest weight on the theme


@dataclass(frozen=True)
class Found:
    themes: list[Theme]  # largest first
    unplaced: list[int]  # texts with no counted word (they belong to no theme)
    chosen: int  # the number of themes, chosen by the silhouette
    silhouette: float
    tried: dict  # {number of themes: mean silhouette}


def find(texts: list[str], most: int) -> Found | None:
    """The themes of `texts`, 2..min(`most`, MAX_THEMES) of them, the number with the highest mean
    cosine silhouette (the smaller number on a tie); None when there are too few texts or words."""
    most = min(most, MAX_THEMES)
    if most < MIN_THEMES or len(texts) < 2 * MIN_THEMES:
        return None
    try:
        matrix, words = vectorise(texts)
    except ValueError:  # no word is left (all stop words, or none used twice)
        return None
    from sklearn.decomposition import NMF
    most = min(most, len(words))
    best = None
    tried = {}
    for count in range(MIN_THEMES, most + 1):
        model = NMF(n_components=count, init="nndsvd", solver="cd", beta_loss="frobenius", max_iter=500,
                    tol=1e-4, random_state=SEED)
        weights = model.fit_transform(matrix)
        strongest = _strongest(weights)
        score = silhouette(matrix, strongest, count)
        tried[count] = round(score, 4)
        if best is None or score > best[0] + 1e-9:
            best = (score, count, weights, model.components_, strongest)
    if best is None:
        return None
    score, count, weights, components, strongest = best
    themes = []
    for theme in range(count):
        members = [int(i) for i in np.flatnonzero(strongest == theme)]
        if not members:
            continue
        order = np.argsort(-components[theme], kind="stable")  # heaviest first; the words are in alphabetical order
        label = [str(words[i]) for i in order[:LABEL_WORDS] if components[theme, i] > 0]
        typical = sorted(members, key=lambda i: (-weights[i, theme], texts[i].casefold(), i))[:VERBATIMS]
        themes.append(Theme(label, members, typical))
    themes.sort(key=lambda t: (-len(t.members), t.words))
    return Found(themes, [int(i) for i in np.flatnonzero(strongest < 0)], count, float(score), tried)


def vectorise(texts: list[str]):
    """(the answers' TF-IDF rows, unit length; the counted words in alphabetical order)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    vectoriser = TfidfVectorizer(lowercase=True, token_pattern=TOKEN, stop_words=sorted(stop_words()),
                                 min_df=MIN_DF, max_df=MAX_DF, sublinear_tf=True, norm="l2", dtype=np.float64)
    matrix = vectoriser.fit_transform(texts)
    return matrix, vectoriser.get_feature_names_out()


def _strongest(weights: np.ndarray) -> np.ndarray:
    """Each text's theme of largest weight; -1 for a text with no weight on any theme."""
    strongest = weights.argmax(axis=1)
    strongest[weights.max(axis=1) <= 0] = -1
    return strongest


def silhouette(matrix, labels: np.ndarray, count: int) -> float:
    """The mean silhouette of the placed texts (label >= 0) under cosine distance, exactly, without a
    distance matrix: the rows are unit vectors, so a text's mean similarity to a group is its dot
    product with the group's sum divided by the group's size (less itself for its own group). A text
    alone in its group scores 0 (Rousseeuw's convention); fewer than two groups with texts: -1."""
    placed = np.flatnonzero(labels >= 0)
    sizes = np.bincount(labels[placed], minlength=count).astype(float)
    if (sizes > 0).sum() < 2:
        return -1.0
    rows = matrix[placed]
    onehot = np.zeros((len(placed), count))
    onehot[np.arange(len(placed)), labels[placed]] = 1.0
    sums = np.asarray((rows.T @ onehot).T)  # (count, words): each group's sum of rows
    similarity = np.asarray(rows @ sums.T)  # (texts, count)
    own = labels[placed]
    own_size = sizes[own]
    self_similarity = np.asarray(rows.multiply(rows).sum(axis=1)).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        a = 1.0 - (similarity[np.arange(len(placed)), own] - self_similarity) / (own_size - 1)
        other = 1.0 - similarity / sizes
    other[:, sizes == 0] = np.inf
    other[np.arange(len(placed)), own] = np.inf
    b = other.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (b - a) / np.maximum(a, b)
    s[own_size <= 1] = 0.0
    s = np.nan_to_num(s, nan=0.0)
    return float(s.mean())
