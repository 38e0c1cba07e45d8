"""How much of a trial's own condition the patient names: the idf-weighted share of its words in the description."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable

from indexer import patterns
from indexer.discover.prf import stems

_WORD = patterns.compile(r"[^\W_]+")


def patient_stems(text: str) -> frozenset[str]:
    """The stems of the words a (cleaned) description uses."""
    return frozenset(stems(text))


def condition_coverage(
    names: Iterable[str], said: Collection[str], doc_freq: Callable[[str], int], total: int
) -> float:
    """0 to 1: of a trial's condition names (its conditions and their MeSH terms), the best share of one
    name's words that the patient used, each word weighed by its idf ("Lupus Nephritis" for a patient
    who has lupus: about half).

    BM25 rewards any word of the conditions field, "type" or "disease" as well; this asks whether the
    patient has the trial's condition as a whole.
    """
    best = 0.0
    for name in names:
        weights: dict[str, float] = {}
        for word in _WORD.findall(name):
            for stem in stems(word):
                weights.setdefault(stem, math.log(1 + total / max(1, doc_freq(word))))
        whole = sum(weights.values())
        if whole > 0:
            best = max(best, sum(w for s, w in weights.items() if s in said) / whole)
    return best
