"""Reading the events table for watches: a trial's events after a watch's last run, oldest first."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indexer.history.events import Event


@dataclass(frozen=True, slots=True)
class StoredEvent(Event):
    """An event as recorded: which trial and version, its registry date, when it was recorded."""

    id: int
    nct_id: str
    version: int | None
    date: str | None
    recorded_at: str

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def last_event_id(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])


def events_between(db: sqlite3.Connection, ids: Sequence[str], after_id: int, up_to: int) -> list[StoredEvent]:
    """Events of these trials with after_id < id <= up_to, in the order they were recorded."""
    out: list[StoredEvent] = []
    for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
        chunk = list(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            "SELECT id, nct_id, version, date, recorded_at, type, field, old, new, summary FROM events"
            f" WHERE id > ? AND id <= ? AND nct_id IN ({marks})",
            (after_id, up_to, *chunk),
        )
        out.extend(
            StoredEvent(t, f, json.loads(o) if o else None, json.loads(w) if w else None, s, i, n, v, d, r)
            for i, n, v, d, r, t, f, o, w, s in rows
        )
    out.sort(key=lambda e: e.id)
    return out
