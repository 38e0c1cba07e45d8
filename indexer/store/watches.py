"""Saved watches as stored: the query, when it last ran, and what it matched then."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from indexer.clock import now_iso
from indexer.store.db import Database


@dataclass(frozen=True, slots=True)
class Watch:
    name: str
    query: dict[str, Any]  # SearchQuery fields
    created_at: str
    last_run_at: str | None
    last_event_id: int  # the newest event the last run reported
    matched: tuple[str, ...]  # trial ids that matched at the last run

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "query": self.query, "created_at": self.created_at, "last_run_at": self.last_run_at}


class WatchStore:
    def __init__(self, db: Database):
        self._db = db

    def add(self, name: str, query: dict[str, Any]) -> bool:
        """False if a watch of that name exists."""
        with self._db.transaction():
            cur = self._db.execute(
                "INSERT OR IGNORE INTO watches (name, query, created_at) VALUES (?, ?, ?)",
                (name, json.dumps(query), now_iso()),
            )
            return cur.rowcount > 0

    def get(self, name: str) -> Watch | None:
        row = self._db.execute(
            "SELECT name, query, created_at, last_run_at, last_event_id, matched FROM watches WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            return None
        return Watch(row[0], json.loads(row[1]), row[2], row[3], int(row[4]), tuple(json.loads(row[5])))

    def names(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT name FROM watches ORDER BY name")]

    def remove(self, name: str) -> bool:
        with self._db.transaction():
            return self._db.execute("DELETE FROM watches WHERE name = ?", (name,)).rowcount > 0

    def remember_run(self, name: str, ran_at: str, last_event_id: int, matched: list[str]) -> None:
        with self._db.transaction():
            self._db.execute(
                "UPDATE watches SET last_run_at = ?, last_event_id = ?, matched = ? WHERE name = ?",
                (ran_at, last_event_id, json.dumps(matched), name),
            )
