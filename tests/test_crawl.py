"""Real Scrapy crawls of the mock API v2 (real recorded studies) through `trials crawl ctgov`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.mockserver import MockRegistry, MockState, load_studies
from indexer.catalog import Catalog
from indexer.config import load
from tests.conftest import CTGOV, ROOT, run_trials, shared

pytestmark = pytest.mark.slow  # real crawls in subprocesses


@pytest.fixture(scope="module")
def studies() -> dict[str, dict]:  # type: ignore[type-arg]
    return load_studies([shared("ctgov", "v2")])


def crawl(data_dir: Path, mock: MockRegistry, *args: str) -> tuple[int, str]:
    proc = run_trials(data_dir, "crawl", "ctgov", "--api-url", mock.url, *args)
    return proc.returncode, proc.stderr


def stored_ids(data_dir: Path) -> set[str]:
    with Catalog(load(data_dir)) as c:
        return set(c.store.snapshot().record_ids)


@pytest.fixture
def mock(studies: dict) -> Iterator[MockRegistry]:  # type: ignore[type-arg]
    # The server returns at most 250 per page although the spider asks for 1000, as the real API may.
    state = MockState(studies, max_page_size=250, faults={("page", 2): [429], ("page", 3): [503, 503]})
    with MockRegistry(state) as m:
        yield m


def test_crawl_with_faults_stores_every_study_served(data_dir: Path, mock: MockRegistry, studies: dict) -> None:  # type: ignore[type-arg]
    code, err = crawl(data_dir, mock, "--term", "a")
    assert code == 0, err
    pages = [e for e in mock.state.log if e["path"] == "/api/v2/studies"]
    assert [e["status"] for e in pages][:5] == [200, 429, 200, 503, 503]
    expected = {n for n, s in studies.items() if "a" in json.dumps(s["protocolSection"]).lower()}
    assert stored_ids(data_dir) == expected and len(expected) > 1000
    # Every later page resent the first page's parameters unchanged, plus the token.
    first = pages[0]["params"]
    for e in pages[1:]:
        assert {k: v for k, v in e["params"].items() if k != "pageToken"} == first
        assert e["params"]["pageToken"]
    assert first["pageSize"] == "1000" and first["query.term"] == "a"
    assert all(e["user_agent"].startswith("Trialscout/") for e in mock.state.log)
    assert mock.state.log[0]["path"] == "/robots.txt"
    assert f"{len(expected)} new" in err and "3 retries" in err  # one 429, two 503s


def test_retry_after_is_honoured(data_dir: Path, studies: dict) -> None:  # type: ignore[type-arg]
    state = MockState(studies, faults={("page", 1): [429]}, retry_after="2")
    with MockRegistry(state) as m:
        code, err = crawl(data_dir, m, "--condition", "lupus")
    assert code == 0, err
    api = [e for e in state.log if e["path"] == "/api/v2/studies"]
    assert [e["status"] for e in api] == [429, 200]
    assert api[1]["at"] - api[0]["at"] >= 2.0  # waited as asked, not Scrapy's immediate retry


def test_since_status_and_condition_reach_the_api(data_dir: Path, mock: MockRegistry, studies: dict) -> None:  # type: ignore[type-arg]
    code, err = crawl(data_dir, mock, "--condition", "lupus", "--status", "recruiting", "--since", "2020-01-01")
    assert code == 0, err
    params = next(e["params"] for e in mock.state.log if e["path"] == "/api/v2/studies")
    assert params["query.cond"] == "lupus"
    assert params["filter.overallStatus"] == "RECRUITING"
    assert params["filter.advanced"] == "AREA[LastUpdatePostDate]RANGE[2020-01-01,MAX]"
    for nct in stored_ids(data_dir):
        status = studies[nct]["protocolSection"]["statusModule"]
        assert status["overallStatus"] == "RECRUITING"
        assert status["lastUpdatePostDateStruct"]["date"] >= "2020-01-01"


def test_studies_by_id_with_a_404_counted_and_kept(data_dir: Path, mock: MockRegistry, studies: dict) -> None:  # type: ignore[type-arg]
    some = sorted(studies)[:2]
    code, err = crawl(data_dir, mock, "--nct", f"{some[0]},{some[1]}", "--nct", "NCT00000000")
    assert code == 3, err  # finished, one document failed: the partial-failure code
    assert stored_ids(data_dir) == set(some)
    with Catalog(load(data_dir)) as c:
        [failure] = c.store.failures.list()
    assert failure.record_id == "NCT00000000" and failure.location.endswith("/studies/NCT00000000")
    assert "1 failed" in err


def test_robots_txt_is_obeyed(data_dir: Path, studies: dict) -> None:  # type: ignore[type-arg]
    state = MockState(studies, robots="User-agent: *\nDisallow: /api/\n")
    with MockRegistry(state) as m:
        code, err = crawl(data_dir, m, "--condition", "lupus")
    assert code == 1, err  # robots.txt forbids the API: nothing could be fetched, and it says why
    assert "nothing could be fetched (Forbidden by robots.txt)" in err
    assert [e["path"] for e in state.log] == ["/robots.txt"]
    assert stored_ids(data_dir) == set()


def test_broken_page_is_kept_and_the_crawl_ends_cleanly(data_dir: Path, studies: dict) -> None:  # type: ignore[type-arg]
    state = MockState(studies, max_page_size=100, faults={("page", 2): [299]})  # 200 with a truncated body
    with MockRegistry(state) as m:
        code, err = crawl(data_dir, m, "--term", "a")
    assert code == 3, err  # page 1 stored, page 2 failed: the query is incomplete, and says so
    assert "page 2 is not an API v2 search page" in err
    assert len(stored_ids(data_dir)) == 100  # page 1; page 2 is kept as a failure, its token lost with it
    with Catalog(load(data_dir)) as c:
        [failure] = c.store.failures.list()
        assert "page 2 is not an API v2 search page" in failure.error and failure.http_status == 200
        assert c.store.get_raw(failure.raw_hash) == b'{"studies": [{"protocolSection": '


def test_recrawl_is_idempotent(data_dir: Path, studies: dict) -> None:  # type: ignore[type-arg]
    with MockRegistry(MockState(studies)) as m:
        code, err = crawl(data_dir, m, "--condition", "lupus")
        assert code == 0, err
        first = stored_ids(data_dir)
        code, err = crawl(data_dir, m, "--condition", "lupus", "--full")
    assert code == 0, err
    assert stored_ids(data_dir) == first and f"{len(first)} unchanged" in err
    assert CTGOV.exists()


def test_incremental_recrawl_asks_only_since_the_high_water_mark(data_dir: Path, studies: dict) -> None:  # type: ignore[type-arg]
    state = MockState(studies)
    with MockRegistry(state) as m:
        code, err = crawl(data_dir, m, "--condition", "cancer")
        assert code == 0, err
        first = [e for e in state.log if e["path"] == "/api/v2/studies"]
        assert "filter.advanced" not in first[0]["params"]
        newest = max(
            studies[i]["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]
            for i in stored_ids(data_dir)
        )
        state.log.clear()
        code, err = crawl(data_dir, m, "--condition", "cancer")
        assert code == 0, err
        [again] = [e for e in state.log if e["path"] == "/api/v2/studies"]
        from datetime import date, timedelta

        since = (date.fromisoformat(newest) - timedelta(days=1)).isoformat()
        assert again["params"]["filter.advanced"] == f"AREA[LastUpdatePostDate]RANGE[{since},MAX]"
        assert {k: v for k, v in again["params"].items() if k != "filter.advanced"} == first[0]["params"]
        state.log.clear()
        code, err = crawl(data_dir, m, "--condition", "cancer", "--full")
        assert code == 0, err
        assert "filter.advanced" not in next(e for e in state.log if e["path"] == "/api/v2/studies")["params"]


def test_full_recrawl_checks_missing_trials_by_id(data_dir: Path, studies: dict) -> None:  # type: ignore[type-arg]
    state = MockState(dict(studies))
    with MockRegistry(state) as m:
        code, err = crawl(data_dir, m, "--condition", "lupus")
        assert code == 0, err
        members = sorted(stored_ids(data_dir))
        assert len(members) >= 2
        del state.studies[members[0]]  # the registry drops one trial
        state.log.clear()
        code, err = crawl(data_dir, m, "--condition", "lupus", "--full")
        assert code == 0, err
        assert [e["path"] for e in state.log if "/studies/" in e["path"]] == [f"/api/v2/studies/{members[0]}"]
        assert "1 no longer in the registry" in err
        state.log.clear()
        code, err = crawl(data_dir, m, "--condition", "lupus", "--full")  # remembered: not checked again
        assert code == 0, err
        assert not [e for e in state.log if "/studies/" in e["path"]]
    proc = run_trials(data_dir, "--quiet", "changes", "--since", "2000-01-01", "--event", "removed", "--json")
    assert proc.returncode == 0, proc.stderr
    [event] = json.loads(proc.stdout)
    assert event["nct_id"] == members[0] and event["type"] == "removed"
    shown = run_trials(data_dir, "--quiet", "show", members[0], "--json")  # its last record, said to be gone
    assert json.loads(shown.stdout)["removed_from_registry"]["since"] == event["date"]


def test_ctrl_c_during_a_retry_after_wait_stops_the_crawl_at_once(data_dir: Path, studies: dict) -> None:  # type: ignore[type-arg]
    # Page 2 answers 503 asking for 10 minutes (the wait is capped at TRIALS_MAX_RETRY_DELAY, 300 s).
    state = MockState(studies, max_page_size=100, faults={("page", 2): [503]}, retry_after="600")
    with MockRegistry(state) as m:
        argv = ["--data-dir", str(data_dir), "crawl", "ctgov", "--api-url", m.url, "--term", "a"]
        proc = subprocess.Popen(
            [sys.executable, "-m", "search_cli.main", *argv],
            cwd=ROOT,
            env={**os.environ, "TRIALS_DOWNLOAD_DELAY": "0"},
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(e["status"] == 503 for e in state.log):
            time.sleep(0.05)
        assert any(e["status"] == 503 for e in state.log), "the crawl never reached page 2"
        time.sleep(1.0)  # well into the wait
        asked = time.monotonic()
        proc.send_signal(signal.SIGINT)  # one Ctrl-C: a graceful stop
        _, err = proc.communicate(timeout=60)
        stopped_in = time.monotonic() - asked
    assert proc.returncode == 1, err
    assert "stopped early" in err and "run it again to resume" in err
    assert stopped_in < 30, stopped_in  # not the 300 s of the wait
    assert "Traceback" not in err
    # The page given up for the stop is no failure; the next run fetches everything.
    assert json.loads(run_trials(data_dir, "failures", "--json").stdout) == []
    with MockRegistry(MockState(studies, max_page_size=100)) as m:
        code, err = crawl(data_dir, m, "--term", "a")
    assert code == 0, err
    expected = {n for n, s in studies.items() if "a" in json.dumps(s["protocolSection"]).lower()}
    assert stored_ids(data_dir) == expected


def test_a_page_that_failed_is_resolved_when_a_rerun_brings_it_byte_identical(
    data_dir: Path,
    studies: dict,  # type: ignore[type-arg]
) -> None:
    state = MockState(studies)
    with MockRegistry(state) as m:
        assert crawl(data_dir, m, "--condition", "lupus")[0] == 0
        assert crawl(data_dir, m, "--condition", "lupus")[0] == 0  # incremental: its page is stored
        state.faults[("page", 1)] = [503]  # the registry (or the network) down for the next run
        down = run_trials(data_dir, "crawl", "ctgov", "--api-url", m.url, "--condition", "lupus",
                          env={"TRIALS_RETRY_TIMES": "0"})  # fmt: skip
        assert down.returncode == 1, down.stderr
        [failed] = json.loads(run_trials(data_dir, "failures", "--json").stdout)
        code, err = crawl(data_dir, m, "--condition", "lupus")  # the same page as the second run's
    assert code == 0 and " unchanged" in err, err
    pages = [e for e in state.log if e["path"].endswith("/studies")]
    assert pages[-1]["params"] == pages[-3]["params"] and pages[-1]["status"] == 200
    assert json.loads(run_trials(data_dir, "failures", "--json").stdout) == []
    [resolved] = json.loads(run_trials(data_dir, "failures", "--all", "--json").stdout)
    assert resolved["location"] == failed["location"] and resolved["resolved_at"]
