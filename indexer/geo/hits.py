"""A search's hits near a place as a list of results shows them, each with its nearest counted site."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

import orjson

from indexer.geo.near import indexed_site, json_near_fields

if TYPE_CHECKING:
    from indexer.index.document import Hit
    from indexer.store import RecordStore
    from indexer.store.briefs import StoredJson, TrialSummary


@overload
def near_hits(
    store: RecordStore, hits: Sequence[Hit], near: tuple[float, float], within_km: float, *, json: Literal[True]
) -> list[tuple[StoredJson, dict[str, Any]]]: ...
@overload
def near_hits(
    store: RecordStore, hits: Sequence[Hit], near: tuple[float, float], within_km: float, *, json: bool
) -> list[tuple[StoredJson | TrialSummary, dict[str, Any]]]: ...
def near_hits(
    store: RecordStore, hits: Sequence[Hit], near: tuple[float, float], within_km: float, *, json: bool
) -> list[tuple[StoredJson, dict[str, Any]]] | list[tuple[StoredJson | TrialSummary, dict[str, Any]]]:
    """Each hit's summary (a table, CSV) or (`json`) stored JSON, in the hits' order, with its `nearest_site`
    and `distance_km` (geo.near.json_near_fields's). The nearest site is the one the index found (Hit.site:
    it measured every counted site within the radius), read out of the stored JSON by SQLite with the summary
    (store.at_sites): at 500k the 20 trials of a search near Boston hold 24,360 sites and 44,540 contacts in
    12 MB of JSON, which orjson parsed and geo.near measured in ~69 ms (AMD EPYC VM), SQLite reads in ~22. A
    trial stored again since it was indexed, or found by an engine that names no site, has its stored JSON
    parsed and its sites measured. A trial deleted since the index was read is left out."""
    found = store.at_sites([(h.nct_id, h.site) for h in hits if h.site is not None], json=json)
    shown = {nct_id: row.shown for nct_id, row in found.items()}
    fields: dict[str, dict[str, Any]] = {}
    for h in hits:
        row = found.get(h.nct_id)
        if row is None or row.site is None or h.distance_km is None:
            continue
        if site := indexed_site(row.site, near, h.distance_km):
            fields[h.nct_id] = {"nearest_site": site, "distance_km": site["distance_km"]}
    if measured := [h.nct_id for h in hits if h.nct_id not in fields]:
        from indexer.store.briefs import summary_of_json

        for s in store.stored_json(measured).values():
            record = orjson.loads(s.json)
            fields[s.nct_id] = json_near_fields(record, near, within_km)
            shown[s.nct_id] = s if json else summary_of_json(s.nct_id, record)
    return [(shown[h.nct_id], fields[h.nct_id]) for h in hits if h.nct_id in fields]
