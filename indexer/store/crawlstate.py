"""Per-query crawl state: the high-water mark for incremental crawls and the trials the query returned."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from indexer.clock import now_iso
from indexer.store.db import Database


@dataclass(frozen=True, slots=True)
class QueryState:
    """Where a crawl of one query stands: the newest update a complete crawl of it stored, and when it ran."""

    query_key: str
    spider: str
    query: dict[str, Any]
    high_water: str | None  # newest last_update_posted a complete crawl of the query stored
    last_run_at: str | None


class CrawlStates:
    """Crawl state rows; the crawl plan (indexer.ingest.plan) decides what they mean."""

    def __init__(self, db: Database):
        self._db = db

    def get(self, key: str) -> QueryState | None:
        row = self._db.execute(
            "SELECT spider, query, high_water, last_run_at FROM crawl_state WHERE query_key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        return QueryState(key, row[0], json.loads(row[1]), row[2], row[3])

    def members(self, key: str) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT nct_id FROM query_members WHERE query_key = ?", (key,))}

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
        with self._db.transaction():
            old = self.get(key)
            mark = max(filter(None, [high_water, old.high_water if old else None]), default=None)
            self._db.execute(
                "INSERT OR REPLACE INTO crawl_state VALUES (?, ?, ?, ?, ?)",
                (key, spider, json.dumps(query), mark, now_iso()),
            )
            if full:
                self._db.execute("DELETE FROM query_members WHERE query_key = ?", (key,))
            self._db.executemany("INSERT OR IGNORE INTO query_members VALUES (?, ?)", ((key, i) for i in seen))
            self._db.executemany(
                "DELETE FROM query_members WHERE query_key = ? AND nct_id = ?", ((key, i) for i in gone)
            )
