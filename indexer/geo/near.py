"""Which of a trial's sites count for a search near a place, and how far they are."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import Any

from indexer.freshness import OPEN_STATUSES
from indexer.geo.distance import bounding_box, km
from indexer.record import TrialRecord


def counted_sites(r: TrialRecord) -> list[tuple[int, float, float]]:
    """(site index, lat, lon) of the sites a place search considers (`counted_points` of the record's)."""
    return counted_points(r.overall_status, [(loc.lat, loc.lon, loc.status) for loc in r.locations])


def counted_points(
    overall_status: str | None, sites: Sequence[tuple[float | None, float | None, str | None]]
) -> list[tuple[int, float, float]]:
    """(site index, lat, lon) of the sites a place search considers, of a trial's status and its sites'
    (lat, lon, status) in order: a decoded record's or its stored JSON's (`json_nearest_site`).

    For an open trial, only sites whose own status is open: a site that has closed or not yet
    opened is no place to join. Sites without any status (registries that do not give one) count
    when no site of the trial has one. A closed trial's sites all count (researchers look for those).
    """
    open_only = overall_status in OPEN_STATUSES and any(site[2] for site in sites)
    # One entry per distinct point: sites geocoded to the same city centre are one place to measure.
    seen: dict[tuple[float, float], int] = {}
    for i, (lat, lon, status) in enumerate(sites):
        if lat is not None and lon is not None and (not open_only or status in OPEN_STATUSES):
            seen.setdefault((float(lat), float(lon)), i)
    return [(i, lat, lon) for (lat, lon), i in seen.items()]


def nearest(
    sites: Sequence[Sequence[float]], lat: float, lon: float, within_km: float | None = None
) -> tuple[int, float] | None:
    """(site index, km) of the nearest of `sites` ((index, lat, lon) each), or None when there are
    none (within `within_km`, when given: sites outside its bounding box are skipped unmeasured,
    which matters for trials with a thousand sites)."""
    if within_km is not None:
        lo_lat, hi_lat, lons = bounding_box(lat, lon, within_km)
        sites = [s for s in sites if lo_lat <= s[1] <= hi_lat and any(w <= s[2] <= e for w, e in lons)]
    best: tuple[int, float] | None = None
    for i, slat, slon in sites:
        d = km(lat, lon, slat, slon)
        if best is None or d < best[1]:
            best = (int(i), d)
    if best is not None and within_km is not None and best[1] > within_km:
        return None
    return best


def by_latitude(sites: list[tuple[int, float, float]]) -> tuple[list[float], list[float], list[int]]:
    """Sites as (latitudes ascending, their longitudes, their indexes): what an index stores, so
    that `nearest_sorted` finds a thousand-site trial's nearby sites by bisection."""
    ordered = sorted(sites, key=lambda s: s[1])
    return [s[1] for s in ordered], [s[2] for s in ordered], [s[0] for s in ordered]


def nearest_sorted(
    sites: Sequence[Sequence[Any]],
    lat: float,
    lon: float,
    within_km: float,
    box: tuple[float, float, list[tuple[float, float]]] | None = None,
) -> tuple[int, float] | None:
    """`nearest` within `within_km` over sites stored `by_latitude`; give `box`
    (distance.bounding_box of the same circle) when measuring many trials."""
    lats, lons, index = sites
    lo_lat, hi_lat, lon_ranges = box or bounding_box(lat, lon, within_km)
    start, end = bisect.bisect_left(lats, lo_lat), bisect.bisect_right(lats, hi_lat)
    if start == end:
        return None
    if len(lon_ranges) == 1:
        west, east = lon_ranges[0]
        band = [(index[j], lats[j], lons[j]) for j in range(start, end) if west <= lons[j] <= east]
    else:
        band = [
            (index[j], lats[j], lons[j]) for j in range(start, end) if any(w <= lons[j] <= e for w, e in lon_ranges)
        ]
    # In site order, so that of sites at the same distance the first wins, as `nearest` over the record's own
    # order gives it: the index's nearest site is then the one a search's results name (`indexed_site`).
    band.sort()
    best = nearest(band, lat, lon) if band else None
    return best if best is not None and best[1] <= within_km else None


def nearest_first_within(
    sites: Sequence[Sequence[float]], lat: float, lon: float, within_km: float | None
) -> tuple[int, float] | None:
    """`nearest(sites, lat, lon)`, the same site and distance, measuring first only the sites in the
    bounding box of `within_km` (the search's radius): when one of them is within it, every site outside
    the box is farther, so it is the nearest; else (none within: a trial found by other sites) every site
    is measured. A thousand-site trial near a place has a few sites in the box."""
    if within_km is not None:
        # The box is drawn _BOX_MARGIN_KM wider than the radius: a site outside it is then farther than the
        # radius by more than any rounding of the distances, never equal to the nearest found within it (a tie
        # goes to the lowest index, which could be outside).
        best = nearest(sites, lat, lon, within_km + _BOX_MARGIN_KM)
        if best is not None and best[1] <= within_km:
            return best
    return nearest(sites, lat, lon)


_BOX_MARGIN_KM = 1.0
# What a nearest site says of itself, besides its distance (rounded to 100 m) and where its point came from.
_SITE_FIELDS = ("facility", "city", "state", "country", "status")


def _site(fields: Sequence[str | None], distance: float, geo_source: str | None) -> dict[str, Any]:
    return {**dict(zip(_SITE_FIELDS, fields, strict=True)), "distance_km": round(distance, 1), "geo_source": geo_source}


def site_summary(r: TrialRecord, index: int, distance: float) -> dict[str, Any]:
    loc = r.locations[index]
    return _site([getattr(loc, f) for f in _SITE_FIELDS], distance, loc.geo_source)


def sites_by_distance(r: TrialRecord, lat: float, lon: float) -> list[dict[str, Any]]:
    """Every located site, nearest first, with its distance."""
    out = [
        site_summary(r, i, km(lat, lon, float(loc.lat), float(loc.lon)))
        for i, loc in enumerate(r.locations)
        if loc.lat is not None and loc.lon is not None
    ]
    return sorted(out, key=lambda s: s["distance_km"])


def near_fields(r: TrialRecord, near: tuple[float, float] | None, within_km: float | None = None) -> dict[str, Any]:
    """A result row's `nearest_site` and `distance_km` when a place was asked for (both None if the
    trial has no counted site), nothing otherwise. `within_km`, the search's radius, only saves work."""
    return _near_fields(nearest_site(r, near, within_km), near)


def nearest_site(
    r: TrialRecord, near: tuple[float, float] | None, within_km: float | None = None
) -> dict[str, Any] | None:
    """The trial's nearest counted site (open sites of an open trial) to `near`, with its distance."""
    if near is None:
        return None
    best = nearest_first_within(counted_sites(r), *near, within_km)
    return site_summary(r, *best) if best else None


def json_near_fields(
    record: Mapping[str, Any], near: tuple[float, float] | None, within_km: float | None = None
) -> dict[str, Any]:
    """`near_fields` of a record's stored JSON as orjson reads it (dicts and lists): the same fields, its
    sites and their contacts never decoded into a TrialRecord (at 500k, the 24,360 sites of a search's 20
    largest trials were most of its time)."""
    return _near_fields(json_nearest_site(record, near, within_km), near)


def json_nearest_site(
    record: Mapping[str, Any], near: tuple[float, float] | None, within_km: float | None = None
) -> dict[str, Any] | None:
    """`nearest_site` of a record's stored JSON as orjson reads it."""
    if near is None:
        return None
    # A missing field reads as TrialRecord.from_dict would decode it: no sites, no value.
    locations: Sequence[Mapping[str, Any]] = record.get("locations") or ()
    points = [(loc.get("lat"), loc.get("lon"), loc.get("status")) for loc in locations]
    best = nearest_first_within(counted_points(record.get("overall_status"), points), *near, within_km)
    if best is None:
        return None
    loc = locations[best[0]]
    return _site([loc.get(f) for f in _SITE_FIELDS], best[1], loc.get("geo_source"))


# The fields of the site an index found nearest (Hit.site) that a search reads of its stored JSON
# (store/nearsites.py): what the site says of itself, then its point, which `indexed_site` measures again.
INDEXED_FIELDS = (*_SITE_FIELDS, "geo_source", "lat", "lon")


def indexed_site(fields: Sequence[Any], near: tuple[float, float], distance: float) -> dict[str, Any] | None:
    """`nearest_site` of a trial the index found at `distance` from `near` by the site whose INDEXED_FIELDS
    are `fields` (its index, Hit.site, read in the stored record): that site is the trial's nearest counted
    site (the index measured every counted site in the radius, and of sites at the same distance took the
    first), so no other site is read. None when its point is not at that distance: the record is not the
    one the index measured (stored again since), and its sites are to be measured (`json_nearest_site`)."""
    *shown, geo_source, lat, lon = fields
    if lat is None or lon is None or km(*near, float(lat), float(lon)) != distance:
        return None
    return _site(shown, distance, geo_source)


def _near_fields(site: dict[str, Any] | None, near: tuple[float, float] | None) -> dict[str, Any]:
    if near is None:
        return {}
    return {"nearest_site": site, "distance_km": site["distance_km"] if site else None}
