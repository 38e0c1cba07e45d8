"""The library API: one data directory's record store and search index, kept in step."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from typing import TYPE_CHECKING, Any

from indexer.asked import by_id, expanded, without_deleted, without_removed
from indexer.config import Settings
from indexer.config import load as load_settings
from indexer.discover.mesh import explain as explain_mesh
from indexer.discover.synonyms import Synonyms
from indexer.discover.synonyms import load as load_synonyms
from indexer.index.base import IndexUnavailable, SearchIndex
from indexer.index.document import SearchQuery, SearchResult
from indexer.index.tantivy_index import TantivyIndex
from indexer.index.words import content_words
from indexer.record import TrialRecord
from indexer.store import RecordStore, WriteLock
from indexer.store.lock import held

if TYPE_CHECKING:
    from indexer.ingest.writer import REGISTRY_SOURCES, BatchWriter, IngestStats

__all__ = ["REGISTRY_SOURCES", "BatchWriter", "Catalog", "IngestStats", "write_records"]

log = logging.getLogger(__name__)


def __getattr__(name: str) -> Any:
    # The write path (and the parsers it needs) loads only when something writes: reads start faster.
    if name in ("REGISTRY_SOURCES", "BatchWriter", "IngestStats"):
        from indexer.ingest import writer

        return getattr(writer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Catalog:
    """Store (source of truth) plus search index for one data directory.

    Reads need nothing else, and work on a directory the user cannot write; writes go through
    `writer()`, which holds the directory's write lock so that two processes never interleave.
    """

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or load_settings()
        # A read-only location is no error here: the store opens read-only, or says what is wrong.
        with suppress(OSError):
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = RecordStore(self.settings.db_path)
        self._index: SearchIndex | None = None
        self._synonyms: Synonyms | None = None
        self._data_version: int | None = None  # as `catch_up` last saw it
        self._warned_unindexed = 0

    @property
    def readonly(self) -> bool:
        return self.store.readonly

    @property
    def synonyms(self) -> Synonyms:
        if self._synonyms is None:
            self._synonyms = load_synonyms(self.store, self.settings.data_dir)
        return self._synonyms

    def expand(self, query: SearchQuery) -> SearchQuery:
        """The query as the indexes take it (`asked.expanded`)."""
        return expanded(query, self.store, self.synonyms)

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
        self.store.close()

    def refresh(self) -> None:
        """Read what another process wrote since: the index is opened again at its current generation
        (a reindex may have swapped it), the synonym groups looked up again. For long-lived readers."""
        if self._index is not None:
            self._index.close()
        self._index = None
        self._synonyms = None

    def catch_up(self) -> int:
        """The store's data_version, which another process's commit changes (an ingest, a crawl, a
        reindex); when it changed since the last call, what they wrote is read afresh (`refresh`)."""
        found = self.store.data_version()
        if self._data_version is not None and found != self._data_version:
            self.refresh()
        self._data_version = found
        return found

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def engine(self) -> str:
        """Which index the store's "indexed" marks refer to; another one must be rebuilt first."""
        if self.settings.engine:
            from indexer.index.engines import parse_engine_url  # cluster code loads only when configured

            return parse_engine_url(self.settings.engine).redacted()
        return "tantivy"

    @property
    def index(self) -> SearchIndex:
        if self._index is None:
            index: SearchIndex
            if self.settings.engine:
                from indexer.index.cluster import ClusterIndex  # the cluster clients load only when used
                from indexer.index.engines import connect

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

    def _readable_index(self) -> SearchIndex | None:
        """The index to read, or None when there is nothing to find yet (an empty store)."""
        index = self.index
        if index.needs_rebuild:
            if self.store.count() == 0:
                return None
            raise IndexUnavailable(f"the {self.engine} index does not hold this store's records")
        self._warn_unindexed()
        return index

    def unindexed(self) -> int:
        """Stored records the index lacks with no writer at work: a write stopped (killed, disk full)
        between committing records and indexing them. While a writer runs, its records are on their way.
        A merged trial's document still to delete is no trial missing: searches leave it out (`without_deleted`)."""
        pending = self.store.pending_records_count()
        if pending and not held(self.settings.data_dir / "write.lock"):
            return pending
        return 0

    def _warn_unindexed(self) -> None:
        # Searches would silently miss these trials: say so (once per count), and how to mend it.
        missing = self.unindexed()
        if missing and missing != self._warned_unindexed:
            self._warned_unindexed = missing
            log.warning(
                "%d stored trials are not in the search index yet (a write was stopped before indexing them), "
                "so searches miss them: run `trials reindex`, or any ingest or crawl, to index them",
                missing,
            )

    def search_ids(self, query: SearchQuery) -> SearchResult:
        """Hits only (no records loaded), with the same synonym expansion as `search`. A status asked for
        leaves out trials the registry no longer has: their last status is not theirs any more."""
        index = self._readable_index()
        return (
            index.search(self.expand(by_id(self.without_removed(query), self.store))) if index else SearchResult([], 0)
        )

    def without_removed(self, query: SearchQuery) -> SearchQuery:
        """Without the trials the registry dropped (with a status asked for), nor merged trials' documents."""
        return without_deleted(without_removed(query, self.store), self.store)

    def search(self, query: SearchQuery) -> tuple[SearchResult, list[TrialRecord]]:
        """Hits in rank order with their stored records (`hits`)."""
        result = self.hits(query)
        found = self.store.get_many(h.nct_id for h in result.hits)
        return result, [found[h.nct_id] for h in result.hits if h.nct_id in found]

    def hits(self, query: SearchQuery) -> SearchResult:
        """Hits in rank order, no record read; conditions, drugs and text expanded with synonyms.
        Text asking for every word that no trial has in full finds the trials with some (`some_words`):
        a patient's sentence typed in the search box still finds their trials, best first."""
        result = self.search_ids(query)
        if query.every_word and query.text and not result.hits and (query.offset == 0 or result.total == 0):
            # Some of the words that say something of a trial: a trial that has only "and" is not one.
            words = content_words(query.text)
            loose = self.search_ids(dataclasses.replace(query, text=words, every_word=False)) if words else result
            if loose.hits:
                result = dataclasses.replace(loose, some_words=True)
        return result

    def explain(self, query: SearchQuery, nct_id: str) -> dict[str, list[str]]:
        """Which words matched which fields of one result, and which MeSH term or ancestor made a
        condition match ("condition_mesh")."""
        index = self._readable_index()
        q = self.expand(query)
        found = index.explain(q, nct_id) if index else {}
        record = self.get(nct_id) if q.mesh else None
        if record is not None and (via_mesh := explain_mesh(q, record)):
            found["condition_mesh"] = via_mesh
        return found

    def indexed_count(self) -> int:
        """Trials a search can find: the index's documents, less merged trials' it is still to delete."""
        index = self._readable_index()
        if index is None:
            return 0
        held = index.count()
        if gone := self.store.pending_deletions():  # those the index holds: one merged before indexing is not
            held -= index.search(SearchQuery(ids=tuple(gone), limit=1)).total
        return held

    # -- writes -------------------------------------------------------------
    def write_lock(self, *, expected_wait: bool = False) -> WriteLock:
        self.store.require_writable()
        return WriteLock(self.settings.data_dir / "write.lock", self.settings.lock_timeout, expected=expected_wait)

    @contextmanager
    def writer(
        self,
        progress: Callable[[int], None] | None = None,
        *,
        hold_lock: bool = True,
        track_updates: bool = False,
        index_process: bool = False,
    ) -> Iterator[BatchWriter]:
        """Batched writes. `hold_lock=False` takes the lock per batch instead of throughout, so that
        several crawler processes can feed one data directory (distributed crawls).

        The last batch is flushed on a normal exit only: after an error, what was not committed is
        not written (the run stops, and its rerun resumes). `index_process`: the embedded index is
        written by a process of its own (indexer.ingest.index_process), when the lock is held throughout.
        """
        whole = self.write_lock() if hold_lock else nullcontext()
        with whole, self.store.background_checkpoints():
            with nullcontext() if hold_lock else self.write_lock():
                from indexer.ingest.reread import reread_pages

                reread_pages(self.store)  # a source's pages its newer parser reads otherwise: indexed next
                self.reconcile()
                if not hold_lock:
                    self.index.close()  # its writer must not stay open once our lock is released
            from indexer.ingest.writer import BatchWriter

            indexer = None
            if index_process and hold_lock and not self.settings.engine:
                from indexer.ingest.index_process import IndexProcess

                self.index.close()  # tantivy's writer lock passes to the index process
                indexer = IndexProcess(self.settings.db_path, self.settings.index_dir)
            w = BatchWriter(
                self.store,
                self.index,
                self.settings.batch_size,
                progress,
                lock=None if hold_lock else lambda: self.write_lock(expected_wait=True),
                track_updates=track_updates,
                indexer=indexer,
            )
            try:
                yield w
                w.flush()
            finally:
                if indexer is not None:
                    indexer.close()
                    self._index = None  # reopened when next used, with what the index process committed
                self.index.close()

    def reconcile(self) -> int:
        """Index every record the index lacks or holds stale (after a crash, or a new index)."""
        from indexer.reindex import index_pending  # only writes mend the index: reads do not load it

        done = index_pending(self.store, self.index)
        return self._rebuild() if done is None else done

    def _rebuild(self) -> int:
        from indexer.reindex import rebuild

        count = rebuild(self.store, self.index, self.engine)
        self._synonyms = None  # the groups were learnt again
        return count

    def reindex(self) -> int:
        """Rebuild the search index from the store, whatever state it is in; searches meanwhile see the old one."""
        with self.write_lock():
            count = self._rebuild()
            self.index.close()
            return count


def write_records(catalog: Catalog, records: Sequence[TrialRecord]) -> IngestStats:
    """Store and index already-parsed records (tests, and records built in code)."""
    with catalog.writer() as w:
        for r in records:
            w.add_record(r)
    return w.stats
