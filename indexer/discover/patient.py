"""Reading a patient's age and sex from how people write them: "45F", "woman, 45", "my mother is 80"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer import patterns
from indexer.discover.person_words import FAMILY, OTHERS, SEXED
from indexer.normalize import sex_letter

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
)
_NUMBER_WORDS = {w: n for n, w in enumerate(_UNITS.split())}
_TENS = {w: 10 * n for n, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}  # noqa: SIM905
# "sixty-five", "eighty", "seven": a number written out, as case reports often do ("A sixty-year-old man").
_WORDS_NUM = (
    r"(?:(?:"
    + "|".join(_TENS)
    + r")(?:[- ](?:"
    + "|".join(list(_NUMBER_WORDS)[1:10])
    + r"))?|"
    + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
    + r")"
)
# "17.5", "17 and a half", "17½", "seventeen and a half": half a year counts at a limit's edge (agelimits.py).
_HALF = r"(?:\s*½|\s+1/2|\s+and\s+a\s+half)"
_NUM = rf"((?:\d{{1,3}}(?:\.\d+)?|{_WORDS_NUM}){_HALF}?)"
# "45-year-old", "45 yo", "45yo", "45 y/o", "45 years of age", "sixty-year-old"; not "smoked for 20 years".
_YEARS = r"(?:(?:years?|yrs?|y)[- ]?old\b|(?:years?|yrs?)\s+of\s+age\b|(?:yo|y/o|y\.o\.?)(?=[^a-z]|[fm]\b|$))"
_AGE_YEARS = patterns.compile(rf"\b{_NUM}[- ]?{_YEARS}", re.I)
_AGE_SMALL = patterns.compile(rf"\b(?P<n>{_NUM[1:-1]})[- ]?(?P<unit>months?|weeks?|days?)[- ]old\b", re.I)
# "my baby is 18 months", "aged 3 weeks"; not "she is 3 months pregnant", "is 6 weeks post-op".
_IS_SMALL = patterns.compile(
    rf"\b(?:is|I'm|I\s+am|aged?:?)\s+(?:now\s+|just\s+)?(?P<n>{_NUM[1:-1]})[- ]?(?P<unit>months?|weeks?|days?)\b"
    r"(?!\s*(?:pregnant|postpartum|post|after|ago|into|of|since)\b)",
    re.I,
)
_NEWBORN = patterns.compile(r"\b(?:new[- ]?born|neonate)\b", re.I)
# "in my 50s", "in her early sixties": a decade, read as its middle (or its early or late part).
_DECADES = {
    w: 10 * n
    for n, w in enumerate(
        ["twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties", "nineties"], 2
    )
}
_DECADE = patterns.compile(
    r"\bin\s+(?P<who>my|his|her)\s+(?:(?P<part>early|mid|late)[- ]?\s*)?"
    r"(?:(?P<decade>[1-9]0)'?s|(?P<word>" + "|".join(_DECADES) + r"))\b",
    re.I,
)
# "age: 45", "aged 45", "Age 45", "age of 45".
_AGE_LABEL = patterns.compile(r"\bage[ds]?\s*(?:[:=]|of|is)?\s*(\d{1,3}(?:\.\d+)?)(?!\d|\.\d)", re.I)
# "45F", "45 M", "F45", "M/45": the clinical shorthand. Spaced letters only in capitals ("45 m" is a distance).
_SHORT_AGE_SEX = patterns.compile(r"\b(\d{1,3})\s?(?:yo\s?|y/o\s?)?([FM])\b|\b(\d{1,3})([fm])\b")
_SHORT_SEX_AGE = patterns.compile(r"\b([FM])\s?/?\s?(\d{1,3})\b")
# "40 f with lupus", "f 40, lupus", "M, 62, COPD": in either case at the start of the text or of a clause, a
# clause of its own ("102 f" in "fever of 102 f" is a temperature, "6 m walk" a distance).
_CLAUSE_END = r"(?=\s*(?:[,;:.)]|$)|\s+(?:with|w/|and|who|has|had|presenting|complaining)\b)"
_CLAUSE_AGE_SEX = patterns.compile(rf"(?:^|[,;:]\s*)(\d{{1,3}})\s*,?\s*([fm]){_CLAUSE_END}", re.I)
_CLAUSE_SEX_AGE = patterns.compile(rf"(?:^|[,;:]\s*)([fm])\s*[,/]?\s*(\d{{1,3}}){_CLAUSE_END}", re.I)
_SEX_WORDS = "(?:" + "|".join((*SEXED, "gentleman", "patient", *FAMILY, *OTHERS, "child", "baby")) + ")"
# "woman, 45", "Female 45", "my father, 72,", "my dad (78)", "My daughter, who is 9,": a person word, then the age.
_PERSON_COMMA_AGE = patterns.compile(
    rf"\b(?P<who>{_SEX_WORDS})\s*(?:[,:]?\s*(?:(?:who|that)\s+is\s+|aged?\s+)?(\d{{1,3}})\b(?!\s*(?:kg|lbs?|cm|mm|mg|%|/|\.\d))"
    # in brackets only alone: "(78)", "(78 yo)"; not "mother (2 children)"
    rf"|\(\s*(\d{{1,3}})\s*(?:y(?:ears?|rs?|o)?\.?\s*)?\))",
    re.I,
)
# "34 female with SLE", "67 man": the age, then the person (singular: "2 women" is a count, not an age).
# At the start of the text or of a clause only: "mother with 1 girl" counts a child, it is no age.
_AGE_PERSON = patterns.compile(
    rf"(?:^|[,;:(]\s*|\ba\s+)(\d{{1,3}})[- ]?(?P<who>{'|'.join((*SEXED, 'gentleman'))})\b", re.I
)
# Who a number after these words is the age of: "I am", "I'm", "my mother is", "she is", "he's".
_WHO_IS = rf"I\s+am|I'm|im|she\s+is|he\s+is|she's|he's|(?:my|our|the)\s+{_SEX_WORDS}\s+(?:is|was|turned)"
# A number followed by these is a weight, a size, a dose or a duration, no age.
_NOT_YEARS = r"kg|lbs?|cm|mm|mg|%|/|weeks|days|months|pounds|kilos"
# "I am 34", "I'm 34", "my mother is 80", "she is 62", "he's 70".
_IS_AGE = patterns.compile(
    rf"\b(?P<who>{_WHO_IS})\s+(?:now\s+|a\s+|just\s+)?{_NUM}\b(?!\s*(?:{_NOT_YEARS}|\.\d))",
    re.I,
)
# An age no person has, in the phrasings above: "I am -3", "age: 99999", "-3 years old", "10000 years old"; the
# patterns above read 3 digits at most and no sign, so these were read as nothing ("-3 years old": as 3).
_NO_AGE = r"([-\u2212]\d+(?:\.\d+)?|\d{4,}(?:\.\d+)?)(?![\d.])"
_UNREAL_AGE = patterns.compile(
    rf"\b(?:{_WHO_IS}|age[ds]?\s*(?:[:=]|of|is)?)\s*(?:now\s+|just\s+)?{_NO_AGE}(?!\s*(?:{_NOT_YEARS}))"
    rf"|(?<![\w.-]){_NO_AGE}[- ]?{_YEARS}",
    re.I,
)
# The people a text may be about, by sex: "my wife is 43" gives the age of a woman. Counted, with a few
# more words, to read the patient's sex from the words about them.
_FEMALE_PERSONS = "woman female girl lady mother mom mum wife daughter sister grandmother grandma aunt"
_MALE_PERSONS = "man male boy guy gentleman father dad husband son brother grandfather grandpa uncle"
_FEMALE = patterns.compile(
    rf"\b({'|'.join(_FEMALE_PERSONS.split())}|women|niece|pregnant|pregnancy|postmenopausal|premenopausal)\b", re.I
)
_MALE = patterns.compile(rf"\b({'|'.join(_MALE_PERSONS.split())}|men|nephew)\b", re.I)
# Whose age the text gives ("my wife is 43", "she is 62"), and that person's sex.
_SEXES = {"she": "F", "he": "M"} | {w: "F" for w in _FEMALE_PERSONS.split()} | {w: "M" for w in _MALE_PERSONS.split()}
# The writer speaks of themselves ("I have lupus", "I'm a mother of two") ...
_FIRST_PERSON = patterns.compile(r"\b(?:I\s+(?:have|had|was|suffer|got)|I've|I'm\s+an?|I\s+am\s+an?)\b", re.I)
# ... unless the text is about a relative ("for my mother", "my son has asthma").
_ABOUT_OTHER = patterns.compile(
    rf"\b(?:for|about)\s+(?:my|our)\s+{_SEX_WORDS}\b|\b(?:my|our)\s+{_SEX_WORDS}\s+(?:has|had|is|was|suffers|got|with)\b",
    re.I,
)
# The writer says what they have: the patient is the writer, whatever relatives the text names.
_WRITER_ILL = patterns.compile(
    r"\bI\s+(?:have|had|was\s+diagnosed|suffer)\b|\bI've\s+(?:had|got|been\s+diagnosed)\b", re.I
)
_RELATIVES = frozenset((*FAMILY, *OTHERS))
_MY_PERSON = patterns.compile(rf"\b(?:my|our)\s+(?:\w+\s+)?{_SEX_WORDS}s?\b", re.I)
_SHE = patterns.compile(r"\b(she|her|hers|herself)\b", re.I)
_HE = patterns.compile(r"\b(he|his|him|himself)\b", re.I)
# "his mother", "her husband", "family history of ...": relatives of the patient, not the patient.
_RELATIVE = patterns.compile(
    r"\b(?:his|her|their|whose|family|maternal|paternal)\s+(?:history\s+(?:of\s+)?)?(?:\w+\s+)?"
    r"(mother|father|mom|dad|wife|husband|son|daughter|sister|brother|grandmother|grandfather|aunt|uncle)\b",
    re.I,
)


@dataclass(frozen=True)
class Patient:
    """What a patient's description states: age, sex, conditions and the words to search."""

    text: str
    age: float | None = None
    sex: str | None = None  # F or M
    age_source: str = "given"  # given, text or unknown
    sex_source: str = "given"
    notes: tuple[str, ...] = ()  # how the text was read where the patient should know ("in my 50s": 55)


def _number(word: str) -> float | None:
    if half := re.search(_HALF + "$", word):
        whole = _number(word[: half.start()])
        return whole + 0.5 if whole is not None else None
    w = word.lower().replace(" ", "-")
    try:
        return float(w)
    except ValueError:
        pass
    if w in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[w])
    tens, _, unit = w.partition("-")
    if tens in _TENS:
        return float(_TENS[tens] + (_NUMBER_WORDS.get(unit, 0) if unit else 0))
    return None


@dataclass(frozen=True)
class _Age:
    """An age read from a text, and whom it is the age of."""

    years: float | None
    who: str | None = None  # whom the text gives the age of: "i", "wife", "she"; None when it does not say
    note: str = ""


def _holder(who: str | None) -> str | None:
    if who is None:
        return None
    words = who.lower().replace("'", " ").split()
    return "i" if words[0] in ("i", "im") else words[1] if words[0] in ("my", "our", "the") else words[0]


def _read_age(text: str) -> _Age:
    """The age the text states, whom it is of, and what to tell the patient about how it was read."""
    over = ""
    unreal = _UNREAL_AGE.search(text)
    if (m := _AGE_YEARS.search(text)) and not (unreal and unreal.start() <= m.start() < unreal.end()):
        age = _number(m.group(1))
        if age is not None and age <= 120:
            return _Age(age)
        over = m.group(0)
    if _NEWBORN.search(text):
        return _Age(0.0)
    if m := _AGE_SMALL.search(text) or _IS_SMALL.search(text):
        n, unit = _number(m.group("n")), m.group("unit").lower()
        if n is not None:
            per_year = 12 if unit.startswith("month") else 52 if unit.startswith("week") else 365
            return _Age(round(n / per_year, 2))
    if m := _DECADE.search(text):
        decade = int(m.group("decade")) if m.group("decade") else _DECADES[m.group("word").lower()]
        part = (m.group("part") or "").lower()[:3]
        years = decade + {"ear": 2, "mid": 5, "lat": 8}.get(part, 5)
        note = f"age {years} read from “{m.group(0).strip()}”; give the exact age if a trial's age limit falls in it"
        return _Age(float(years), {"my": "i", "his": "he", "her": "she"}[m.group("who").lower()], note)
    later: tuple[tuple[re.Pattern[str], tuple[int, ...], float], ...] = (  # the groups the age may be in, least age
        (_AGE_LABEL, (1,), 0),  # "age 0": a newborn
        (_SHORT_AGE_SEX, (1, 3), 1),
        (_SHORT_SEX_AGE, (2,), 1),
        (_CLAUSE_AGE_SEX, (1,), 1),
        (_CLAUSE_SEX_AGE, (2,), 1),
        (_PERSON_COMMA_AGE, (2, 3), 1),
        (_AGE_PERSON, (1,), 1),
        (_IS_AGE, (2,), 1),
    )
    other = ""
    for pattern, groups, least in later:
        for m in pattern.finditer(text):
            age = _number(next(g for g in (m.group(i) for i in groups) if g is not None))
            who = _holder(m.groupdict().get("who"))
            if age is not None and least <= age <= 120 and _someone_else(text, who):
                other = other or m.group(0).strip()
                continue  # the writer's own age may come later: "my husband is 50 and I am 47"
            if age is not None and least <= age <= 120:
                return _Age(age, who)
            if age is not None and age > 120:
                over = over or m.group(0).strip()
            break  # the first of each phrasing
    if other:  # the patient is the writer, whose age the text does not give
        return _Age(None, "i", f"“{other}”: the age of someone else than you, not read; give your age")
    if not over and unreal:
        number = unreal.group(1) or unreal.group(2)
        side = "below 0" if number[0] in "-\u2212" else "over 120"
        return _Age(None, note=f"“{unreal.group(0).strip()}”: an age {side}, not read; give the age if that is wrong")
    return _Age(None, note=f"“{over}”: an age over 120, not read; give the age if that is wrong" if over else "")


def _someone_else(text: str, who: str | None) -> bool:
    """Whether the age is a relative's in a text about the writer: "I have lupus; my husband is 50" (not
    "my son is 7 and has asthma", "I have a son; he is 7 and has asthma")."""
    if who not in _RELATIVES or not _WRITER_ILL.search(text):
        return False
    return not re.search(rf"\b{who}\b[^.;]*?\b(?:has|had|suffers|diagnosed|with)\b", text, re.I)


def read_age(text: str) -> float | None:
    """Age in years as the text states it; the most explicit phrasing wins."""
    return _read_age(text).years


def read_sex(text: str, who: str | None = None) -> str | None:
    """F or M: the clinical shorthand first ("45F"), then the person the age is of (`who`: "wife"), then
    words about the patient, then pronouns. Written in the first person, the patient is the writer: their
    relatives ("I'm 45 and my wife is 43") and the pronouns (of others) say nothing of the patient's sex."""
    if m := _SHORT_AGE_SEX.search(text):
        return (m.group(2) or m.group(4)).upper()
    for short, group in ((_SHORT_SEX_AGE, 1), (_CLAUSE_AGE_SEX, 2), (_CLAUSE_SEX_AGE, 1)):
        if m := short.search(text):
            return m.group(group).upper()
    if who in _SEXES:
        return _SEXES[who]
    writer = who == "i" or (who is None and bool(_FIRST_PERSON.search(text)) and not _ABOUT_OTHER.search(text))
    about_patient = _RELATIVE.sub(" ", text)
    if writer:
        about_patient = _MY_PERSON.sub(" ", about_patient)
    for female_re, male_re in ((_FEMALE, _MALE),) if writer else ((_FEMALE, _MALE), (_SHE, _HE)):
        female, male = len(female_re.findall(about_patient)), len(male_re.findall(about_patient))
        if female != male:
            return "F" if female > male else "M"
    return None


def normalise_sex(sex: str) -> str:
    """F, M, female, MALE, woman... -> F or M (as the CLI's and the web's filters read it)."""
    return sex_letter(sex)


def read_patient(text: str, age: float | None = None, sex: str | None = None) -> Patient:
    """Age and sex as given, else as the description states them ("a 45-year-old man", "45F")."""
    age_source = sex_source = "given"
    read = _read_age(text)
    notes: tuple[str, ...] = ()
    if age is None:
        age, notes = read.years, (read.note,) if read.note else ()
        age_source = "text" if age is not None else "unknown"
    if sex is None:
        sex = read_sex(text, read.who)
        sex_source = "text" if sex else "unknown"
    else:
        sex = normalise_sex(sex)
    return Patient(text, age, sex, age_source, sex_source, notes)
