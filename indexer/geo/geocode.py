"""Geocoding at ingest: sites without the registry's coordinates get the gazetteer's."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from indexer.geo.gazetteer import locate
from indexer.record import Location, TrialRecord


# Copies made by filling a new object's slots (what record.py's decoder does): dataclasses.replace
# looks every field up and runs the constructor, 10 us a site and 60-100 us a record, and an ingest of
# legacy XML (sites without coordinates) copies 11 sites and their record for every record. Each copy is
# one generated function, a statement a field: a loop over the slots' descriptors took twice as long.
def _copier(cls: type, given: tuple[str, ...] = ()) -> Any:
    names = [f.name for f in dataclasses.fields(cls)]
    ns: dict[str, Any] = {"new": object.__new__, "cls": cls}
    lines = [f"def copy(obj{''.join(f', {n}' for n in given)}):", "    new_obj = new(cls)"]
    for n in names:
        ns[f"set_{n}"] = cls.__dict__[n].__set__
        lines.append(f"    set_{n}(new_obj, {n if n in given else f'obj.{n}'})")
    exec("\n".join([*lines, "    return new_obj"]), ns)  # our own source, from the class's fields
    return ns["copy"]


# A site with these coordinates and their source; a record with these sites (the rest as they are:
# already canonical and validated).
_site: Callable[[Location, float | None, float | None, str], Location] = _copier(Location, ("lat", "lon", "geo_source"))
_with_sites: Callable[[TrialRecord, tuple[Location, ...]], TrialRecord] = _copier(TrialRecord, ("locations",))


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
    return _with_sites(record, tuple(sites))
