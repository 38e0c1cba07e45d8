"""The place a patient's words name for the search, with a country after "in", and what could not be read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.geo import gazetteer
from indexer.geo.in_text import place_in_text
from indexer.geo.typed import PlaceRead, given_place

# "a trial in Germany", "lupus, in France", "in the United Kingdom": a country after a bare "in", read as
# the place box reads a country name (a country filter). Not where the patient was ("born in Mexico",
# "diagnosed in France", "I was in Brazil"), which says nothing of where they can take part.
_IN_COUNTRY = re.compile(r"(?<!\w)(?P<before>\w+\s+)?in\s+(?:the\s+)?(?P<name>[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*){0,3})")
_NOT_HERE = frozenset(
    "born raised up diagnosed treated operated travelled traveled visited holiday vacation was were been".split()  # noqa: SIM905
)
_COUNTRY_ABBREVIATIONS = frozenset({"UK", "US", "USA", "UAE"})
# A ZIP code after words that give a place: "I live in 99999", "near 02115", "zip code 99999".
_ZIP_SAID = re.compile(
    r"\b(?:in|near|around|at|zip(?:\s*code)?|postal\s+code|postcode)\s*:?\s+(\d{5})(?:-\d{4})?\b", re.I
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
            if name.isupper() and name not in _COUNTRY_ABBREVIATIONS:
                continue  # "in MS", "in ER": no country
            if gazetteer.country_code(name):
                read = given_place(name)  # as the place box reads it: a country is a filter
                if read.country:
                    return PlaceRead(name, "text", country=read.country)
    return None


def _unknown_zip(text: str) -> str:
    for m in _ZIP_SAID.finditer(text):
        try:
            gazetteer.resolve(m.group(1))
        except gazetteer.UnknownPlace as exc:
            return f"place not read: {exc}; trials anywhere are shown"
    return ""


def place_said(text: str) -> PlaceSaid:
    """The place the text names (geo.in_text), else a country after "in"; else a note when it names a
    ZIP code the gazetteer does not know ("I live in 99999"), so the patient knows it was not used."""
    read = place_in_text(text) or _country(text)
    return PlaceSaid(read, "" if read else _unknown_zip(text))
