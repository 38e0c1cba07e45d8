"""Saved watches: a search remembered by name; each run reports new matches and changes since the last run."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from indexer.catalog import Catalog
from indexer.history import changes as tracking
from indexer.index.document import SearchQuery
from indexer.record import TrialRecord
from indexer.store import now_iso

# A watch follows at most this many trials: enough for any focused question, bounded for memory.
MAX_WATCHED = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS watches (
    name TEXT PRIMARY KEY,
    query TEXT NOT NULL,            -- SearchQuery fields, JSON
    created_at TEXT NOT NULL,
    last_run_at TEXT,
    last_event_id INTEGER NOT NULL DEFAULT 0,
    matched TEXT NOT NULL DEFAULT '[]'  -- trial ids that matched at the last run, JSON
);
"""


@dataclass
class WatchRun:
    name: str
    first_run: bool
    new_matches: list[TrialRecord] = field(default_factory=list)
    changed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    titles: dict[str, str | None] = field(default_factory=dict)
    ran_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "watch": self.name,
            "ran_at": self.ran_at,
            "first_run": self.first_run,
            "new_matches": [
                {
                    "nct_id": r.nct_id,
                    "brief_title": r.brief_title,
                    "overall_status": r.overall_status,
                    "source_url": r.source_url,
                }
                for r in self.new_matches
            ],
            "changed": [{"nct_id": k, "brief_title": self.titles.get(k), "events": v} for k, v in self.changed.items()],
        }


def _query_dict(q: SearchQuery) -> dict[str, Any]:
    return {f.name: getattr(q, f.name) for f in dataclasses.fields(q) if f.name not in ("limit", "offset")}


class Watches:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.db = catalog.store.db
        self.db.executescript(_SCHEMA)

    def add(self, name: str, query: SearchQuery) -> None:
        if self.get(name) is not None:
            raise ValueError(f"a watch named {name!r} exists; remove it first with `trials watch rm {name}`")
        with self.catalog.store.transaction():
            self.db.execute(
                "INSERT INTO watches (name, query, created_at) VALUES (?, ?, ?)",
                (name, json.dumps(_query_dict(query)), now_iso()),
            )

    def get(self, name: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT name, query, created_at, last_run_at FROM watches WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            return None
        return {"name": row[0], "query": json.loads(row[1]), "created_at": row[2], "last_run_at": row[3]}

    def list(self) -> list[dict[str, Any]]:
        names = [r[0] for r in self.db.execute("SELECT name FROM watches ORDER BY name")]
        return [w for w in (self.get(n) for n in names) if w is not None]

    def remove(self, name: str) -> bool:
        with self.catalog.store.transaction():
            return self.db.execute("DELETE FROM watches WHERE name = ?", (name,)).rowcount > 0

    def run(self, name: str, *, remember: bool = True) -> WatchRun:
        row = self.db.execute(
            "SELECT query, last_run_at, last_event_id, matched FROM watches WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            raise KeyError(name)
        stored = json.loads(row[0])
        fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in stored.items()}
        query = SearchQuery(**fields, limit=MAX_WATCHED)
        result = self.catalog.search_ids(query)
        matched = [h.nct_id for h in result.hits]
        previous = set(json.loads(row[3]))
        first_run = row[1] is None
        newly = [i for i in matched if i not in previous]
        high_water = tracking.last_event_id(self.catalog.store)
        # Changes are counted for trials that matched before: a new match is reported as new instead.
        changed: dict[str, list[dict[str, Any]]] = {}
        if not first_run:
            watched = [i for i in matched if i in previous]
            for e in tracking.events(self.catalog.store, ids=watched, after_id=row[2]):
                if e["id"] <= high_water:
                    changed.setdefault(e["nct_id"], []).append(e)
        records = self.catalog.store.get_many([*newly, *changed])
        run = WatchRun(
            name,
            first_run,
            [records[i] for i in newly if i in records],
            changed,
            {i: records[i].brief_title for i in changed if i in records},
            now_iso(),
        )
        if remember:
            with self.catalog.store.transaction():
                self.db.execute(
                    "UPDATE watches SET last_run_at = ?, last_event_id = ?, matched = ? WHERE name = ?",
                    (run.ran_at, high_water, json.dumps(matched), name),
                )
        return run
