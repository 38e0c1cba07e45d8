"""States, provinces and territories that qualify a city: "Boston, MA", "Toronto, ON", "Sydney, NSW".

The United States', Canada's and Australia's, written as people write them there: the postal
abbreviation or the name. Each is the GeoNames first-level division (admin1) its cities carry.
"""

from __future__ import annotations

from collections.abc import Sequence

from indexer.normalize import place_key
from indexer.store.gazetteer import GazetteerStore
from indexer.usps import US_STATE_CODES

# (abbreviation, GeoNames admin1 code, name, its largest city: for messages). Canada: the provinces'
# and territories' symbols of Canada Post's addressing guidelines (ISO 3166-2:CA), with "PQ", Quebec's
# older symbol; GeoNames numbers them CA.01 (Alberta) to CA.14 (Nunavut), CA.06 unused
# (admin1CodesASCII.txt).
_CANADA = (
    ("AB", "01", "Alberta", "Calgary"),
    ("BC", "02", "British Columbia", "Vancouver"),
    ("MB", "03", "Manitoba", "Winnipeg"),
    ("NB", "04", "New Brunswick", "Moncton"),
    ("NL", "05", "Newfoundland and Labrador", "St. John's"),
    ("NS", "07", "Nova Scotia", "Halifax"),
    ("ON", "08", "Ontario", "Toronto"),
    ("PE", "09", "Prince Edward Island", "Charlottetown"),
    ("QC", "10", "Quebec", "Montreal"),
    ("PQ", "10", "Quebec", "Montreal"),
    ("SK", "11", "Saskatchewan", "Saskatoon"),
    ("YT", "12", "Yukon", "Whitehorse"),
    ("NT", "13", "Northwest Territories", "Yellowknife"),
    ("NU", "14", "Nunavut", "Iqaluit"),
)
# Australia: the states' and territories' abbreviations of Australia Post's addressing guidelines
# (ISO 3166-2:AU less its "AU-" prefix); GeoNames AU.01 (Australian Capital Territory) to AU.08.
_AUSTRALIA = (
    ("ACT", "01", "Australian Capital Territory", "Canberra"),
    ("NSW", "02", "New South Wales", "Sydney"),
    ("NT", "03", "Northern Territory", "Darwin"),
    ("QLD", "04", "Queensland", "Brisbane"),
    ("SA", "05", "South Australia", "Adelaide"),
    ("TAS", "06", "Tasmania", "Hobart"),
    ("VIC", "07", "Victoria", "Melbourne"),
    ("WA", "08", "Western Australia", "Perth"),
)
Region = tuple[str, str]  # (ISO country code, GeoNames admin1 code)
_OTHER: dict[str, list[Region]] = {}
_ABBREVIATIONS: dict[Region, str] = {}
_EXAMPLES: dict[Region, str] = {}
for _country, _table in (("CA", _CANADA), ("AU", _AUSTRALIA)):
    for _code, _admin1, _name, _city in _table:
        for _key in (place_key(_code), place_key(_name)):
            if (_country, _admin1) not in _OTHER.setdefault(_key, []):
                _OTHER[_key].append((_country, _admin1))
        _ABBREVIATIONS.setdefault((_country, _admin1), _code)
        _EXAMPLES.setdefault((_country, _admin1), _city)
# Capitals after a city with no comma ("Boston MA", "Vancouver BC", "Melbourne VIC") name a region.
CODES = US_STATE_CODES | {code for table in (_CANADA, _AUSTRALIA) for code, _, _, _ in table}
# A city to name in a state, for the message that a state is no place.
STATE_EXAMPLES = {
    "TX": "Houston",
    "CA": "Los Angeles",
    "NY": "New York",
    "FL": "Miami",
    "IL": "Chicago",
    "GA": "Atlanta",
    "WA": "Seattle",
}


def us_state(store: GazetteerStore, name: str | None) -> str | None:
    """The USPS code of a US state named by code or name ("ma", "Massachusetts"), else None."""
    if not name:
        return None
    key = place_key(name)
    if len(key) == 2:
        return key.upper() if key.upper() in US_STATE_CODES else None
    return store.country(key + " us state")


def state_said(store: GazetteerStore, text: str, state: str, country: str | None = None) -> str:
    """That a US state is no point to measure from, with a city to name in it (and the country of the
    same two letters, to name it for that: "MA" is also Morocco's code)."""
    example = STATE_EXAMPLES.get(state) or store.largest_city("US", state) or "City"
    also = f"; for {store.country_name(country) or country} ({country}), name the country" if country else ""
    in_it = f'name a city or a ZIP code in it (e.g. "{example}, {state}")'
    return f"{text.strip()!r} is a US state, not a place: {in_it}{also}"


def two_letter_state(key: str) -> str | None:
    """The state (or DC) of a two-letter key ("tx" -> "TX"), not a territory: "PR", "GU" are countries too."""
    code = key.upper()
    return code if len(code) == 2 and code in US_STATE_CODES and code not in _TERRITORIES else None


_TERRITORIES = frozenset({"PR", "GU", "VI", "AS", "MP"})


def regions(store: GazetteerStore, name: str) -> list[Region]:
    """Every state, province or territory `name` may mean: "WA" is Washington and Western Australia."""
    found = [("US", state)] if (state := us_state(store, name)) else []
    return found + _OTHER.get(place_key(name), [])


def abbreviation(country: str, admin1: str | None) -> str | None:
    """How a city's region is written after it: "MA" (US), "ON" (CA), "NSW" (AU); None elsewhere."""
    if not admin1:
        return None
    return admin1 if country == "US" else _ABBREVIATIONS.get((country, admin1))


def outside_us(name: str, countries: Sequence[str] = ("CA", "AU")) -> tuple[str, str] | None:
    """(abbreviation, a city in it) when `name` is a Canadian or Australian region by code or name, in
    one of `countries` ("NT": the Northern Territory with ("AU",), the Northwest Territories with ("CA",))."""
    found = [region for region in _OTHER.get(place_key(name), ()) if region[0] in countries]
    if not found:
        return None
    return _ABBREVIATIONS[found[0]], _EXAMPLES[found[0]]
