"""Private: the in-memory word index of street names and its typo-tolerant scoring.

Every name a street has or had (``Rue des Manguiers``) is folded into words. Words other than
street types and stop words go in an inverted index (word → names). A query word finds the
index words within a few edits (optimal string alignment: a swap of two letters is one edit)
with :mod:`rapidfuzz`, which gives the candidate names; each candidate is then scored by how
well its words are covered by the query's words.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from parakou_geo.geocode._query import ABBREVIATIONS, STOPWORDS, STREET_TYPES, fold

__all__ = ["NameIndex", "edit_budget", "name_words"]


def edit_budget(word: str) -> int:
    """Return how many typos a word may carry and still be recognised.

    Words of up to 2 letters must be exact, 3-4 letters allow one typo, longer words two.

    Examples
    --------
    >>> [edit_budget(w) for w in ("du", "gare", "marche")]
    [0, 1, 2]
    """
    n = len(word)
    return 0 if n <= 2 else 1 if n <= 4 else 2


def name_words(name: str) -> list[str]:
    """Return the folded words of a name, abbreviations expanded, stop words dropped."""
    return [w for w in (ABBREVIATIONS.get(t, t) for t in fold(name).split())
            if w not in STOPWORDS]


@dataclass(frozen=True)
class NameVariant:
    """One name of one street."""

    street_code: str
    name: str
    former: bool
    words: tuple[str, ...]


class NameIndex:
    """Word index over street names (current and former).

    Parameters
    ----------
    variants : list of NameVariant
        Every name of every street.
    """

    def __init__(self, variants: list[NameVariant]) -> None:
        self.variants = variants
        postings: dict[str, set[int]] = {}
        for i, v in enumerate(variants):
            for w in v.words:
                if w not in STREET_TYPES:
                    postings.setdefault(w, set()).add(i)
        self.postings = postings
        self.vocabulary = sorted(postings)
        self.glued = ["".join(w for w in v.words if w not in STREET_TYPES) for v in variants]

    def lookup(self, word: str) -> list[tuple[str, int]]:
        """Return the index words within the edit budget of ``word``, with their distance."""
        if word in self.postings and edit_budget(word) == 0:
            return [(word, 0)]
        if len(word) < 3:
            return [(word, 0)] if word in self.postings else []
        # the budget is the index word's: "tsad" (2 typos) still finds "stade"
        hits = process.extract(word, self.vocabulary, scorer=OSA.distance,
                               score_cutoff=2, limit=None)
        return [(h[0], int(h[1])) for h in hits if h[1] <= edit_budget(h[0])
                and h[1] <= edit_budget(word) + 1]

    def candidates(self, words: list[str], *, keep: int = 40) -> set[int]:
        """Return the variants sharing at least one (nearly) equal word with ``words``.

        When many do, only the ``keep`` best are returned: most query words found, then
        fewest typos (the full score is computed for these only).
        """
        hits: dict[int, list[int]] = {}
        for w in words:
            if w in STREET_TYPES or len(w) < 2:
                continue
            best: dict[int, int] = {}
            for hit, d in self.lookup(w):
                for i in self.postings[hit]:
                    if d < best.get(i, 99):
                        best[i] = d
            for i, d in best.items():
                hits.setdefault(i, []).append(d)
        if len(hits) > keep:
            ranked = sorted(hits, key=lambda i: (-len(hits[i]), sum(hits[i]), i))
            hits = {i: hits[i] for i in ranked[:keep]}
        found = set(hits)
        if not found:
            glued = "".join(w for w in words if w not in STREET_TYPES)
            if len(glued) >= 5:
                for _, score, i in process.extract(glued, self.glued,
                                                   scorer=Levenshtein.normalized_similarity,
                                                   score_cutoff=0.75, limit=5):
                    if score >= 0.75:
                        found.add(int(i))
        return found

    def score(self, words: list[str], i: int) -> tuple[float, set[str]]:
        """Score variant ``i`` against the query ``words`` (0-100) and the words it used."""
        v = self.variants[i]
        if not v.words:
            return 0.0, set()
        total = got = 0.0
        used: set[str] = set()
        for vw in v.words:
            weight = 0.25 if vw in STREET_TYPES else 1.0
            total += weight
            best, best_w = 0.0, ""
            budget = edit_budget(vw)
            for qw in words:
                if qw == vw:
                    best, best_w = 1.0, qw
                    break
                if abs(len(qw) - len(vw)) > budget:
                    continue
                d = OSA.distance(qw, vw, score_cutoff=budget)
                if d <= budget and d <= edit_budget(qw) + 1:
                    sim = 1.0 - 0.5 * d / max(len(vw), len(qw))
                    if sim > best:
                        best, best_w = sim, qw
            if best_w:
                used.add(best_w)
            got += weight * best
        cover = got / total
        plain = [w for w in words if w not in STREET_TYPES]
        glued_q = "".join(plain)
        if cover < 0.9 and glued_q and self.glued[i]:
            sim = Levenshtein.normalized_similarity(glued_q, self.glued[i])
            if sim >= 0.75 and sim > cover:
                cover, used = sim, set(plain)
        unused = [w for w in words if w not in used]
        typed = [w for w in words if w in STREET_TYPES]
        own_types = {w for w in v.words if w in STREET_TYPES}
        penalty = 12.0 * sum(1 for w in unused if w not in STREET_TYPES) / max(len(words), 1)
        if typed and own_types and not own_types & set(typed):
            penalty += 4.0  # "avenue du marché" for "Rue du Marché": right name, other type
        return max(0.0, 100.0 * cover - penalty), used
