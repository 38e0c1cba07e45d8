"""Criterion by criterion: which of a trial's inclusion and exclusion items a patient meets, fails or leaves open."""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.agelimits import admits
from indexer.discover.facts import Facts, norm
from indexer.discover.patient import Patient
from indexer.discover.thresholds import checked
from indexer.record import Criterion, TrialRecord

MEETS, FAILS, UNKNOWN = "meets", "fails", "unknown"
# A long item names many conditions in passing ("... other than diabetes, hypertension or ..."):
# only short ones are read as being about one condition.
SHORT_ITEM_WORDS = 12
_PREGNANCY = re.compile(r"\b(pregnan\w*|breast[- ]?feeding|lactating|nursing)\b", re.I)
_CHILDBEARING = re.compile(r"\b(child[- ]?bearing|contracepti\w+|birth control)\b", re.I)
# "age 18 to 75 years", "aged 18-65", "between 40 and 80 years of age".
_AGE_RANGE = re.compile(r"\b(\d{1,3})\s*(?:-|–|to|and)\s*(\d{1,3})\s*(?:years?|yrs?)", re.I)
_AGE_MIN = re.compile(r"(?:≥|>=|at least|over|older than|above|>)\s*(\d{1,3})\s*(?:years?|yrs?)", re.I)
_AGE_SPAN = re.compile(f"{_AGE_RANGE.pattern}|{_AGE_MIN.pattern}", re.I)
# Words of an item that says only an age (and who may be of it): "Male or female patients aged 18 to
# 65 years (inclusive) at the time of signing the informed consent".
_AGE_ITEM_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "or",
        "the",
        "of",
        "to",
        "from",
        "in",
        "at",
        "on",
        "is",
        "are",
        "be",
        "was",
        "must",
        "should",
        "who",
        "whose",
        "with",
        "between",
        "inclusive",
        "inclusively",
        "age",
        "aged",
        "ages",
        "years",
        "year",
        "yrs",
        "yr",
        "old",
        "older",
        "than",
        "over",
        "above",
        "least",
        "equal",
        "greater",
        "under",
        "younger",
        "below",
        "male",
        "female",
        "males",
        "females",
        "men",
        "women",
        "man",
        "woman",
        "both",
        "sexes",
        "sex",
        "gender",
        "any",
        "all",
        "adult",
        "adults",
        "patient",
        "patients",
        "subject",
        "subjects",
        "participant",
        "participants",
        "volunteer",
        "volunteers",
        "person",
        "persons",
        "people",
        "time",
        "screening",
        "enrollment",
        "enrolment",
        "entry",
        "study",
        "consent",
        "informed",
        "signing",
        "sign",
        "signed",
        "visit",
        "date",
        "day",
        "diagnosis",
    ]
)
_NOT_PREGNANT = re.compile(r"\b(negative|non-?pregnant|not (?:be )?pregnant)\b", re.I)
_MEN = re.compile(r"\b(men|males?)\b", re.I)
_WOMEN = re.compile(r"\b(women|females?)\b", re.I)


@dataclass(frozen=True)
class CriterionCheck:
    """One eligibility item, and whether the patient seems to meet it (for an exclusion: stay clear of it)."""

    kind: str  # inclusion or exclusion
    text: str
    verdict: str  # meets, fails or unknown
    reason: str = ""  # e.g. "you have lupus erythematosus, systemic"


@dataclass(frozen=True)
class CriteriaSummary:
    checks: tuple[CriterionCheck, ...]

    def count(self, verdict: str, kind: str | None = None) -> int:
        return sum(1 for c in self.checks if c.verdict == verdict and (kind is None or c.kind == kind))

    @property
    def meets(self) -> int:
        return self.count(MEETS)

    @property
    def fails(self) -> int:
        return self.count(FAILS)

    @property
    def unknown(self) -> int:
        return self.count(UNKNOWN)


def _named(text: str, names: tuple[str, ...]) -> str | None:
    """The first (longest) of `names` in `text`, normalised by `norm`."""
    return next((n for n in names if f" {n} " in text), None)


def _pregnancy(kind: str, item: str, patient: Patient, facts: Facts) -> CriterionCheck | None:
    if not _PREGNANCY.search(item) or _CHILDBEARING.search(item):
        return None  # "women of childbearing potential must use contraception" asks nothing we know
    # "Negative pregnancy test" includes those whom pregnancy would exclude.
    excludes_pregnancy = kind == "exclusion" or bool(_NOT_PREGNANT.search(item))
    if patient.sex == "M" or facts.pregnant is False:
        why = "you are male" if patient.sex == "M" else "you are not pregnant"
        return CriterionCheck(kind, item, MEETS if excludes_pregnancy else FAILS, why)
    if facts.pregnant:
        return CriterionCheck(kind, item, FAILS if excludes_pregnancy else MEETS, "you are pregnant")
    return None


def _sex(kind: str, item: str, patient: Patient) -> CriterionCheck | None:
    words = item.split()
    if kind != "inclusion" or len(words) > SHORT_ITEM_WORDS or not patient.sex or _CHILDBEARING.search(item):
        return None  # "women of childbearing potential must ..." is a rule for some women, not a limit
    men, women = bool(_MEN.search(item)), bool(_WOMEN.search(item))
    if men == women:
        return None
    ok = (patient.sex == "M") == men
    return CriterionCheck(
        kind, item, MEETS if ok else FAILS, "you are male" if patient.sex == "M" else "you are female"
    )


def _age(kind: str, item: str, patient: Patient) -> CriterionCheck | None:
    if kind != "inclusion" or patient.age is None or "age" not in item.lower():
        return None
    if m := _AGE_RANGE.search(item):
        low, high = float(m.group(1)), float(m.group(2))
    elif m := _AGE_MIN.search(item):
        low, high = float(m.group(1)), 999.0
    else:
        return None
    if not admits(low, high, patient.age):  # "aged 18 to 65 years" admits 65.5
        return CriterionCheck(kind, item, FAILS, f"you are {patient.age:g}")  # one failed part fails the item
    # Met only if the age is all it asks: "aged 18-75 years, weight 45-80 kg" asks a weight we do not know.
    rest = item[: m.start()] + " " + item[m.end() :]
    if re.search(r"\d", rest) or any(w not in _AGE_ITEM_WORDS for w in re.findall(r"[a-z]+", rest.lower())):
        return CriterionCheck(kind, item, UNKNOWN, f"you are {patient.age:g}; the rest of it is not known")
    return CriterionCheck(kind, item, MEETS, f"you are {patient.age:g}")


def _measured(item: str, patient: Patient) -> tuple[str, str] | None:
    """The item's numeric thresholds (its age left to `_age`) against the numbers the patient gave: met
    when all hold, failed when one does not, else unknown; None when it has none."""
    rest = _AGE_SPAN.sub(" ", item) if "age" in item.lower() else item
    found = checked(rest, patient.text, patient.age)
    if found is None:
        return None
    held, failed, unknown = found
    if failed:
        return FAILS, "; " + "; ".join(failed)
    if unknown:  # the first few: a long item of lab values would list a dozen
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        return UNKNOWN, f"; not known: {'; '.join(unknown[:3])}{more}"
    return MEETS, "; " + "; ".join(held)


def check_item(kind: str, item: str, patient: Patient, facts: Facts) -> CriterionCheck:
    """The verdict on one item: age, a condition the patient has or denies, pregnancy, sex; else unknown."""
    age, sex = _age(kind, item, patient), _sex(kind, item, patient)
    # One failed part fails the item ("Women aged 18-45" for a man of 30), whichever part it is.
    for part in (age, sex):
        if part is not None and part.verdict == FAILS:
            return part
    if age is not None and age.verdict == MEETS:
        return age
    for special in (_pregnancy(kind, item, patient, facts), sex):
        if special is not None:
            return special
    short = len(item.split()) <= SHORT_ITEM_WORDS
    text = norm(item)
    if has := _named(text, facts.present_names):
        # "Active SLE with hSLEDAI >= 6": the condition is hers, the score only if she gave it.
        measured = _measured(item, patient)
        said = f"you are {patient.age:g}; " if age is not None and patient.age is not None else ""
        if kind == "inclusion":
            # "Aged 18-75 years with SLE": the age fits (when one is asked) and the condition is hers.
            verdict, why = measured or (MEETS, "")
            return CriterionCheck(kind, item, verdict, f"{said}you have {has}{why}")
        if short:
            # An exclusion applies when all of it holds: a threshold that fails clears the patient of it.
            verdict, why = measured or (MEETS, "")
            flipped = {MEETS: FAILS, FAILS: MEETS}.get(verdict, UNKNOWN)
            return CriterionCheck(kind, item, flipped, f"you have {has}{why}")
    if short and (denied := _named(text, facts.denied_names)):
        verdict = MEETS if kind == "exclusion" else FAILS
        return CriterionCheck(kind, item, verdict, f"you do not have {denied}")
    return age or CriterionCheck(kind, item, UNKNOWN)  # the age fits, the rest is not known: partly known


def _items(criteria: tuple[Criterion, ...]) -> list[str]:
    """Every item's text, sub-items included, depth first (as indexer.parsers.criteria.flatten: importing
    that would load every parser, bs4 and lxml included, into `trials match`)."""
    return [t for c in criteria for t in (c.text, *_items(c.children))]


def check_criteria(record: TrialRecord, patient: Patient, facts: Facts) -> CriteriaSummary:
    e = record.eligibility
    checks = [check_item("inclusion", item, patient, facts) for item in _items(e.inclusion)]
    checks += [check_item("exclusion", item, patient, facts) for item in _items(e.exclusion)]
    return CriteriaSummary(tuple(checks))


def concepts_shared(record: TrialRecord, facts: Facts) -> list[str]:
    """The trial's own conditions (as it names them) that the patient has."""
    names = {norm(c).strip(): c for c in (*record.conditions, *record.condition_mesh)}
    return sorted({label for n, label in names.items() if n in facts.present})
