"""Tumour markers a patient states ("HER2-negative", "ER/PR positive", "EGFR wild-type") against those a trial asks."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from indexer import patterns

POSITIVE, NEGATIVE = "positive", "negative"
# The markers, as registries and patients write them. ER, PR and HR only in capitals ("er", "pr" are words;
# "HR" alone is a heart rate, and is read only with a polarity after it). EGFR only so: "eGFR" is the
# kidneys' filtration rate.
_NAMES = {
    "HER2": r"(?i:HER[- ]?2(?:[ /-]?neu)?|ERBB2|c-erbB-?2|human epidermal growth factor receptor[- ]2)",
    "ER": r"ER|(?i:o?estrogen[- ]receptors?)",
    "PR": r"PR|PgR|(?i:progesterone[- ]receptors?)",
    "HR": r"HR|(?i:hormone[- ]receptors?)",
    "EGFR": r"EGFR",
    "ALK": r"ALK",
    "KRAS": r"KRAS|K-ras",
    "BRAF": r"BRAF",
    "ROS1": r"ROS-?1",
}
_GENES = frozenset({"EGFR", "ALK", "KRAS", "BRAF", "ROS1"})
_RECEPTORS = frozenset({"ER", "PR", "HR"})  # hormone receptors: "ER or PR positive" is one requirement
_ANY_NAME = "|".join(f"(?:{p})" for p in _NAMES.values())
# What follows a marker to say its status. Order matters: "non-amplified" before "amplified".
_POLARITY = (
    r"(?i:non[- ]?amplified|not\s+amplified|non[- ]?overexpress\w*|negative|neg\b|wild[- ]?type|WT\b|low\b|0\b|1\+"
    r"|positive|pos\b|overexpress\w*|over-express\w*|amplified|amplification|mutat\w*|mutant|rearrange\w*|fusion"
    r"|3\+|V600E?|L858R|G12[CDV]|T790M|exon\s+(?:19|20|21))"
)
_SIGN = r"(?P<sign>\+|-|−)(?=\s|[,;/).]|$)"  # "HER2+", "ER-/PR-": a sign after the name
# A marker or markers joined ("ER/PR", "ER, PR and HER2"), then the status: "ER/PR negative", "HER2-positive".
_LIST = rf"(?P<names>(?:{_ANY_NAME})(?:\s*(?:/|,|and/or|and|&|or)\s*(?:{_ANY_NAME}))*)"
_STATED = patterns.compile(
    rf"(?<![\w-])(?:{_LIST}(?:\s*\((?:{_ANY_NAME})\))?(?:\s+(?i:gene|protein|receptor|status|expression))?\s*(?:[-:(]\s*)?"
    rf"(?:(?P<word>{_POLARITY})|{_SIGN}))"
)
# "must overexpress HER2", "amplification of HER2": the status before the marker.
_VERB = patterns.compile(
    rf"\b(?P<word>(?i:overexpress\w*|over-express\w*|amplification))\s+(?:of\s+)?(?:the\s+)?{_LIST}(?![\w-])"
)
# "negative for HER2", "positive for ER and PR".
_BEFORE = patterns.compile(rf"\b(?P<word>(?i:negative|positive))\s+for\s+{_LIST}(?![\w-])")
_TRIPLE_NEGATIVE = patterns.compile(r"\btriple[- ]negative\b|\bTNBC\b", re.I)
# "no EGFR mutation", "without ALK rearrangement": the gene's status is negative.
_WITHOUT = patterns.compile(
    rf"\b(?i:no|without|absence\s+of|negative\s+for)\s+(?i:known\s+|documented\s+)?(?P<names>{_ANY_NAME})"
    r"(?:\s+[\w-]+){0,3}?\s+(?i:mutat\w*|rearrange\w*|fusion|alteration\w*|deletion|insertion)"
)
# An exclusion about a treatment ("EGFR mutation previously treated with osimertinib") excludes those who
# had it, not every patient with the marker.
_TREATED = patterns.compile(r"\b(?:treated|untreated|therapy|treatment|received|receiving|inhibitors?|TKIs?)\b", re.I)
# Words that make an item's marker a branch or a case, not what every participant must have:
# "Cohort A: HER2-positive", "if HER2-positive, prior trastuzumab", "regardless of HER2 status".
_CASE = patterns.compile(
    r"\b(?:cohorts?|arms?|groups?|sub-?protocols?|sub-?stud(?:y|ies)|parts?|baskets?|strat\w*|if|when|whose|also|"
    r"regardless|irrespective|either|any|unknown|positive\s+or\s+negative|negative\s+or\s+positive|"
    r"allowed|permitted|may)\b",
    re.I,
)


def _polarity(word: str | None, sign: str | None) -> str:
    if sign is not None:
        return POSITIVE if sign == "+" else NEGATIVE
    w = (word or "").lower()
    negative = w.startswith(("non", "not", "neg", "wild", "wt", "low")) or w in ("0", "1+")
    return NEGATIVE if negative else POSITIVE


def _names(listed: str) -> list[str]:
    return [name for name in _NAMES if re.search(rf"(?<![\w-])(?:{_NAMES[name]})(?![\w])", listed)]


def stated(text: str) -> dict[str, frozenset[str]]:
    """Each marker the text gives a status to, with every status it gives (both, in "HER2 positive or
    negative"). ER and PR negative make hormone receptors negative; either positive, positive."""
    out: dict[str, set[str]] = {}

    def add(names: Iterable[str], polarity: str) -> None:
        for name in names:
            out.setdefault(name, set()).add(polarity)

    denied = [m.span() for m in _WITHOUT.finditer(text)]
    for m in _STATED.finditer(text):
        if any(a <= m.start() < b for a, b in denied):
            continue  # "no EGFR mutation": read below, as negative
        word, sign = m.group("word"), m.group("sign")
        names = _names(m.group("names"))
        # "EGFR mutation": a gene's mutation is its positive status; a receptor's "mutation" says nothing here.
        if word and word.lower().startswith(
            ("mutat", "mutant", "rearrange", "fusion", "v600", "l858", "g12", "t790", "exon")
        ):
            names = [n for n in names if n in _GENES]
        if word and word.lower().startswith(("wild", "wt")):
            names = [n for n in names if n in _GENES]
        add(names, _polarity(word, sign))
    for m in _VERB.finditer(text):
        add(_names(m.group("names")), POSITIVE)
    for m in _BEFORE.finditer(text):
        add(_names(m.group("names")), _polarity(m.group("word"), None))
    for m in _WITHOUT.finditer(text):
        add(_names(m.group("names")), NEGATIVE)
    if _TRIPLE_NEGATIVE.search(text):
        add(("ER", "PR", "HER2", "HR"), NEGATIVE)
    if out.get("ER") == {NEGATIVE} and out.get("PR") == {NEGATIVE}:
        add(("HR",), NEGATIVE)
    either_way = len(out.get("ER", ())) > 1 or len(out.get("PR", ())) > 1  # "ER-positive or ER-negative"
    if POSITIVE in out.get("ER", set()) | out.get("PR", set()) and "HR" not in out and not either_way:
        add(("HR",), POSITIVE)
    if out.get("HR") == {NEGATIVE}:
        add(("ER", "PR"), NEGATIVE)
    return {k: frozenset(v) for k, v in out.items()}


# A trial's texts repeat from match to match (the same candidates): read once each, a bounded number kept.
# A patient's words are read with `stated` itself, so that the server keeps none of them.
_stated_in_trial = functools.lru_cache(maxsize=65536)(stated)


def _one_each(given: dict[str, frozenset[str]]) -> dict[str, str]:
    """The markers given one status, with it (a marker said both ways says nothing)."""
    return {name: next(iter(s)) for name, s in given.items() if len(s) == 1}


def patient_markers(text: str) -> dict[str, str]:
    """The statuses a patient's description gives, one per marker (a marker said both ways is left out)."""
    return _one_each(stated(text))


def asked(text: str) -> dict[str, str]:
    """The statuses an item of criteria, a condition or a title asks of every participant: one status per
    marker, and no case or branch around it ("Cohort A", "if", "regardless of")."""
    if _CASE.search(text):
        return {}
    given = _stated_in_trial(text)
    families = {"HR" if name in _RECEPTORS else name for name in given}
    if len(families) > 1 and re.search(r"\bor\b", re.sub(r"(?i)and/or", " ", text), re.I):
        return {}  # "triple negative or HER2 positive": alternatives, none of them asked of everyone
    found = _one_each(given)
    if "ER" in found and "PR" in found and re.search(r"\bor\b", text, re.I):
        # "ER and/or PR positive": either receptor, which is what HR says; neither one is asked alone.
        del found["ER"], found["PR"]
    return found


def conflicts(text: str, patient: dict[str, str]) -> list[str]:
    """Where `text` asks a status the patient said they do not have: "asks HER2 positive; you said negative"."""
    if not patient:
        return []
    wanted = asked(text)
    return [f"asks {n} {wanted[n]}; you said {n} {p}" for n, p in patient.items() if n in wanted and wanted[n] != p]


def excluded_as(text: str, patient: dict[str, str]) -> list[str]:
    """Where an exclusion item names the status the patient has ("HER2-positive disease"): it excludes them."""
    if not patient or _TREATED.search(text):
        return []
    named = asked(text)
    return [f"excludes {n} {p}; you said {n} {p}" for n, p in patient.items() if named.get(n) == p]
