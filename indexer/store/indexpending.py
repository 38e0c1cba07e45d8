"""Which stored records the search index lacks or holds stale, and which of its documents are to delete."""

from __future__ import annotations

from collections.abc import Iterable

from indexer.store.db import Database
from indexer.store.schema import GONE


class IndexPending:
    """The index bookkeeping part of `RecordStore` (records.py), over its connection."""

    _db: Database

    # A write of a record makes it pending (the schema's triggers fill `index_pending`); marking deletes.
    def pending_index(self) -> list[str]:
        """Records whose indexed copy is missing or stale (e.g. after a crash between store and index)."""
        return [r[0] for r in self._db.execute("SELECT nct_id FROM index_pending")]

    def pending_count(self) -> int:
        return int(self._db.one("SELECT count(*) FROM index_pending"))

    def pending_records_count(self) -> int:
        """Stored records the index lacks or holds stale; not the documents of deleted records to delete."""
        return int(self._db.one("SELECT count(*) FROM index_pending WHERE content_hash != ?", (GONE,)))

    def pending_deletions(self) -> list[str]:
        """Trials whose index documents are still to delete: their records were deleted since (merged into
        another). Few, and none at all once a writer has run: one look at a (most often empty) table."""
        # The hash written into the statement, so that SQLite may use the partial index of it.
        return [r[0] for r in self._db.execute(f"SELECT nct_id FROM index_pending WHERE content_hash = '{GONE}'")]

    def mark_indexed(self, ids: Iterable[str]) -> None:
        self._db.executemany("DELETE FROM index_pending WHERE nct_id = ?", ((i,) for i in ids))

    def mark_indexed_as(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Mark records indexed at the content hash the index holds; one stored again since stays pending."""
        self._db.executemany("DELETE FROM index_pending WHERE nct_id = ? AND content_hash = ?", pairs)

    def mark_all_indexed(self) -> None:
        self._db.execute("DELETE FROM index_pending")
