"""Batched writes of parsed documents: one store transaction per batch, then one index commit."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from indexer.history import events
from indexer.parsers import NotATrial, ParseError, parse
from indexer.record import TrialRecord
from indexer.store import now_iso, sha256, versions

if TYPE_CHECKING:
    from indexer.catalog import Catalog

log = logging.getLogger(__name__)

# The registry of record: its record is the trial's; other sources (listing pages, other
# registries' pages) are kept beside it and shown with their differences.
REGISTRY_SOURCES = ("ctgov", "ctgov_xml")
_NCT = re.compile(r"NCT\d{8}")


@dataclass
class IngestStats:
    """Counts of one ingest or crawl; `failed` lists (location, record id, error)."""

    counts: Counter[str] = field(default_factory=Counter)
    failed: list[tuple[str, str | None, str]] = field(default_factory=list)

    def __getitem__(self, key: str) -> int:
        return self.counts[key]


class BatchWriter:
    """Parses and stores documents in batches: each batch one store transaction, then one index commit."""

    def __init__(
        self,
        catalog: Catalog,
        batch_size: int,
        progress: Callable[[int], None] | None,
        lock: Callable[[], AbstractContextManager[object]] | None = None,
        track_updates: bool = False,
    ):
        self.catalog = catalog
        self._lock = lock or nullcontext
        self._shared = lock is not None
        self.store = catalog.store
        self.batch_size = batch_size
        self.progress = progress
        self.stats = IngestStats()
        self._batch: list[tuple[TrialRecord, bytes | None, str | None]] = []
        # For crawl state: the newest registry update date among the records written. Crawls ask
        # for it; a file ingest does not, and skips the look-up it costs for unchanged documents.
        self.max_last_update: str | None = None
        self._track_updates = track_updates
        # Multi-study documents whose records are all queued: marked seen when those are committed.
        self._seen_docs: list[tuple[str, str]] = []

    def add_document(
        self,
        body: bytes,
        location: str,
        *,
        source: str | None = None,
        source_url: str | None = None,
        fetched_at: str | None = None,
    ) -> None:
        """Parse and queue one source document (one or many trials); failures are counted and kept."""
        try:
            self._add_document(body, location, source, source_url, fetched_at)
        finally:
            if self.progress:
                self.progress(1)

    def _add_document(
        self, body: bytes, location: str, source: str | None, source_url: str | None, fetched_at: str | None
    ) -> None:
        digest = sha256(body)
        if self.store.seen_raw(digest):
            # Byte-identical to a document already stored: nothing can have changed.
            self.stats.counts["unchanged"] += 1
            if self._track_updates:
                self._note_unchanged(digest)
            return
        try:
            records = parse(body, source=source, filename=location, source_url=source_url, fetched_at=fetched_at)
        except NotATrial as exc:
            self.stats.counts["skipped"] += 1
            log.warning("skipped %s: %s", location, exc)
            return
        except ParseError as exc:
            self.fail(location, str(exc), raw=body, source=source)
            return
        single = len(records) == 1
        for record in records:
            if not record.eligibility.inclusion and not record.eligibility.exclusion:
                # Stored, but a patient cannot check it: counted and named, so a site change is noticed.
                self.stats.counts["no_eligibility"] += 1
                log.warning("no eligibility criteria in %s (%s)", location, record.nct_id)
            # A multi-study document is kept whole once; each record points at its own raw copy
            # only when the document held just that record.
            self.add_record(record, body if single else None, digest if single else None)
        if not single and records:
            self.store.put_raw(body, digest)
            self._seen_docs.append((digest, records[0].nct_id))

    def add_record(self, record: TrialRecord, raw: bytes | None = None, raw_hash: str | None = None) -> None:
        if record.last_update_posted and (self.max_last_update or "") < record.last_update_posted:
            self.max_last_update = record.last_update_posted
        self._batch.append((record, raw, raw_hash))
        if len(self._batch) >= self.batch_size:
            self.flush()

    def _link(self, record: TrialRecord) -> TrialRecord:
        """A record without an NCT id joins the trial that shares one of its ids (EudraCT, sponsor's)."""
        if _NCT.fullmatch(record.nct_id):
            return record
        for candidate in (*record.secondary_ids, record.org_study_id):
            if candidate and (trial := self.store.resolve(candidate)) and trial != record.nct_id:
                return dataclasses.replace(record, nct_id=trial)
        return record

    def _note_unchanged(self, digest: str) -> None:
        # A byte-identical document was not parsed: take its update date from the stored record.
        row = self.store.db.execute(
            "SELECT json_extract(record, '$.last_update_posted') FROM records WHERE raw_hash = ?", (digest,)
        ).fetchone()
        if row and row[0] and (self.max_last_update or "") < row[0]:
            self.max_last_update = row[0]

    def mark_removed(self, nct_id: str, reason: str) -> bool:
        """A 'removed' event for a stored trial the registry no longer has; False if unknown or already marked."""
        latest = self.store.db.execute("SELECT version FROM records WHERE nct_id = ?", (nct_id,)).fetchone()
        if latest is None:
            return False
        already = self.store.db.execute(
            "SELECT 1 FROM events WHERE nct_id = ? AND type = 'removed' AND version IS NULL", (nct_id,)
        ).fetchone()
        if already:
            return False
        with self._lock(), self.store.transaction():
            versions.write_events(self.store.db, nct_id, None, now_iso()[:10], [events.removed(nct_id, reason)])
        self.stats.counts["removed"] += 1
        return True

    def fail(
        self,
        location: str,
        error: str,
        *,
        raw: bytes | None = None,
        source: str | None = None,
        record_id: str | None = None,
    ) -> None:
        self.stats.counts["failed"] += 1
        self.stats.failed.append((location, record_id, error))
        log.warning("failed %s%s: %s", location, f" ({record_id})" if record_id else "", error)
        with self._lock(), self.store.transaction():
            self.store.record_failure(location, error, source=source, record_id=record_id, raw=raw)

    def flush(self) -> None:
        if not self._batch and not self._seen_docs:
            return
        with self._lock():
            self._flush()
            if self._shared:
                self.catalog.index.close()  # the embedded index's own writer lock goes with ours

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        changed: dict[str, TrialRecord] = {}
        docs, self._seen_docs = self._seen_docs, []
        with self.store.transaction():
            for record, raw, raw_hash in batch:
                if record.source in REGISTRY_SOURCES:
                    if self.store.current_source(record.nct_id) not in (None, *REGISTRY_SOURCES):
                        self.store.drop_history(record.nct_id)  # the registry replaces a provisional row
                    result = self.store.put(record, raw, raw_hash)
                    status = result.status
                else:
                    record = self._link(record)
                    status = self.store.put_source(record, raw, raw_hash)
                    if self.store.current_source(record.nct_id) not in REGISTRY_SOURCES:
                        # Known from this source only: a provisional trial row, so it can be found.
                        self.store.put(record)
                self.stats.counts[status] += 1
                if status in ("new", "updated"):
                    changed[record.nct_id] = self.store.get(record.nct_id) or record
            # In the same transaction as their last records: a crash before it leaves them unseen.
            self.store.mark_seen(docs)
        # The store committed first: if the process dies here, reconcile() indexes these next time.
        if changed:
            index = self.catalog.index
            index.upsert(list(changed.values()))
            index.commit()
            with self.store.transaction():
                self.store.mark_indexed(changed)
