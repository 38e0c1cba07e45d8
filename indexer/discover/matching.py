"""Patient-to-trial matching: read a description, search with its structure, push down likely exclusions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.catalog import Catalog
from indexer.discover.patient import Patient, read_patient
from indexer.index.document import SearchQuery
from indexer.parsers.criteria import flatten
from indexer.record import TrialRecord

__all__ = ["Match", "Patient", "match", "query_text", "read_patient"]

# A negation and what follows it up to the end of the clause: "denies chest pain, ..." -> gone.
_NEGATED = re.compile(r"\b(no|denies|denied|negative for|without|not)\b[^.;,]*", re.I)
# Words every case description uses: they match every trial and say nothing about the patient.
_FILLER = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "for",
        "from",
        "has",
        "had",
        "have",
        "he",
        "her",
        "his",
        "him",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "she",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "were",
        "which",
        "who",
        "with",
        "without",
        "patient",
        "patients",
        "history",
        "presents",
        "presented",
        "presenting",
        "year",
        "years",
        "old",
        "yo",
        "man",
        "woman",
        "male",
        "female",
        "boy",
        "girl",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "time",
        "reports",
        "reported",
        "states",
        "denies",
        "showed",
        "shows",
        "found",
        "noted",
        "given",
        "started",
        "also",
        "after",
        "before",
        "since",
        "then",
        "well",
        "normal",
        "exam",
        "examination",
        "physical",
        "admitted",
        "hospital",
        "mother",
        "father",
        "family",
        "past",
        "medical",
        "recent",
        "recently",
        "currently",
        "current",
        "prior",
        "last",
        "two",
        "three",
        "one",
        "four",
        "five",
        "new",
        "left",
        "right",
    ]
)

# Field weights for a long patient description (measured on the TREC 2021 development set, see
# docs/benchmarks.md): criteria count more here than in a short search, since they describe the patient.
MATCH_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("title", 1.5),
    ("conditions", 2.0),
    ("summary", 1.0),
    ("description", 0.5),
    ("criteria", 1.5),
    ("keywords", 1.0),
    ("interventions", 0.5),
)
EXCLUSION_PENALTY = 0.1  # score x (1 - penalty) when a short exclusion item names the patient's condition
_SHORT_ITEM_WORDS = 12
CANDIDATES = 100


@dataclass
class Match:
    record: TrialRecord
    score: float
    possible_exclusions: list[str] = field(default_factory=list)


def query_text(text: str) -> str:
    """The description without negated clauses and filler words."""
    words = re.findall(r"[A-Za-z0-9][A-Za-z0-9'-]*", _NEGATED.sub(" ", text))
    return " ".join(w for w in words if w.lower() not in _FILLER)


def _norm(text: str) -> str:
    return " " + " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split()) + " "


def _conditions_in(text: str, records: list[TrialRecord]) -> set[str]:
    """Condition names of the candidate trials that the description (negations removed) states."""
    said = _norm(_NEGATED.sub(" ", text))
    names = {_norm(c).strip() for r in records for c in (*r.conditions, *r.condition_mesh)}
    return {n for n in names if len(n) > 4 and f" {n} " in said}


def match(
    catalog: Catalog,
    patient: Patient,
    *,
    statuses: tuple[str, ...] = (),
    limit: int = 10,
    exclusion_penalty: float = EXCLUSION_PENALTY,
) -> list[Match]:
    """Trials the patient could join, best first; hard limits (age, sex, status) are filters."""
    query = SearchQuery(
        text=query_text(patient.text) or patient.text,
        age=patient.age,
        sex=patient.sex,
        statuses=statuses,
        limit=max(limit, CANDIDATES),
        field_weights=MATCH_WEIGHTS,
    )
    result, records = catalog.search(query)
    scores = {h.nct_id: h.score for h in result.hits}
    conditions = _conditions_in(patient.text, records)
    matches = []
    for record in records:
        hits = []
        for item in flatten(record.eligibility.exclusion):
            norm = _norm(item)
            if len(norm.split()) <= _SHORT_ITEM_WORDS and any(f" {c} " in norm for c in conditions):
                hits.append(item)
        penalty = (1 - exclusion_penalty) if hits else 1.0
        matches.append(Match(record, scores[record.nct_id] * penalty, hits))
    matches.sort(key=lambda m: -m.score)
    return matches[:limit]
