"""A disk that fills up during an ingest, a crawl or a reindex: one line that says so and what to do,
exit 1, no traceback; nothing lost, nothing twice, once space is freed and the command runs again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from devtools.mockserver import MockRegistry, MockState, load_studies
from indexer.catalog import Catalog
from indexer.config import load
from indexer.index import generations
from indexer.ingest.plan import query_key
from indexer.store import RecordStore
from tests.conftest import ROOT, run_trials, shared
from tests.full_disk import FullDisk, disk_kind

__all__ = ["disk_kind"]  # the fixture, imported for pytest to find


def said_full(proc: subprocess.CompletedProcess[str], where: Path) -> str:
    """The failed run's last line, once checked: the full disk named, with what to do, and no traceback."""
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert f"no space left on device writing {where}" in last and "free some space and" in last, proc.stderr
    return last


def stored(data_dir: Path) -> tuple[Counter[str], int]:
    """Versions per trial, and how many stored records the index still lacks."""
    store = RecordStore(data_dir / "trials.sqlite", readonly=True)
    try:
        return Counter(nct for nct, _, _ in store.snapshot().versions), store.pending_count()
    finally:
        store.close()


def indexed(data_dir: Path) -> int:
    with Catalog(load(data_dir)) as catalog:
        return catalog.indexed_count()


@pytest.mark.parametrize("full", ["data", "index"])  # the whole data directory's disk, or the index's only
def test_an_ingest_on_a_full_disk_says_so_and_its_rerun_stores_everything(
    tmp_path: Path, disk_kind: tuple[str, Path | None], full: str
) -> None:
    folder = shared("ctgov", "xml")
    trials = {p.stem for p in folder.glob("NCT*.xml")}
    data_dir = tmp_path / "data"
    with FullDisk(disk_kind[0], data_dir if full == "data" else data_dir / "index", disk_kind[1]) as disk:
        # The store of these 523 trials takes about 13 MB and their index 1.5 MB: each fills part-way.
        disk.fill(3 * 2**20 if full == "data" else 256 * 2**10)
        proc = run_trials(data_dir, "ingest", str(folder), env={**disk.env, "TRIALS_BATCH_SIZE": "100"})
        last = said_full(proc, data_dir if full == "data" else data_dir / "index")
        assert "run the command again" in last
        versions, _ = stored(data_dir)
        # Stopped part-way in the store; in the index, part-way or at the final commit (tantivy's threads).
        assert 0 < len(versions) < len(trials) if full == "data" else 0 < len(versions) <= len(trials)
        disk.free()
        rerun = run_trials(data_dir, "ingest", str(folder), env=disk.env)
        assert rerun.returncode == 0, rerun.stderr
        versions, pending = stored(data_dir)
        assert set(versions) == trials and set(versions.values()) == {1}  # every trial, once
        assert pending == 0 and indexed(data_dir) == len(trials)


def test_a_reindex_on_a_full_disk_leaves_the_index_it_had(tmp_path: Path, disk_kind: tuple[str, Path | None]) -> None:
    data_dir = tmp_path / "data"
    index_dir = data_dir / "index"

    def search() -> list[str]:
        found = run_trials(data_dir, "search", "--condition", "lupus", "--limit", "50", "--json")
        assert found.returncode == 0, found.stderr
        return [hit["nct_id"] for hit in json.loads(found.stdout)]

    with FullDisk(disk_kind[0], data_dir, disk_kind[1]) as disk:
        assert run_trials(data_dir, "ingest", str(shared("ctgov", "xml"))).returncode == 0
        live = generations.current(index_dir)
        lupus = search()
        assert live is not None and lupus
        disk.fill(512 * 2**10)  # a new generation takes about 1.5 MB
        proc = run_trials(data_dir, "reindex", env=disk.env)
        assert "searches use the previous index meanwhile" in said_full(proc, index_dir)
        # The partial generation is gone; the one that served before still does.
        assert sorted(p.name for p in index_dir.iterdir() if not p.name.startswith(".")) == ["CURRENT", live[0].name]
        assert generations.current(index_dir) == live
        assert search() == lupus
        disk.free()
        rerun = run_trials(data_dir, "reindex", env=disk.env)
        assert rerun.returncode == 0, rerun.stderr
        now = generations.current(index_dir)
        assert now is not None and now[0] != live[0]
        assert search() == lupus


@pytest.fixture(scope="module")
def studies() -> dict[str, dict]:  # type: ignore[type-arg]
    every = load_studies([shared("ctgov", "v2")])
    return {k: every[k] for k in sorted(every)[:300]}


@pytest.mark.slow
@pytest.mark.parametrize("full", ["data", "index"])
def test_a_crawl_on_a_full_disk_says_so_and_its_rerun_stores_everything(
    tmp_path: Path,
    disk_kind: tuple[str, Path | None],
    studies: dict,  # type: ignore[type-arg]
    full: str,
) -> None:
    data_dir = tmp_path / "data"
    where = data_dir if full == "data" else data_dir / "index"

    def crawl(mock: MockRegistry, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return run_trials(data_dir, "crawl", "ctgov", "--api-url", mock.url, "--term", "a", env=env)

    def mark() -> str | None:
        store = RecordStore(data_dir / "trials.sqlite", readonly=True)
        try:
            state = store.crawls.get(query_key("ctgov", {"term": "a"}))
            return state.high_water if state else None
        finally:
            store.close()

    mock_registry = MockRegistry(MockState(studies, max_page_size=100))
    with FullDisk(disk_kind[0], where, disk_kind[1]) as disk, mock_registry as mock:
        # 300 studies take about 7 MB of store and 1 MB of index. The store fails in the batch that does
        # not fit; tantivy's worker threads write as documents come, and their failure shows at the next
        # document or at the final commit: the crawl stops part-way or at its end.
        disk.fill(2 * 2**20 if full == "data" else 16 * 2**10)
        proc = crawl(mock, {**disk.env, "TRIALS_BATCH_SIZE": "50"})
        said_full(proc, where)
        versions, _ = stored(data_dir)
        assert mark() is None  # the query's state did not move
        assert len(versions) < len(studies) if full == "data" else len(versions) <= len(studies)
        disk.free()
        rerun = crawl(mock, disk.env)
        assert rerun.returncode == 0, rerun.stderr
        versions, pending = stored(data_dir)
        assert set(versions) == set(studies) and set(versions.values()) == {1}
        assert pending == 0 and indexed(data_dir) == len(studies)
        # A rerun whose pages all come back byte for byte as stored reads no update date from them, so it
        # sets no high-water mark (the next run asks for everything again): only checked when it fetched more.
        if full == "data":
            assert mark() is not None


# Stores one real API page (610 KB) in the crawl's HTTP cache, then asks the cache for it again.
_CACHE_PAGE = """
import sys
from pathlib import Path
from scrapy import Spider
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler
from crawler.cache import WholeEntriesStorage

crawler = get_crawler(Spider, {"HTTPCACHE_DIR": sys.argv[1]})
spider = Spider.from_crawler(crawler, name="ctgov")
storage = WholeEntriesStorage(crawler.settings)
storage.open_spider(spider)
request = Request("https://clinicaltrials.gov/api/v2/studies?query.term=a")
page = TextResponse(request.url, body=Path(sys.argv[2]).read_bytes(), headers={"Content-Type": "application/json"})
storage.store_response(spider, request, page)
print("replayed" if storage.retrieve_response(spider, request) else "not cached")
"""


def test_the_http_cache_keeps_no_answer_a_full_disk_cut_short(
    tmp_path: Path, disk_kind: tuple[str, Path | None]
) -> None:
    page = shared("ctgov", "v2_pages", "bharatraja__studies.json")
    cache = tmp_path / "httpcache"
    with FullDisk(disk_kind[0], cache, disk_kind[1]) as disk:
        disk.fill(100 * 2**10)
        args = [sys.executable, "-c", _CACHE_PAGE, str(cache), str(page)]
        full = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **disk.env})
        # Not kept, and not replayed cut short: the crawl goes on, and the store says whether the disk is full.
        assert (full.returncode, full.stdout.strip()) == (0, "not cached"), full.stderr
        assert "Traceback" not in full.stderr and "the HTTP cache could not keep" in full.stderr
        disk.free()
        room = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **disk.env})
        assert (room.returncode, room.stdout.strip()) == (0, "replayed"), room.stderr


@pytest.mark.parametrize("command", [("search", "lupus"), ("export", "--ndjson"), ("show", "NCT04077684", "--json")])
def test_output_to_a_full_disk_names_the_output_not_the_data(tmp_path: Path, command: tuple[str, ...]) -> None:
    """`trials export --ndjson > file` on a full disk: the output could not be written; the data directory,
    which a reading command does not write, is not blamed (nor told it "resumes where it stopped")."""
    data = tmp_path / "data"
    assert run_trials(data, "--quiet", "ingest", str(shared("ctgov", "xml", "NCT04077684.xml"))).returncode == 0
    with open("/dev/full", "w") as full:  # Linux: every write fails with ENOSPC
        proc = subprocess.run(
            [sys.executable, "-m", "search_cli.main", "--data-dir", str(data), *command],
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120,
        )  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        "Error: no space left on device writing the output: free some space, or send it elsewhere, and run it again"
    )
