"""Searches near a place on the embedded index: bounding-box prefilter, then the exact distance."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import orjson
import tantivy
from tantivy import Occur, Query

from indexer.geo.distance import bounding_box
from indexer.geo.near import nearest_sorted
from indexer.index.document import Hit, SearchQuery, SearchResult

# Candidates are read best first, at first twice as many as the page needs (most pass the exact
# check), then twice as many again, until the page is full.
FIRST_READ = 2
# Boxes covered by at most this many grid cells (about 1,000 km across) are looked up by cell.
MAX_CELLS = 400
# Distance order looks in growing circles (radius halved this many times first): the nearest
# results are found without measuring every trial in a crowded radius.
RINGS = 6


def cells(sites: list[tuple[int, float, float]]) -> list[str]:
    """The grid cells (1 degree by 1 degree, named "lat:lon" by their south-west corner) holding sites."""
    return sorted({f"{math.floor(lat)}:{math.floor(lon)}" for _, lat, lon in sites})


def box_query(schema: tantivy.Schema, point: tuple[float, float], radius_km: float) -> Query:
    """Trials with a counted site inside the bounding box of the circle.

    Up to MAX_CELLS grid cells, by the cells that cover the box: per site, so a trial with one site
    at the box's latitude and another at its longitude is not a candidate. Wider boxes, by ranges
    of the sites' latitudes and longitudes.
    """
    lo_lat, hi_lat, lon_ranges = bounding_box(point[0], point[1], radius_km)
    lat_cells = range(math.floor(lo_lat), math.floor(hi_lat) + 1)
    lon_cells = [c for w, e in lon_ranges for c in range(math.floor(w), min(math.floor(e), 179) + 1)]
    if len(lat_cells) * len(lon_cells) <= MAX_CELLS:
        wanted = [f"{a}:{b}" for a in lat_cells for b in lon_cells]
        return Query.term_set_query(schema, "geo_cell", wanted)

    def rng(field: str, low: float, high: float) -> Query:
        return Query.range_query(schema, field, tantivy.FieldType.Float, lower_bound=low, upper_bound=high)

    lon_q = Query.boolean_query([(Occur.Should, rng("geo_lon", w, e)) for w, e in lon_ranges])
    return Query.boolean_query([(Occur.Must, rng("geo_lat", lo_lat, hi_lat)), (Occur.Must, lon_q)])


def _checked(searcher: tantivy.Searcher, res: Any, q: SearchQuery, radius: float, scored: bool) -> list[Hit]:
    """The hits of one page whose nearest counted site is really within `radius`."""
    assert q.near is not None
    lat, lon = q.near
    box = bounding_box(lat, lon, radius)
    out = []
    for score, address in res.hits:
        doc = searcher.doc(address)
        best = nearest_sorted(orjson.loads(doc["geo_sites"][0]), lat, lon, radius, box)
        if best is not None:
            out.append(Hit(doc["nct_id"][0], float(score) if scored else 0.0, best[0], best[1]))
    return out


def search_near(searcher: tantivy.Searcher, build: Callable[[SearchQuery], Query], q: SearchQuery) -> SearchResult:
    """Hits within q.within_km of q.near, in q.sort order.

    The box only prefilters: its latitude and longitude may be met by two different sites, and its
    corners lie outside the circle, so every hit is measured. Candidates are read best first and
    reading stops once the page is full; the total is then estimated from the share of candidates
    that passed (SearchResult.total_is_estimate) rather than measuring thousands of trials.
    """
    want = q.offset + q.limit
    if q.sort == "distance":
        for k in range(RINGS, -1, -1):  # radius/64, /32, ... , radius
            radius = q.within_km / 2**k
            res = searcher.search(build(dataclasses.replace(q, within_km=radius)), limit=10**6, count=True)
            found = _checked(searcher, res, q, radius, q.has_scoring_terms)
            if len(found) >= want or k == 0:
                break
        found.sort(key=lambda h: (h.distance_km, h.nct_id))
        total = len(found) if k == 0 else _estimate(searcher, build(q), len(found), len(res.hits))
        return SearchResult(found[q.offset : want], total, total_is_estimate=k != 0)
    by_date = q.sort == "updated" or not q.has_scoring_terms
    order: dict[str, Any] = {"order_by_field": "last_update", "order": tantivy.Order.Desc} if by_date else {}
    query = build(q)
    found = []
    checked = count = offset = 0
    page = FIRST_READ * want
    while len(found) < want:
        res = searcher.search(query, limit=page, offset=offset, count=offset == 0, **order)
        count = int(getattr(res, "count", 0) or 0) if offset == 0 else count
        found += _checked(searcher, res, q, q.within_km, not by_date)
        checked += len(res.hits)
        offset += page
        if len(res.hits) < page:
            return SearchResult(found[q.offset : want], len(found))
        page *= 2
    # Stopped early: the remaining candidates pass at the rate the checked ones did.
    total = max(len(found), round(count * len(found) / checked))
    return SearchResult(found[q.offset : want], total, total_is_estimate=True)


def _estimate(searcher: tantivy.Searcher, query: Query, passed: int, checked: int) -> int:
    count = int(getattr(searcher.search(query, limit=1, count=True), "count", 0) or 0)
    return max(passed, round(count * passed / checked)) if checked else 0
