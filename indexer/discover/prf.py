"""Pseudo-relevance feedback (RM3-style): the words the first results share, added to the query."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from indexer import patterns
from indexer.discover.words import FILLER
from indexer.index.tantivy_query import stem_analyzer
from indexer.record import TrialRecord
from indexer.spelling import american

# Words of trial records that say nothing about a patient or a disease.
_STOP_WORDS = (
    "a about after all also an and any are as at be been before being both but by can could did do does "
    "during each either for from had has have if in into is it its may more most must no nor not of on or "
    "other our over per should so such than that the their them then there these they this those through "
    "to under until up upon was we were what when where which while who whom will with within without "
    "would you your study studies trial trials patient patients participant participants subject subjects "
    "treatment treated therapy group groups day days week weeks month months year years age aged old will "
    "use used using include included including inclusion exclusion criteria eligible eligibility receive "
    "received receiving randomized randomised phase clinical investigator investigators protocol visit "
    "visits dose doses mg kg time one two three first second evaluate evaluated efficacy safety compared "
    "versus vs effect effects "
)
_STOP = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True)
class Feedback:
    """How many top results to learn from, how many words to add, and how much they weigh."""

    docs: int = 10
    terms: int = 20
    temperature: float = 1.0  # a result weighs exp((score - best score) / temperature)
    weight: float = 0.5  # the heaviest added word's weight; a word of the patient's text weighs 1


def feedback_text(record: TrialRecord) -> str:
    """The parts of a trial that say what it is about (the long criteria would add noise)."""
    return "\n".join(
        [
            record.brief_title or "",
            record.official_title or "",
            *record.conditions,
            *record.condition_mesh,
            *record.keywords,
            *record.drug_names(),
            record.brief_summary or "",
        ]
    )


def is_common_word(word: str) -> bool:
    """A word every trial or every case description uses."""
    w = word.lower()
    return len(w) < 3 or w.isdigit() or w in _STOP or w in FILLER


def stems(text: str) -> list[str]:
    """The text's word stems as the index has them (British spellings made American, as it stores them)."""
    return [t for t in stem_analyzer().analyze(american(text)) if len(t) > 2 and not t.isdigit()]


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return next(iter(stems(word)), "")


def expansion(
    query: str,
    records: Sequence[TrialRecord],
    scores: Sequence[float],
    doc_freq: Callable[[str], int],
    total: int,
    settings: Feedback = Feedback(),
) -> list[tuple[str, float]]:
    """(word, weight) pairs to add to `query`, learnt from the best `settings.docs` results.

    RM3's relevance model: each result's word distribution, weighted by the result's share of the
    scores, summed; then weighted by idf so that words common to the whole corpus do not crowd out
    the distinctive ones. Words already in the query are left out: they are weighed already.
    """
    top = list(zip(records, scores, strict=True))[: settings.docs]
    if not top or settings.terms <= 0:
        return []
    asked = set(stems(query))
    best = max(s for _, s in top)
    weights: dict[str, float] = {}
    surface: dict[str, Counter[str]] = {}
    for record, score in top:
        text = feedback_text(record)
        words = [w.lower() for w in _words(text)]
        counts: Counter[str] = Counter()
        for word in words:
            stem = _stem(word)
            if not stem or stem in asked or word in _STOP or stem in _STOP:
                continue
            counts[stem] += 1
            surface.setdefault(stem, Counter())[word] += 1
        length = sum(counts.values()) or 1
        # A result's weight falls fast with its score, as the query likelihood of RM3 does.
        p_doc = math.exp((score - best) / settings.temperature)
        for stem, n in counts.items():
            weights[stem] = weights.get(stem, 0.0) + p_doc * n / length
    scored = []
    for stem, w in sorted(weights.items(), key=lambda x: -x[1])[: settings.terms * 3]:
        word = surface[stem].most_common(1)[0][0]
        df = doc_freq(word)
        if df < 2:  # a word of one trial only: a name or a typo, not the topic
            continue
        scored.append((word, w * math.log(1 + total / df)))
    scored.sort(key=lambda x: -x[1])
    picked = scored[: settings.terms]
    top_weight = picked[0][1] if picked else 1.0
    return [(word, round(settings.weight * w / top_weight, 4)) for word, w in picked]


_WORD = patterns.compile(r"[^\W_]{3,}")


def _words(text: str) -> list[str]:
    return _WORD.findall(text)
