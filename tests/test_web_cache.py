"""The server's answer cache: a repeated request is answered from memory until another process writes."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.catalog import Catalog, write_records
from indexer.config import load
from web.app import create_app

pytest_plugins = ("tests.webdata",)  # the web_data fixture

SEED = "NCT04077684"


@pytest.fixture
def data(web_data: Path, tmp_path: Path) -> Path:
    """A copy this test may write into."""
    return Path(shutil.copytree(web_data, tmp_path / "data"))


def test_a_repeated_request_is_kept_until_the_data_changes(data: Path) -> None:
    with TestClient(create_app(load(data))) as client:
        first = client.get("/api/search", params={"q": "lupus", "status": "any"})
        again = client.get("/api/search", params={"q": "lupus", "status": "any"})
        assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
        assert again.content == first.content and again.headers["content-security-policy"]
        assert client.get("/search", params={"q": "lupus", "status": "any"}).headers["x-cache"] == "miss"
        page = client.get(f"/trials/{SEED}")
        assert client.get(f"/trials/{SEED}").text == page.text
        # Another process writes: a new trial, which the next answer counts.
        with Catalog(load(data)) as writer:
            seed = writer.get(SEED)
            assert seed is not None
            write_records(writer, [dataclasses.replace(seed, nct_id="NCT99999991", org_study_id="COPY")])
        after = client.get("/api/search", params={"q": "lupus", "status": "any"})
        assert after.headers["x-cache"] == "miss"
        assert after.json()["total"] == first.json()["total"] + 1
        assert client.get(f"/trials/{SEED}").headers["x-cache"] == "miss"


def test_only_successful_reads_of_the_data_are_kept(data: Path) -> None:
    with TestClient(create_app(load(data))) as client:
        for _ in range(2):
            assert "x-cache" not in client.get("/api/trials/NCT00000000").headers  # 404s are not kept
            assert client.get("/api/trials/NCT00000000").status_code == 404
            assert "x-cache" not in client.get("/watches").headers  # a watch's news depends on the clock
            assert "x-cache" not in client.post("/match", data={"text": "lupus"}).headers
        assert client.get("/api/search", params={"limit": "0"}).status_code == 422
        assert client.get("/api/search", params={"limit": "0"}).status_code == 422


def test_without_cache_the_data_as_it_is_now(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_WEB_CACHE_MB", "0")
    with TestClient(create_app(load(data))) as client:
        totals = []
        for _ in range(2):
            answer = client.get("/api/search", params={"q": "lupus", "status": "any"})
            assert "x-cache" not in answer.headers
            totals.append(answer.json()["total"])
        with Catalog(load(data)) as writer:
            seed = writer.get(SEED)
            assert seed is not None
            write_records(writer, [dataclasses.replace(seed, nct_id="NCT99999991")])
        # The server's index reader follows the other process's commit.
        totals.append(client.get("/api/search", params={"q": "lupus", "status": "any"}).json()["total"])
    assert totals[0] == totals[1] == totals[2] - 1


def test_similar_runs_on_its_own_thread_and_sees_new_trials(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Similar trials are worked out off the event loop (quick pages do not wait behind them), with a
    catalog of their own that another process's write refreshes, as the loop's catalog is."""
    import threading

    from web import views

    monkeypatch.setenv("TRIALS_WEB_CACHE_MB", "0")
    threads: list[str] = []
    real = views.similar

    def spied(*args: object, **kwargs: object) -> object:
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(views, "similar", spied)
    with TestClient(create_app(load(data))) as client:
        before = {r["nct_id"] for r in client.get(f"/api/trials/{SEED}/similar", params={"limit": "50"}).json()}
        assert "NCT99999992" not in before
        with Catalog(load(data)) as writer:  # another connection commits: a copy of the seed trial
            seed = writer.get(SEED)
            assert seed is not None
            write_records(writer, [dataclasses.replace(seed, nct_id="NCT99999992", org_study_id="COPY2")])
        after = client.get(f"/api/trials/{SEED}/similar", params={"limit": "50"}).json()
        assert after[0]["nct_id"] == "NCT99999992"  # the same trial under another id is the most alike
        page = client.get(f"/trials/{SEED}/similar")
        assert "NCT99999992" in page.text
    assert threads and all(t.startswith("trials-similar") for t in threads), threads


def test_answers_kept_yesterday_are_not_served_today(web_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # How old a trial's entry is ("updated 3 years ago", freshness.age_days) changes with the day.
    from web import cache

    monkeypatch.setattr(cache, "today", lambda: "2026-12-01")
    with TestClient(create_app(load(web_data))) as client:
        assert client.get(f"/api/trials/{SEED}").headers["x-cache"] == "miss"
        assert client.get(f"/api/trials/{SEED}").headers["x-cache"] == "hit"
        monkeypatch.setattr(cache, "today", lambda: "2026-12-02")
        assert client.get(f"/api/trials/{SEED}").headers["x-cache"] == "miss"
