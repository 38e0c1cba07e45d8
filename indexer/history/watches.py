"""Saved watches: a search remembered by name; each run reports new matches and changes since the last run."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from indexer.catalog import Catalog
from indexer.history import changes as tracking
from indexer.index.document import SearchQuery
from indexer.record import TrialRecord
from indexer.store import now_iso

# A watch follows at most this many trials: enough for any focused question, bounded for memory.
MAX_WATCHED = 10_000


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
        self.stored = catalog.store.watches

    def add(self, name: str, query: SearchQuery) -> None:
        if not self.stored.add(name, _query_dict(query)):
            raise ValueError(f"a watch named {name!r} exists; remove it first with `trials watch rm {name}`")

    def get(self, name: str) -> dict[str, Any] | None:
        found = self.stored.get(name)
        return found.to_dict() if found else None

    def list(self) -> list[dict[str, Any]]:
        return [w.to_dict() for w in (self.stored.get(n) for n in self.stored.names()) if w is not None]

    def remove(self, name: str) -> bool:
        return self.stored.remove(name)

    def run(self, name: str, *, remember: bool = True) -> WatchRun:
        watch = self.stored.get(name)
        if watch is None:
            raise KeyError(name)
        fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in watch.query.items()}
        query = SearchQuery(**fields, limit=MAX_WATCHED)
        result = self.catalog.search_ids(query)
        matched = [h.nct_id for h in result.hits]
        previous = set(watch.matched)
        first_run = watch.last_run_at is None
        newly = [i for i in matched if i not in previous]
        high_water = tracking.last_event_id(self.catalog.store)
        # Changes are counted for trials that matched before: a new match is reported as new instead.
        changed: dict[str, list[dict[str, Any]]] = {}
        if not first_run:
            watched = [i for i in matched if i in previous]
            events = tracking.events(self.catalog.store, ids=watched, after_id=watch.last_event_id, up_to_id=high_water)
            for e in events:
                changed.setdefault(e.nct_id, []).append(e.to_dict())
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
            self.stored.remember_run(name, run.ran_at, high_water, matched)
        return run
