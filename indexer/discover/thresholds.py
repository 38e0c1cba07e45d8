"""Numeric thresholds in an eligibility item ("hSLEDAI >= 6", "HbA1c 7-10%", "at least 24 weeks"), and
whether the patient's own words give the measure each is on.

An item that names the patient's condition and also asks for a score, a lab value, a count or a
duration is only partly known from the condition: "Active SLE with hSLEDAI >= 6" for a patient who
said only that they have lupus. The measure is known when the description names it with a number
("my SLEDAI is 10"); the threshold is then checked against that number.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from indexer import patterns

_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"  # "6", "7.5", "100,000" (not the comma after "6, of which")
# A comparison and its number: symbols, and the words registries use for them. "No more than" is at most.
_COMPARATORS: tuple[tuple[str, Callable[[float, float], bool]], ...] = (
    (r"≥|>=|=>|\bat\s+least\b|\bno\s+(?:less|fewer|lower)\s+than\b|\bminimum(?:\s+of)?\b", operator.ge),
    (r"≤|<=|=<|\bat\s+most\b|\bno\s+(?:more|greater|higher)\s+than\b|\bup\s+to\b|\bmaximum(?:\s+of)?\b", operator.le),
    (r"(?:\bgreater|\bmore|\bhigher)\s+than\s+or\s+equal\s+to\b", operator.ge),
    (r"(?:\bless|\blower|\bfewer)\s+than\s+or\s+equal\s+to\b", operator.le),
    (r">|\b(?:greater|more|higher)\s+than\b|\babove\b|\bover\b|\bexceeding\b", operator.gt),
    (r"<|\b(?:less|lower|fewer)\s+than\b|\bbelow\b|\bunder\b", operator.lt),
)
_THRESHOLD = patterns.compile(
    "|".join(
        f"(?P<c{i}>{pattern})\\s*(?:of\\s+|:\\s*)?(?P<n{i}>{_NUMBER})" for i, (pattern, _) in enumerate(_COMPARATORS)
    )
    + rf"|\bbetween\s+(?P<lo>{_NUMBER})\s+and\s+(?P<hi>{_NUMBER})"
    # "5-12", "7 to 10": a range of values (not of years: "2019-2020"; not part of a name: "COVID-19").
    + rf"|(?<![\w-])(?P<lo2>{_NUMBER})\s*(?:-|–|to)\s*(?P<hi2>{_NUMBER})",
    re.IGNORECASE,
)
# A time unit after the number: the threshold is on a duration ("at least 24 weeks prior to screening"),
# which the words before it do not name ("SLE at least 24 weeks": no SLE value is asked).
_DURATION = patterns.compile(r"\s*(?:hours?|days?|weeks?|months?|years?|yrs?)\b(?P<age>\s+(?:of\s+age|old)\b)?", re.I)
_AGE = "age"  # the measure of "ages 15 to 70", "aged 18-65", "less than 21 years of age"
# Words between a measure's name and its comparison: "SLEDAI score of >= 6", "HbA1c level is below 9".
_FILLER = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "is",
        "are",
        "be",
        "was",
        "must",
        "should",
        "with",
        "and",
        "or",
        "score",
        "scores",
        "level",
        "levels",
        "value",
        "values",
        "count",
        "total",
        "index",
        "rate",
        "ratio",
        "result",
        "results",
        "concentration",
        "at",
        "by",
        "as",
        "in",
        "on",
        "to",
        "have",
        "has",
        "having",
        "had",
        "which",
        "that",
        "who",
        "whose",
    ]
)
_WORD = patterns.compile(r"[A-Za-z][A-Za-z0-9-]*")


@dataclass(frozen=True)
class Threshold:
    """A measure's bound an eligibility item sets ("hSLEDAI >= 6") and its test."""

    measure: str  # the name it is on, as the item writes it ("hSLEDAI"), or "" when none can be told
    test: Callable[[float], bool]
    written: str  # the item's words for it, measure included: "hSLEDAI >= 6"


def thresholds(item: str) -> list[Threshold]:
    """Every numeric threshold of the item, with the measure it is on."""
    found = []
    for m in _THRESHOLD.finditer(item):
        test = _test(m)
        if test is None:
            continue
        if duration := _DURATION.match(item, m.end()):
            measure = _AGE if duration.group("age") else ""
            found.append(Threshold(measure, test, " ".join(item[m.start() : duration.end()].split())))
            continue
        measure = _measure(item, m.start())
        measure = _AGE if measure.lower() in ("age", "ages", "aged") else measure
        found.append(Threshold(measure, test, " ".join(f"{measure} {m.group()}".split())))
    return found


def _test(m: re.Match[str]) -> Callable[[float], bool] | None:
    for i, (_, compare) in enumerate(_COMPARATORS):
        if m.group(f"n{i}") is not None:
            bound = _float(m.group(f"n{i}"))
            return lambda value: bool(compare(value, bound))
    lo, hi = m.group("lo") or m.group("lo2"), m.group("hi") or m.group("hi2")
    low, high = _float(lo), _float(hi)
    if m.group("lo2") is not None and (low >= high or (_year(low) and _year(high))):
        return None  # "2019-2020", "10-3": no range of values
    return lambda value: low <= value <= high


def _float(text: str) -> float:
    return float(text.replace(",", ""))


def _year(n: float) -> bool:
    return n == int(n) and 1900 <= n <= 2100


def _measure(item: str, end: int) -> str:
    """The last word before `end` that is no filler: the name the threshold is on."""
    for m in reversed(list(_WORD.finditer(item, 0, end))):
        if m.group().lower() not in _FILLER:
            return m.group()
    return ""


def checked(item: str, text: str, age: float | None = None) -> tuple[list[str], list[str], list[str]] | None:
    """The item's thresholds as (held, failed, not known) by the numbers the patient's `text` gives (and
    their `age`), each in words ("your SLEDAI is 10", "hSLEDAI >= 6"); None when the item has none."""
    found = thresholds(item)
    if not found:
        return None
    held: list[str] = []
    failed: list[str] = []
    unknown: list[str] = []
    for t in found:
        value = age if t.measure == _AGE else given(t.measure, text) if t.measure else None
        if value is None:
            unknown.append(t.written)
        else:
            (held if t.test(value) else failed).append(f"your {t.measure} is {value:g} (asked: {t.written})")
    return held, failed, unknown


def given(measure: str, text: str) -> float | None:
    """The number the patient's text gives for the measure ("my SLEDAI is 10", "hba1c: 8.1"), if any.

    The patient names it only by a whole name of one to three words joined by a space or a hyphen
    ("Hb A1c", "SLEDAI 2K") that is the same name by `_same_name`: "SLEDAI" is the "hSLEDAI", never
    the "SLE" of "I have SLE". At each word the longest such name counts. The value is the number right
    after it, past only the words of `_VALUE` ("SLEDAI-2K score of 8", "HbA1c: 7.5%"), so in the same
    clause; a number of years, months, weeks or days is an age or a time, no value ("HbA1c fine, 52
    year old man" gives no HbA1c).
    """
    key = _key(measure)
    if len(key) < 3:
        return None
    words = list(_NAME_PART.finditer(text))
    for i, first in enumerate(words):
        if not first.group()[0].isalpha():
            continue
        name_end = None
        for j in range(i, min(i + _NAME_WORDS, len(words))):
            if j > i and text[words[j - 1].end() : words[j].start()] not in (" ", "-"):
                break
            if _same_name(key, _key(text[first.start() : words[j].end()])):
                name_end = words[j].end()
        if name_end is not None and (value := _VALUE.match(text, name_end)):
            return _float(value.group(1))
    return None


# A name in the patient's words is one to three runs of letters and digits: "HbA1c", "Hb A1c", "SLEDAI-2K".
_NAME_PART = patterns.compile(r"[A-Za-z0-9]+")
_NAME_WORDS = 3
# Between a name and its value: "is", "was", "of", "at", "score", "level", ":", "=" (any of them:
# "SLEDAI-2K score of 8", "HbA1c level is 7.5"); the number is whole ("7.5", not the "7" of it) and
# no number of time units ("52 year old", "34yo", "10 years ago").
_VALUE = patterns.compile(
    rf"(?:\s*(?:(?:is|was|of|at|scores?|levels?)\b|[:=]))*\s*({_NUMBER})(?![\d,.]?\d)"
    r"(?!\s*-?\s*(?:(?:years?|yrs?|months?|weeks?|days?)\b|y\.?/?o\b))",
    re.IGNORECASE,
)
# A version at the end of a name: SLEDAI-2K (and SLEDAI 2000) is the SLEDAI.
_VERSION = patterns.compile(r"(?<=[a-z])(?:2k|2000)$")


def _same_name(a: str, b: str) -> bool:
    """Whether two names (by `_key`) are one measure's: the same letters and digits once a version
    suffix is dropped ("SLEDAI-2K", "sledai 2k"), or one is the other with one leading h or s (hybrid,
    safety, serum: "hSLEDAI") when the other has four or more characters, or with a leading hb
    (haemoglobin: "HbA1c" is the "A1c") when it has three. "SLE" is not "SLEDAI", nor "BMI" "BMI-SDS":
    a name is never part of another."""
    short, long = sorted((_VERSION.sub("", a), _VERSION.sub("", b)), key=len)
    return (
        short == long
        or (len(short) >= 4 and long[0] in "hs" and long[1:] == short)
        or (len(short) >= 3 and long[:2] == "hb" and long[2:] == short)
    )


def _key(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())
