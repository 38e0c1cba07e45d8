"""The place a patient's words name for the search, with a country after "in", and what could not be read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer import patterns
from indexer.geo import gazetteer
from indexer.geo.in_text import home_named, place_in_text
from indexer.geo.regions import regions
from indexer.geo.typed import PlaceRead, given_place
from indexer.normalize import place_key
from indexer.store.gazetteer import City

# "a trial in Germany", "lupus, in France", "in the United Kingdom": a country after a bare "in", read as
# the place box reads a country name (a country filter). Not where the patient was ("born in Mexico",
# "diagnosed in France", "I was in Brazil"), which says nothing of where they can take part.
_IN_COUNTRY = patterns.compile(
    r"(?<!\w)(?P<before>\w+\s+)?in\s+(?:the\s+)?(?P<name>[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*){0,3})"
)
_NOT_HERE = frozenset(
    "born raised up diagnosed treated operated travelled traveled visited holiday vacation was were been".split()  # noqa: SIM905
)
_COUNTRY_ABBREVIATIONS = frozenset({"UK", "US", "USA", "UAE"})
# A ZIP code after words that give a place: "I live in 99999", "near 02115", "zip code 99999".
_ZIP_SAID = patterns.compile(
    r"\b(?:in|near|around|at|zip(?:\s*code)?|postal\s+code|postcode)\s*:?\s+(\d{5})(?:-\d{4})?\b", re.I
)


# "lupus trials in Boston", "in Los Angeles": a major city after a bare "in", when its capitalised words
# are the city's whole name and no disease word follows. Not "in Huntington's disease", "in Marburg virus",
# "in Mobile Health Apps" (a longer name), "in March" (no city of 100,000 people).
_IN_CITY = patterns.compile(
    r"(?<!\w)(?P<before>\w+\s+)?in\s+(?P<name>[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,3})(?![\w'’])"
    r"(?:\s+(?P<after>[a-z]+))?"
)
_DISEASE_WORDS = frozenset(
    "disease diseases syndrome syndromes virus viruses fever palsy disorder disorders lymphoma sarcoma "  # noqa: SIM905
    "encephalitis strain strains variant variants criteria scale score classification protocol regimen kinase "
    "kinases gene genes cell cells protein proteins antigen antibody test assay model method procedure chromosome "
    "chromosomes translocation".split()
)
# Major cities' own names that are ordinary words of trials' texts ("in Male subjects", "in Oral",
# "in Reading"): each was found lower case in the real records' texts, or is as plain an English word.
_ORDINARY = frozenset(
    "oral male man reading mobile delta split orange van independence surprise corona sale bath nice".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class PlaceSaid:
    """The place a text names, read in the gazetteer, or why it could not be."""

    read: PlaceRead | None
    note: str = ""  # a place the words name that could not be read: tell the patient


def _country(text: str) -> PlaceRead | None:
    for m in _IN_COUNTRY.finditer(text):
        if (m.group("before") or "").strip().lower() in _NOT_HERE:
            continue
        words = m.group("name").split()
        for n in range(len(words), 0, -1):
            name = " ".join(words[:n]).rstrip(".")
            if (name.isupper() or len(name) <= 2) and name not in _COUNTRY_ABBREVIATIONS:
                continue  # "in MS", "in ER", "in My joints": no country
            if gazetteer.country_code(name) and words[n : n + 1] != ["City"]:  # "in Mexico City": the city
                try:
                    read = given_place(name)  # as the place box reads it: a country is a filter
                except gazetteer.UnknownPlace:
                    continue  # "in Me", "in Pa": a US state's code too, which the place box asks to name
                if read.country:
                    return PlaceRead(name, "text", country=read.country)
    return None


def _major_city(text: str) -> PlaceRead | None:
    for m in _IN_CITY.finditer(text):
        before, name = (m.group("before") or "").strip().lower(), m.group("name").rstrip(".")
        if before in _NOT_HERE or (m.group("after") or "") in _DISEASE_WORDS:
            continue  # where the patient was; an eponym ("in Philadelphia chromosome-positive ALL")
        if (top := major_city(name)) is not None:
            return PlaceRead(name, "text", place=gazetteer.Place(top[4], top[5], gazetteer.city_label(top)))
    return None


def major_city(name: str, *, regions_too: bool = False) -> City | None:
    """The most populous city of 100,000 people or more that `name` is the own name of (whatever smaller
    place a place box would take), unless the name is an abbreviation ("MS"), a sentence's end ("CH. In"),
    an ordinary word of trials' texts or (unless `regions_too`) a state or province too ("Ontario", "New York")."""
    key = place_key(name)
    if name.split()[0].rstrip(".").isupper() or ". " in name or key in _ORDINARY:
        return None
    if not regions_too and regions(gazetteer.store(), name):
        return None
    # The city's own name (or its start: "Ho Chi Minh" City): the gazetteer's other names of cities
    # include "the" and "day".
    majors = [
        r
        for r in gazetteer.store().cities(key)
        if r[3] >= gazetteer.MAJOR_CITY and (place_key(r[0]) == key or (" " in key and place_key(r[0]).startswith(key)))
    ]
    return majors[0] if majors else None


def read_city(words: str) -> str | None:
    """The longest start of these capitalised words that names a major city ("Chicago"), or a state or
    province that is one too ("New York"): a place named after the one read ("near Boston or New York")."""
    parts = words.split()
    return next((n for i in range(len(parts), 0, -1) if major_city(n := " ".join(parts[:i]), regions_too=True)), None)


def _unknown_zip(text: str) -> str:
    for m in _ZIP_SAID.finditer(text):
        try:
            gazetteer.resolve(m.group(1))
        except gazetteer.UnknownPlace as exc:
            return f"place not read: {exc}; trials anywhere are shown"
    return ""


def _unknown_home(text: str) -> str:
    """Why the place the patient says they live in was not read ("I live in Bostn", "I live in Ohio")."""
    if (home := home_named(text)) is None:
        return ""
    try:
        gazetteer.resolve(home)
    except gazetteer.UnknownPlace as exc:
        # Its first sentences: what the name is not, and the places it may have meant.
        return f"place not read: {str(exc).split(' Give ')[0]}; trials anywhere are shown"
    return ""


def place_said(text: str) -> PlaceSaid:
    """The place the text names (geo.in_text), else a country or a major city after "in"; else a note when
    it names a ZIP code the gazetteer does not know ("I live in 99999"), or says the patient lives in a
    place it does not know ("I live in Bostn"), so the patient knows it was not used."""
    read = place_in_text(text) or _country(text) or _major_city(text)
    return PlaceSaid(read, "" if read else _unknown_zip(text) or _unknown_home(text))
