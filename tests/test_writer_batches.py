"""A batch of many records stores exactly what one-record batches store; a large page is kept as fetched."""

from __future__ import annotations

from pathlib import Path

import orjson

from indexer.catalog import Catalog
from indexer.config import load
from indexer.ingest import packing
from indexer.ingest.files import iter_documents
from indexer.store import sha256
from tests.conftest import shared


def _store(data_dir: Path, docs: list[tuple[str, bytes]], batch_size: int) -> Catalog:
    catalog = Catalog(load(data_dir, batch_size=batch_size))
    with catalog.writer() as w:
        for location, body in docs:
            w.add_document(body, location)
    return catalog


def test_one_batch_stores_what_record_by_record_stores(tmp_path: Path) -> None:
    # Every version of three trials (several per trial land in one batch, oldest not always first),
    # then the same trials' API v2 records on top of the stored history.
    folders = [shared("ctgov", "xml_versions", t) for t in ("NCT00023673", "NCT00081588", "NCT00277524")]
    docs = [(loc, body) for loc, body in iter_documents(folders) if isinstance(body, bytes)]
    docs.reverse()
    assert len(docs) > 6
    one = _store(tmp_path / "one", docs, batch_size=1)
    many = _store(tmp_path / "many", docs, batch_size=1000)
    expected = one.store.snapshot()
    assert len(expected.versions) > len(expected.record_ids) == 3 and expected.changes > 0
    assert many.store.snapshot() == expected
    assert many.store.pending_index() == []
    # Stored already: the second run finds every trial in the store and adds nothing.
    with many.writer() as w:
        for location, body in docs:
            w.add_document(body, location)
    assert many.store.snapshot() == expected and w.stats["new"] == w.stats["updated"] == 0


def test_a_large_page_is_kept_as_fetched_when_compressed_on_its_own_thread(tmp_path: Path) -> None:
    # A crawled page of many studies, over the size that sends its compression to the packer's thread.
    studies = [orjson.loads(p.read_bytes()) for p in sorted(shared("ctgov", "v2").glob("NCT*.json"))]
    body = orjson.dumps({"studies": studies})
    assert len(body) >= packing.BACKGROUND_BYTES
    catalog = Catalog(load(tmp_path, batch_size=100))
    with catalog.writer() as w:
        outcome = w.add_document(body, "page-1", source="ctgov")
        assert outcome.status == "queued" and len(outcome.ids) == len(studies)
        assert w._packer._pool is not None  # it ran on the packer's thread
    assert w._packer._pool is None  # stopped with the last flush
    assert catalog.store.get_raw(sha256(body)) == body
    assert catalog.store.count() == len(studies)
    # The same bytes again: known from the stored page, nothing parsed or stored twice.
    with catalog.writer() as w:
        assert w.add_document(body, "page-1", source="ctgov").status == "unchanged"
