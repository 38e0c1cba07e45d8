"""Bringing a search index in step with the store: the records it lacks indexed, or all of it rebuilt."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from indexer.index.base import IndexUnavailable, IndexWriteError, SearchIndex
from indexer.record import TrialRecord
from indexer.store import RecordStore
from indexer.store.mesh import MeshTally, filing

log = logging.getLogger(__name__)


def index_pending(store: RecordStore, index: SearchIndex) -> int | None:
    """Index the records the index lacks or holds stale (after a crash); how many, or None when the
    index must be rebuilt instead (damaged, or another engine's)."""
    if index.needs_rebuild:
        return None
    try:
        index.count()  # opens it: a damaged index is rebuilt now, not found half-way through a write
        pending = store.pending_index()
        for start in range(0, len(pending), 1000):
            chunk = pending[start : start + 1000]
            records = list(store.iter_records(chunk))
            index.upsert(records)
            # Pending without a record: a trial merged into another since it was indexed.
            if gone := sorted(set(chunk) - {r.nct_id for r in records}):
                index.delete(gone)
            index.commit()
            with store.transaction():
                store.mark_indexed(chunk)
    except IndexWriteError:
        raise  # a full disk: a rebuild would not fit either, and the records stay pending
    except IndexUnavailable as exc:
        log.warning("%s: rebuilding it from the store", str(exc).split(";")[0])
        return None
    if pending:
        log.info("indexed %d records the index was missing", len(pending))
    return len(pending)


def rebuild(store: RecordStore, index: SearchIndex, engine: str) -> int:
    """The index built again from every stored record, and the synonym groups and MeSH filings the
    records give; the store's marks then say the `engine` index holds them all."""
    links, mesh = store.synonyms.link_collector(), MeshTally()

    def learning() -> Iterator[TrialRecord]:  # one pass over the records feeds all three
        for record in store.iter_records():
            links.add_record(record)
            if record.condition_mesh:
                mesh.add([filing(record)])
            yield record

    count = index.rebuild(learning())
    with store.transaction():
        store.synonyms.rebuild(links)  # exact again: what incremental updates approximated
        store.mesh.rebuild(mesh)
        store.mark_all_indexed()
        store.set_meta("index_engine", engine)
    log.info("built the %s index from %d stored records", engine, count)
    return count
