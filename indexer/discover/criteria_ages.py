"""The participant's age an eligibility item asks ("aged 18 to 75 years", "under 65 years"), not a duration."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from indexer import patterns
from indexer.discover.patient import Patient

# How criteria name the people they are about: "patients 18 to 75 years" is an age.
PEOPLE = frozenset(
    """
    patient patients subject subjects participant participants volunteer volunteers person persons
    people
    """.split()  # noqa: SIM905
)
# A whole number of years, not part of a decimal ("0.5 year old" is no "5 year old").
_N = r"(?<![\d.])\d{1,3}(?!\.?\d)"
_YEARS = r"(?:years?|yrs?)\b"
_OF_AGE = r"(?:\s+of\s+age|\s+old)?"
# A lower bound: "at least", "over", "older than", ">"; "over 18" admits 18, as registries mean it.
_MIN = (
    r"≥|>=|=>|>/=|=/>|⩾|\bat\s+least|\bminimum(?:\s+of)?|\bover|\bolder\s+than|\babove"
    r"|\b(?:more|greater)\s+than(?:\s+or\s+equal\s+to)?|>"
)
# An upper bound that admits its own year ("up to 65 years" admits 65.5), then one that does not
# ("under 65 years" stops at the 65th birthday). The first is tried first: "<=" is not "<".
_MAX_WITH = (
    r"≤|<=|=<|</=|=/<|⩽|\bup\s+to|\bat\s+most|\bmaximum(?:\s+of)?|\bno(?:t)?\s+(?:older|more)\s+than|\bnot\s+over"
    r"|\bnot\s+exceeding|\b(?:less|younger)\s+than\s+or\s+equal\s+to"
)
_MAX_BELOW = r"<|\bunder|\bbelow|\byounger\s+than|\bless\s+than"


def _bound(name: str, pattern: str) -> str:
    return f"(?P<{name}>{pattern})"


# Spans of years that may be an age; whether one is, rather than a duration, is `_is_age`'s to tell.
_YEAR_SPAN = patterns.compile(
    # Two bounds sharing the unit: ">18 and <65 years", "at least 18 and no older than 75 years of age",
    # "≥ 18 years and ≤ 70 years", "older than 15 years of age to 100 years of age".
    rf"(?:{_MIN})\s*(?P<plo>{_N})\s*(?:{_YEARS}{_OF_AGE})?\s*"
    rf"(?:(?:,\s*)?(?:and|but|,)\s*(?:(?:is|be|are)\s+)?(?:{_bound('pwith', _MAX_WITH)}|{_bound('pbelow', _MAX_BELOW)})"
    rf"|(?:to|through|-|–)\s*(?:{_bound('pwith2', _MAX_WITH)}|{_bound('pbelow2', _MAX_BELOW)})?)"
    rf"\s*(?P<phi>{_N})\s*{_YEARS}"
    # Two bounds either of which, sharing the unit: "Age<18 or >80 years" (`_split` makes them two).
    rf"|(?:{_bound('rwith', _MAX_WITH)}|{_bound('rbelow', _MAX_BELOW)})\s*(?P<rhi>{_N})"
    rf"\s*(?:{_YEARS}{_OF_AGE})?\s*,?\s*"
    rf"(?:or|and)\s*(?:(?:age[ds]?|be)\s*)?(?:{_MIN})\s*(?P<rlo>{_N})\s*{_YEARS}"
    # A range: "18 to 75 years", "aged 18-65 yrs", "between 40 and 80 years", "18 years to 65 years".
    rf"|\b(?P<low>{_N})\s*(?:(?:{_YEARS}{_OF_AGE})?\s*(?:-|–|to|through)|and)\s*(?P<high>{_N})\s*{_YEARS}"
    rf"|(?:{_bound('with', _MAX_WITH)}|{_bound('below', _MAX_BELOW)})\s*(?P<max>{_N})\s*{_YEARS}"
    rf"|(?:{_MIN})\s*(?P<min>{_N})\s*{_YEARS}"
    rf"|\b(?P<min2>{_N})\s*{_YEARS}{_OF_AGE}\s*(?:or|and)\s+(?:older|over|above|more)\b(?!\s+than)"
    rf"|\b(?P<max2>{_N})\s*{_YEARS}{_OF_AGE}\s*(?:or|and)\s+(?:younger|under|below|less)\b(?!\s+than)"
    # Under the word "age", years go without saying: "Patients ages 40 to 70", "Age: 18 and over".
    rf"|\bage[ds]?\s*(?::\s*|of\s+|between\s+|from\s+)?(?:(?P<alow>{_N})\s*(?:-|–|to|and)\s*(?P<ahigh>{_N})"
    rf"|(?P<amin>{_N})\s+(?:or|and)\s+(?:older|over|above)|(?P<amax>{_N})\s+(?:or|and)\s+(?:younger|under|below))"
    rf"(?!\s*(?:%|kg|cm|mm|mg|years?|yrs?|months?|weeks?|days?|hours?)\b|\d|[.,]\d)",
    re.I,
)
# Every span `_YEAR_SPAN` finds holds a digit and "yr", "year" or "age": an item without both is not scanned.
_DIGIT = patterns.compile(r"\d")
_YEAR_OR_AGE = patterns.compile(r"yr|year|age", re.I)
# Words of an item that says only an age (and who may be of it): "Male or female patients aged 18 to
# 65 years (inclusive) at the time of signing the informed consent".
AGE_ITEM_WORDS = PEOPLE | frozenset(
    """
    a an and or the of to from in at on is are be being was must should who whose with between
    inclusive inclusively age aged ages years year yrs yr old older than over above least equal
    greater under younger below male female males females men women man woman both sexes sex gender
    genders any all adult adults time screening enrollment enrolment entry study consent informed
    signing sign signed visit date day diagnosis inclusion randomization randomisation baseline registration
    """.split()  # noqa: SIM905 (one word a line would be 74 lines)
)
# Whether a span of years is an age (`_is_age`), by the words around it. After it: an age ("of age",
# "old"); a time since or before something ("2 years or more postprostatectomy", "1 to 5 years of disease
# duration", "at least 2 years prior to screening"); a rule for those of that age ("Children 9-11 years
# must have received ...").
_AGE_AFTER = patterns.compile(r"\s*-?\s*(?:of\s+age|old)\b", re.I)
_TIME_AFTER = patterns.compile(
    r"\s*(?:of(?!\s+(?:both|either|any|all)\b)|ago|since|prior|before|after|following|from|past|duration|history"
    r"|post\w*|earlier|later)\b",
    re.I,
)
# After it: the group of the study it is for ("Age: 35 and under for oral contraceptive stratum").
_GROUP_AFTER = patterns.compile(
    r"\s*(?:-?\s*(?:of\s+age|old)\b)?\s*,?\s*(?:for|in)\s+(?:the\s+)?(?:[\w-]+\s+){0,4}(?:strat(?:um|a)|arms?|cohorts?|groups?)\b",
    re.I,
)
_RULE_AFTER = patterns.compile(
    # "Patients under 6 years old must weigh at least 7 kg", "Women under 50 years old would be considered
    # postmenopausal if ...", "females 13 through 17 years of age are eligible to enroll if ...": who else
    # counts or what else they need, not the age asked of all.
    r"\s*(?:-?\s*(?:of\s+age|old)\s*)?"
    r"(?:must|should|shall|will(?!\s+be\s+(?:recruited|enrolled|included|eligible|selected))|need|needs|are\s+required|may|would|could|(?:is|are)\s+eligible\b[^.;]*\bif)\b",
    re.I,
)
# Later in its sentence: an exception for some of that age ("Patients aged < 60 years who are unsuitable
# for standard induction therapy may be eligible after discussion with PI").
_EXCEPTION = patterns.compile(
    r"^[^.;]*\b(?:may|might|can|could)\s+(?:also\s+)?be\s+(?:eligible|included|enrolled|considered)\b", re.I
)
# One way among others to meet the item: "... at least one of the following factors: tumor size > 2 cm,
# ..., or age < 35 years", "Age ≥ 65 years or unfit for intensive chemotherapy" (not "Age < 18 or > 80
# years", two ages); and an age that says which scale applies: "Lansky 50-100% (10 years of age and under)".
_OR_BEFORE = patterns.compile(r"\s*,?\s*\bor\s+(?:(?:an?\s+)?age[ds]?\s*(?:is\s+|of\s+)?)?$", re.I)
_AN_AGE_BEFORE = patterns.compile(r"\b(?:years?|yrs?|old|age|older|younger)[\s,)]*$", re.I)
_OR_AFTER = patterns.compile(
    r"\s*(?:-?\s*(?:of\s+age|old)\b)?\s*,?\s*or\s+"
    r"(?!(?:age[ds]?|older|younger|over|under|above|below|more|less|greater|between|from)\b|[≥≤><\d])",
    re.I,
)
# "Karnofsky 80-100% for 16 years and older", "For adolescents under 18 years of age, ...", a "bone age":
# whom something else is for, or the age of a bone.
_FOR_SOME = patterns.compile(r"\bfor\s+(?:[\w-]+\s+){0,3}$|\bbone\s+ages?\b[^.;]*$", re.I)
_SCALE_BEFORE = patterns.compile(
    r"\b(?:lansky|karnofsky|ecog|performance\s+status)\b[^()]*\(\s*(?:age[ds]?\s*)?$", re.I
)
# After it: the moment of the study it is asked at ("less than 21 years at the time of inclusion").
_AT_ENTRY = patterns.compile(
    r"\s*(?:-?\s*(?:of\s+age|old))?\s*,?\s*(?:at|on)\s+(?:the\s+)?(?:(?:time|day|date)\s+of\s+)?(?:the\s+)?(?:study\s+)?"
    r"(?:inclusion|enrol\w*|screening|consent|signing|randomi[sz]ation|registration|entry|baseline)\b",
    re.I,
)
# The age someone was at an event, not now: "Less than 50 years of age at the time of migraine onset",
# "age at diagnosis ≤ 18 years", "Age at HSCT ≤ 21 years" (but "at the time of inclusion" is now).
_EVENT = (
    r"(?:onset|diagnos\w*|menarche|menopause|hsct|transplant\w*|injury|infection|birth|presentation|death|symptoms?)"
)
_AT_EVENT_AFTER = patterns.compile(
    rf"\s*(?:-?\s*(?:of\s+age|old))?\s*,?\s*(?:at|when|by)\s+(?:the\s+)?(?:time\s+of\s+)?(?:[\w-]+\s+){{0,2}}{_EVENT}\b",
    re.I,
)
_AGE_AT_EVENT = patterns.compile(
    rf"\bage\s+(?:at|of)\s+(?:the\s+)?(?:time\s+of\s+)?(?:[\w-]+\s+){{0,2}}{_EVENT}\b[\s:]*(?:(?:was|is|of|between|from)\s+)*$"
    # "onset of cluster headache at ≤50 years of age", "diagnosed at the age of 40 years or younger"
    rf"|\b{_EVENT}\b[^.;,]*\b(?:at|from|by|before)\s+(?:the\s+)?(?:ages?\s+(?:of\s+)?)?$"
    rf"|\b{_EVENT}\s*$",  # "unexplained sudden death under 40 years of age"
    re.I,
)
# People the participant is with or cares for: "avoid close contact with children 3 years or younger",
# "parents of children aged 2-5 years": their age, not the participant's.
_OTHERS = patterns.compile(
    r"\b(?:with|to|(?:parents?|caregivers?|carers?|guardians?|mothers?|fathers?|famil(?:y|ies)|households?)\s+of)"
    r"\s+(?:(?!and\b|or\b)[a-z-]+\s+)?(?:children|child|infants?|kids|babies|patients|adults"
    r"|people|persons|individuals|boys|girls|men|women|partners?)\s*(?:(?:who\s+are|aged?|ages|between)\s*)*$",
    re.I,
)
# Before it, in its sentence: a condition ("If the patient is older than 49 years, ...", "required for
# all patients over 40 years", "for those 12-17 years", "in the case of children under 18 years", not
# "eligible for care at the VA aged 50-85 years"): the age of some, not the item's.
_CONDITION = patterns.compile(
    r"\b(?:if|unless|when|whenever|those|in\s+(?:the\s+)?case\s+of"
    r"|for\s+(?:\w+\s+){0,2}(?:all|those|ages?|patients?|children|subjects?"
    r"|participants?|adults?|women|men|females?|males?|residents?|persons?|people|individuals?))\b",
    re.I,
)
# Before it, past words of an age item only (no number): the word "age" ("between the ages of 18 and 50 years", "Age
# range: 18-70 years", "Patient age at enrollment ranged from"; not "aged 18 with a life expectancy ≥ 10
# years", nor a "bone age").
_AGE_WORD = patterns.compile(r"(?<!bone\s)\bage[ds]?\b", re.I)
_AGE_TO_SPAN = AGE_ITEM_WORDS | {"range", "ranged", "ranging", "group"}
# Else the word before it, past linking words, says who is of that age ("Men and women 18 to 75 years",
# "patients must be 12 to 50 years", "Adult patients (above 18 years)", "Patients under 65 years"); any
# other names what lasts that long ("disease duration 1 to 5 years", "diagnosed at least 2 years", "SLE
# for over 2 years", "life expectancy less than 1 year").
_LINKING = frozenset(
    """
    is are be being was were will must should who whose between from of ranging ranged
    """.split()  # noqa: SIM905 (one word a line would be 16 lines)
)
_OF_AN_AGE = PEOPLE | frozenset(
    """
    age aged ages men women man woman male female males females adult adults child children
    adolescent adolescents boys girls individuals sexes genders
    """.split()  # noqa: SIM905 (one word a line would be 22 lines)
)
# Bounds that are said of a person's age even with nothing before them ("Under 18 years", "older than
# 65 years"); a bare "at least 2 years" or "less than 1 year" is rather how long something lasts.
_PERSON_BOUND = patterns.compile(r"\s*(?:under|older|younger)\b", re.I)


@dataclass(frozen=True)
class AgeSpan:
    """An age an item asks: from `low` (None: any) to before `end` (None: any), at `start`:`stop` of it."""

    start: int
    stop: int
    low: float | None
    end: float | None
    written: str
    then: bool = False  # the age at some event before now ("at diagnosis"), not today's

    def admits(self, age: float) -> bool:
        return (self.low is None or age >= self.low) and (self.end is None or age < self.end)


def _is_age(item: str, m: re.Match[str]) -> bool:
    """Whether a span of years in an item is the participant's age: "18 to 75 years" on its own, said of
    people or of an age; not a duration ("disease duration 1 to 5 years", "diagnosed at least 2 years",
    "2 years or more postprostatectomy"), nor the age a condition or rule is for ("if older than 49 years")."""
    before, after = item[: m.start()], item[m.end() :]
    if _CONDITION.search(re.split(r"[.;]\s", before)[-1]) or re.search(r"\bnot?\s*$", before, re.I):
        return False  # "not older than 80 years" is a maximum the span reads itself
    if _RULE_AFTER.match(after) or _GROUP_AFTER.match(after) or _EXCEPTION.search(after) or _OTHERS.search(before):
        return False
    if _OR_AFTER.match(after) or _SCALE_BEFORE.search(before) or _FOR_SOME.search(before):
        return False
    if (alternative := _OR_BEFORE.search(before)) and not _AN_AGE_BEFORE.search(before[: alternative.start()]):
        return False
    if re.search(r"\b(?:of\s+age|old)\b", m.group(), re.I) or _AGE_AFTER.match(after) or _AT_ENTRY.match(after):
        return True
    if _TIME_AFTER.match(after):
        return False
    clause = re.split(r"[,;]|\.\s", before)[-1]
    # (Other ages may stand between: "Age less than 18 years and over 70 years".)
    if (age := list(_AGE_WORD.finditer(clause))) and all(
        w in _AGE_TO_SPAN for w in re.findall(r"[a-z]+|\d", _YEAR_SPAN.sub(" ", clause[age[-1].end() :]).lower())
    ):
        return True
    words = [w for w in re.findall(r"[a-z]+", before.lower()) if w not in _LINKING]
    if words and words[-1] in _OF_AN_AGE:
        return True
    # On its own: "18-55 years", "Systemic lupus erythematosus, 18-75 years", "Under 18 years".
    alone = not words or bool(re.search(r"[,;(]\s*$", before))
    one_sided = m.group("min") is not None or m.group("max") is not None
    return alone and (not one_sided or bool(_PERSON_BOUND.match(m.group())))


def _span(m: re.Match[str]) -> AgeSpan:
    """The ages the match admits: a maximum admits its whole last year unless it says below it."""
    g = m.group
    low: float | None = None
    end: float | None = None
    if g("plo") is not None:
        low, high = float(g("plo")), float(g("phi"))
        end = high if (g("pbelow") or g("pbelow2")) else high + 1
    elif g("rhi") is not None:
        low, end = float(g("rlo")), float(g("rhi")) + (0 if g("rbelow") else 1)
    elif g("low") is not None or g("alow") is not None:
        low, end = float(g("low") or g("alow")), float(g("high") or g("ahigh")) + 1
    elif g("amin") is not None:
        low = float(g("amin"))
    elif g("amax") is not None:
        end = float(g("amax")) + 1
    elif g("max") is not None:
        end = float(g("max")) + (0 if g("below") else 1)
    elif g("max2") is not None:
        end = float(g("max2")) + 1
    else:
        low = float(g("min") or g("min2"))
    return AgeSpan(m.start(), m.end(), low, end, " ".join(m.group().split()))


def _at_event(item: str, m: re.Match[str]) -> bool:
    return bool(
        _AT_EVENT_AFTER.match(item, m.end()) or _AGE_AT_EVENT.search(re.split(r"[,;]|\.\s", item[: m.start()])[-1])
    )


def _split(span: AgeSpan) -> list[AgeSpan]:
    """Bounds that leave no age between them are either ("more than 70 yr and less than 40 yr")."""
    if span.low is None or span.end is None or span.low < span.end:
        return [span]
    return [replace(span, end=None), replace(span, low=None)]


def ages(item: str) -> list[AgeSpan]:
    """The item's spans of years that are the participant's age. An age at an event ("18 years or older
    at diagnosis", "under 16 years of age at onset") bounds today's age from below only: its minimum is
    kept, as `then`, and a maximum dropped."""
    found: list[AgeSpan] = []
    if not (_DIGIT.search(item) and _YEAR_OR_AGE.search(item)):
        return found
    for m in _YEAR_SPAN.finditer(item):
        if not _is_age(item, m):
            continue
        span = _span(m)
        if _at_event(item, m):
            if span.low is None:
                continue
            span = replace(span, end=None, then=True)
        found.extend(_split(span))
    return found


def without_ages(item: str, spans: list[AgeSpan]) -> str:
    for s in reversed(spans):
        item = item[: s.start] + " " + item[s.stop :]
    return item


def only_ages(item: str, spans: list[AgeSpan]) -> bool:
    """Whether the item asks nothing but its ages (and who may be of them)."""
    rest = without_ages(item, spans)
    return not re.search(r"\d", rest) and all(w in AGE_ITEM_WORDS for w in re.findall(r"[a-z]+", rest.lower()))


def fits(patient: Patient, spans: list[AgeSpan]) -> bool | None:
    """Whether the patient's age is one the spans admit (any of them); None when the age is not known."""
    if patient.age is None or not spans:
        return None
    return any(s.admits(patient.age) for s in spans)
