"""A search box's sentence read as a patient writes it: the place, age, sex and status it states become filters."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from indexer import patterns
from indexer.discover.person_words import FAMILY, SEXED

if TYPE_CHECKING:
    from indexer.geo.typed import PlaceRead


# Patterns are compiled at first use, and each only for a text that has what it needs (a digit for an
# age, a place word for a place): a search for "lupus" pays neither the compiling nor the gazetteer's
# readers (120 M instructions with them, more than the search itself).

# "recruiting lupus trials", "trials now enrolling", "accepting new patients": the trial's status, which
# is no word of its text (as a word, nearly no trial has it: the search found "some words" only).
# Not "not yet recruiting" or "no longer recruiting", which name other statuses.
_RECRUITING = (
    r"(?<!\bnot yet )(?<!\bno longer )(?<!\bnot )\b(?:(?:currently|now|actively|still)\s+)?"
    r"(?:recruiting|enrolling|accepting\s+(?:new\s+)?(?:patients|participants|volunteers))\b"
)
_N = r"\d{1,3}(?:\.\d+)?"
_DECADE = (
    r"(?:(?:early|mid|late)[- ]?\s*)?"
    r"(?:[1-9]0'?s|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b"
)
_SEXED = "|".join(SEXED)
_RELATIVES = "|".join(FAMILY)
# The phrases that state the patient's age, with a sex word beside it when there is one: "I am 34",
# "I'm a 34 year old woman", "34-year-old male", "aged 34", "age: 34", "34F", "woman, 34". An age the
# patient reader finds elsewhere is not used: a search's words stay words unless the phrase is clear.
# Not an age: a measure or a time after the number ("I am 34 weeks pregnant", "aged 6 months" is read only
# in months by `trials match`, "woman, 60 kg").
_NOT_YEARS = r"(?!\s*(?:kg|kgs|lbs?|cm|mm|mg|%|/|\.\d|weeks?|days?|months?|hours?|pounds|kilos|times|years?\s+ago)\b)"
_AGE_PHRASES = (
    rf"(?i)\b(?:I\s+am|I'm|im)\s+(?:now\s+|just\s+)?(?:an?\s+)?{_N}(?:[- ]?(?:years?|yrs?|y)(?:[- ]old)?)?\b"
    rf"{_NOT_YEARS}(?:\s+(?P<sex>{_SEXED}|[fm](?=\s*(?:[,;:.]|$|with\b|and\b))))?\b",
    # "for my mother, who is 80", "my son is 7": the search is for them, whose age and sex these are.
    rf"(?i)\b(?:for\s+)?(?:my|our)\s+(?P<sex>{_RELATIVES})\b\s*,?\s*(?:who\s+)?(?:is|turned|aged?)\s+"
    rf"(?:now\s+|just\s+)?{_N}\b(?:\s*(?:years?|yrs?)(?:[- ]old)?)?{_NOT_YEARS}",
    rf"(?i)\b(?:an?\s+)?{_N}[- ]?(?:years?|yrs?|y)[- ]?old(?:\s+(?P<sex>{_SEXED}))?\b",
    rf"(?i)\b{_N}\s+(?:years?|yrs?)\s+of\s+age\b",
    rf"(?i)\b{_N}\s?(?:yo|y/o)\b(?:\s+(?P<sex>{_SEXED})\b)?",
    rf"(?i)\bage[ds]?\s*[:=]?\s*{_N}\b{_NOT_YEARS}(?!\s*(?:to|-|–|and)\s*\d)",
    r"(?<![\d.,])\b\d{1,3}\s?(?P<sex>[FM])\b",  # "52F", "34 M": whole years, in capitals (a dose is "0.5 M")
    rf"(?i)\b(?P<sex>{_SEXED})\s*,\s*(?:aged?\s+)?{_N}\b{_NOT_YEARS}",
    # "I'm in my 60s", "my mother is in her eighties": read as `trials match` reads a decade (its middle, or
    # its early or late part). Not "diagnosed in my 20s", an age then.
    rf"(?i)\b(?:I\s+am|I'm|im)\s+(?:now\s+)?in\s+my\s+{_DECADE}(?:\s*,?\s+(?P<sex>{_SEXED}))?",
    rf"(?i)\b(?:for\s+)?(?:my|our)\s+(?P<sex>{_RELATIVES})\b\s*,?\s*(?:who\s+)?is\s+(?:now\s+)?in\s+(?:his|her|their)\s+"
    rf"{_DECADE}",
)
# Words that may announce a place (in_text's), or a clause after a comma that starts with a capital.
_PLACE_WORDS = frozenset(
    "near nearby around close far outside resident live living lives reside residing located based stay staying in at".split()  # noqa: SIM905, E501
)
_PLACE_CUE = (
    r"\b(?i:near|nearby|around|close\s+to|far\s+from|outside|resident\s+of|live|living|lives|reside|residing|"
    r"located|based|stay|staying|in|at)\s+(?:(?i:the)\s+)?[A-Z\d]|[,;]\s*[A-Z]"
)
# What a sentence says around its subject that no trial's text needs to have: "I am", "I have",
# "looking for", "are there any", and "clinical" before trials (every trial is one).
_FILLER = (
    r"(?i)\b(?:I\s+am|I'm|I\s+have|I've\s+got|looking\s+for|searching\s+for|search\s+for|are\s+there(?:\s+any)?|"
    r"show\s+me|please|any)\b|\bclinical(?=\s+(?:trials?|stud(?:y|ies))\b)"
)


class Sentence(NamedTuple):  # not a dataclass: made at every search's start, where 4 M instructions count
    """What a search's words state besides what to search for, and the words left to search."""

    text: str | None  # the words left for the text search (None: nothing left)
    near: str | None = None  # the place as written ("Beijing"), for the place box to read
    age: float | None = None
    sex: str | None = None  # F or M
    recruiting: bool = False
    read: tuple[str, ...] = ()  # what was read, as the page and the CLI say it: "age 34 (“I am 34”)"

    @property
    def changed(self) -> bool:
        return bool(self.read)


def _tidy(text: str) -> str | None:
    """Words without the gaps, doubled commas and dangling joiners that taking phrases out leaves."""
    text = re.sub(r"\s*([,;])(?:\s*[,;])+", r"\1", text)
    text = re.sub(r"\s+([,;.!?])", r"\1", " ".join(text.split()))
    text = re.sub(r"^[\s,;.:!?-]+|[\s,;:-]+$", "", text)
    text = re.sub(r"(?i)(?:\s+|^)(?:and|with|for|near|in|at|a|an)$", "", text).strip(" ,;")
    return text or None


@functools.cache
def _re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return patterns.compile(pattern, flags)


def _may_name_place(text: str) -> bool:
    words = set(text.lower().replace(",", " ").split())
    if not (words & _PLACE_WORDS or any(part.strip()[:1].isupper() for part in re.split(r"[,;]", text)[1:])):
        return False
    return _re(_PLACE_CUE).search(text) is not None


def _may_state_age(text: str) -> bool:
    """Whether a number starts a word (or follows "age"), as every age phrase's number does: the numbers
    of names ("IL-2", "COVID-19", "HER2") cost no compiling of the age phrases; or a decade is said ("in my
    sixties")."""
    low = text.lower()
    if " in my " in low or " in her " in low or " in his " in low or " in their " in low:
        return True
    for i, c in enumerate(text):
        if not c.isdigit():
            continue
        before = text[i - 1] if i else " "
        if not (before.isalnum() or before in "-./_"):
            return True
        if text[:i].rstrip(" :=").lower().endswith(("age", "aged", "ages")):
            return True
    return False


def _place_said(text: str) -> PlaceRead | None:
    from indexer.discover.place_said import place_said  # the gazetteer: only for words that may name a place

    return place_said(text).read


def _take(text: str, span: tuple[int, int]) -> str:
    return f"{text[: span[0]]} {text[span[1] :]}"


def read_sentence(
    text: str, *, place: bool = True, age: bool = True, sex: bool = True, status: bool = True
) -> Sentence:
    """The filters a search's words state (each only where the caller was not given it already: `place`
    False when a place box or --near was filled), read as `trials match` reads a patient's words, and the
    words left to search. A text that states none of them is returned as it was."""
    near: str | None = None
    years: float | None = None
    letter: str | None = None
    recruiting = False
    read: list[str] = []
    rest = text
    low = text.lower()
    if ("recruit" in low or "enroll" in low or "accepting" in low) and (m := _re(_RECRUITING, re.I).search(rest)):
        # Taken out of the words even when a status was given: as a word it only costs the search its
        # "every word" (no trial's text says it of itself).
        recruiting = status
        read.append("status recruiting" if status else f"“{m.group(0).strip()}” (the status given instead)")
        rest = _take(rest, m.span())
    if age and _may_state_age(text):
        for pattern in _AGE_PHRASES:
            if (m := _re(pattern).search(rest)) is None:
                continue
            from indexer.discover.patient import read_patient  # as `trials match` reads an age

            patient = read_patient(m.group(0))
            if patient.age is None:
                break
            years = patient.age
            read.append(f"age {patient.age:g} (“{m.group(0).strip()}”)")
            word = m.groupdict().get("sex") or ""
            if sex and (letter := word.upper() if len(word) == 1 else patient.sex if word else None):
                read.append("female" if letter == "F" else "male")
            rest = _take(rest, m.span())
            break
    if place and _may_name_place(rest) and (said := _place_said(rest)) is not None:
        from indexer.geo.in_text import place_phrase

        span = place_phrase(rest, said.written)
        if span is not None:
            # Countries named together ("in China and India") are the place box's list: a site in any of them.
            end = _list_end(rest, span[1]) if said.country and said.place is None else span[1]
            near = rest[rest.index(said.written, span[0]) : end] if end > span[1] else said.written
            others, end = _cities_after(rest, end) if said.place is not None else ([], end)
            # A search measures from one place: the others are said, not left as words every trial must have.
            also = f" (one place at a time: search again for {' and '.join(others)})" if others else ""
            read.append(f"near {near}{also}")
            rest = _take(rest, (span[0], end))
    if not read:
        return Sentence(text)
    rest = _re(_FILLER).sub(" ", rest)
    return Sentence(_tidy(rest), near, years, letter, recruiting, tuple(read))


# After a place: ", India", "and India", "or the United Kingdom", "or Chicago": capitalised words.
_NEXT_COUNTRY = r"\s*(?:,\s*(?:and|or)?|and|or|&)\s+(?:the\s+)?((?:[A-Z][\w.'-]*)(?:\s+[A-Z][\w.'-]*){0,3})"


def _named_after(text: str, end: int, name_in: Callable[[str], str | None]) -> tuple[list[str], int]:
    """The names read one after another from `end` on (`name_in`: the longest start of a run of capitalised
    words that names one), and where they end (`end` itself when none follows)."""
    names: list[str] = []
    while (m := _re(_NEXT_COUNTRY).match(text, end)) and (name := name_in(m.group(1))):
        names.append(name)
        end = m.start(1) + len(name)
    return names, end


def _country_in(words: str) -> str | None:
    """The longest start of these words that names a country: "United States", not "United"."""
    from indexer.geo.gazetteer import country_code

    parts = words.split()
    return next((n for i in range(len(parts), 0, -1) if country_code(n := " ".join(parts[:i]))), None)


def _list_end(text: str, end: int) -> int:
    """Where the countries named one after another from `end` on end (the place box reads the list again:
    geo.typed.country_list)."""
    return _named_after(text, end, _country_in)[1]


def _cities_after(text: str, end: int) -> tuple[list[str], int]:
    """The cities named after the place read ("near Boston or Chicago", "in Paris, Lyon and Nice") and where
    they end: a city of 100,000 people under its own name (place_said.read_city)."""
    from indexer.discover.place_said import read_city

    return _named_after(text, end, read_city)


def read_search(
    text: str | None,
    *,
    near: str | None,
    countries: Sequence[str],
    age: float | None,
    sex: str | None,
    status_given: bool,
) -> Sentence:
    """A search's words and filters as `trials search`, the web page and `/api/search` take them: each
    filter read from the words only where it was not given (a place only without a place or a country).
    The result's near, age and sex are what to search with: the one given, else the one read."""
    if not text:
        return Sentence(text, near, age, sex)
    said = read_sentence(text, place=not (near or countries), age=age is None, sex=sex is None, status=not status_given)
    return said._replace(near=near or said.near, age=said.age if age is None else age, sex=sex or said.sex)
