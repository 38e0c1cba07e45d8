"""What a write did: the counts of a run, what became of one document, and a record waiting for its batch."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from indexer.record import TrialRecord


@dataclass
class IngestStats:
    """Counts of one ingest or crawl, each counted once its transaction committed.

    `failed` lists (location, record id, error) of the documents and items that failed; `unread_named` the
    files named on the command line that were skipped as no registry document (a .csv): said, not only counted.
    """

    counts: Counter[str] = field(default_factory=Counter)
    failed: list[tuple[str, str | None, str]] = field(default_factory=list)
    unread_named: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> int:
        return self.counts[key]


@dataclass(frozen=True, slots=True)
class DocumentOutcome:
    """What `add_document` did with one document.

    status: "queued" (parsed; its records are stored with the next commit), "unchanged" (the same
    bytes were stored before), "skipped" (not a trial record), "failed" (nothing of it could be read).
    A queued document may still have `failed_items`: studies of a page that could not be read.
    """

    status: str
    ids: tuple[str, ...] = ()
    error: str | None = None
    failed_items: int = 0


@dataclass(frozen=True, slots=True)
class Pending:
    """A record queued for the next batch, with its own bytes when its document held only it."""

    record: TrialRecord
    raw: bytes | None
    raw_hash: str | None
    location: str
