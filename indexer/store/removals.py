"""Trials the registry no longer has: a 'removed' event recorded after their last version."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from indexer.store.db import Database


@dataclass(frozen=True, slots=True)
class Removal:
    """A trial the registry no longer has, and when a crawl found it so."""

    nct_id: str
    date: str | None  # when a crawl found that the registry no longer has it
    summary: str  # e.g. "no longer returned by the registry (404 when asked by id)"


def removals_among(db: Database, ids: Sequence[str]) -> dict[str, Removal]:
    """Those of these trials the registry no longer has. A version that became the trial's newest after
    the 'removed' event (the registry has it again) makes it listed again; an older download loaded
    since (history, whose events are written again with new ids) does not."""
    if not ids:
        return {}
    rows = db.execute(
        "SELECT r.nct_id, r.date, r.summary FROM events r WHERE r.type = 'removed' AND r.version IS NULL"
        " AND r.nct_id IN (SELECT value FROM json_each(?)) AND NOT EXISTS ("
        "SELECT 1 FROM versions v WHERE v.nct_id = r.nct_id AND v.current_since > r.id)"
        " ORDER BY r.id",
        (json.dumps(list(ids)),),
    )
    return {str(nct): Removal(str(nct), date, str(summary)) for nct, date, summary in rows}
