"""Which of a trial's sites count for a search near a place, and how far they are."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from indexer.freshness import OPEN_STATUSES
from indexer.geo.distance import bounding_box, km
from indexer.record import TrialRecord


def counted_sites(r: TrialRecord) -> list[tuple[int, float, float]]:
    """(site index, lat, lon) of the sites a place search considers.

    For an open trial, only sites whose own status is open: a site that has closed or not yet
    opened is no place to join. Sites without any status (registries that do not give one) count
    when no site of the trial has one. A closed trial's sites all count (researchers look for those).
    """
    located = [(i, loc) for i, loc in enumerate(r.locations) if loc.lat is not None and loc.lon is not None]
    if r.overall_status in OPEN_STATUSES and any(loc.status for loc in r.locations):
        located = [(i, loc) for i, loc in located if loc.status in OPEN_STATUSES]
    # One entry per distinct point: sites geocoded to the same city centre are one place to measure.
    seen: dict[tuple[float, float], int] = {}
    for i, loc in located:
        seen.setdefault((float(loc.lat), float(loc.lon)), i)  # type: ignore[arg-type]
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
    best = nearest(band, lat, lon) if band else None
    return best if best is not None and best[1] <= within_km else None


def site_summary(r: TrialRecord, index: int, distance: float) -> dict[str, Any]:
    loc = r.locations[index]
    return {
        "facility": loc.facility,
        "city": loc.city,
        "state": loc.state,
        "country": loc.country,
        "status": loc.status,
        "distance_km": round(distance, 1),
        "geo_source": loc.geo_source,
    }


def sites_by_distance(r: TrialRecord, lat: float, lon: float) -> list[dict[str, Any]]:
    """Every located site, nearest first, with its distance."""
    out = [
        site_summary(r, i, km(lat, lon, float(loc.lat), float(loc.lon)))
        for i, loc in enumerate(r.locations)
        if loc.lat is not None and loc.lon is not None
    ]
    return sorted(out, key=lambda s: s["distance_km"])


def near_fields(r: TrialRecord, near: tuple[float, float] | None) -> dict[str, Any]:
    """A result row's `nearest_site` and `distance_km` when a place was asked for (both None if the
    trial has no counted site), nothing otherwise."""
    if near is None:
        return {}
    site = nearest_site(r, near)
    return {"nearest_site": site, "distance_km": site["distance_km"] if site else None}


def nearest_site(r: TrialRecord, near: tuple[float, float] | None) -> dict[str, Any] | None:
    """The trial's nearest counted site (open sites of an open trial) to `near`, with its distance."""
    if near is None:
        return None
    best = nearest(counted_sites(r), *near)
    return site_summary(r, *best) if best else None
