"""A place as people type it where a search asks for one (`--near`, the web's `near`): a town, a country."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from indexer import patterns
from indexer.geo import gazetteer
from indexer.geo.gazetteer import Place
from indexer.geo.suggest import hint
from indexer.index.document import SearchQuery
from indexer.usps import US_STATE_CODES


@dataclass(frozen=True)
class PlaceRead:
    """Where the patient is: a point to measure distances from, or only a country."""

    written: str  # the words as the patient wrote them (given: the reading that names the place, "Lyon, France")
    source: str  # "given" (a place field or --near) or "text" (read from the description)
    place: Place | None = None
    country: str | None = None  # ISO code, when the words name a country and no town
    # The countries after the first, when the words name several ("China and India"): a site in any.
    other_countries: tuple[str, ...] = ()

    @property
    def countries(self) -> tuple[str, ...]:
        return (self.country, *self.other_countries) if self.country else ()

    @property
    def label(self) -> str:
        return self.place.label if self.place else f"{self.written} ({', '.join(self.countries)})"

    def without(self, text: str) -> str:
        """The description without the place it names: the place narrows the search already, and as
        words it would match trials that merely mention the town ("we live in London")."""
        return text.replace(self.written, " ", 1) if self.source == "text" else text

    def narrow(self, where: SearchQuery) -> SearchQuery:
        """`where` limited to this place: within its radius of the point, or to the country (the countries
        `where` asks for already, when it asks for some: a country is read as a place only among them)."""
        if self.place is not None:
            return dataclasses.replace(where, near=(self.place.lat, self.place.lon), near_label=self.place.said)
        return dataclasses.replace(where, countries=where.countries or self.countries, near_label=self.label)


def given_place(written: str, within: Sequence[str] = ()) -> PlaceRead:
    """The place a user typed where a search asks for one, in one of the `within` countries when given;
    or the country it names: "near China" is the trials with a site in China, as a country filter.

    What the gazetteer does not know as typed is read as people also write places (`readings`): "near
    Lyon France" is Lyon, France; "Houston TX 77030" the ZIP code. UnknownPlace (with suggestions for
    the text as typed) when no reading names a place."""
    try:
        return _read(written, within)
    except gazetteer.NotKnown as unknown:
        if _FILLER.sub("", written, count=1).strip().casefold() in _WHERE_I_AM:
            raise gazetteer.UnknownPlace(
                f"{written.strip()!r}: this search cannot know where you are. {hint()}"
            ) from None
        for other in readings(written):
            try:
                return _read(other, within)
            except gazetteer.NotKnown:
                continue
        if codes := country_list(written):  # "China and India", "France, Germany or Italy"
            return PlaceRead(written.strip(), "given", country=codes[0], other_countries=codes[1:])
        raise unknown from None


# Between the countries of a list: "France, Germany or Italy", "China and India", "the UK & Ireland".
_LIST_JOIN = patterns.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s(?:and|or|&)\s)\s*", re.IGNORECASE)
_THE = patterns.compile(r"^(?:the)\s+", re.IGNORECASE)


def country_list(written: str) -> tuple[str, ...]:
    """The countries a text names as a list of two or more, as ISO codes; () unless every part is one."""
    parts = [_THE.sub("", p.strip()) for p in _LIST_JOIN.split(_FILLER.sub("", written, count=1))]
    codes = [gazetteer.country_code(p) for p in parts]
    return tuple(dict.fromkeys(c for c in codes if c)) if len(parts) > 1 and all(codes) else ()


# What people type for where they are, which no gazetteer knows ("near me").
_WHERE_I_AM = frozenset({"me", "here", "home", "my location", "my area", "where i live", "you"})


def _read(text: str, within: Sequence[str]) -> PlaceRead:
    try:
        return PlaceRead(text.strip(), "given", place=gazetteer.resolve(text, within))
    except gazetteer.CountryNotPlace as exc:
        return PlaceRead(text.strip(), "given", country=exc.country)


# Words before a place that say nothing of it, in a box that asks for one ("near Lyon", "in Boston").
_FILLER = patterns.compile(r"^\s*(?:near(?:by)?|in|at|around|close\s+to)\s+(?=\S)", re.IGNORECASE)
# A US address's end: "Houston, TX 77030", "Bethesda MD 20892-1234" (the ZIP code is the nearest point).
_ADDRESS = patterns.compile(r"^(?P<city>.+?)[,\s]+(?P<state>[A-Za-z]{2})\.?\s+(?P<zip>\d{5})(?:-\d{4})?\s*$")


def readings(text: str) -> list[str]:
    """Other ways to read a place box's text, most likely first: without a leading "near" or "in"; a US
    address's ZIP code, then its town and state ("Houston, TX 77030"); a town and its state or country
    without the country after them ("Paris, TX, USA": "Paris, TX"); a town with its country or state
    after it without a comma ("Lyon France", "Cleveland Ohio", "Sydney New South Wales")."""
    core = _FILLER.sub("", text, count=1).strip()
    parts = [p.strip() for p in core.split(",")]
    out = [core] if core != text.strip() else []
    two = ", ".join(parts[:2])  # "Paris, TX" of "Paris, TX, USA"
    if (address := _ADDRESS.match(two)) and address["state"].upper() in US_STATE_CODES:
        out += [address["zip"], f"{address['city']}, {address['state']}"]
    if len(parts) > 2:
        out += [two, f"{parts[0]}, {parts[-1]}"]
    words = core.split()
    if len(parts) == 1:
        out += [f"{' '.join(words[:-n])}, {' '.join(words[-n:])}" for n in (1, 2, 3) if n < len(words)]
    return list(dict.fromkeys(out))
