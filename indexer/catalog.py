"""The library API: one data directory's record store and search index, kept in step."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field

from indexer import events, versions
from indexer.config import Settings
from indexer.config import load as load_settings
from indexer.index.base import SearchIndex
from indexer.index.document import SearchQuery, SearchResult
from indexer.index.engines import connect, parse_engine_url
from indexer.index.tantivy_index import TantivyIndex
from indexer.lock import WriteLock
from indexer.parsers import NotATrial, ParseError, parse
from indexer.record import TrialRecord
from indexer.store import RecordStore, now_iso, sha256
from indexer.synonyms import Synonyms, expand_query
from indexer.synonyms import load as load_synonyms

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


class Catalog:
    """Store (source of truth) plus search index for one data directory.

    Reads need nothing else; writes go through `writer()`, which holds the directory's
    write lock so that two processes never interleave their writes.
    """

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or load_settings()
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = RecordStore(self.settings.db_path)
        self._index: SearchIndex | None = None
        self._synonyms: Synonyms | None = None

    @property
    def synonyms(self) -> Synonyms:
        if self._synonyms is None:
            self._synonyms = load_synonyms(self.store, self.settings.data_dir)
        return self._synonyms

    def expand(self, query: SearchQuery) -> SearchQuery:
        return expand_query(query, self.synonyms)

    @classmethod
    def open(cls, data_dir: str | None = None) -> Catalog:
        return cls(load_settings(data_dir))

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
        self.store.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def engine(self) -> str:
        """Which index the store's "indexed" marks refer to; another one must be rebuilt first."""
        if self.settings.engine:
            return parse_engine_url(self.settings.engine).redacted()
        return "tantivy"

    @property
    def index(self) -> SearchIndex:
        if self._index is None:
            index: SearchIndex
            if self.settings.engine:
                from indexer.index.cluster import ClusterIndex  # the cluster clients load only when used
                index = ClusterIndex(connect(self.settings.engine), self.synonyms)
            else:
                index = TantivyIndex(self.settings.index_dir)
            if self.store.get_meta("index_engine") != self.engine:
                index.needs_rebuild = True
            self._index = index
        return self._index

    # -- reads --------------------------------------------------------------
    def get(self, nct_id: str) -> TrialRecord | None:
        return self.store.get(nct_id)

    def search_ids(self, query: SearchQuery) -> SearchResult:
        """Hits only (no records loaded), with the same synonym expansion as `search`."""
        return self.index.search(self.expand(query))

    def search(self, query: SearchQuery) -> tuple[SearchResult, list[TrialRecord]]:
        """Hits in rank order with their stored records; conditions, drugs and text expanded with synonyms."""
        result = self.search_ids(query)
        found = self.store.get_many(h.nct_id for h in result.hits)
        return result, [found[h.nct_id] for h in result.hits if h.nct_id in found]

    # -- writes -------------------------------------------------------------
    def write_lock(self, *, expected_wait: bool = False) -> WriteLock:
        return WriteLock(self.settings.data_dir / "write.lock", self.settings.lock_timeout, expected=expected_wait)

    @contextmanager
    def writer(self, progress: Callable[[int], None] | None = None, *,
               hold_lock: bool = True) -> Iterator[BatchWriter]:
        """Batched writes. `hold_lock=False` takes the lock per batch instead of throughout, so that
        several crawler processes can feed one data directory (distributed crawls)."""
        whole = self.write_lock() if hold_lock else nullcontext()
        with whole:
            with nullcontext() if hold_lock else self.write_lock():
                self.reconcile()
                if not hold_lock:
                    self.index.close()  # its writer must not stay open once our lock is released
            w = BatchWriter(self, self.settings.batch_size, progress,
                            lock=None if hold_lock else lambda: self.write_lock(expected_wait=True))
            try:
                yield w
            finally:
                w.flush()
                self.index.close()

    def reconcile(self) -> int:
        """Index every record the index lacks or holds stale (after a crash, or a new index)."""
        index = self.index
        if index.needs_rebuild:
            return self._rebuild()
        pending = self.store.pending_index()
        for start in range(0, len(pending), 1000):
            chunk = pending[start:start + 1000]
            index.upsert(list(self.store.iter_records(chunk)))
            index.commit()
            with self.store.transaction():
                self.store.mark_indexed(chunk)
        if pending:
            log.info("indexed %d records the index was missing", len(pending))
        return len(pending)

    def _rebuild(self) -> int:
        count = self.index.rebuild(self.store.iter_records())
        with self.store.transaction():
            self.store.mark_all_indexed()
            self.store.set_meta("index_engine", self.engine)
        log.info("built the %s index from %d stored records", self.engine, count)
        return count

    def reindex(self) -> int:
        """Rebuild the search index from the store; searches meanwhile see the old one."""
        with WriteLock(self.settings.data_dir / "write.lock", self.settings.lock_timeout):
            count = self._rebuild()
            self.index.close()
            return count


class BatchWriter:
    """Parses and stores documents in batches: each batch one store transaction, then one index commit."""

    def __init__(self, catalog: Catalog, batch_size: int, progress: Callable[[int], None] | None,
                 lock: Callable[[], AbstractContextManager[object]] | None = None):
        self.catalog = catalog
        self._lock = lock or nullcontext
        self._shared = lock is not None
        self.store = catalog.store
        self.batch_size = batch_size
        self.progress = progress
        self.stats = IngestStats()
        self._batch: list[tuple[TrialRecord, bytes | None, str | None]] = []
        # For crawl state: the newest registry update date among the records written.
        self.max_last_update: str | None = None
        # Multi-study documents whose records are all queued: marked seen when those are committed.
        self._seen_docs: list[tuple[str, str]] = []

    def add_document(self, body: bytes, location: str, *, source: str | None = None,
                     source_url: str | None = None, fetched_at: str | None = None) -> None:
        """Parse and queue one source document (one or many trials); failures are counted and kept."""
        try:
            self._add_document(body, location, source, source_url, fetched_at)
        finally:
            if self.progress:
                self.progress(1)

    def _add_document(self, body: bytes, location: str, source: str | None, source_url: str | None,
                      fetched_at: str | None) -> None:
        digest = sha256(body)
        if self.store.seen_raw(digest):
            # Byte-identical to a document already stored: nothing can have changed.
            self.stats.counts["unchanged"] += 1
            self._note_unchanged(digest)
            return
        try:
            records = parse(body, source=source, filename=location, source_url=source_url,
                            fetched_at=fetched_at)
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
            "SELECT json_extract(record, '$.last_update_posted') FROM records WHERE raw_hash = ?", (digest,)).fetchone()
        if row and row[0] and (self.max_last_update or "") < row[0]:
            self.max_last_update = row[0]

    def mark_removed(self, nct_id: str, reason: str) -> bool:
        """A 'removed' event for a stored trial the registry no longer has; False if unknown or already marked."""
        latest = self.store.db.execute("SELECT version FROM records WHERE nct_id = ?", (nct_id,)).fetchone()
        if latest is None:
            return False
        already = self.store.db.execute(
            "SELECT 1 FROM events WHERE nct_id = ? AND type = 'removed' AND version IS NULL", (nct_id,)).fetchone()
        if already:
            return False
        with self._lock(), self.store.transaction():
            versions.write_events(self.store.db, nct_id, None, now_iso()[:10], [events.removed(nct_id, reason)])
        self.stats.counts["removed"] += 1
        return True

    def fail(self, location: str, error: str, *, raw: bytes | None = None, source: str | None = None,
             record_id: str | None = None) -> None:
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


def write_records(catalog: Catalog, records: Sequence[TrialRecord]) -> IngestStats:
    """Store and index already-parsed records (used by tests and the crawler pipeline)."""
    with catalog.writer() as w:
        for r in records:
            w.add_record(r)
    return w.stats
