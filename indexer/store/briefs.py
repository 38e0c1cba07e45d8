"""A few fields of stored records, read by SQLite from their JSON: what a list of trials names each by."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from indexer.store.db import Database


class TrialBrief(NamedTuple):
    """A trial's id, title, status and address: what a watch's new matches say of each."""

    nct_id: str
    brief_title: str | None
    overall_status: str | None
    source_url: str | None


def briefs(db: Database, ids: Iterable[str]) -> dict[str, TrialBrief]:
    """The brief of each of these trials that is stored; no record is decoded (a watch's first run
    may name 10,000 trials: decoded whole, they held 450 MB)."""
    select = (
        "SELECT nct_id, json_extract(record, '$.brief_title'), json_extract(record, '$.overall_status'),"
        " json_extract(record, '$.source_url') FROM records"
    )
    return {row[0]: TrialBrief(*row) for row in db.by_ids(select, ids)}
