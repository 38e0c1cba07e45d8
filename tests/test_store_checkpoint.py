"""A writer's WAL checkpoints run on a thread of their own; one that fails stops the next batch unwritten."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from indexer.catalog import Catalog
from indexer.config import load
from indexer.ingest.files import iter_documents
from indexer.store import RecordStore, StoreError
from indexer.store.checkpoint import Checkpointer
from tests.conftest import FIXTURES


def _records_in_main_file(db_path: Path, scratch: Path) -> int:
    """Records the database file itself holds, its WAL left out: a copy of the file alone, opened."""
    scratch.mkdir(exist_ok=True)
    copy = scratch / "trials.sqlite"
    for stale in scratch.iterdir():
        stale.unlink()
    shutil.copyfile(db_path, copy)
    try:
        store = RecordStore(copy)
    except StoreError:  # copied half-way through a checkpoint: look again
        return -1
    try:
        return store.count()
    finally:
        store.close()


def test_the_thread_copies_each_commit_into_the_database_file(tmp_path: Path) -> None:
    catalog = Catalog(load(tmp_path / "data"))
    docs = [(loc, body) for loc, body in iter_documents([FIXTURES / "ctgov"]) if isinstance(body, bytes)]
    docs = [(loc, body) for loc, body in docs if not loc.endswith(".expected.json")]
    assert len(docs) >= 3
    with catalog.writer() as w:
        for location, body in docs:
            w.add_document(body, location)
        w.flush(final=False)
        stored = catalog.store.count()
        assert stored >= 3
        # The writer's own connection would not checkpoint so few pages: only the thread copies them.
        db, scratch = catalog.settings.db_path, tmp_path / "copy"
        deadline = time.monotonic() + 10
        while _records_in_main_file(db, scratch) != stored and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _records_in_main_file(db, scratch) == stored
    catalog.close()


def test_a_failed_checkpoint_stops_the_next_transaction_before_it_writes(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "trials.sqlite")
    with store.background_checkpoints():
        checkpointer = store._db.watcher
        assert isinstance(checkpointer, Checkpointer)
        checkpointer._conn.close()  # its next checkpoint fails, as on a damaged file or a full disk
        with store.transaction():
            store.set_meta("first", "1")
        checkpointer._thread.join(timeout=10)  # a failed checkpoint ends the thread
        with pytest.raises(StoreError), store.transaction():
            store.set_meta("second", "2")
    assert store.get_meta("first") == "1" and store.get_meta("second") is None
    store.close()


def test_a_writer_holds_a_batch_in_its_page_cache_and_gives_it_back(tmp_path: Path) -> None:
    # A batch of 1,000 records dirties about 16 MB of pages: with SQLite's default cache (2 MB) they spilled
    # into the WAL before the commit and were read back. A long-lived process (serve, watch) keeps the default.
    from indexer.store.checkpoint import WRITER_CACHE_KIB

    store = RecordStore(tmp_path / "trials.sqlite")
    default = store._db.page_cache_kib()
    assert default < WRITER_CACHE_KIB
    with store.background_checkpoints():
        assert store._db.page_cache_kib() == WRITER_CACHE_KIB >= 16 * 1024
        with store.transaction():
            store.set_meta("first", "1")
    assert store._db.page_cache_kib() == default
    assert store.get_meta("first") == "1"
    store.close()
