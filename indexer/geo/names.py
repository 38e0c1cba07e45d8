"""Which of the places a name may mean is meant: one of that very name before one that has it among its other names."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from indexer.normalize import place_key
from indexer.store.gazetteer import City

# Words a place's name is written with in full or shortened ("St. Louis", "Saint Louis"): the same name.
_SHORT = {"saint": "st", "sainte": "ste", "fort": "ft", "mount": "mt"}
_LONG = {short: word for word, short in _SHORT.items()}


def _swapped(key: str, table: dict[str, str]) -> str:
    words = key.split()
    if table.keys().isdisjoint(words):  # nearly every name: no word to swap
        return key
    return " ".join(table.get(word, word) for word in words)


@dataclass(frozen=True)
class Typed:
    """A name as typed, read a few ways (gazetteer._variants: "Dainava (Kaunas)", then "Kaunas")."""

    keys: tuple[str, ...]  # to look up: the ways, then each with those words shortened and in full
    whole: str  # the whole name, those words shortened
    ways: frozenset[str]  # every way, those words shortened


@functools.lru_cache(maxsize=65536)  # one reading per name: a look-up asks it once or twice
def typed(ways: tuple[str, ...]) -> Typed:
    """The gazetteer knows "Mount Vernon" (22 towns) and "Mt Vernon" (one), "St. Catharines" and not
    "Saint Catharines": each is looked up both ways."""
    more = (form for key in ways for form in (_swapped(key, _SHORT), _swapped(key, _LONG)))
    short = frozenset(_swapped(key, _SHORT) for key in ways)
    return Typed(tuple(dict.fromkeys((*ways, *more))), _swapped(ways[0], _SHORT) if ways else "", short)


@functools.lru_cache(maxsize=65536)  # a look-up ranks the same few cities of a name again and again
def own_key(name: str) -> str:
    """A place's own name as compared with what was typed: its key, those words shortened."""
    return _swapped(place_key(name), _SHORT)


def best(rows: Sequence[City], name: Typed) -> tuple[City, City | None]:
    """The place meant among `rows`, all found under one of `name.keys`, and the most populous place
    more populous than it that has the name only among its other names (None if none does).

    A place whose own name it is comes before every place that has it only among its other names
    (GeoNames' alternate names: former names, other languages' names, and some that are no one's usual
    name): "Annapolis" is Annapolis, MD (40,812 people), not Simão Dias, BR (42,578), once called so;
    "Islamabad" is not Chattogram, BD. One whose own name is the whole text comes first ("Dainava
    (Kaunas)" is Dainava). Then the most populous. Another name still finds a place when no place has
    it as its own name ("Bombay", "Peking", "München")."""
    # Most populous first, so that only the places above the first of that very name have their own
    # names compared (each a fold and a pattern: a name with 50 places would cost 50 us the first time).
    ordered = sorted(rows, key=lambda r: -r[3])
    part = other = None
    for r in ordered:
        own = own_key(r[0])
        if own == name.whole:
            return r, other
        if own in name.ways:
            part = part or r
        elif other is None and part is None:
            other = r
    return (part, other) if part else (ordered[0], None)
