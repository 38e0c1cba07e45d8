"""Saved watches, their run log and their feed entries: the SQL behind `trials watch`."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from indexer.store.db import Database
from indexer.store.lock import WriteLock

# The run locks of watches, one file per watch, in the data directory.
RUN_LOCKS = "watch-locks"


@dataclass(frozen=True, slots=True)
class Watch:
    """A saved search that is run again to report what changed."""

    name: str
    query: dict[str, Any]  # SearchQuery fields
    created_at: str
    last_run_at: str | None
    last_event_id: int  # the events a run has reported go up to this id
    matched: tuple[str, ...]  # trial ids that matched at the last run
    runs: int  # runs remembered so far


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item a run found: a trial newly matching, changed, or leaving the watch's results."""

    entry_id: str
    run: int
    kind: str  # new | changed | left
    nct_id: str
    updated: str
    title: str
    summary: str
    link: str | None = None  # the trial's page
    lines: tuple[str, ...] = ()  # details, e.g. one line per event


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What a run changes in the store once its outputs were delivered."""

    watch: str
    run: int
    ran_at: str
    last_event_id: int
    matched: tuple[str, ...]
    entries: tuple[FeedEntry, ...]
    counts: tuple[int, int, int]  # new matches, changed, left


class WatchConflict(RuntimeError):
    """Another run of the same watch was remembered while this one was being delivered."""


class WatchStore:
    def __init__(self, db: Database):
        self.db = db

    @contextmanager
    def running(self, names: Sequence[str], timeout: float) -> Iterator[None]:
        """Hold the run lock of each of these watches: a run that starts while another run of the same
        watch prepares, delivers and remembers it waits for it (up to `timeout` seconds, then StoreBusy),
        and then starts from what that run remembered. Taken in name order, so two runs of overlapping
        sets of watches never wait for each other; runs of other watches do not wait at all."""
        self.db.require_writable()
        folder = self.db.path.parent / RUN_LOCKS
        folder.mkdir(exist_ok=True)
        with ExitStack() as held:
            for name in sorted(set(names)):
                held.enter_context(
                    WriteLock(
                        folder / f"{_file_part(name)}.lock",
                        timeout,
                        doing=f"running watch {name!r}",
                        busy=f"another run of watch {name!r} is in progress; wait for it to finish",
                    )
                )
            yield

    def add(self, name: str, query: dict[str, Any], created_at: str) -> bool:
        """False when a watch of that name exists."""
        with self.db.transaction():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO watches (name, query, created_at) VALUES (?, ?, ?)",
                (name, json.dumps(query), created_at),
            )
            return cur.rowcount > 0

    def get(self, name: str) -> Watch | None:
        row = self.db.execute(
            "SELECT name, query, created_at, last_run_at, last_event_id, matched,"
            " (SELECT count(*) FROM watch_runs WHERE watch = watches.name) FROM watches WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            return None
        return Watch(row[0], json.loads(row[1]), row[2], row[3], int(row[4]), tuple(json.loads(row[5])), int(row[6]))

    def names(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM watches ORDER BY name")]

    def all(self) -> list[Watch]:
        return [w for w in map(self.get, self.names()) if w is not None]

    def remove(self, name: str) -> bool:
        with self.db.transaction():
            for table in ("watch_entries", "watch_runs"):
                self.db.execute(f"DELETE FROM {table} WHERE watch = ?", (name,))
            return self.db.execute("DELETE FROM watches WHERE name = ?", (name,)).rowcount > 0

    def entries(self, name: str, limit: int) -> list[FeedEntry]:
        """The watch's newest feed entries, newest first."""
        return [
            FeedEntry(e, run, kind, nct, updated, title, summary, link, tuple(json.loads(lines)))
            for e, run, kind, nct, updated, title, summary, link, lines in self.db.execute(
                "SELECT entry_id, run, kind, nct_id, updated, title, summary, link, lines FROM watch_entries"
                " WHERE watch = ? ORDER BY run DESC, rowid LIMIT ?",
                (name, limit),
            )
        ]

    def remember(self, runs: Sequence[RunRecord], keep: int) -> None:
        """Record delivered runs in one transaction, keeping each watch's newest `keep` entries."""
        with self.db.transaction():
            for r in runs:
                # Only the run that was prepared from the watch's current state may land.
                cur = self.db.execute(
                    "UPDATE watches SET last_run_at = ?, last_event_id = ?, matched = ? WHERE name = ?"
                    " AND (SELECT count(*) FROM watch_runs WHERE watch = ?) = ?",
                    (r.ran_at, r.last_event_id, json.dumps(list(r.matched)), r.watch, r.watch, r.run - 1),
                )
                if cur.rowcount != 1:
                    raise WatchConflict(f"watch {r.watch!r} was run by another process meanwhile; run it again")
                self.db.execute(
                    "INSERT INTO watch_runs (watch, run, ran_at, new_matches, changed, left_count)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (r.watch, r.run, r.ran_at, *r.counts),
                )
                self.db.executemany(
                    "INSERT OR REPLACE INTO watch_entries"
                    " (watch, entry_id, run, kind, nct_id, updated, title, summary, link, lines)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (r.watch, e.entry_id, e.run, e.kind, e.nct_id, e.updated, e.title, e.summary, e.link, lines)
                        for e in r.entries
                        for lines in [json.dumps(list(e.lines))]
                    ],
                )
                self.db.execute(
                    "DELETE FROM watch_entries WHERE watch = ? AND rowid NOT IN"
                    " (SELECT rowid FROM watch_entries WHERE watch = ? ORDER BY run DESC, rowid LIMIT ?)",
                    (r.watch, r.watch, keep),
                )


def _file_part(name: str) -> str:
    """A watch's name as part of a file name: itself when it is letters, digits, '.', '-', '_' (as the
    CLI asks), else a hash of it."""
    if re.fullmatch(r"[\w-][\w.-]{0,100}", name, re.ASCII):
        return name
    return hashlib.sha256(name.encode()).hexdigest()[:32]
