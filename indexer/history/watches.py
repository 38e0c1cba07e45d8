"""Saved watches: a search remembered by name; each run reports trials entering, changing and leaving it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from indexer.catalog import Catalog
from indexer.history.feed import feed_id
from indexer.history.leaving import Reason, explain
from indexer.index.base import IndexUnavailable
from indexer.index.document import SearchQuery
from indexer.store import StoredEvent, now_iso
from indexer.store.briefs import TrialBrief
from indexer.store.watches import FeedEntry, RunRecord, Watch, WatchConflict

__all__ = ["MAX_WATCHED", "ChangedTrial", "LeftTrial", "Watch", "WatchConflict", "WatchRun", "Watches"]

# A watch follows at most this many trials: enough for any focused question, bounded for memory.
MAX_WATCHED = 10_000
TRIAL_URL = "https://clinicaltrials.gov/study/{}"


@dataclass(frozen=True, slots=True)
class ChangedTrial:
    """A watched trial that changed since the watch last ran."""

    nct_id: str
    brief_title: str | None
    still_matches: bool
    events: tuple[StoredEvent, ...]
    overall_status: str | None = None  # its status now, as new matches and trials that left say theirs


@dataclass(frozen=True, slots=True)
class LeftTrial:
    """A trial that no longer matches a watch, and why."""

    nct_id: str
    brief_title: str | None
    overall_status: str | None
    reason: Reason


@dataclass(frozen=True, slots=True)
class WatchRun:
    """One run's findings; `Watches.remember` records it once its outputs were delivered."""

    watch: Watch
    number: int
    ran_at: str
    new_matches: tuple[TrialBrief, ...]
    changed: tuple[ChangedTrial, ...]
    left: tuple[LeftTrial, ...]
    matched: tuple[str, ...]
    high_water: int

    @property
    def name(self) -> str:
        return self.watch.name

    @property
    def first_run(self) -> bool:
        return self.watch.last_run_at is None

    @property
    def has_news(self) -> bool:
        return bool(self.new_matches or self.changed or self.left)

    def to_dict(self) -> dict[str, Any]:
        return {
            "watch": self.name,
            "run": self.number,
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
            "changed": [
                {
                    "nct_id": c.nct_id,
                    "brief_title": c.brief_title,
                    "overall_status": c.overall_status,
                    "still_matches": c.still_matches,
                    "events": [e.to_dict() for e in c.events],
                }
                for c in self.changed
            ],
            "left": [
                {
                    "nct_id": t.nct_id,
                    "reason": t.reason.text,
                    "brief_title": t.brief_title,
                    "overall_status": t.overall_status,
                    "field": t.reason.field,
                    "old": t.reason.old,
                    "new": t.reason.new,
                }
                for t in self.left
            ],
        }

    def entries(self) -> list[FeedEntry]:
        """Feed entries; their ids depend only on the watch, the run number and the trial, so a
        repeated (undelivered) run gives the same ids."""
        base = f"{feed_id(self.watch)}/run/{self.number}"

        def entry(kind: str, nct_id: str, title: str, summary: str, lines: tuple[str, ...] = ()) -> FeedEntry:
            link = TRIAL_URL.format(nct_id) if nct_id.startswith("NCT") else None
            return FeedEntry(
                f"{base}/{kind}/{nct_id}", self.number, kind, nct_id, self.ran_at, title, summary, link, lines
            )

        out = [
            entry("new", r.nct_id, f"New match: {r.nct_id} {r.brief_title or ''}".strip(), f"status {r.overall_status}")
            for r in self.new_matches
        ]
        for t in self.left:
            lines = next((_event_lines(c.events) for c in self.changed if c.nct_id == t.nct_id), ())
            # The reason goes in the title: for someone watching recruiting trials it is the news.
            summary = f"{t.brief_title}: {t.reason.text}" if t.brief_title else t.reason.text
            out.append(entry("left", t.nct_id, f"Left: {t.nct_id}, {t.reason.text}", summary, lines))
        for c in self.changed:
            if c.still_matches:
                summary = "; ".join(e.summary for e in c.events[:3])
                if len(c.events) > 3:
                    summary += f"; and {len(c.events) - 3} more"
                title = f"Changed: {c.nct_id} {c.brief_title or ''}".strip()
                out.append(entry("changed", c.nct_id, title, summary, _event_lines(c.events)))
        return out

    def record(self) -> RunRecord:
        counts = (len(self.new_matches), len(self.changed), len(self.left))
        return RunRecord(
            self.name, self.number, self.ran_at, self.high_water, self.matched, tuple(self.entries()), counts
        )


def _event_lines(events: tuple[StoredEvent, ...]) -> tuple[str, ...]:
    return tuple(f"{e.date or '?'}  {e.summary}" for e in events)


def _query_dict(q: SearchQuery) -> dict[str, Any]:
    return {f.name: getattr(q, f.name) for f in dataclasses.fields(q) if f.name not in ("limit", "offset")}


def stored_query(watch: Watch) -> SearchQuery:
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in watch.query.items()}
    return SearchQuery(**fields, limit=MAX_WATCHED)


class Watches:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.store = catalog.store.watches

    def add(self, name: str, query: SearchQuery) -> None:
        if not self.store.add(name, _query_dict(query), now_iso()):
            raise ValueError(f"a watch named {name!r} exists; remove it first with `trials watch rm {name}`")

    def get(self, name: str) -> Watch | None:
        return self.store.get(name)

    def all(self) -> list[Watch]:
        return self.store.all()

    def remove(self, name: str) -> bool:
        return self.store.remove(name)

    def run(self, name: str) -> WatchRun:
        """What is new since the watch's last remembered run; nothing is written (see `remember`)."""
        watch = self.store.get(name)
        if watch is None:
            raise KeyError(name)
        missing = self.catalog.unindexed()
        if missing:  # a search that misses them would report trials leaving, and later entering again
            raise IndexUnavailable(
                f"{missing} stored trials are not in the search index yet (a write was stopped before "
                "indexing them), so the watch is not run: run `trials reindex`, or any ingest or crawl, to index "
                "them, then run the watch again"
            )
        # The high-water mark is read before searching: an event recorded meanwhile is left for the next run.
        high_water = self.catalog.store.events.last_id()
        query = stored_query(watch)
        found = tuple(h.nct_id for h in self.catalog.search_ids(query).hits)
        # The index keeps a trial the registry no longer has (its record stays, with a 'removed' event):
        # for a watch it has left, and says why (`leaving.explain`).
        removed = self.catalog.store.events.removed_among(found)
        matched = tuple(i for i in found if i not in removed)
        now, previous = set(matched), set(watch.matched)
        newly = [i for i in matched if i not in previous]
        gone = [i for i in watch.matched if i not in now]
        # Every trial that matched at the previous run is followed, whether it still matches or not;
        # a new match is reported as new instead.
        by_trial: dict[str, list[StoredEvent]] = {}
        if watch.last_run_at is not None:  # changes after what the last run saw; not history filled in since
            for e in self.catalog.store.events.news(watch.matched, watch.last_event_id, high_water):
                by_trial.setdefault(e.nct_id, []).append(e)
        # Whole records only for the trials that left (why they left reads any field); the others are
        # named by title and status: a broad watch's first run names 10,000 trials.
        named = self.catalog.store.briefs([*newly, *by_trial])
        records = self.catalog.store.get_many(gone)
        changed = tuple(
            ChangedTrial(
                i,
                named[i].brief_title if i in named else None,
                i in now,
                tuple(by_trial[i]),
                named[i].overall_status if i in named else None,
            )
            for i in watch.matched
            if i in by_trial
        )
        left = []
        for i in gone:
            record = records.get(i)
            left.append(
                LeftTrial(
                    i,
                    record.brief_title if record else None,
                    record.overall_status if record else None,
                    explain(query, record, by_trial.get(i, ())),
                )
            )
        return WatchRun(
            watch,
            watch.runs + 1,
            now_iso(),
            tuple(named[i] for i in newly if i in named),
            changed,
            tuple(left),
            matched,
            high_water,
        )

    def preview(self, name: str) -> WatchRun:
        """`run`, dated by the newest change it could report instead of the clock: served again and
        again (the web app's feed), its entries keep their `updated` until the registry data changes."""
        run = self.run(name)
        dated = self.catalog.store.events.recorded_at(run.high_water) or run.watch.last_run_at or run.ran_at
        return dataclasses.replace(run, ran_at=dated)

    def feed_entries(self, run: WatchRun, limit: int) -> list[FeedEntry]:
        """The watch's feed as it will be once `run` is remembered: its entries, then earlier ones."""
        fresh = run.entries()
        ids = {e.entry_id for e in fresh}
        earlier = [e for e in self.store.entries(run.name, limit) if e.entry_id not in ids]
        return (fresh + earlier)[:limit]

    def exclusive(self, names: Sequence[str]) -> AbstractContextManager[None]:
        """One run at a time of each of these watches, from `run` to `remember` (see `delivery.run_and_deliver`)."""
        return self.store.running(names, self.catalog.settings.lock_timeout)

    def remember(self, runs: list[WatchRun], keep: int) -> None:
        """Record runs whose outputs were delivered, all in one transaction."""
        self.store.remember([r.record() for r in runs], keep)
