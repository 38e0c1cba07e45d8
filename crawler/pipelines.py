"""The one item pipeline: parse each fetched document and write it to the data directory's catalog."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.items import FailedDocument, GoneDocument, RawDocument
from indexer.catalog import BatchWriter, Catalog
from indexer.config import load
from indexer.store.crawlstate import CrawlState

log = logging.getLogger(__name__)


class StorePipeline:
    """Holds the catalog's write lock for the whole crawl; batches are committed as they fill."""

    def __init__(self, crawler: Crawler, data_dir: str | None):
        self.crawler = crawler
        self.data_dir = data_dir
        self.catalog: Catalog | None = None
        self._writer_cm: AbstractContextManager[BatchWriter] | None = None
        self.writer: BatchWriter | None = None
        self.incomplete = False  # a search page failed: the query's results are not all known
        self.gone: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler, crawler.settings.get("TRIALS_DATA"))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        settings = self.crawler.settings
        self.catalog = Catalog(
            load(
                self.data_dir,
                batch_size=settings.getint("TRIALS_BATCH_SIZE", 1000),
                engine=settings.get("TRIALS_ENGINE"),
            )
        )
        # Distributed crawls share the data directory: take the write lock per batch, not throughout.
        self.distributed = settings.getbool("TRIALS_DISTRIBUTED")
        self._writer_cm = self.catalog.writer(hold_lock=not self.distributed, track_updates=True)
        self.writer = self._writer_cm.__enter__()

    def close_spider(self) -> None:
        if self._writer_cm is not None and self.writer is not None:
            self._writer_cm.__exit__(None, None, None)
            stats = self.crawler.stats
            if stats is not None:
                for key, value in self.writer.stats.counts.items():
                    stats.set_value(f"trialscout/records/{key}", value)

    def spider_closed(self, spider: Any, reason: str) -> None:
        """A crawl that ran to the end advances its query's state; a cut-short one changes nothing."""
        try:
            key = getattr(spider, "query_key", None)
            if key and reason == "finished" and not self.incomplete and self.catalog and self.writer:
                # A process of a distributed crawl saw only its share: it adds members, never replaces them.
                with self.catalog.write_lock():
                    CrawlState(self.catalog.store).finish(
                        key,
                        spider.name,
                        spider.search_params(),
                        self.writer.max_last_update,
                        getattr(spider, "seen_ids", ()),
                        full=spider.full and not self.distributed,
                        gone=self.gone,
                    )
            elif key:
                log.warning("crawl %s (%s): crawl state not advanced; the next run repeats this one", key, reason)
        finally:
            if self.catalog is not None:
                self.catalog.close()

    def process_item(self, item: Any) -> Any:
        assert self.writer is not None
        stats = self.crawler.stats
        if isinstance(item, RawDocument):
            failed_before = self.writer.stats.counts["failed"]
            self.writer.add_document(
                item.body, item.url, source=item.source, source_url=item.url, fetched_at=item.fetched_at
            )
            if stats is not None and self.writer.stats.counts["failed"] > failed_before:
                stats.inc_value("trialscout/failed/parse")
        elif isinstance(item, FailedDocument):
            self.writer.fail(item.url, item.error, raw=item.body, source=item.source, record_id=item.record_id)
            if item.record_id is None:
                self.incomplete = True
            if stats is not None:
                stats.inc_value("trialscout/failed/response")
        elif isinstance(item, GoneDocument):
            self.gone.append(item.nct_id)
            if self.writer.mark_removed(item.nct_id, "404 when asked by id") and stats is not None:
                stats.inc_value("trialscout/removed")
        return item
