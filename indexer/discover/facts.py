"""A patient's stated facts in the corpus's own vocabulary: conditions present and denied, drugs, pregnancy."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer import patterns
from indexer.discover.markers import patient_markers
from indexer.discover.synonyms import Synonyms, is_abbreviation
from indexer.discover.words import NEGATED
from indexer.record import TrialRecord
from indexer.spelling import american

_PREGNANT = patterns.compile(r"\b(pregnant|pregnancy|gestation(?:al)?|\d+\s*weeks'? gestation|gravida)\b", re.I)
_MIN_CHARS = 4  # shorter names ("pain", "MS") match too much of free text to be read as facts
_MEDICINES = frozenset({"DRUG", "BIOLOGICAL", "DIETARY_SUPPLEMENT", "COMBINATION_PRODUCT"})
_NAME_WORDS = 5  # a longer "synonym" is a title or a description a record gave as its condition
_ABBREVIATION_CHARS = 3  # "SLE", "AML"; not "MS", "ED" (the emergency department)


_PUNCTUATION = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def norm(text: str) -> str:
    """Lower case, punctuation as spaces, British spellings American, padded: `f" {name} " in norm(text)`
    finds whole words ("leukaemia" in a criterion names the patient's "leukemia")."""
    return " " + " ".join(american(text).lower().translate(_PUNCTUATION).split()) + " "


@dataclass(frozen=True)
class Facts:
    """What the description says, each as the corpus names it (normalised: lower case, single spaces)."""

    present: frozenset[str]  # conditions the patient has
    denied: frozenset[str]  # conditions the description rules out ("no history of diabetes")
    drugs: frozenset[str]  # treatments the patient has had or takes
    pregnant: bool | None  # None: not said
    # Every name the patient's facts go by, synonyms included, longest first, for matching criteria text.
    present_names: tuple[str, ...] = ()
    denied_names: tuple[str, ...] = ()
    # Their abbreviations of three letters or more as written ("SLE"): too short for names, and read in
    # criteria only in capitals.
    present_abbreviations: tuple[str, ...] = ()
    denied_abbreviations: tuple[str, ...] = ()
    # Tumour markers the patient gave a status ("HER2-negative": ("HER2", "negative")), by markers.py.
    markers: tuple[tuple[str, str], ...] = ()


def vocabulary(records: Iterable[TrialRecord]) -> tuple[set[str], set[str]]:
    """Condition and drug names of these trials, normalised."""
    conditions: set[str] = set()
    keywords: set[str] = set()
    drugs: set[str] = set()
    medicines: set[str] = set()
    for r in records:
        conditions.update(norm(c).strip() for c in (*r.conditions, *r.condition_mesh))
        keywords.update(norm(k).strip() for k in r.keywords)
        drugs.update(norm(d).strip() for d in (*r.drug_names(), *r.intervention_mesh))
        medicines.update(norm(d) for d in r.intervention_mesh)
        medicines.update(norm(n) for iv in r.interventions if iv.type in _MEDICINES for n in (iv.name, *iv.other_names))
    # A keyword that names a medicine, or begins one's name, is no condition: "insulin pump" gave "you have
    # insulin", "on interferon beta" "you have interferon" (NCT00340834's keyword; Interferon beta-1a).
    conditions |= {k for k in keywords if not any(m.startswith(f" {k} ") or m == f" {k}s " for m in medicines)}
    return {c for c in conditions if len(c) >= _MIN_CHARS}, {d for d in drugs if len(d) >= _MIN_CHARS}


def _found(names: Iterable[str], text: str) -> set[str]:
    return {n for n in names if f" {n} " in text}


@functools.cache
def english_words() -> frozenset[str]:
    """Words of 3 to 6 letters that trials write in lower case (scripts/english_words.py): a patient's
    "sle" is SLE, their "all" no leukaemia."""
    path = Path(__file__).parent.parent / "data" / "english_words.txt"
    return frozenset(path.read_text(encoding="utf-8").split())


def _synonyms_in(text: str, synonyms: Synonyms | None, lower_case: bool = False) -> list[tuple[str, list[str]]]:
    """The synonym terms the text writes; with `lower_case`, also abbreviations typed in lower case
    ("sle"): only for conditions, whose names are checked against the trials' conditions. Read as
    drugs, the words that the English-word list misses would be treatments ("tax": paclitaxel's TAX)."""
    if synonyms is None:
        return []
    return synonyms.find_in_text(text, english=english_words() if lower_case else None)


def _key(name: str) -> str:
    return norm(name).strip()


def _same_thing(alternative: str) -> bool:
    """Whether a synonym group's alternative may name a condition: not a title that a record put in a
    condition field ("To Assess Erectile Function in Patients Complaining of ...": it made a patient with
    erectile dysfunction "have patients"), nor a whole description of one ("HER-2 Positive Metastatic
    Breast Cancer" for breast cancer)."""
    return len(norm(alternative).split()) <= _NAME_WORDS


def _with_synonyms(text: str, synonyms: Synonyms | None) -> str:
    """The text plus the synonyms of what it names, so "SLE" also reads as "systemic lupus erythematosus"."""
    extra = [alt for phrase, alts in _synonyms_in(text, synonyms) for alt in alts if _same_thing(alt)]
    return norm(text + " \n " + " \n ".join(extra))


def _conditions_in(text: str, conditions: set[str], synonyms: Synonyms | None) -> set[str]:
    """The conditions the text names, in its own words or by a whole synonym of what it names: a word
    inside a synonym is none ("stage" of "Carcinoma Breast Stage IV" for breast cancer, "infections" of
    "HIV Infections" for HIV)."""
    found = _synonyms_in(text, synonyms, lower_case=True)
    alternatives = {norm(a).strip() for _, alts in found for a in alts if _same_thing(a)}
    return _found(conditions, norm(text)) | (alternatives & conditions)


def read_facts(text: str, records: Sequence[TrialRecord], synonyms: Synonyms | None = None) -> Facts:
    """The facts of `text`, named as these candidate trials name conditions and drugs."""
    conditions, drug_names = vocabulary(records)
    negated = " ".join(m.group(0) for m in NEGATED.finditer(text))
    positive = NEGATED.sub(" ", text)
    said = _with_synonyms(positive, synonyms)
    present = _conditions_in(positive, conditions, synonyms)
    denied = _conditions_in(negated, conditions, synonyms) - present
    # The patient's own words for a condition found through a synonym ("lupus" for "systemic lupus
    # erythematosus") name it in criteria too.
    own = {
        norm(phrase).strip()
        for phrase, alts in _synonyms_in(positive, synonyms)
        if _found(map(_key, alts), said) & present
    }
    pregnant: bool | None = None
    if _PREGNANT.search(positive):
        pregnant = True
    elif _PREGNANT.search(negated):
        pregnant = False
    return Facts(
        frozenset(present),
        frozenset(denied),
        frozenset(_found(drug_names, said)),
        pregnant,
        _names(present | {o for o in own if len(o) >= _MIN_CHARS}, synonyms),
        _names(denied, synonyms),
        _abbreviations(present, synonyms),
        _abbreviations(denied, synonyms),
        tuple(sorted(patient_markers(text).items())),
    )


def _abbreviations(concepts: set[str], synonyms: Synonyms | None) -> tuple[str, ...]:
    if synonyms is None:
        return ()
    found = {s for c in concepts for s in synonyms.expand(c) if len(s) >= _ABBREVIATION_CHARS and is_abbreviation(s)}
    return tuple(sorted(found, key=lambda a: (-len(a), a)))


def _names(concepts: set[str], synonyms: Synonyms | None) -> tuple[str, ...]:
    out = set(concepts)
    if synonyms is not None:
        for c in concepts:
            out.update(
                n for n in (norm(s).strip() for s in synonyms.expand(c) if _same_thing(s)) if len(n) >= _MIN_CHARS
            )
    return tuple(sorted(out, key=lambda n: (-len(n), n)))
