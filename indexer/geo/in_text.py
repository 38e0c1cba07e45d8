"""The place a patient's own words name ("I live near Beijing", "in Boston, MA"), found with the gazetteer."""

from __future__ import annotations

import re

from indexer import patterns
from indexer.geo import gazetteer
from indexer.geo.typed import PlaceRead, given_place
from indexer.normalize import place_key

# Words that say where the patient is. A bare "in" says so only before "City, Region" or a ZIP code:
# "in March", "in Down syndrome" or "in Crohn's disease" name no place, and the gazetteer knows towns
# called March and Down. "From" is left out: "a 34-year-old woman from Jordan" says where she comes
# from, not where she could take part.
_STRONG = (
    r"near(?:by)?|around|close\s+to|not\s+far\s+from|outside(?:\s+of)?|resident\s+of|"
    r"(?:live|living|lives|reside|residing|located|based|staying|stay)\s+(?:in|at|near)"
)
_NAME = r"[A-Z][\w'.-]*(?:\s+(?:(?:de|del|la|le|of|on|upon|am|sur|y)\s+)?[A-Z][\w'.-]*){0,3}"
_REGION = r"[A-Z]{2}\b|[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*){0,2}"  # a state or country: "MA", "South Korea"
_QUALIFIER = rf",\s*(?:{_REGION})"
_ZIP = r"\d{5}(?:-\d{4})?"
_STRONG_RE = patterns.compile(rf"\b(?i:{_STRONG})\s+(?:the\s+)?({_ZIP}\b|{_NAME}(?:{_QUALIFIER})?(?:\s+{_ZIP}\b)?)")
_WEAK_RE = patterns.compile(rf"\b(?i:in)\s+({_ZIP}\b|{_NAME}{_QUALIFIER}(?:\s+{_ZIP}\b)?)")
# Words by which the patient says where they live: the place after them is meant as one, known or not.
_HOME_RE = patterns.compile(
    rf"\b(?i:(?:live|living|lives|reside|residing|based)\s+(?:in|near)|resident\s+of)\s+(?:the\s+)?"
    rf"({_NAME}(?:{_QUALIFIER})?)"
)
# Capitalised words after "from" or "near" that are never the place meant.
_MONTHS = "january february march april may june july august september october november december"
_DAYS = "monday tuesday wednesday thursday friday saturday sunday"
_NOT_PLACES = frozenset(f"{_MONTHS} {_DAYS} i my the a an dr doctor hospital".split())

_COUNTRY_ABBREVIATIONS = frozenset({"UK", "US", "USA", "UAE"})
# A city written as a clause of its own ("female, 67, metastatic breast cancer, Paris") is read only
# when some city of the name has this many people: a disease's eponym ("Crohn's", "Down", "Graves")
# names no such city. The text's first clause is never read so: it is often the patient's own name
# ("Madison, 34, lupus"), and big cities share names with people.
MAJOR_CITY = gazetteer.MAJOR_CITY
_CLAUSE = patterns.compile(r"[^,;\s][^,;\n]*")
_NAME_RE = patterns.compile(_NAME)
_REGION_RE = patterns.compile(_REGION)


def _candidates(phrase: str) -> list[str]:
    """The phrase, then shorter readings of it: "Boston, MA 02115" -> the ZIP, "Boston, MA", "Boston"."""
    out: list[str] = []
    if zip_code := re.search(rf"\b{_ZIP}$", phrase):
        out.append(zip_code.group(0)[:5])
        phrase = phrase[: zip_code.start()].strip()
    city, _, qualifier = phrase.partition(",")
    words = city.split()
    if qualifier.strip():
        out.append(f"{city.strip()}, {qualifier.strip()}")
    out += [" ".join(words[:n]) for n in range(len(words), 0, -1)]
    return [c for c in out if c and _may_be_place(c)]


def _may_be_place(words: str) -> bool:
    """False for words that never name the place meant: "My ...", "Dr ...", or an abbreviation ("MS", "ER")
    rather than the town or country with that code; nor two letters in any case ("near Me", "lives in Pa"):
    no country's name is that short, and a place box refuses a US state's code."""
    if words.split()[0].casefold() in _NOT_PLACES:
        return False
    return not ((words.isupper() and len(words) <= 3) or len(words) <= 2) or words in _COUNTRY_ABBREVIATIONS


def _read(phrase: str) -> PlaceRead | None:
    for candidate in _candidates(phrase.rstrip(".")):
        if country := gazetteer.country_code(candidate):  # a country is no point to measure from
            return PlaceRead(candidate, "text", country=country)
        try:
            return PlaceRead(candidate, "text", place=gazetteer.resolve(candidate))
        except gazetteer.UnknownPlace:
            continue
    return None


def _clause_city(text: str) -> PlaceRead | None:
    """A major city written as a clause of its own after the first, with its country or state if the
    next clause gives one ("..., Paris", "..., Lyon, France")."""
    # (where each clause starts, its words without a sentence's closing mark)
    clauses = [(m.start(), m.group().rstrip().rstrip(".!?").rstrip()) for m in _CLAUSE.finditer(text)]
    for i, (start, name) in enumerate(clauses[1:], start=1):
        if not _NAME_RE.fullmatch(name) or not _may_be_place(name):
            continue
        majors = [r for r in gazetteer.store().cities(place_key(name)) if r[3] >= MAJOR_CITY]  # most populous first
        if not majors:
            continue
        if i + 1 < len(clauses) and _REGION_RE.fullmatch(qualifier := clauses[i + 1][1]):
            written = text[start : clauses[i + 1][0] + len(qualifier)]
            try:
                return PlaceRead(written, "text", place=gazetteer.resolve(f"{name}, {qualifier}"))
            except gazetteer.UnknownPlace:
                pass  # "Paris, Lupus": the next clause is no country or state; the city alone
        if country := gazetteer.country_code(name):  # "..., Mexico": the country, as `_read` takes it
            return PlaceRead(name, "text", country=country)
        place = gazetteer.resolve(name)
        if all((r[4], r[5]) != (place.lat, place.lon) for r in majors):
            # Read for the major city of the name ("..., Rio": Rio de Janeiro), not the smaller place of
            # that very name a place box would take (Río, GR, 14,000 people).
            place = gazetteer.Place(majors[0][4], majors[0][5], gazetteer.city_label(majors[0]))
        return PlaceRead(name, "text", place=place)
    return None


def place_in_text(text: str) -> PlaceRead | None:
    """The first town, ZIP code or country the text names after words that announce a place, if the
    gazetteer knows it. A bare "in" announces only "Town, Region" or a ZIP code. Failing those, a
    major city written as a clause of its own."""
    strong = [(m.start(1), m.group(1)) for m in _STRONG_RE.finditer(text)]
    weak = [(m.start(1), m.group(1)) for m in _WEAK_RE.finditer(text)]
    for _, phrase in sorted(strong + weak):
        if found := _read(phrase):
            return found
    return _clause_city(text)


def home_named(text: str) -> str | None:
    """The first place, as written, that the text says the patient lives in or near ("I live in Bostn",
    "lives in Pa"), whether or not the gazetteer knows it."""
    for m in _HOME_RE.finditer(text):
        if (phrase := m.group(1).rstrip(".")).split()[0].casefold() not in _NOT_PLACES:
            return phrase
    return None


def patient_place(text: str, given: str | None) -> PlaceRead | None:
    """The place given (UnknownPlace if the gazetteer does not know it), else the one the text names."""
    if given and given.strip():
        return given_place(given)
    return place_in_text(text)


def place_phrase(text: str, written: str) -> tuple[int, int] | None:
    """Where the text names the place read as `written`, with the words that announce it ("near Beijing",
    "in Boston, MA 02115", "in France"): what a search takes out of its words once the place is a filter."""
    for regex in (_STRONG_RE, _WEAK_RE):
        for m in regex.finditer(text):
            if (at := m.group(1).find(written)) >= 0:
                return m.start(), m.start(1) + at + len(written)
    # A country after "in", a major city as a clause of its own: the words as written.
    found = re.search(rf"(?:\b(?i:in|near|at)\s+(?:the\s+)?)?{re.escape(written)}", text)
    return found.span() if found else None
