"""Record store and catalog: idempotent writes, versions in date order, crash recovery, locking."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import pytest

from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.history.diff import diff_records
from indexer.index.base import IndexUnavailable
from indexer.index.document import SearchQuery
from indexer.ingest.files import ingest_paths
from indexer.parsers import parse
from indexer.store import sha256
from indexer.store.lock import StoreBusy, WriteLock
from tests.conftest import FIXTURES, shared

VERSIONS = FIXTURES / "ctgov_xml_versions" / "NCT02798588"


def catalog(data_dir: Path, **kw: object) -> Catalog:
    return Catalog(load(data_dir, **kw))


def test_ingest_twice_is_idempotent(data_dir: Path) -> None:
    with catalog(data_dir) as c:
        first = ingest_paths(c, [FIXTURES / "ctgov", FIXTURES / "ctgov_xml"])
        assert first["failed"] == 0 and first["new"] == c.store.count() > 0
        versions = c.store.count_versions()
        again = ingest_paths(c, [FIXTURES / "ctgov", FIXTURES / "ctgov_xml"])
        assert again["new"] == again["updated"] == 0
        assert c.store.count_versions() == versions
        assert c.index.count() == c.store.count()


def test_versions_in_date_order_whatever_the_ingest_order(data_dir: Path, tmp_path: Path) -> None:
    files = sorted(VERSIONS.glob("*.xml"))
    with catalog(data_dir) as c:
        ingest_paths(c, list(reversed(files)))  # newest first: older ones must slot in behind
        ingest_paths(c, files)
        rows = [(v.version, v.fetched_at) for v in c.store.history("NCT02798588")]
    with catalog(tmp_path / "ordered") as c2:
        ingest_paths(c2, files)
        trail = c2.store.history("NCT02798588")
        ordered = [(v.version, v.fetched_at) for v in trail]
        changes = [(v.version, c.field, c.old, c.new) for v in trail for c in v.changes]
    assert rows == ordered
    assert [f for _, f in ordered] == sorted(f for _, f in ordered)
    status = [(o, n) for _, f, o, n in changes if f == "overall_status"]
    assert ("NOT_YET_RECRUITING", "RECRUITING") in status


def test_changes_name_fields_and_removed_fields_count() -> None:
    [r] = parse((FIXTURES / "ctgov_xml" / "NCT04077684.xml").read_bytes())
    old = r.to_dict()
    new = dataclasses.replace(r, overall_status="COMPLETED", why_stopped=None, keywords=("lupus",)).to_dict()
    del new["acronym"]
    old["acronym"] = "LDIL2"
    changes = {(c.field, json.dumps(c.old), json.dumps(c.new)) for c in diff_records(old, new)}
    assert ("overall_status", '"RECRUITING"', '"COMPLETED"') in changes
    assert ("keywords", "null", '"lupus"') in changes
    assert ("acronym", '"LDIL2"', "null") in changes
    assert diff_records(old, {**old, "fetched_at": "2030-01-01", "source_url": "x"}) == []


def test_store_is_reconciled_after_a_crash_between_store_and_index(data_dir: Path) -> None:
    records = parse((FIXTURES / "ctgov" / "search_page.json").read_bytes())
    with catalog(data_dir) as c, c.store.transaction():
        for r in records:  # written to the store, never indexed: as if killed before the index commit
            c.store.put(r)
    with catalog(data_dir) as c:
        assert len(c.store.pending_index()) == len(records)
        with pytest.raises(IndexUnavailable, match="trials reindex"):  # readers never build or delete
            c.search(SearchQuery(limit=100))
        write_records(c, [])  # any write first reconciles
        assert c.store.pending_index() == []
        assert c.search(SearchQuery(limit=100))[0].total == len(records)


def test_reindex_rebuilds_a_lost_index(data_dir: Path) -> None:
    with catalog(data_dir) as c:
        ingest_paths(c, [FIXTURES / "ctgov_xml"])
    import shutil

    shutil.rmtree(data_dir / "index")
    with catalog(data_dir) as c:
        assert c.reindex() == 3
        assert c.search(SearchQuery(conditions=("lupus",)))[0].total == 2


def test_malformed_document_is_counted_and_kept(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    bad = tmp_path / "in" / "NCT99999999.json"
    bad.write_bytes(b'{"studies": [{"protocolSection": ')
    (tmp_path / "in" / "INDEX.json").write_bytes(b'{"what": "not a trial"}')
    with catalog(data_dir) as c:
        stats = ingest_paths(c, [tmp_path / "in", FIXTURES / "ctgov_xml" / "NCT04077684.xml"])
        assert (stats["failed"], stats["skipped"], stats["new"]) == (1, 1, 1)
        [failure] = c.store.failures.list()
        assert failure.location == str(bad)
        assert c.store.get_raw(failure.raw_hash) == bad.read_bytes()


def test_a_stored_location_or_trial_resolves_its_open_failures_only(data_dir: Path) -> None:
    with catalog(data_dir) as c:
        failures = c.store.failures
        with c.store.transaction():
            for location, record_id in [("a.json", None), ("b.json", "NCT00000002"), ("c.json", "NCT00000003"),
                                        ("page?1", "NCT00000004"), ("a.json", "NCT00000005")]:  # fmt: skip
                failures.record(location, "bad", record_id=record_id)
        with c.store.transaction():
            failures.resolve([("page?1", "NCT00000004")])
        first = {f.id: f.resolved_at for f in failures.list(include_resolved=True)}
        with c.store.transaction():  # by location (a.json, twice), by trial id (NCT00000003 from another page)
            failures.resolve([("a.json", "NCT00000009"), ("page?2", "NCT00000003")])
        after = {(f.location, f.record_id): f.resolved_at for f in failures.list(include_resolved=True)}
        assert [k for k, v in after.items() if v is None] == [("b.json", "NCT00000002")]
        assert after[("page?1", "NCT00000004")] == first[4]  # an already resolved one keeps its date
        with c.store.transaction():
            failures.resolve([("b.json", "NCT00000002")])
        assert failures.count() == 0


def test_stored_json_is_the_serialised_record_as_text(data_dir: Path) -> None:
    from indexer.record_hash import serialise

    records = [r for p in sorted(shared("ctgov", "v2").glob("NCT*.json"))[:40] for r in parse(p.read_bytes())]
    records = [r for r in records if not r.to_json().isascii() and r.secondary_ids][:3]  # the driver would encode these
    assert records
    listing = dataclasses.replace(records[0], source="listing", source_url="https://example.org/trial/1")
    with catalog(data_dir) as c:
        with c.store.transaction():
            for r in records:
                c.store.put(r, r.nct_id.encode())  # a raw document of its own: found by its hash below
            c.store.put_source(listing)
        assert list(c.store.iter_json_lines()) == sorted(serialise(r)[0] + b"\n" for r in records)
        # SQLite reads it as JSON text (from SQLite 3.45 a BLOB is read as binary JSON: the CAST keeps it text).
        for r in records:
            assert c.store.last_update_of_raw(sha256(r.nct_id.encode())) == r.last_update_posted
        with c.store.transaction():
            c.store.ids.rebuild()  # every id again, by json_each over records and source pages
        assert c.store.resolve(records[1].secondary_ids[0]) == records[1].nct_id
        assert [s.to_json() for s in c.store.sources_for(listing.nct_id)] == [listing.to_json()]


def _hold_lock(path: str, held: EventType, release: EventType) -> None:
    with WriteLock(Path(path), 60):
        held.set()
        release.wait(60)  # a bound, should the test die before releasing


def test_second_writer_waits_then_gives_a_clear_error(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    ctx = multiprocessing.get_context("spawn")
    held, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(data_dir / "write.lock"), held, release))
    proc.start()
    try:
        assert held.wait(30), "the holder process never took the lock"
        with catalog(data_dir, lock_timeout=0.5) as c, pytest.raises(StoreBusy, match="TRIALS_LOCK_TIMEOUT"):
            ingest_paths(c, [FIXTURES / "ctgov_xml"])
    finally:
        release.set()
        proc.join(30)
    assert proc.exitcode == 0
    with catalog(data_dir) as c:  # the holder has gone: the lock is free again
        assert ingest_paths(c, [FIXTURES / "ctgov_xml"])["new"] == 3


def test_documents_pack_and_unpack_from_many_threads_at_once() -> None:
    """Each thread gets its own zstd objects: round trips from eight threads at once all come back whole."""
    import random
    from concurrent.futures import ThreadPoolExecutor

    from indexer.store.blobs import pack, unpack

    def round_trips(seed: int) -> bool:
        rng = random.Random(seed)
        for _ in range(200):
            body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 4000))) * rng.randint(1, 50)
            if unpack(pack(body)) != body:
                return False
        return True

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(round_trips, range(8)))


def test_documents_are_packed_at_zstd_level_1_and_older_level_3_rows_still_read() -> None:
    """Level 1 costs less CPU a document; a store's rows packed at level 3 before read back the same."""
    import zstandard

    from indexer.store.blobs import pack, unpack

    body = (FIXTURES / "ctgov_xml" / "NCT04077684.xml").read_bytes()
    assert pack(body) == zstandard.ZstdCompressor(level=1).compress(body)
    assert pack(body) != zstandard.ZstdCompressor(level=3).compress(body)
    assert unpack(zstandard.ZstdCompressor(level=3).compress(body)) == body


def test_table_rows_give_every_table_with_its_rows_and_the_schema(data_dir: Path) -> None:
    """The whole store in a comparable form (bench/ingest_identical.py compares two ingests with it)."""
    with catalog(data_dir) as c:
        ingest_paths(c, [FIXTURES / "ctgov_xml" / "NCT04077684.xml"])
        tables = {name: (columns, rows) for name, columns, rows in c.store.table_rows()}
    columns, rows = tables["records"]
    assert [row[columns.index("nct_id")] for row in rows] == ["NCT04077684"]
    assert len(tables["raw"][1]) == len(tables["seen_raw"][1]) == 1
    assert {"versions", "events", "facets", "trial_ids", "likeness"} <= set(tables)
    kinds = {(kind, name) for kind, name, _ in tables["sqlite_master"][1]}
    assert ("table", "records") in kinds and ("trigger", "records_pending_new") in kinds
