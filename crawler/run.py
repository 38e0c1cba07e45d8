"""Run one spider in this process with Trialscout's settings, reporting items as they are stored."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.settings import Settings

from crawler.outcome import final_stats

# The crawl's garbage collection (run_spider): young objects collected past this many, and everything
# every GC_SECONDS of crawling.
YOUNG_OBJECTS = 1_000_000
GC_SECONDS = 60.0


def crawl_settings(data_dir: str, api_url: str | None = None, log_level: str = "WARNING", **extra: Any) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("TRIALS_DATA", data_dir, priority="cmdline")
    settings.set("HTTPCACHE_DIR", str(Path(data_dir) / "httpcache"), priority="cmdline")
    if api_url:
        settings.set("TRIALS_API_URL", api_url.rstrip("/"), priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    # The CLI has set up logging already; Scrapy's own root handler would print everything twice.
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    for key, value in extra.items():
        settings.set(key, value, priority="cmdline")
    return settings


def distribute(settings: Settings, redis_url: str, crawl_id: str, crawler_name: str) -> None:
    """Share one crawl between processes: scrapy-redis's scheduler queue and duplicate filter in Redis,
    and the documents sent to the crawl's one writer through a Redis stream (crawler.stream).

    Keys are per crawl id, so that different crawls never mix. The queue persists when a process
    finishes, since the others may still need it; the writer removes it when the crawl is settled.
    """
    from indexer.config import load

    config = load(settings.get("TRIALS_DATA"))
    settings.set("ITEM_PIPELINES", {"crawler.stream.StreamPipeline": 300}, priority="cmdline")
    settings.set("TRIALS_CRAWL_ID", crawl_id, priority="cmdline")
    settings.set("TRIALS_CRAWLER_NAME", crawler_name, priority="cmdline")
    settings.set("TRIALS_STREAM_MAX_MB", config.stream_max_mb, priority="cmdline")
    settings.set("TRIALS_STREAM_WAIT", config.stream_wait, priority="cmdline")
    settings.set("SCHEDULER", "scrapy_redis.scheduler.Scheduler", priority="cmdline")
    settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="cmdline")
    settings.set("REDIS_URL", redis_url, priority="cmdline")
    settings.set("SCHEDULER_PERSIST", True, priority="cmdline")
    settings.set("SCHEDULER_QUEUE_KEY", f"trialscout:{crawl_id}:requests", priority="cmdline")
    settings.set("SCHEDULER_DUPEFILTER_KEY", f"trialscout:{crawl_id}:dupefilter", priority="cmdline")
    settings.set("DUPEFILTER_KEY", f"trialscout:{crawl_id}:dupefilter", priority="cmdline")
    # Wait a little for work the other processes are about to queue before calling the crawl done.
    settings.set("SCHEDULER_IDLE_BEFORE_CLOSE", 2, priority="cmdline")
    # scrapy-redis 0.9 still passes `spider` to the stats collector; it works, and it is theirs to fix.
    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")


def run_spider(
    spider: str, settings: Settings, spider_args: dict[str, Any], on_item: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Crawl to the end (blocking) and return Scrapy's stats; one crawl per process (Twisted)."""
    # A crawl allocates millions of short-lived objects per page (decoded studies, parsed records):
    # with the default thresholds, full collections of everything Scrapy and Twisted hold ran about
    # once a page and took a fifth of the time. What start-up made is frozen out of collections.
    # Nearly all of a page's objects are freed by reference counting, yet while they live (queued,
    # parsed) every young collection walked them: at 50,000 a collection, 60-75 us a study of
    # collections that found 0.6 objects a study to free. The live set swings by about a million
    # objects a page, so below that the young generation is left alone, and a full collection on the
    # reactor every GC_SECONDS bounds the few cycles (a failure's traceback, Twisted's) a crawl makes.
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, 20, 100)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    if on_item is not None:
        crawler.signals.connect(lambda *a, **kw: on_item(), signal=signals.item_scraped)
    process.crawl(crawler, **spider_args)
    from twisted.internet import task  # here: only once the crawl has installed the reactor it asks for

    task.LoopingCall(gc.collect).start(GC_SECONDS, now=False)
    process.start()
    return final_stats(crawler)
