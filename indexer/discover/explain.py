"""Why a trial matched a patient: criteria met, failed or unknown, and the words shared, field by field."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from indexer.catalog import Catalog
from indexer.discover import docfreq, matching
from indexer.discover.criteria_match import FAILS, MEETS, UNKNOWN, CriterionCheck
from indexer.discover.matching import Match
from indexer.discover.patient import Patient
from indexer.discover.prf import is_common_word, stems
from indexer.discover.words import query_text
from indexer.index.document import SearchQuery
from indexer.record import TrialRecord

# A word of the patient's found in more than this share of the trials says nothing about them.
COMMON_SHARE = 0.2
# Words that name no condition in particular: a trial near Boston sharing only the "disease" of "Crohn's
# disease" (a Parkinson's disease trial) concerns another condition.
_GENERIC_WORDS = (
    "disease diseases disorder disorders syndrome syndromes condition conditions illness illnesses problem problems"
)


@functools.cache
def _generic() -> frozenset[str]:
    return frozenset(stems(_GENERIC_WORDS))


@dataclass(frozen=True)
class MatchExplanation:
    """What the web page and `trials match --explain` show for one trial."""

    nct_id: str
    score: float
    meets: tuple[CriterionCheck, ...]
    fails: tuple[CriterionCheck, ...]
    unknown: tuple[CriterionCheck, ...]
    concepts: tuple[str, ...]  # the trial's conditions the patient has
    matched_terms: tuple[tuple[str, tuple[str, ...]], ...]  # (field, the patient's words found there)

    @property
    def only_common_words(self) -> bool:
        """No condition and no distinctive word in what the trial is about (title, conditions, keywords,
        drugs, summary): a word in the long criteria alone is most often one said in passing."""
        return not self.concepts and all(name == "criteria" for name, _ in self.matched_terms)

    @property
    def partly(self) -> tuple[CriterionCheck, ...]:
        return tuple(c for c in self.unknown if c.reason)

    def to_dict(self) -> dict[str, Any]:
        def checks(cs: tuple[CriterionCheck, ...]) -> list[dict[str, str]]:
            return [{"kind": c.kind, "text": c.text, "reason": c.reason} for c in cs]

        return {
            "meets": checks(self.meets),
            "fails": checks(self.fails),
            "unknown": len(self.unknown),
            # Unknown items of which a part was checked ("aged 18-75, weight 45-80 kg": the age fits).
            "partly": checks(self.partly),
            "concepts": list(self.concepts),
            "matched_terms": dict(self.matched_terms),
        }


def _fields(record: TrialRecord) -> list[tuple[str, str]]:
    return [
        ("title", "\n".join(t for t in (record.brief_title, record.official_title) if t)),
        ("conditions", "\n".join((*record.conditions, *record.condition_mesh))),
        ("keywords", "\n".join(record.keywords)),
        ("interventions", "\n".join(record.drug_names())),
        ("summary", record.brief_summary or ""),
        ("criteria", record.eligibility.criteria_text or ""),
    ]


def shared_words(
    record: TrialRecord, text: str, common: Callable[[str], bool]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The patient's own (not common) words found in each field of the trial, as the patient wrote them."""
    words: dict[str, str] = {}
    for word in query_text(text).split():
        for stem in stems(word):
            if not common(stem):
                words.setdefault(stem, word)
    out = []
    for name, value in _fields(record):
        found = set(stems(value)) & words.keys()
        if found:
            out.append((name, tuple(sorted({words[s] for s in found}, key=str.lower))))
    return tuple(out)


def explain(m: Match, text: str, common: Callable[[str], bool]) -> MatchExplanation:
    by = {v: tuple(c for c in m.criteria.checks if c.verdict == v) for v in (MEETS, FAILS, UNKNOWN)}
    return MatchExplanation(
        m.record.nct_id,
        m.score,
        by[MEETS],
        by[FAILS],
        by[UNKNOWN],
        m.concepts,
        shared_words(m.record, text, common),
    )


def explain_matches(catalog: Catalog, patient: Patient, matches: Sequence[Match]) -> list[MatchExplanation]:
    """One explanation per match, in order (the library call behind `match --explain` and the web page)."""
    doc_freq = docfreq.doc_freq(catalog)
    total = doc_freq.total()

    def common(word: str) -> bool:
        return is_common_word(word) or word in _generic() or doc_freq(word) > COMMON_SHARE * total

    return [explain(m, patient.text, common) for m in matches]


def drop_padding(explained: list[MatchExplanation]) -> tuple[list[MatchExplanation], int]:
    """The list without the trials that share only common words with the patient, and how many those were."""
    kept = [e for e in explained if not e.only_common_words]
    return kept, len(explained) - len(kept)


@dataclass(frozen=True)
class MatchReport:
    """A patient's matches with their explanations, as `trials match` and the web page show them."""

    patient: Patient
    matches: tuple[Match, ...]
    explanations: tuple[MatchExplanation, ...]  # one per match, same order
    hidden: int  # trials left out because they share nothing but common words with the description


def find_trials(
    catalog: Catalog,
    patient: Patient,
    *,
    statuses: tuple[str, ...] = matching.JOINABLE_STATUSES,
    limit: int = 10,
    settings: matching.MatchSettings | None = None,
    where: SearchQuery | None = None,
) -> MatchReport:
    """Trials the patient could join (by default: that are open to them), explained, without padding.

    `where` narrows them by place and freshness (near, within_km, countries, fresh).
    """
    found = matching.match(
        catalog, patient, statuses=statuses, limit=limit, settings=settings or matching.DEFAULT, where=where
    )
    explained, hidden = drop_padding(explain_matches(catalog, patient, found))
    shown = {e.nct_id for e in explained}
    return MatchReport(patient, tuple(m for m in found if m.record.nct_id in shown), tuple(explained), hidden)
