"""Per-query crawl state: the high-water mark for incremental crawls and the trials the query returned."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from indexer.store import RecordStore, now_iso

_SCHEMA = """
CREATE TABLE IF NOT EXISTS crawl_state (
    query_key TEXT PRIMARY KEY,
    spider TEXT NOT NULL,
    query TEXT NOT NULL,            -- the query's parameters, JSON
    high_water TEXT,                -- latest last_update_posted seen by a complete crawl
    last_run_at TEXT
);
CREATE TABLE IF NOT EXISTS query_members (
    query_key TEXT NOT NULL,
    nct_id TEXT NOT NULL,
    PRIMARY KEY (query_key, nct_id)
);
"""

# The registry's update dates are days, and a record posted late on the high-water day may not
# have been visible yet: asking again from the day before costs little and misses nothing.
OVERLAP = timedelta(days=1)


def query_key(spider: str, query: dict[str, Any]) -> str:
    canonical = json.dumps({"spider": spider, **{k: v for k, v in sorted(query.items()) if v}}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class CrawlState:
    def __init__(self, store: RecordStore):
        self.store = store
        store.db.executescript(_SCHEMA)

    def get(self, key: str) -> dict[str, Any] | None:
        row = self.store.db.execute(
            "SELECT spider, query, high_water, last_run_at FROM crawl_state WHERE query_key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        return {"spider": row[0], "query": json.loads(row[1]), "high_water": row[2], "last_run_at": row[3]}

    def since_for(self, key: str) -> str | None:
        """The `since` date for the next incremental run of this query, or None for a full crawl."""
        state = self.get(key)
        if not state or not state["high_water"]:
            return None
        return (date.fromisoformat(state["high_water"][:10]) - OVERLAP).isoformat()

    def members(self, key: str) -> set[str]:
        return {r[0] for r in self.store.db.execute("SELECT nct_id FROM query_members WHERE query_key = ?", (key,))}

    def finish(
        self,
        key: str,
        spider: str,
        query: dict[str, Any],
        high_water: str | None,
        seen: Iterable[str],
        *,
        full: bool,
        gone: Iterable[str] = (),
    ) -> None:
        """Record a complete crawl: advance the mark, and the members (a full crawl replaces them)."""
        db = self.store.db
        with self.store.transaction():
            old = self.get(key)
            mark = max(filter(None, [high_water, old["high_water"] if old else None]), default=None)
            db.execute(
                "INSERT OR REPLACE INTO crawl_state VALUES (?, ?, ?, ?, ?)",
                (key, spider, json.dumps(query), mark, now_iso()),
            )
            if full:
                db.execute("DELETE FROM query_members WHERE query_key = ?", (key,))
            db.executemany("INSERT OR IGNORE INTO query_members VALUES (?, ?)", ((key, i) for i in seen))
            db.executemany("DELETE FROM query_members WHERE query_key = ? AND nct_id = ?", ((key, i) for i in gone))
