"""What a write did: the counts of a run, and what became of one document."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class IngestStats:
    """Counts of one ingest or crawl, each counted once its transaction committed.

    `failed` lists (location, record id, error) of the documents and items that failed.
    """

    counts: Counter[str] = field(default_factory=Counter)
    failed: list[tuple[str, str | None, str]] = field(default_factory=list)

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
