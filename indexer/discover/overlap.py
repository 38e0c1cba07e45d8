"""How much of what a patient says a trial's inclusion criteria ask for: the idf-weighted share of their words."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

from indexer import patterns
from indexer.spelling import american

_WORD = patterns.compile(r"[a-z][a-z0-9\-]{2,}")


def word_weights(text: str, doc_freq: Callable[[str], int], total: int) -> dict[str, float]:
    """Each distinct word of a (cleaned) description with its idf over the `total` trials."""
    return {w: math.log((total + 1) / (doc_freq(w) + 0.5)) for w in set(_WORD.findall(american(text).lower()))}


def inclusion_overlap(weights: Mapping[str, float], inclusion: Iterable[str]) -> float:
    """0 to 1: the share of the patient's words (by idf) that the trial's inclusion criteria (the texts of
    its items, sub-items included) use.

    BM25 over the whole record rewards a word wherever it stands, in an exclusion item as well; a trial
    whose inclusion criteria name the patient's diagnosis, history and findings asks for this patient.
    """
    whole = sum(weights.values())
    if whole <= 0:
        return 0.0
    asked = set(_WORD.findall(american(" ".join(inclusion)).lower()))  # "tumour" asks for a "tumor"
    return sum(w for word, w in weights.items() if word in asked) / whole
