"""Patient-to-trial matching: read a description, search with its structure, push down likely exclusions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.catalog import Catalog
from indexer.index.document import SearchQuery
from indexer.parsers.criteria import flatten
from indexer.record import TrialRecord

_AGE_RE = re.compile(r"\b(\d{1,3})[- ]?(?:years?[- ]old|year|yrs?\b|yo\b|y/o|y\.o\.)", re.I)
_AGE_SAID_RE = re.compile(r"\b(?:aged?|I am|I'm|im)\s+(\d{1,3})\b(?!\s*(?:kg|lb|cm|mg|%|weeks|days))", re.I)
_MONTHS_RE = re.compile(r"\b(\d{1,2})[- ]?months?[- ]old\b", re.I)
_FEMALE = re.compile(r"\b(she|her|hers|woman|women|female|girl|lady|mother|pregnant|pregnancy)\b", re.I)
_MALE = re.compile(r"\b(he|his|him|man|men|male|boy|gentleman|father)\b", re.I)
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


@dataclass(frozen=True)
class Patient:
    text: str
    age: float | None = None
    sex: str | None = None  # F or M
    age_source: str = "given"
    sex_source: str = "given"


@dataclass
class Match:
    record: TrialRecord
    score: float
    possible_exclusions: list[str] = field(default_factory=list)


def read_patient(text: str, age: float | None = None, sex: str | None = None) -> Patient:
    """Age and sex as given, else as the description states them ("a 45-year-old man")."""
    age_source = sex_source = "given"
    if age is None:
        age_source = "text"
        if m := _AGE_RE.search(text) or _AGE_SAID_RE.search(text):
            age = float(m.group(1))
        elif m := _MONTHS_RE.search(text):
            age = round(int(m.group(1)) / 12, 2)
        else:
            age_source = "unknown"
    if sex is None:
        female, male = len(_FEMALE.findall(text)), len(_MALE.findall(text))
        sex = "F" if female > male else "M" if male > female else None
        sex_source = "text" if sex else "unknown"
    return Patient(text, age, sex.upper()[:1] if sex else None, age_source, sex_source)


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
    where: SearchQuery | None = None,
) -> list[Match]:
    """Trials the patient could join, best first; hard limits (age, sex, status) are filters, and
    so are the place and freshness of `where` (its near, within_km, countries, fresh)."""
    w = where or SearchQuery()
    query = SearchQuery(
        near=w.near,
        within_km=w.within_km,
        countries=w.countries,
        fresh=w.fresh,
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
