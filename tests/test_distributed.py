"""Two crawler processes share one crawl through Redis (scrapy-redis): each study fetched once, stored once."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.mockserver import MockRegistry, MockState, load_studies
from indexer.store import RecordStore
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
