"""Crawls under faults: each either stores everything or exits non-zero naming what failed, and a rerun completes it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from devtools.mockserver import MockRegistry, MockState, load_studies
from indexer.ingest.plan import query_key
from indexer.store import RecordStore
from tests.conftest import FIXTURES, ROOT, run_trials, shared

pytestmark = pytest.mark.slow

PAGE = 100  # the mock serves 100 studies a page: 300 studies are three pages


@pytest.fixture(scope="module")
def studies() -> dict[str, dict]:  # type: ignore[type-arg]
    every = load_studies([shared("ctgov", "v2")])
    return {k: every[k] for k in sorted(every)[:300]}


def crawl(data_dir: Path, mock: MockRegistry, **env: str) -> subprocess.CompletedProcess[str]:
    # A crawl that pages without end fails the test by its timeout (a whole one takes seconds).
    return run_trials(data_dir, "crawl", "ctgov", "--api-url", mock.url, "--term", "a", env=env, timeout=120)


def stored(data_dir: Path) -> tuple[Counter[str], set[str], str | None]:
    """Versions per trial, trials with an open failure, and the query's high-water mark."""
    store = RecordStore(data_dir / "trials.sqlite", readonly=True)
    try:
        versions = Counter(nct for nct, _, _ in store.snapshot().versions)
        failed = {f.record_id or f.location for f in store.failures.list()}
        state = store.crawls.get(query_key("ctgov", {"term": "a"}))
        return versions, failed, state.high_water if state else None
    finally:
        store.close()


# fault -> how many studies the faulty crawl stores (the rest of the page and the later pages, or not)
ITEM_FAULTS = {"poison": 299, "int_title": 299, "list_identification": 299, "bad_id": 299, "string_study": 300}
PAGE_FAULTS = {"null_studies": 100, "nested": 100, "invalid_utf8": 100, "repeat_token": 200, "empty_pages": 100,
               "repeat_studies": 100}  # fmt: skip


@pytest.mark.parametrize("fault", [*ITEM_FAULTS, *PAGE_FAULTS])
def test_a_faulty_page_is_said_and_a_rerun_completes(data_dir: Path, studies: dict, fault: str) -> None:  # type: ignore[type-arg]
    state = MockState(studies, max_page_size=PAGE, body_faults={2: fault})
    with MockRegistry(state) as mock:
        proc = crawl(data_dir, mock)
        assert proc.returncode == 3, proc.stderr  # finished, incomplete: the documented partial code
        assert "incomplete" in proc.stderr and "`trials failures`" in proc.stderr
        assert "Traceback" not in proc.stderr
        versions, failed, mark = stored(data_dir)
        expected = {**ITEM_FAULTS, **PAGE_FAULTS}[fault]
        assert len(versions) == expected, proc.stderr
        assert mark is None  # the high-water mark did not move
        if fault in ("repeat_token", "empty_pages", "repeat_studies"):
            assert "token" in proc.stderr or "no study" in proc.stderr or "already fetched" in proc.stderr
            assert f"{mock.url}/studies?" in proc.stderr, "the warning names the page's address"
        else:
            assert failed, "the failure is kept, with its raw bytes"
        if fault in ("poison", "int_title"):
            assert sorted(studies)[PAGE] in failed  # the first study of page 2 carried the fault, named by its id
        if fault == "bad_id":
            assert any(f.endswith("#studies[0]") for f in failed), failed  # an id that is a path names nothing
        state.body_faults.clear()  # the server is healthy again
        rerun = crawl(data_dir, mock)
    assert rerun.returncode == 0, rerun.stderr
    versions, failed, mark = stored(data_dir)
    assert set(versions) == set(studies) and set(versions.values()) == {1}  # every study, exactly once
    assert mark is not None
    # The rerun stored what failed, so those failures are resolved; a study whose id could not be read
    # at all cannot be linked to its later success, and stays listed (with its raw bytes).
    assert all("#studies[" in f for f in failed), failed


def test_studies_sent_again_across_pages_do_not_stop_the_crawl(data_dir: Path, studies: dict) -> None:  # type: ignore[type-arg]
    """The real registry re-sends a few studies on the next page when its data changes mid-crawl."""
    state = MockState(studies, max_page_size=PAGE, body_faults={2: "resend_studies"})
    with MockRegistry(state) as mock:
        proc = crawl(data_dir, mock)
    assert proc.returncode == 0, proc.stderr
    versions, failed, mark = stored(data_dir)
    assert set(versions) == set(studies) and set(versions.values()) == {1} and not failed and mark is not None
    assert sum(1 for e in state.log if e["path"].endswith("/studies")) == 3


def test_a_page_failing_past_the_retry_budget(data_dir: Path, studies: dict) -> None:  # type: ignore[type-arg]
    state = MockState(studies, max_page_size=PAGE, faults={("page", 3): [500, 500]}, retry_after="0")
    with MockRegistry(state) as mock:
        proc = crawl(data_dir, mock, TRIALS_RETRY_TIMES="1")
        assert proc.returncode == 3, proc.stderr
        assert "page 3 could not be fetched" in proc.stderr
        versions, failed, mark = stored(data_dir)
        assert len(versions) == 200 and mark is None and len(failed) == 1
        rerun = crawl(data_dir, mock, TRIALS_RETRY_TIMES="1")
    assert rerun.returncode == 0, rerun.stderr
    versions, failed, mark = stored(data_dir)
    assert set(versions) == set(studies) and set(versions.values()) == {1} and mark is not None and not failed


def test_a_crawl_with_nowhere_to_go_exits_1(data_dir: Path) -> None:
    proc = run_trials(data_dir, "crawl", "ctgov", "--api-url", "http://127.0.0.1:9/api/v2", "--term", "a",
                      env={"TRIALS_RETRY_TIMES": "0"})  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "nothing could be fetched" in proc.stderr and "Traceback" not in proc.stderr


def test_a_site_that_refuses_robots_txt_is_not_asked_again(data_dir: Path) -> None:
    """Network down: robots.txt is retried, then the crawl's requests fail at once with the reason, each
    kept as a failure, rather than each retried as long again (a minute to say "nothing could be fetched")."""
    api = "http://127.0.0.1:9/api/v2"  # port 9 (discard): nothing listens, every connection is refused
    proc = run_trials(data_dir, "-v", "crawl", "ctgov", "--api-url", api, "--nct", "NCT04077684,NCT00000102",
                      env={"TRIALS_RETRY_TIMES": "1"})  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "nothing could be fetched (could not connect to 127.0.0.1:9" in proc.stderr, proc.stderr
    retried = [line for line in proc.stderr.splitlines() if "retrying" in line.lower()]
    assert retried and all("/robots.txt" in line for line in retried), retried
    listed = run_trials(data_dir, "failures", "--json")
    failures = json.loads(listed.stdout)
    assert sorted(f["record_id"] for f in failures) == ["NCT00000102", "NCT04077684"]
    assert all("could not connect to 127.0.0.1:9" in f["error"] for f in failures), failures


def test_hostile_archives_fail_their_members_not_the_ingest(tmp_path: Path) -> None:
    import zipfile

    good = (FIXTURES / "ctgov_xml" / "NCT04077684.xml").read_bytes()
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.xml", b"<" + b" " * (3 * 2**20))  # 3 MB that compresses to a few KB
        zf.writestr("good.xml", good)
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bomb.read_bytes()[: bomb.stat().st_size // 2])  # cut in half: no central directory
    corrupt = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(corrupt, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.xml", good)
    raw = bytearray(corrupt.read_bytes())
    raw[raw.index(b"<clinical_study") + 40] ^= 0xFF  # one byte of the member flipped: its CRC fails
    corrupt.write_bytes(bytes(raw))
    data = tmp_path / "data"
    proc = run_trials(data, "ingest", str(bomb), str(damaged), str(corrupt), env={"TRIALS_MAX_DOCUMENT_MB": "1"})
    assert proc.returncode == 3, proc.stderr  # finished, some documents failed (kept)
    assert "Traceback" not in proc.stderr and "1 new" in proc.stderr and "3 failed" in proc.stderr
    store = RecordStore(data / "trials.sqlite", readonly=True)
    try:
        errors = {Path(f.location).name: f.error for f in store.failures.list()}
        assert set(store.snapshot().record_ids) == {"NCT04077684"}
    finally:
        store.close()
    assert "1 MB limit" in errors["bomb.zip!big.xml"]
    assert "not a readable zip archive" in errors["damaged.zip"]
    assert "damaged archive member" in errors["corrupt.zip!a.xml"]


@pytest.mark.parametrize("fault", [500, 299])  # 299: a 200 whose JSON body is cut short
def test_the_http_cache_never_replays_an_error_or_a_broken_page(data_dir: Path, studies: dict, fault: int) -> None:  # type: ignore[type-arg]
    state = MockState(studies, max_page_size=PAGE, faults={("page", 2): [fault]})
    env = {"TRIALS_HTTP_CACHE": "1", "TRIALS_RETRY_TIMES": "0"}
    with MockRegistry(state) as mock:
        first = crawl(data_dir, mock, **env)
        assert first.returncode == 3, first.stderr
        state.log.clear()
        again = crawl(data_dir, mock, **env)  # healthy now: page 2 must be asked for again, not replayed
        pages = [e for e in state.log if e["path"] == "/api/v2/studies"]
    assert again.returncode == 0, again.stderr
    assert len(pages) >= 2  # page 1 may come from the cache; pages 2 and 3 cannot
    versions, _, mark = stored(data_dir)
    assert set(versions) == set(studies) and mark is not None


def test_scrapy_crawl_exits_as_trials_crawl_does(data_dir: Path, studies: dict) -> None:  # type: ignore[type-arg]
    def scrapy_crawl(api: str) -> subprocess.CompletedProcess[str]:
        settings = ["-s", f"TRIALS_API_URL={api}", "-s", f"TRIALS_DATA={data_dir}", "-s", "TRIALS_RETRY_TIMES=0"]
        return subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "ctgov", "-a", "term=a", *settings, "-s", "LOG_LEVEL=WARNING"],
            capture_output=True, text=True, cwd=ROOT, timeout=300, env={**os.environ, "TRIALS_DOWNLOAD_DELAY": "0"},
        )  # fmt: skip

    offline = scrapy_crawl("http://127.0.0.1:9/api/v2")
    assert offline.returncode == 1 and "nothing could be fetched" in offline.stderr
    assert "Traceback" not in offline.stderr
    with MockRegistry(MockState(studies, max_page_size=PAGE, body_faults={2: "null_studies"})) as mock:
        partial = scrapy_crawl(mock.url)
        assert partial.returncode == 3 and "incomplete" in partial.stderr, partial.stderr
        complete = scrapy_crawl(mock.url)
    assert complete.returncode == 0, complete.stderr
    versions, _, mark = stored(data_dir)
    assert set(versions) == set(studies) and mark is not None  # scrapy crawl keeps the same crawl state
