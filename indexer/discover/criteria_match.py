"""Criterion by criterion: which of a trial's inclusion and exclusion items a patient meets, fails or leaves open."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from indexer import patterns
from indexer.discover.criteria_ages import AgeSpan, ages, fits, only_ages, without_ages
from indexer.discover.facts import Facts, norm
from indexer.discover.markers import conflicts, excluded_as
from indexer.discover.naming import named
from indexer.discover.patient import Patient
from indexer.discover.thresholds import checked
from indexer.record import Criterion, TrialRecord

MEETS, FAILS, UNKNOWN = "meets", "fails", "unknown"
# A long item names many conditions in passing ("... other than diabetes, hypertension or ..."):
# only short ones are read as being about one condition.
SHORT_ITEM_WORDS = 12
_PREGNANCY = patterns.compile(r"\b(pregnan\w*|breast[- ]?feeding|lactating|nursing)\b", re.I)
_CHILDBEARING = patterns.compile(r"\b(child[- ]?bearing|contracepti\w+|birth control)\b", re.I)
_NOT_PREGNANT = patterns.compile(r"\b(negative|non-?pregnant|not (?:be )?pregnant)\b", re.I)
_MEN = patterns.compile(r"\b(men|males?)\b", re.I)
_MEN_TOO = patterns.compile(r"\b(men|males?|partners?|father\w*)\b", re.I)
# A wait after a treatment ("At least 3 weeks since prior chemotherapy") is asked only of those who had it;
# an item ending in ":" heads its sub-items ("Chemotherapy:").
_SINCE = patterns.compile(r"\b(?:since|after|from)\s+(?:the\s+)?(?:(?:last|prior|previous|any)\s+)*\w*\s*$", re.I)
_WOMEN = patterns.compile(r"\b(women|females?)\b", re.I)


@dataclass(frozen=True)
class CriterionCheck:
    """One eligibility item, and whether the patient seems to meet it (for an exclusion: stay clear of it)."""

    kind: str  # inclusion or exclusion
    text: str
    verdict: str  # meets, fails or unknown
    reason: str = ""  # e.g. "you have lupus erythematosus, systemic"


@dataclass(frozen=True)
class CriteriaSummary:
    """A patient's checks against one trial's criteria, item by item."""

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


def _pregnancy(kind: str, item: str, patient: Patient, facts: Facts) -> CriterionCheck | None:
    if not _PREGNANCY.search(item) or _CHILDBEARING.search(item):
        return None  # "women of childbearing potential must use contraception" asks nothing we know
    # "Negative pregnancy test" includes those whom pregnancy would exclude.
    excludes_pregnancy = kind == "exclusion" or bool(_NOT_PREGNANT.search(item))
    if patient.sex == "M" and _MEN_TOO.search(item):
        return None  # "Male partners of women who are pregnant": said of some men too
    if patient.sex == "M" or facts.pregnant is False:
        why = "you are male" if patient.sex == "M" else "you are not pregnant"
        return CriterionCheck(kind, item, MEETS if excludes_pregnancy else FAILS, why)
    if facts.pregnant:
        return CriterionCheck(kind, item, FAILS if excludes_pregnancy else MEETS, "you are pregnant")
    return None


def _said_absent(item: str, facts: Facts) -> CriterionCheck | None:
    """A short inclusion item that asks a condition be absent: failed by one the patient has ("No prior
    SLE", "Seronegative for HIV"), met by one they do not ("No prior chemotherapy")."""
    if has := named(item, facts.present_names, facts.present_abbreviations, negated=True):
        return CriterionCheck("inclusion", item, FAILS, f"you have {has}")
    if denied := named(item, facts.denied_names, facts.denied_abbreviations, negated=True):
        return CriterionCheck("inclusion", item, MEETS, f"you do not have {denied}")
    return None


def _waits_for(item: str, name: str) -> bool:
    """Whether the item asks a time since the named treatment ("At least 3 weeks since prior chemotherapy")."""
    m = re.search(r"(?<![a-z0-9])" + r"\W+".join(map(re.escape, name.split())), item, re.I)
    return m is not None and bool(_SINCE.search(item[: m.start()]))


def _sex(kind: str, item: str, patient: Patient) -> CriterionCheck | None:
    words = item.split()
    if kind != "inclusion" or len(words) > SHORT_ITEM_WORDS or not patient.sex or _CHILDBEARING.search(item):
        return None  # "women of childbearing potential must ..." is a rule for some women, not a limit
    if (one := _one_sex(item)) is None:
        return None
    ok = patient.sex == one
    return CriterionCheck(
        kind, item, MEETS if ok else FAILS, "you are male" if patient.sex == "M" else "you are female"
    )


def _one_sex(item: str) -> str | None:
    """M or F when the item names people of one sex only ("Men younger than 50 years")."""
    men, women = bool(_MEN.search(item)), bool(_WOMEN.search(item))
    return None if men == women else "M" if men else "F"


def _combined(item: str, spans: list[AgeSpan]) -> list[AgeSpan]:
    """An inclusion's one-sided ages hold together ("aged >= 18 years; <= 70 years"): one span from the
    highest minimum to the lowest maximum. Ranges, or bounds joined by "or" or in other sentences, are
    alternatives."""
    between = item[spans[0].start : spans[-1].stop]
    if (
        len(spans) < 2
        or re.search(r"\bor\b|[.;]\s", between, re.I)
        or any(s.low is not None and s.end is not None for s in spans)
    ):
        return spans
    lows = [s.low for s in spans if s.low is not None]
    ends = [s.end for s in spans if s.end is not None]
    low, end = max(lows, default=None), min(ends, default=None)
    if low is not None and end is not None and low >= end:  # "less than 18 years and over 70 years": either
        return spans
    return [AgeSpan(spans[0].start, spans[-1].stop, low, end, "; ".join(s.written for s in spans))]


def _age(kind: str, item: str, patient: Patient, spans: list[AgeSpan]) -> tuple[CriterionCheck | None, bool]:
    """The verdict on the item's age, if it names one, and whether that verdict is the item's."""
    if patient.age is None or not spans:
        return None, False
    said = f"you are {patient.age:g}"
    if kind == "exclusion":
        # "Age < 18 years", "Men younger than 50 years of age": it excludes those of its ages (and sex). An
        # item asking more ("under 18 years, or pregnant") is left to the rest of the checks.
        if not only_ages(item, spans) or any(s.then for s in spans):
            return None, False
        if not fits(patient, spans):
            return CriterionCheck(kind, item, MEETS, said), True
        sex = _one_sex(item)
        if sex is None:
            return CriterionCheck(kind, item, FAILS, said), True
        if patient.sex is None:
            return CriterionCheck(kind, item, UNKNOWN, f"{said}; your sex is not known"), True
        verdict = FAILS if patient.sex == sex else MEETS
        return CriterionCheck(kind, item, verdict, f"{said}, {'male' if patient.sex == 'M' else 'female'}"), True
    spans = _combined(item, spans)
    if not fits(patient, spans):  # "aged 18 to 65 years" admits 65.5
        return CriterionCheck(kind, item, FAILS, said), True  # one failed part fails the item
    if any(s.then for s in spans):  # "18 years or older at diagnosis" for a 40-year-old
        return CriterionCheck(kind, item, UNKNOWN, f"{said}; your age at the time it names is not known"), False
    if len({(s.low, s.end) for s in spans}) > 1:  # "Adolescent (12 to 18 years), and young adult (19 to 40 years)"
        return CriterionCheck(kind, item, UNKNOWN, f"{said}; which of its ages applies is not known"), True
    # Met only if the age is all it asks: "aged 18-75 years, weight 45-80 kg" asks a weight we do not know.
    if not only_ages(item, spans):
        return CriterionCheck(kind, item, UNKNOWN, f"{said}; the rest of it is not known"), False
    return CriterionCheck(kind, item, MEETS, said), True


def _words_besides(item: str, spans: list[AgeSpan], name: str) -> int:
    """How many words the item says besides its ages, the condition's name and what it puts in brackets
    (an abbreviation, a reference: "Asthma as defined by the National Institutes of Health [NIH, 2007]")."""
    rest = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", " ", without_ages(item, spans))
    return len(rest.split()) - len(name.split())


def _measured(item: str, patient: Patient, spans: list[AgeSpan]) -> tuple[str, str] | None:
    """The item's numeric thresholds against the numbers the patient gave, its age against theirs (an
    inclusion's failed age is `_age`'s): met when all hold, failed when one does not, else unknown; None
    when it has none."""
    # The item's ages are `ages`' to read (thresholds would take "10-20 years old" in "... if 10-20 years
    # old" for the patient's): no threshold is checked against the patient's age.
    found = checked(without_ages(item, spans), patient.text)
    if found is None and not spans:
        return None
    held, failed, unknown = found or ([], [], [])
    if patient.age is not None and spans and not fits(patient, spans):
        failed = [f"you are {patient.age:g} (asked: {'; '.join(s.written for s in spans)})", *failed]
    if not (held or failed or unknown):
        return None
    if failed:
        return FAILS, "; " + "; ".join(failed)
    if unknown:  # the first few: a long item of lab values would list a dozen
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        return UNKNOWN, f"; not known: {'; '.join(unknown[:3])}{more}"
    return MEETS, "; " + "; ".join(held)


def check_item(kind: str, item: str, patient: Patient, facts: Facts) -> CriterionCheck:
    """The verdict on one item: age, a condition the patient has or denies, pregnancy, sex; else unknown."""
    spans = ages(item)
    (age, final), sex = _age(kind, item, patient, spans), _sex(kind, item, patient)
    # One failed part fails the item ("Women aged 18-45" for a man of 30), whichever part it is.
    for part in (age, sex):
        if part is not None and part.verdict == FAILS:
            return part
    if facts.markers and (clash := _marker_conflicts(kind, item, dict(facts.markers))):
        return CriterionCheck(kind, item, FAILS, "; ".join(clash))  # "asks HER2 positive; you said HER2 negative"
    if age is not None and final:
        return age
    short = len(item.split()) <= SHORT_ITEM_WORDS
    for special in (_pregnancy(kind, item, patient, facts), sex):
        if special is not None and special.verdict == MEETS and not short:
            # "PATIENT CHARACTERISTICS: Age: 55 and under ... Not pregnant or lactating; HIV negative ...":
            # a man is clear of its pregnancy, the rest is not known.
            return CriterionCheck(kind, item, UNKNOWN, f"{special.reason}; the rest of it is not known")
        if special is not None:
            return special
    if has := named(item, facts.present_names, facts.present_abbreviations):
        # "Active SLE with hSLEDAI >= 6": the condition is hers, the score only if she gave it.
        measured = _measured(item, patient, spans)
        said = f"you are {patient.age:g}; " if age is not None and patient.age is not None else ""
        if kind == "inclusion":
            # "Aged 18-75 years with SLE": the age fits (when one is asked) and the condition is hers.
            verdict, why = measured or (MEETS, "")
            if verdict == MEETS and _words_besides(item, spans, has) > SHORT_ITEM_WORDS:
                # "Completely resected stage IIA-IIIB non-small cell lung cancer with negative margins ...":
                # hers is the condition, the rest is not known.
                return CriterionCheck(kind, item, UNKNOWN, f"{said}you have {has}{why}; the rest of it is not known")
            return CriterionCheck(kind, item, verdict, f"{said}you have {has}{why}")
        if short:
            # An exclusion applies when all of it holds: a threshold that fails clears the patient of it.
            verdict, why = measured or (MEETS, "")
            flipped = {MEETS: FAILS, FAILS: MEETS}.get(verdict, UNKNOWN)
            return CriterionCheck(kind, item, flipped, f"you have {has}{why}")
    if short and kind == "inclusion" and (absent := _said_absent(item, facts)):
        return absent
    if short and (denied := named(item, facts.denied_names, facts.denied_abbreviations)):
        if kind == "inclusion" and (item.rstrip().endswith(":") or _waits_for(item, denied)):
            return age or CriterionCheck(kind, item, UNKNOWN)
        verdict = MEETS if kind == "exclusion" else FAILS
        return CriterionCheck(kind, item, verdict, f"you do not have {denied}")
    return age or CriterionCheck(kind, item, UNKNOWN)  # the age fits, the rest is not known: partly known


def _marker_conflicts(kind: str, item: str, markers: dict[str, str]) -> list[str]:
    return conflicts(item, markers) if kind == "inclusion" else excluded_as(item, markers)


def marker_conflicts(record: TrialRecord, markers: dict[str, str]) -> tuple[str, ...]:
    """Where the trial asks a tumour marker status the patient said they do not have: in its conditions,
    its titles, an inclusion item, or an exclusion item naming theirs. Each is a reason it is likely not
    for them: `matching` lists such trials after the others."""
    if not markers:
        return ()
    e = record.eligibility
    # The conditions together, and the titles: "Estrogen Receptor-negative Breast Cancer" beside
    # "Estrogen Receptor-positive Breast Cancer" asks neither.
    found = conflicts("; ".join(record.conditions), markers)
    found += conflicts(" / ".join(t for t in (record.brief_title, record.official_title) if t), markers)
    found += [why for item, alternative in _items(e.inclusion) if not alternative for why in conflicts(item, markers)]
    found += [why for item, alternative in _items(e.exclusion) if not alternative for why in excluded_as(item, markers)]
    return tuple(dict.fromkeys(found))


_ALTERNATIVES = patterns.compile(
    r"\b(?:one|any|either|at\s+least\s+one)\s+of\b|\b(?:categor|group|subtype|cohort)", re.I
)


def _items(criteria: tuple[Criterion, ...], alternative: bool = False) -> list[tuple[str, bool]]:
    """Every item's text, sub-items included, depth first (as indexer.parsers.criteria.flatten: importing
    that would load every parser, bs4 and lxml included, into `trials match`), each with whether it is one
    of the alternatives an item above it offers ("one of the following subtypes: ER-positive/...")."""
    return [
        pair
        for c in criteria
        for pair in ((c.text, alternative), *_items(c.children, alternative or bool(_ALTERNATIVES.search(c.text))))
    ]


def check_criteria(record: TrialRecord, patient: Patient, facts: Facts) -> CriteriaSummary:
    e = record.eligibility
    # An alternative's tumour marker is no status asked of everyone (marker_conflicts): it is not checked.
    either = replace(facts, markers=()) if facts.markers else facts
    checks = [
        check_item(kind, item, patient, either if alternative else facts)
        for kind, items in (("inclusion", e.inclusion), ("exclusion", e.exclusion))
        for item, alternative in _items(items)
    ]
    return CriteriaSummary(tuple(checks))


def concepts_shared(record: TrialRecord, facts: Facts) -> list[str]:
    """The trial's own conditions (as it names them) that the patient has."""
    names = {norm(c).strip(): c for c in (*record.conditions, *record.condition_mesh)}
    return sorted({label for n, label in names.items() if n in facts.present})
