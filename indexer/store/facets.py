"""Counts by field (status, phase, sponsor, country, ...) from a table kept with the records, never their JSON."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from indexer.record import TrialRecord
from indexer.store.db import Database

# Facet name -> the record field it counts (its JSON path, as `stats` named them before).
FIELDS = {
    "status": "$.overall_status",
    "phase": "$.phases",
    "study_type": "$.study_type",
    "sponsor": "$.lead_sponsor",
    "sex": "$.eligibility.sex",
    "source": "$.source",
    "condition": "$.conditions",
    "country": "$.locations[*].country",
}
BY_PATH = {path: name for name, path in FIELDS.items()}


def values(record: TrialRecord) -> Iterator[tuple[str, str | None]]:
    """(facet, value) rows of one record: a list field once per item, an empty one as None; country once
    per country of its sites (none without sites)."""
    scalars: dict[str, Any] = {
        "status": record.overall_status,
        "study_type": record.study_type,
        "sponsor": record.lead_sponsor,
        "sex": record.eligibility.sex,
        "source": record.source,
    }
    yield from scalars.items()
    for name, items in (("phase", record.phases), ("condition", record.conditions)):
        if items:
            yield from ((name, v) for v in dict.fromkeys(items))
        else:
            yield name, None
    countries = dict.fromkeys(loc.country for loc in record.locations if loc.country)
    yield from (("country", c) for c in countries)


class Facets:
    def __init__(self, db: Database):
        self._db = db

    def put(self, records: Iterable[TrialRecord], replace: Iterable[str] | None = None) -> None:
        """Write these records' rows (inside the transaction that stores them), first removing the old
        rows of the ids in `replace` (default: every record's; a new record has none)."""
        records = list(records)
        replace = [r.nct_id for r in records] if replace is None else replace
        self._db.executemany("DELETE FROM facets WHERE nct_id = ?", ((i,) for i in replace))
        self._db.executemany(
            "INSERT INTO facets (field, value, nct_id) VALUES (?, ?, ?)",
            ((name, value, r.nct_id) for r in records for name, value in values(r)),
        )

    def drop(self, nct_id: str) -> None:
        self._db.execute("DELETE FROM facets WHERE nct_id = ?", (nct_id,))

    def counts(self, name: str) -> list[tuple[str | None, int]]:
        """Records per value of one facet, most first; records without a value (None) last."""
        rows = self._db.execute(
            "SELECT value, count(*) FROM facets WHERE field = ? GROUP BY value ORDER BY value IS NULL, 2 DESC, 1",
            (name,),
        )
        return [(v, c) for v, c in rows]
