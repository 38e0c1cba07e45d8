"""When a writer's index commits, and how the store learns which records the index holds."""

from __future__ import annotations

import time
from collections.abc import Sequence

from indexer.index.base import SearchIndex
from indexer.ingest.index_process import INDEX_COMMIT_RECORDS, INDEX_COMMIT_SECONDS, IndexProcess
from indexer.record import TrialRecord
from indexer.store import RecordStore


class IndexCommits:
    """The changed records a writer hands the index, and the index commits that follow its batches.

    The records go to `index`, or to `indexer` (TRIALS_INDEX_PROCESS) when set, which then writes the
    index in a process of its own. `shared`: the write lock is taken per batch (distributed crawls).
    """

    def __init__(self, store: RecordStore, index: SearchIndex, indexer: IndexProcess | None, shared: bool):
        self.store = store
        self.index = index
        self.indexer = indexer
        self._shared = shared
        # Ids given to the index since its last commit (marked indexed in the store when it commits).
        self._unindexed: set[str] = set()
        self._indexed_at = time.monotonic()

    def mark_committed(self) -> None:
        """In the batch's transaction: what the index process committed since the last batch is marked."""
        if self.indexer is not None:
            self.store.mark_indexed_as(self.indexer.committed())

    def add(self, changed: dict[str, TrialRecord], gone: Sequence[str] = ()) -> None:
        """The batch's new and updated records, and the trials it merged into others (their records
        deleted), once the store committed them."""
        # The store committed first: if the process dies here, reconcile() indexes these next time.
        if (changed or gone) and self.indexer is not None:
            self.indexer.send([*changed, *gone])  # what it finds no record of, it deletes
            return
        if changed:
            self.index.upsert(list(changed.values()))
        if gone:
            self.index.delete(gone)
        self._unindexed.update(changed, gone)

    def after_batch(self, final: bool) -> None:
        """After a batch was stored (the write lock held): the index commits if it is time."""
        if self.indexer is not None:
            if final:
                self._finish()
            return
        # The index commits every INDEX_COMMIT_RECORDS records or INDEX_COMMIT_SECONDS, not every
        # batch: a tantivy commit writes and merges segments, and cost a third of a crawl's time.
        # Its records stay marked unindexed in the store until then, so a crash loses nothing.
        if (
            final
            or self._shared
            or len(self._unindexed) >= INDEX_COMMIT_RECORDS
            or time.monotonic() - self._indexed_at >= INDEX_COMMIT_SECONDS
        ):
            self._commit()
        if self._shared:
            self.index.close()  # the embedded index's own writer lock goes with ours

    def finish(self) -> None:
        """At the end of a run with no batch left to store: what the index holds is committed."""
        if self.indexer is not None:
            self._finish()
        elif self._unindexed:
            self._commit()

    def _finish(self) -> None:
        """The index process commits what it holds; its answer is marked before the run counts as done."""
        assert self.indexer is not None
        pairs = self.indexer.finish()
        if pairs:
            with self.store.transaction():
                self.store.mark_indexed_as(pairs)

    def _commit(self) -> None:
        if self._unindexed:
            self.index.commit()
            with self.store.transaction():
                self.store.mark_indexed(self._unindexed)
            self._unindexed.clear()
        self._indexed_at = time.monotonic()
