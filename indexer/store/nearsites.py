"""The site a search index found nearest of each trial, read out of its stored JSON with what a result shows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import orjson

from indexer.geo.near import INDEXED_FIELDS
from indexer.store.briefs import FRESHNESS_FIELDS, SUMMARY_PATHS, StoredJson, TrialSummary, summary_of_values
from indexer.store.db import Database


class AtSite(NamedTuple):
    """A trial's site at the index the search index gave (geo.near.INDEXED_FIELDS of it, as its JSON has
    them; None when the index holds an older copy of the record, whose site indexes may not be this one's),
    and its summary (a table, CSV) or stored JSON (JSON)."""

    nct_id: str
    site: list[Any] | None
    shown: TrialSummary | StoredJson


# SQLite parses a record's JSON once for all the paths of one json_extract, in C, building no Python object
# (at 500k, the 12 MB of the 20 trials of a search near Boston in a third of orjson's time), and writes the
# values it picks as JSON text: numbers as the record has them, read back exactly.
_SITE_PATHS = ", ".join(f"'$.locations[' || wanted.site || '].{f}'" for f in INDEXED_FIELDS)
_SITE_COUNT = len(INDEXED_FIELDS)
# index_pending holds every record written since it was indexed: the site the index measured may be another
# of this record's.
_PENDING = "nct_id IN (SELECT nct_id FROM index_pending)"
_FROM = "FROM wanted JOIN records USING (nct_id)"
_SUMMARY = f"SELECT nct_id, {_PENDING}, json_extract(record, {_SITE_PATHS}, {SUMMARY_PATHS}) {_FROM}"
_JSON = (
    f"SELECT nct_id, {_PENDING}, json_extract(record, {_SITE_PATHS}), CAST(record AS BLOB), {FRESHNESS_FIELDS}"
    f" {_FROM} LEFT JOIN csv_rows USING (nct_id)"
)
_CHUNK = 400  # (trial, site) pairs a statement: two parameters each, well under SQLite's cap


def at_sites(db: Database, wanted: Sequence[tuple[str, int]], *, json: bool) -> dict[str, AtSite]:
    """Each of these (trial, site index) pairs' site and summary or (`json`) stored JSON, of the trials that
    are stored: no record decoded, nor its JSON parsed in Python."""
    found: dict[str, AtSite] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        values = ",".join("(?, ?)" for _ in chunk)
        params = [value for pair in chunk for value in pair]
        rows = db.execute(f"WITH wanted(nct_id, site) AS (VALUES {values}) {_JSON if json else _SUMMARY}", params)
        for nct_id, pending, fields, *stored in rows:
            read = orjson.loads(fields)
            site = None if pending else read[:_SITE_COUNT]
            if json:
                blob, dates = stored
                found[nct_id] = AtSite(nct_id, site, StoredJson(nct_id, blob, *orjson.loads(dates)))
            else:  # the summary's fields after the site's
                found[nct_id] = AtSite(nct_id, site, summary_of_values(nct_id, read[_SITE_COUNT:]))
    return found
