"""A crawl into a data directory another process is writing stops with the lock's message, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.outcome import outcome
from crawler.pipelines import StorePipeline
from indexer.catalog import Catalog
from indexer.config import load
from tests.conftest import Trials


@pytest.fixture
def busy(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Catalog:
    monkeypatch.setenv("TRIALS_LOCK_TIMEOUT", "0.3")
    return Catalog(load(data_dir))


def test_the_crawl_command_checks_the_store_before_it_starts(trials: Trials, busy: Catalog) -> None:
    with busy.write_lock():  # another process writing: a flock on another open file description
        result = trials("crawl", "ctgov", "--term", "a", "--api-url", "http://127.0.0.1:9/api/v2", ok=False)
    assert result.exit_code == 1
    assert "is being written by another trials process" in result.stderr and "TRIALS_LOCK_TIMEOUT" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_store_taken_between_the_check_and_the_crawl_stops_the_crawl(data_dir: Path, busy: Catalog) -> None:
    crawler = get_crawler(Spider, {"TRIALS_DATA": str(data_dir)})
    pipeline = StorePipeline.from_crawler(crawler)
    with busy.write_lock():
        pipeline.open_spider()  # does not raise: Scrapy would print it and crawl on
    assert pipeline.writer is None
    assert pipeline.process_item(object()) is not None  # nothing queued, nothing stored
    assert crawler.stats is not None
    stats = {**crawler.stats.get_stats(), "finish_reason": "store_failed"}
    result = outcome(stats)
    assert result.code == 1 and "being written by another trials process" in (result.message or "")
    pipeline.close_spider()
