"""Run one spider in this process with Trialscout's settings, reporting items as they are stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings


def crawl_settings(data_dir: str, api_url: str | None = None, log_level: str = "WARNING",
                   **extra: Any) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("TRIALS_DATA", data_dir, priority="cmdline")
    if api_url:
        settings.set("TRIALS_API_URL", api_url.rstrip("/"), priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    # The CLI has set up logging already; Scrapy's own root handler would print everything twice.
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    for key, value in extra.items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_spider(spider: str, settings: Settings, spider_args: dict[str, Any],
               on_item: Callable[[], None] | None = None) -> dict[str, Any]:
    """Crawl to the end (blocking) and return Scrapy's stats; one crawl per process (Twisted)."""
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    if on_item is not None:
        crawler.signals.connect(lambda *a, **kw: on_item(), signal=signals.item_scraped)
    process.crawl(crawler, **spider_args)
    process.start()
    return dict(crawler.stats.get_stats()) if crawler.stats else {}
