"""What to say when the gazetteer does not know a place: the forms it reads, and close names it knows."""

from __future__ import annotations

from collections.abc import Sequence

from indexer.normalize import place_key
from indexer.store.gazetteer import GazetteerStore


def hint() -> str:
    return 'Give "City", "City, Country", "City, State" (or province: "Toronto, ON"), a US ZIP code, or "lat,lon"'


def suggest(store: GazetteerStore, city: str, country: str | None) -> str:
    """ "Did you mean: ...? " with up to five known names close to `city` (in `country`), or nothing."""
    key = place_key(city)
    if not key:
        return ""
    pool = [r for r in store.names_like(key[:2]) if country is None or r[1] == country]
    names: dict[str, str] = {}
    for n, cc, _ in pool:  # most populous first: "Boston, US" before "Boston, PH"
        names.setdefault(place_key(n), f"{n}, {cc}")
    import difflib  # only for a name the gazetteer does not know

    close = difflib.get_close_matches(key, list(names), n=5, cutoff=0.7)
    return f"Did you mean: {'; '.join(names[c] for c in close)}? " if close else ""


def country_names(store: GazetteerStore, codes: Sequence[str]) -> str:
    """ "United States (US) or Canada (CA)"."""
    return " or ".join(f"{store.country_name(c) or c} ({c})" for c in codes)


def not_in(store: GazetteerStore, text: str, keys: Sequence[str], within: Sequence[str], close: str) -> str:
    """That no place of that name is in the countries asked for; `close`, names like it there; and the
    places of the name (any of `keys`) the gazetteer knows elsewhere, most populous first."""
    found = dict.fromkeys(f"{r[0]}, {r[1]}" for key in keys for r in store.cities(key) if r[1] not in within)
    there = f"It knows {'; '.join(list(found)[:5])} elsewhere. " if found else ""
    return f"{text!r} is not a place the gazetteer knows in {country_names(store, within)}. {close}{there}{hint()}"
