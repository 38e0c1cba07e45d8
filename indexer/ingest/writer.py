"""Batched writes of parsed documents: one store transaction per batch, then one index commit."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from indexer.clock import today_iso
from indexer.geo.geocode import geocode
from indexer.history import events
from indexer.identifiers import is_nct
from indexer.index.base import SearchIndex
from indexer.ingest.index_commits import IndexCommits
from indexer.ingest.index_process import IndexProcess
from indexer.ingest.outcome import DocumentOutcome, Pending
from indexer.ingest.outcome import IngestStats as IngestStats  # re-exported: indexer.catalog's
from indexer.ingest.packing import BackgroundPacker
from indexer.ingest.record_of import REGISTRY_SOURCES as REGISTRY_SOURCES  # re-exported: indexer.catalog's
from indexer.ingest.record_of import adopt, key_of, link, settle
from indexer.parsers import NotATrial, Parsed, ParseError, parse_document
from indexer.parsers.ctgov import PARTIAL_SOURCE
from indexer.record import TrialRecord
from indexer.store import RecordStore, sha256
from indexer.store.failures import GONE, storable

log = logging.getLogger(__name__)


class BatchWriter:
    """Parses and stores documents in batches: each batch one store transaction, then one index commit.

    A failure of the store (disk full, damaged file) or of the index raises and stops the caller;
    a document that cannot be parsed is counted, kept with its bytes, and the writer goes on.
    """

    def __init__(
        self,
        store: RecordStore,
        index: SearchIndex,
        batch_size: int,
        progress: Callable[[int], None] | None = None,
        lock: Callable[[], AbstractContextManager[object]] | None = None,
        track_updates: bool = False,
        indexer: IndexProcess | None = None,
    ):
        self.store = store
        self.index = index
        # When `indexer` is set, the index is written by that process (TRIALS_INDEX_PROCESS), not `index`.
        self._commits = IndexCommits(store, index, indexer, shared=lock is not None)
        self._lock = lock or nullcontext
        self.batch_size = batch_size
        self.progress = progress
        self.stats = IngestStats()
        self._batch: list[Pending] = []
        # For crawl state: the newest registry update date among the records committed. Crawls ask
        # for it; a file ingest does not, and skips the look-up it costs for unchanged documents.
        self.max_last_update: str | None = None
        self._track_updates = track_updates
        # Multi-record documents whose records are all queued: marked seen when those are committed.
        self._seen_docs: list[tuple[str, str, int]] = []
        # Multi-record documents kept whole, written with the batch that holds their records.
        self._raw_docs: list[tuple[bytes, str, Future[bytes] | None]] = []
        # Documents byte-identical to stored ones whose location or trial has an open failure (a page
        # the network failed to bring last time): (location, trial), resolved with the next batch.
        self._unchanged: list[tuple[str, str]] = []
        self._open_failures: set[str] | None = None  # their locations and trials, read when first needed
        self._packer = BackgroundPacker()

    def add_document(
        self,
        body: bytes,
        location: str,
        *,
        source: str | None = None,
        source_url: str | None = None,
        fetched_at: str | None = None,
        data: Any = None,
        trial_id: str | None = None,
    ) -> DocumentOutcome:
        """Parse and queue one source document (one or many trials); failures are counted and kept.

        `trial_id`: the trial whose page this was fetched as; a body that is not a trial then fails.
        """
        try:
            return self._add_document(body, location, source, source_url, fetched_at, data, trial_id)
        finally:
            if self.progress:
                self.progress(1)

    def _add_document(
        self,
        body: bytes,
        location: str,
        source: str | None,
        source_url: str | None,
        fetched_at: str | None,
        data: Any,
        trial_id: str | None,
    ) -> DocumentOutcome:
        digest = sha256(body)
        known = self.store.seen_raw(digest)
        if known is not None:
            # Byte-identical to a document already stored: nothing can have changed.
            self.stats.counts["unchanged"] += known[1]
            self._resolve_unchanged(location, known[0] if known[1] == 1 else "")
            if self._track_updates:
                self._note_update(self.store.last_update_of_raw(digest))
            return DocumentOutcome("unchanged", (known[0],))
        packed = self._packer.start(body)  # compressed while it is parsed
        try:
            parsed = parse_document(
                body, source=source, filename=location, source_url=source_url, fetched_at=fetched_at, data=data
            )
        except NotATrial as exc:
            if trial_id is not None:  # the trial's own address answered with something else: broken
                error = f"the page at {trial_id}'s address is not a trial page ({exc})"
                self.fail(location, error, raw=body, source=source, record_id=trial_id)
                return DocumentOutcome("failed", error=error)
            self.stats.counts["skipped"] += 1
            log.warning("skipped %s: %s", location, exc)
            return DocumentOutcome("skipped", error=str(exc))
        except ParseError as exc:
            self.fail(location, str(exc), raw=body, source=source, record_id=exc.record_id or trial_id)
            return DocumentOutcome("failed", error=str(exc))
        except Exception as exc:
            log.debug("parser error on %s", location, exc_info=True)
            error = f"parser error ({type(exc).__name__}: {str(exc)[:200]})"
            self.fail(location, error, raw=body, source=source, record_id=trial_id)
            return DocumentOutcome("failed", error=error)
        return self._queue(parsed, body, digest, location, source, packed)

    def _queue(
        self, parsed: Parsed, body: bytes, digest: str, location: str, source: str | None, packed: Future[bytes] | None
    ) -> DocumentOutcome:
        for item in parsed.failures:
            where = f"{location}#{item.where}" if item.where else location
            # An item without bytes of its own is kept as the whole document.
            self.fail(where, item.error, raw=item.raw or body, source=source, record_id=item.record_id)
        records = parsed.records
        single = len(records) == 1 and not parsed.failures
        for record in records:
            if not record.eligibility.inclusion and not record.eligibility.exclusion:
                if record.source == PARTIAL_SOURCE and record.eligibility.criteria_text is None:
                    # The download left the criteria out (a `fields=` selection), not the registry.
                    log.debug("no eligibility criteria asked for in %s (%s)", location, record.nct_id)
                else:
                    # Stored, but a patient cannot check it: counted and named, so a site change is noticed.
                    self.stats.counts["no_eligibility"] += 1
                    log.warning("no eligibility criteria in %s (%s)", location, record.nct_id)
            # A multi-record document is kept whole once; each record points at its own raw copy
            # only when the document held just that record.
            self._queue_record(record, body if single else None, digest if single else None, location)
        if not single and records:
            self._raw_docs.append((body, digest, packed))
            if not parsed.failures:  # a document with failed items is parsed again next time
                self._seen_docs.append((digest, records[0].nct_id, len(records)))
        self._flush_if_full()
        ids = tuple(r.nct_id for r in records)
        if not records:
            return DocumentOutcome("failed", (), "no study of it could be read", len(parsed.failures))
        return DocumentOutcome("queued", ids, None, len(parsed.failures))

    def _resolve_unchanged(self, location: str, nct_id: str) -> None:
        if self._open_failures is None:
            failed = self.store.failures.list()
            self._open_failures = {f.location for f in failed} | {f.record_id for f in failed if f.record_id}
        if self._open_failures and (storable(location) in self._open_failures or nct_id in self._open_failures):
            self._unchanged.append((location, nct_id))

    def add_record(self, record: TrialRecord, raw: bytes | None = None, raw_hash: str | None = None) -> None:
        """Queue an already-parsed record (tests, the ingest of records built in code)."""
        self._queue_record(record, raw, raw_hash, record.source_url or record.nct_id)
        self._flush_if_full()

    def _queue_record(self, record: TrialRecord, raw: bytes | None, raw_hash: str | None, location: str) -> None:
        record = geocode(record)  # sites without the registry's coordinates get the gazetteer's
        self._batch.append(Pending(record, raw, raw_hash, location))

    def _flush_if_full(self) -> None:
        if len(self._batch) >= self.batch_size:
            self.flush(final=False)

    def _note_update(self, date: str | None) -> None:
        if date and (self.max_last_update or "") < date:
            self.max_last_update = date

    def mark_removed(self, nct_id: str, reason: str) -> bool:
        """A 'removed' event for a stored trial the registry no longer has; False if unknown or already marked."""
        with self._lock(), self.store.transaction():
            done = self.store.mark_removed(nct_id, events.removed(nct_id, reason), today_iso())
        if done:
            self.stats.counts["removed"] += 1
        return done

    def fail(
        self,
        location: str,
        error: str,
        *,
        raw: bytes | None = None,
        source: str | None = None,
        record_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        """Keep a failure with its bytes (its own transaction), then count and log it."""
        with self._lock(), self.store.transaction():
            new = self.store.failures.record(
                location, error, source=source, record_id=record_id, raw=raw, http_status=http_status
            )
        if not new and http_status in GONE:
            # A dead link the site keeps: no rerun can fetch it, so it is no failure of this run.
            self.stats.counts["still_gone"] += 1
            log.info("still gone: %s%s (%s)", location, f" ({record_id})" if record_id else "", error)
            return
        self.stats.counts["failed"] += 1
        self.stats.failed.append((location, record_id, error))
        log.warning("failed %s%s: %s", location, f" ({record_id})" if record_id else "", error)

    def flush(self, final: bool = True) -> None:
        """Commit the batch; `final` (the default, and at the end of a run) also commits the index."""
        if final:
            self._packer.close()  # its work is awaited by the batch anyway; a later document restarts it
        if not self._batch and not self._seen_docs and not self._raw_docs and not self._unchanged:
            if final:
                self._commits.finish()
            return
        with self._lock():
            self._flush()
            self._commits.after_batch(final)

    def _settle(self, pages: dict[str, dict[tuple[str, str], TrialRecord]], changed: dict[str, TrialRecord]) -> None:
        for trial, given in pages.items():
            # Known from pages only: one of them is its record (a provisional row, so it can be found),
            # the same whatever order they came in; a registry's record stays the trial's.
            settled = settle(self.store, trial, given)
            if settled is not None and settled.status in ("new", "updated"):
                changed[trial] = settled.given

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        docs, self._seen_docs = self._seen_docs, []
        raw_docs, self._raw_docs = self._raw_docs, []
        unchanged, self._unchanged = self._unchanged, []
        counts: Counter[str] = Counter()
        changed: dict[str, TrialRecord] = {}
        pages: dict[str, dict[tuple[str, str], TrialRecord]] = {}  # by trial: its pages this batch stored
        named: set[str] = set()  # the ids of the trials with NCT ids this batch stored or changed
        newest: str | None = None
        with self.store.transaction():
            self._commits.mark_committed()  # what an index process committed since the last batch
            for body, digest, packed in raw_docs:
                self.store.put_raw(body, digest, packed.result() if packed is not None else None)
            # Trials not stored yet (all of a first crawl's): one query for the batch, none per record.
            unknown = self.store.missing(item.record.nct_id for item in batch)
            for item in batch:
                record = item.record
                if record.source in REGISTRY_SOURCES:
                    new = record.nct_id in unknown
                    if not new and self.store.current_source(record.nct_id) not in (None, *REGISTRY_SOURCES):
                        self.store.drop_history(record.nct_id)  # the registry replaces a provisional row
                    unknown.discard(record.nct_id)  # stored now: a second record of it in this batch looks
                    result = self.store.put(record, item.raw, item.raw_hash, new=new)
                    # Only a changed record is indexed: the stored copy of an unchanged one is not decoded.
                    status, stored = result.status, result.given
                else:
                    record = link(self.store, record, pages)
                    status = self.store.put_source(record, item.raw, item.raw_hash)
                    stored = None  # the trial's record: settled below, once for each trial
                    pages.setdefault(record.nct_id, {})[key_of(record)] = record
                    unknown.discard(record.nct_id)
                counts[status] += 1
                if status in ("new", "updated") and is_nct(record.nct_id):
                    named.update(i for i in (*record.secondary_ids, record.org_study_id) if i)
                if status in ("new", "updated") and stored is not None:
                    changed[record.nct_id] = stored
                if record.last_update_posted and (newest or "") < record.last_update_posted:
                    newest = record.last_update_posted
            self._settle(pages, changed)
            # Pages of trials known from pages only that came before the NCT trial they name: they join it.
            joined: dict[str, dict[tuple[str, str], TrialRecord]] = {}
            for record, raw_hash in adopt(self.store, named, pages) if named else ():
                self.store.put_source(record, None, raw_hash)
                joined.setdefault(record.nct_id, {})[key_of(record)] = record
            self._settle(joined, changed)
            # Trials known from pages only whose last page joined another trial: merged into it, their
            # records gone in this transaction, their index documents next (pending until then).
            gone = self.store.take_retired()
            # In the same transaction as their last records: a crash before it leaves them unseen.
            self.store.mark_seen(docs)
            self.store.failures.resolve({(item.location, item.record.nct_id) for item in batch} | set(unchanged))
        # Committed: only now do these records count, and the crawl's mark may move.
        self.stats.counts.update(counts)
        self._note_update(newest)
        self._commits.add({k: v for k, v in changed.items() if k not in gone}, gone)
