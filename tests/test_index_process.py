"""The crawl's index written by a process of its own (TRIALS_INDEX_PROCESS): nothing lost, nothing twice."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import orjson
import pytest

from indexer.catalog import Catalog
from indexer.config import load
from indexer.index.document import SearchQuery
from indexer.ingest import index_process
from indexer.ingest.index_process import IndexProcessDied
from tests.conftest import shared

pytestmark = pytest.mark.slow  # starts index processes


def _pages(size: int) -> list[bytes]:
    studies = [orjson.loads(p.read_bytes()) for p in sorted(shared("ctgov", "v2").glob("NCT*.json"))]
    return [orjson.dumps({"studies": studies[i : i + size]}) for i in range(0, len(studies), size)]


def _searchable(catalog: Catalog) -> set[str]:
    result = catalog.search_ids(SearchQuery(limit=100_000))
    ids = [hit.nct_id for hit in result.hits]
    assert len(ids) == len(set(ids)) == result.total  # no document twice
    return set(ids)


def test_the_index_process_indexes_every_stored_record_before_the_run_ends(tmp_path: Path) -> None:
    pages = _pages(300)
    catalog = Catalog(load(tmp_path, batch_size=200))
    with catalog.writer(index_process=True) as w:
        assert w._commits.indexer is not None
        for n, page in enumerate(pages):
            w.add_document(page, f"page-{n}", source="ctgov")
    # The final flush waited for the process's last commit and marked what it committed.
    assert catalog.store.pending_index() == []
    stored = set(catalog.store.snapshot().record_ids)
    assert len(stored) > 1000 and _searchable(catalog) == stored
    # Stored again unchanged: nothing sent, nothing pending, still no duplicates.
    with catalog.writer(index_process=True) as w:
        for n, page in enumerate(pages):
            w.add_document(page, f"page-{n}", source="ctgov")
    assert catalog.store.pending_index() == [] and _searchable(catalog) == stored


def test_a_killed_index_process_stops_the_writer_and_a_rerun_indexes_what_was_pending(tmp_path: Path) -> None:
    pages = _pages(300)
    catalog = Catalog(load(tmp_path, batch_size=200))
    with pytest.raises(IndexProcessDied, match="run the crawl again"), catalog.writer(index_process=True) as w:
        assert w._commits.indexer is not None and w._commits.indexer.pid is not None
        w.add_document(pages[0], "page-0", source="ctgov")
        os.kill(w._commits.indexer.pid, signal.SIGKILL)
        for n, page in enumerate(pages[1:], 1):
            w.add_document(page, f"page-{n}", source="ctgov")
    stored = set(catalog.store.snapshot().record_ids)
    assert stored and set(catalog.store.pending_index()) <= stored
    # The rerun (the lock and tantivy's writer are free again) indexes what was pending first.
    with catalog.writer(index_process=True) as w:
        for n, page in enumerate(pages):
            w.add_document(page, f"page-{n}", source="ctgov")
    assert catalog.store.pending_index() == []
    assert (
        _searchable(catalog)
        == set(catalog.store.snapshot().record_ids)
        == {
            s["protocolSection"]["identificationModule"]["nctId"]
            for page in pages
            for s in orjson.loads(page)["studies"]
        }
    )


def test_a_crash_mid_run_loses_and_duplicates_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(index_process.DIE_AFTER_ENV, "700")
    pages = _pages(300)
    catalog = Catalog(load(tmp_path, batch_size=300))
    with pytest.raises(IndexProcessDied), catalog.writer(index_process=True) as w:
        for n, page in enumerate(pages):
            w.add_document(page, f"page-{n}", source="ctgov")
    monkeypatch.delenv(index_process.DIE_AFTER_ENV)
    assert catalog.store.pending_index()  # the process died before its commit
    with catalog.writer(index_process=True) as w:
        pass  # reconcile indexes the pending records
    assert catalog.store.pending_index() == []
    assert _searchable(catalog) == set(catalog.store.snapshot().record_ids)


def test_a_crawl_whose_index_process_dies_fails_and_its_rerun_completes(data_dir: Path) -> None:
    from devtools.mockserver import MockRegistry, MockState, load_studies
    from tests.conftest import run_trials

    studies = load_studies([shared("ctgov", "v2")])
    with MockRegistry(MockState(studies, max_page_size=250)) as mock:
        crawl = ("crawl", "ctgov", "--api-url", mock.url, "--term", "a")
        on = {"TRIALS_INDEX_PROCESS": "1"}
        dying = run_trials(data_dir, *crawl, env={**on, index_process.DIE_AFTER_ENV: "300"})
        assert dying.returncode != 0
        assert "index process stopped" in dying.stderr and "run the crawl again" in dying.stderr
        assert "Traceback" not in dying.stderr
        rerun = run_trials(data_dir, *crawl, env=on)
        assert rerun.returncode == 0, rerun.stderr
    expected = {n for n, s in studies.items() if "a" in orjson.dumps(s["protocolSection"]).decode().lower()}
    with Catalog(load(data_dir)) as catalog:
        assert catalog.store.pending_index() == []
        assert _searchable(catalog) == set(catalog.store.snapshot().record_ids) == expected
