"""Criterion by criterion: which of a trial's inclusion and exclusion items a patient meets, fails or leaves open."""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.agelimits import admits
from indexer.discover.facts import Facts, norm
from indexer.discover.patient import Patient
from indexer.discover.thresholds import checked
from indexer.record import Criterion, TrialRecord

# How criteria name the people they are about: "patients 18 to 75 years" is an age.
_PEOPLE = frozenset(
    """
    patient patients subject subjects participant participants volunteer volunteers person persons
    people
    """.split()  # noqa: SIM905
)
MEETS, FAILS, UNKNOWN = "meets", "fails", "unknown"
# A long item names many conditions in passing ("... other than diabetes, hypertension or ..."):
# only short ones are read as being about one condition.
SHORT_ITEM_WORDS = 12
_PREGNANCY = re.compile(r"\b(pregnan\w*|breast[- ]?feeding|lactating|nursing)\b", re.I)
_CHILDBEARING = re.compile(r"\b(child[- ]?bearing|contracepti\w+|birth control)\b", re.I)
# A span of years: "18 to 75 years", "aged 18-65 yrs", "between 40 and 80 years", "at least 18 years",
# "18 years of age or older". Whether it is an age or a duration is `_is_age`'s to tell.
_YEARS = r"(?:years?|yrs?)\b"
_YEAR_SPAN = re.compile(
    rf"\b(?P<low>\d{{1,3}})\s*(?:-|–|to|and)\s*(?P<high>\d{{1,3}})\s*{_YEARS}"
    rf"|(?:≥|>=|\bat\s+least|\bover|\bolder\s+than|\babove|>)\s*(?P<min>\d{{1,3}})\s*{_YEARS}"
    rf"|\b(?P<min2>\d{{1,3}})\s*{_YEARS}(?:\s+of\s+age|\s+old)?\s*(?:or|and)\s+(?:older|over|above|more)\b",
    re.I,
)
# Words of an item that says only an age (and who may be of it): "Male or female patients aged 18 to
# 65 years (inclusive) at the time of signing the informed consent".
_AGE_ITEM_WORDS = _PEOPLE | frozenset(
    """
    a an and or the of to from in at on is are be being was must should who whose with between
    inclusive inclusively age aged ages years year yrs yr old older than over above least equal
    greater under younger below male female males females men women man woman both sexes sex gender
    genders any all adult adults time screening enrollment enrolment entry study consent informed
    signing sign signed visit date day diagnosis
    """.split()  # noqa: SIM905 (one word a line would be 74 lines)
)
# Whether a span of years is an age (`_is_age`), by the words around it. After it: an age ("of age",
# "old"); a time since or before something ("2 years or more postprostatectomy", "1 to 5 years of disease
# duration", "at least 2 years prior to screening"); a rule for those of that age ("Children 9-11 years
# must have received ...").
_AGE_AFTER = re.compile(r"\s*-?\s*(?:of\s+age|old)\b", re.I)
_TIME_AFTER = re.compile(
    r"\s*(?:of(?!\s+(?:both|either|any|all)\b)|ago|since|prior|before|after|following|from|past|duration|history|post\w*)\b",
    re.I,
)
_RULE_AFTER = re.compile(r"\s*(?:must|should|shall|will|need|needs|are\s+required|may)\b", re.I)
# Before it, in its sentence: a condition ("If the patient is older than 49 years, ...", "required for
# all patients over 40 years", "for those 12-17 years", not "eligible for care at the VA aged 50-85
# years"): the age of some, not the item's.
_CONDITION = re.compile(
    r"\b(?:if|unless|when|whenever|those|for\s+(?:\w+\s+){0,2}(?:all|those|ages?|patients?|children|subjects?"
    r"|participants?|adults?|women|men|females?|males?|residents?|persons?|people|individuals?))\b",
    re.I,
)
# Before it, past words of an age item only (no number): the word "age" ("between the ages of 18 and 50 years", "Age
# range: 18-70 years", "Patient age at enrollment ranged from"; not "aged 18 with a life expectancy ≥ 10
# years", nor a "bone age").
_AGE_WORD = re.compile(r"(?<!bone\s)\bage[ds]?\b", re.I)
_AGE_TO_SPAN = _AGE_ITEM_WORDS | {"range", "ranged", "ranging", "group"}
# Else the word before it, past linking words, says who is of that age ("Men and women 18 to 75 years",
# "patients must be 12 to 50 years", "Adult patients (above 18 years)"); any other names what lasts that
# long ("disease duration 1 to 5 years", "diagnosed at least 2 years", "SLE for over 2 years").
_LINKING = frozenset(
    """
    is are be being was were will must should who whose between from of ranging ranged
    """.split()  # noqa: SIM905 (one word a line would be 16 lines)
)
_OF_AN_AGE = _PEOPLE | frozenset(
    """
    age aged ages men women man woman male female males females adult adults child children
    adolescent adolescents boys girls individuals sexes genders
    """.split()  # noqa: SIM905 (one word a line would be 22 lines)
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


def _is_age(item: str, m: re.Match[str]) -> bool:
    """Whether a span of years in an inclusion item is the age it asks: "18 to 75 years" on its own, said
    of people or of an age; not a duration ("disease duration 1 to 5 years", "diagnosed at least 2 years",
    "2 years or more postprostatectomy"), nor the age a condition or rule is for ("if older than 49 years")."""
    before, after = item[: m.start()], item[m.end() :]
    if _CONDITION.search(re.split(r"[.;]\s", before)[-1]) or re.search(r"\bnot?\s*$", before, re.I):
        return False  # "not older than 80 years" is a maximum
    if _RULE_AFTER.match(after):
        return False
    if re.search(r"\b(?:of\s+age|old)\b", m.group(), re.I) or _AGE_AFTER.match(after):
        return True
    if _TIME_AFTER.match(after):
        return False
    clause = re.split(r"[,;]|\.\s", before)[-1]
    if (age := list(_AGE_WORD.finditer(clause))) and all(
        w in _AGE_TO_SPAN for w in re.findall(r"[a-z]+|\d", clause[age[-1].end() :].lower())
    ):
        return True
    words = [w for w in re.findall(r"[a-z]+", before.lower()) if w not in _LINKING]
    if words and words[-1] in _OF_AN_AGE:
        return True
    # On its own: "18-55 years", "Systemic lupus erythematosus, 18-75 years"; a bare "at least 2 years"
    # is rather how long something lasts, unless it says "older".
    alone = not words or bool(re.search(r"[,;(]\s*$", before))
    return alone and (m.group("min") is None or m.group().lower().startswith("older"))


def _ages(item: str) -> list[re.Match[str]]:
    """The item's spans of years that are ages."""
    return [m for m in _YEAR_SPAN.finditer(item) if _is_age(item, m)]


def _without_ages(item: str, spans: list[re.Match[str]]) -> str:
    for m in reversed(spans):
        item = item[: m.start()] + " " + item[m.end() :]
    return item


def _age(kind: str, item: str, patient: Patient) -> tuple[CriterionCheck | None, bool]:
    """The verdict on the item's age, if it names one, and whether that verdict is the item's."""
    if kind != "inclusion" or patient.age is None or not (spans := _ages(item)):
        return None, False
    bounds = {_bounds(m) for m in spans}
    said = f"you are {patient.age:g}"
    if not any(admits(low, high, patient.age) for low, high in bounds):  # "aged 18 to 65 years" admits 65.5
        return CriterionCheck(kind, item, FAILS, said), True  # one failed part fails the item
    if len(bounds) > 1:  # "Adolescent (12 to 18 years), and young adult (19 to 40 years)": one of them
        return CriterionCheck(kind, item, UNKNOWN, f"{said}; which of its ages applies is not known"), True
    # Met only if the age is all it asks: "aged 18-75 years, weight 45-80 kg" asks a weight we do not know.
    rest = _without_ages(item, spans)
    if re.search(r"\d", rest) or any(w not in _AGE_ITEM_WORDS for w in re.findall(r"[a-z]+", rest.lower())):
        return CriterionCheck(kind, item, UNKNOWN, f"{said}; the rest of it is not known"), False
    return CriterionCheck(kind, item, MEETS, said), True


def _bounds(m: re.Match[str]) -> tuple[float, float]:
    if m.group("low") is not None:
        return float(m.group("low")), float(m.group("high"))
    return float(m.group("min") or m.group("min2")), 999.0


def _measured(item: str, patient: Patient) -> tuple[str, str] | None:
    """The item's numeric thresholds (its age left to `_age`) against the numbers the patient gave: met
    when all hold, failed when one does not, else unknown; None when it has none."""
    found = checked(_without_ages(item, _ages(item)), patient.text, patient.age)
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
    (age, final), sex = _age(kind, item, patient), _sex(kind, item, patient)
    # One failed part fails the item ("Women aged 18-45" for a man of 30), whichever part it is.
    for part in (age, sex):
        if part is not None and part.verdict == FAILS:
            return part
    if age is not None and final:
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
