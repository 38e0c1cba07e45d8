"""Two crawler processes share one crawl through Redis (scrapy-redis): each study fetched once, stored once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis, ResponseError

from devtools.mockserver import MockRegistry, MockState, load_studies
from indexer.ingest.plan import query_key
from indexer.ingest.relay import Relay, RelayError
from indexer.ingest.relay_writer import store_identity
from indexer.store import QueryState, RecordStore
from tests.conftest import ROOT, shared

pytestmark = pytest.mark.slow  # Redis, and real crawls in subprocesses


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("TRIALS_TEST_REDIS_URL"):
        yield os.environ["TRIALS_TEST_REDIS_URL"]
        return
    where = tmp_path_factory.mktemp("redis")
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "redis.sh"), "up", str(where)], capture_output=True, text=True, timeout=300
    )
    if proc.returncode == 3:
        pytest.skip(f"no Redis: {proc.stderr.strip()[-200:]}")
    assert proc.returncode == 0, proc.stderr
    yield proc.stdout.strip()
    subprocess.run(["bash", str(ROOT / "scripts" / "redis.sh"), "down", str(where)], check=False)


def crawlers(data_dir: Path, mock: MockRegistry, redis_url: str, *args: str) -> list[subprocess.CompletedProcess[str]]:
    crawl_id = uuid.uuid4().hex
    command = [
        sys.executable,
        "-m",
        "search_cli.main",
        "--data-dir",
        str(data_dir),
        "crawl",
        "ctgov",
        "--api-url",
        mock.url,
        "--redis-url",
        redis_url,
        "--crawl-id",
        crawl_id,
        *args,
    ]
    env = {**os.environ, "TRIALS_DOWNLOAD_DELAY": "0"}
    procs = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(command, p.returncode, out, err))
    return results


def stored(data_dir: Path) -> tuple[list[str], Counter[str]]:
    store = RecordStore(data_dir / "trials.sqlite", readonly=True)
    try:
        found = store.snapshot()
    finally:
        store.close()
    return sorted(found.record_ids), Counter(nct_id for nct_id, _, _ in found.versions)


def test_two_processes_share_a_crawl_by_id(tmp_path: Path, redis_url: str) -> None:
    studies = load_studies([shared("ctgov", "v2")])
    wanted = sorted(studies)[:40]
    state = MockState(studies, delay=0.05)
    with MockRegistry(state) as mock:
        results = crawlers(tmp_path / "data", mock, redis_url, "--nct", ",".join(wanted))
    assert [r.returncode for r in results] == [0, 0], [r.stderr[-1500:] for r in results]
    fetched = Counter(e["path"] for e in state.log if e["path"].startswith("/api/v2/studies/"))
    assert sorted(fetched) == [f"/api/v2/studies/{n}" for n in wanted]
    assert set(fetched.values()) == {1}  # every study fetched exactly once across both processes
    ids, versions = stored(tmp_path / "data")
    assert sorted(ids) == wanted and set(versions.values()) == {1}
    assert not any("Traceback" in r.stderr for r in results)
    new = [int(r.stderr.split(" documents: ")[1].split(" new")[0]) for r in results]
    assert sum(new) == 40 and all(n > 0 for n in new), new  # both did part of the work, together all of it


def test_two_processes_share_a_paged_search(tmp_path: Path, redis_url: str) -> None:
    studies = load_studies([shared("ctgov", "v2")])
    state = MockState(studies, max_page_size=50, delay=0.05)
    with MockRegistry(state) as mock:
        results = crawlers(tmp_path / "data", mock, redis_url, "--term", "cancer")
    assert [r.returncode for r in results] == [0, 0], [r.stderr[-1500:] for r in results]
    pages = Counter(e["params"].get("pageToken", "first") for e in state.log if e["path"] == "/api/v2/studies")
    assert set(pages.values()) == {1}  # each page once
    expected = {n for n, s in studies.items() if "cancer" in str(s["protocolSection"]).lower()}
    ids, versions = stored(tmp_path / "data")
    assert set(ids) == expected and set(versions.values()) == {1}


# Crawlers with their own empty data directories send what they fetch through a Redis stream to the one
# writer that holds the store (`trials ingest --from-redis`).


def trials(data_dir: Path, *args: str, **env_vars: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "search_cli.main", "--data-dir", str(data_dir), *args]
    env = {**os.environ, "TRIALS_DOWNLOAD_DELAY": "0", **env_vars}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stream_crawler(
    data_dir: Path, mock: MockRegistry, redis_url: str, crawl_id: str, page_size: int = 10, **env: str
) -> subprocess.Popen[str]:
    return trials(
        data_dir, "crawl", "ctgov", "--api-url", mock.url, "--term", "cancer", "--page-size", str(page_size),
        "--redis-url", redis_url, "--crawl-id", crawl_id, "--stream", **env,
    )  # fmt: skip


def writer(data_dir: Path, redis_url: str, crawl_id: str, *options: str) -> subprocess.Popen[str]:
    return trials(data_dir, *options, "ingest", "--from-redis", redis_url, "--crawl-id", crawl_id, "--crawlers", "2")


def finish(proc: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    out, err = proc.communicate(timeout=300)
    assert "Traceback" not in err, err[-3000:]
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def wait_until(check: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def crawl_state(data_dir: Path) -> QueryState | None:
    store = RecordStore(data_dir / "trials.sqlite", readonly=True)
    try:
        return store.crawls.get(query_key("ctgov", {"term": "cancer"}))
    finally:
        store.close()


def cancer(studies: dict[str, dict[str, Any]]) -> set[str]:
    return {n for n, s in studies.items() if "cancer" in str(s["protocolSection"]).lower()}


def test_stream_crawlers_store_nothing_and_one_writer_stores_all(tmp_path: Path, redis_url: str) -> None:
    studies = load_studies([shared("ctgov", "v2")])
    state = MockState(studies, max_page_size=10)
    store, one, two = tmp_path / "store", tmp_path / "one", tmp_path / "two"
    crawl_id = uuid.uuid4().hex
    with MockRegistry(state) as mock:
        procs = [
            writer(store, redis_url, crawl_id),
            stream_crawler(one, mock, redis_url, crawl_id),
            stream_crawler(two, mock, redis_url, crawl_id),
        ]
        results = [finish(p) for p in procs]
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-1500:] for r in results]
    pages = Counter(e["params"].get("pageToken", "first") for e in state.log if e["path"] == "/api/v2/studies")
    assert len(pages) == -(-len(cancer(studies)) // 10) and set(pages.values()) == {1}
    ids, versions = stored(store)
    assert set(ids) == cancer(studies) and set(versions.values()) == {1}
    assert not one.exists() and not two.exists()  # the crawlers' data directories were never written
    # Each crawler reports what the writer committed of what it sent; together, every study.
    new = [int(r.stderr.split(" documents: ")[1].split(" new")[0]) for r in results]
    assert new[0] == len(ids) and new[1] + new[2] == len(ids), new
    mark = crawl_state(store)
    assert mark is not None and mark.high_water  # a complete crawl advanced the query's state
    redis = Redis.from_url(redis_url)
    assert [k for k in redis.scan_iter(f"trialscout:{crawl_id}:*") if not k.endswith(b":result")] == []

    # The next run of the same query is incremental, planned once by the writer from its store.
    state.log.clear()
    with MockRegistry(state) as mock:
        procs = [writer(store, redis_url, "again"), stream_crawler(one, mock, redis_url, "again")]
        procs.append(stream_crawler(two, mock, redis_url, "again"))
        results = [finish(p) for p in procs]
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-1500:] for r in results]
    first = [e for e in state.log if e["path"] == "/api/v2/studies" and "pageToken" not in e["params"]]
    assert len(first) == 1 and "RANGE[" in first[0]["params"]["filter.advanced"]


def test_kill_9_of_a_crawler_and_of_the_writer_loses_nothing_and_stores_nothing_twice(
    tmp_path: Path, redis_url: str
) -> None:
    studies = load_studies([shared("ctgov", "v2")])
    state = MockState(studies, max_page_size=10)
    store, one, two = tmp_path / "store", tmp_path / "one", tmp_path / "two"
    crawl_id = uuid.uuid4().hex
    redis = Redis.from_url(redis_url)

    def committed() -> Counter[str]:
        found: Counter[str] = Counter()
        for key, value in redis.hgetall(f"trialscout:{crawl_id}:stored").items():
            name, _, what = key.decode().rpartition("/")
            if what == "entries":
                found[name] = int(value)
        return found

    def unacknowledged() -> int:
        try:
            return int(redis.xpending(f"trialscout:{crawl_id}:docs", "writers")["pending"])
        except ResponseError:  # no group yet
            return 0

    with MockRegistry(state) as mock:
        first_writer = writer(store, redis_url, crawl_id)
        crawlers = [stream_crawler(one, mock, redis_url, crawl_id), stream_crawler(two, mock, redis_url, crawl_id)]
        wait_until(lambda: sum(committed().values()) >= 5)
        # SIGKILL the writer while it holds documents it read and has not acknowledged, if we catch it so.
        deadline = time.monotonic() + 20
        while unacknowledged() == 0 and time.monotonic() < deadline:
            time.sleep(0.002)
        first_writer.kill()
        first_writer.communicate()
        restarted = writer(store, redis_url, crawl_id, "-v")
        wait_until(lambda: sum(committed().values()) >= 15)
        # SIGKILL the crawler doing the work: the page it was fetching, and its share's facts, are lost.
        busiest = int(committed().most_common(1)[0][0].rpartition(":")[2])
        killed = next(p for p in crawlers if p.pid == busiest)
        killed.kill()
        killed.communicate()
        survivor = next(p for p in crawlers if p is not killed)
        results = [finish(survivor), finish(restarted)]
    assert results[0].returncode == 0, results[0].stderr[-1500:]
    # The crawl lost a crawler: it is incomplete, said so, and the query's state did not move.
    assert results[1].returncode == 3 and "stopped without finishing" in results[1].stderr, results[1].stderr[-1500:]
    assert crawl_state(store) is None
    ids, versions = stored(store)
    assert set(ids) <= cancer(studies) and set(versions.values()) == {1}

    # Running it again completes it: every study stored once, nothing in the crawlers' directories.
    with MockRegistry(state) as mock:
        procs = [writer(store, redis_url, crawl_id), stream_crawler(one, mock, redis_url, crawl_id)]
        procs.append(stream_crawler(two, mock, redis_url, crawl_id))
        results = [finish(p) for p in procs]
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-1500:] for r in results]
    ids, versions = stored(store)
    assert set(ids) == cancer(studies) and set(versions.values()) == {1}
    assert crawl_state(store) is not None
    assert not one.exists() and not two.exists()
    failures = RecordStore(store / "trials.sqlite", readonly=True)
    try:
        assert failures.failures.list() == []
    finally:
        failures.close()


def test_a_writer_that_falls_behind_holds_the_crawlers_back(tmp_path: Path, redis_url: str) -> None:
    studies = load_studies([shared("ctgov", "v2")])
    state = MockState(studies, max_page_size=50)
    crawl_id = uuid.uuid4().hex
    redis = Redis.from_url(redis_url)
    with MockRegistry(state) as mock:
        slow = writer(tmp_path / "store", redis_url, crawl_id)
        crawlers = [
            stream_crawler(tmp_path / name, mock, redis_url, crawl_id, 50, TRIALS_STREAM_MAX_MB="1")
            for name in ("one", "two")
        ]
        wait_until(lambda: bool(redis.exists(f"trialscout:{crawl_id}:plan")), timeout=60)
        os.kill(slow.pid, signal.SIGSTOP)  # a writer that stores nothing for a while
        try:
            time.sleep(8)
            backlog = int(redis.get(f"trialscout:{crawl_id}:backlog") or 0)
            waiting = int(redis.xlen(f"trialscout:{crawl_id}:docs"))
            served = sum(e["path"] == "/api/v2/studies" for e in state.log)
        finally:
            os.kill(slow.pid, signal.SIGCONT)
        results = [finish(p) for p in (slow, *crawlers)]
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-1500:] for r in results]
    pages = -(-len(cancer(studies)) // 50)
    # Each crawler sends once the backlog is under the limit, then waits: Redis holds a page or two, and the
    # crawl fetches little more than that ahead of the writer.
    assert 1 <= waiting <= 2 and backlog > 1024 * 1024 and served < pages, (waiting, backlog, served, pages)
    ids, versions = stored(tmp_path / "store")
    assert set(ids) == cancer(studies) and set(versions.values()) == {1}


def test_one_store_and_one_query_per_crawl(tmp_path: Path, redis_url: str) -> None:
    query = Relay(Redis.from_url(redis_url), uuid.uuid4().hex)
    query.post_query("ctgov", {"term": "cancer"})
    query.post_query("ctgov", {"term": "cancer"})  # the same query joins
    with pytest.raises(RelayError, match=r"ctgov crawl of term=cancer, not term=lupus: .* another --crawl-id"):
        query.post_query("ctgov", {"term": "lupus"})
    query.reset()
    crawl_id = uuid.uuid4().hex
    relay = Relay(Redis.from_url(redis_url), crawl_id)
    # A crawler that would store into another data directory than the crawl's is refused, and told why.
    relay.claim_store(store_identity(tmp_path / "store" / "trials.sqlite"))
    with MockRegistry(MockState({})) as mock:
        proc = trials(
            tmp_path / "elsewhere", "crawl", "ctgov", "--api-url", mock.url, "--term", "cancer",
            "--redis-url", redis_url, "--crawl-id", crawl_id,
        )  # fmt: skip
        result = finish(proc)
    assert result.returncode == 1 and "--stream" in result.stderr, result.stderr
    assert not (tmp_path / "elsewhere").exists()
    relay.reset()
