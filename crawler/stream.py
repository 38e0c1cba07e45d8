"""The item pipeline of a shared crawl: send each fetched document to the crawl's writer through Redis."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Self

import redis
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from crawler.items import FailedDocument, GoneDocument, RawDocument
from crawler.pipelines import PlannedSpider
from indexer.ingest.plan import query_stats
from indexer.ingest.relay import Relay, RelayError, connect
from indexer.ingest.relay_messages import StreamDocument, progress_facts

log = logging.getLogger(__name__)


class StreamPipeline:
    """Stores nothing here: XADDs each document to `trialscout:{crawl_id}:docs`, waiting while the
    writer is behind by more than TRIALS_STREAM_MAX_MB, and at the end posts this crawler's share
    (what it sent, the pages and studies it saw) and waits until the writer committed all it sent.

    Stats as StorePipeline's, from the writer's commits of this crawler's documents.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.name: str = settings.get("TRIALS_CRAWLER_NAME")
        self.relay = Relay(connect(settings.get("REDIS_URL")), settings.get("TRIALS_CRAWL_ID"))
        self.max_backlog = settings.getint("TRIALS_STREAM_MAX_MB", 256) * 1024 * 1024
        self.wait = settings.getfloat("TRIALS_STREAM_WAIT", 600.0)
        self.sent = 0
        self.fatal: str | None = None
        self._closing: object = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def _stop(self, reason: str) -> None:
        if self.fatal is None:
            self.fatal = reason
            log.error("stopping the crawl: %s", reason)
            if self.crawler.stats is not None:
                self.crawler.stats.set_value("trialscout/fatal", reason)
            if self.crawler.engine is not None and self.crawler.engine.running:
                self._closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason="store_failed"))

    async def process_item(self, item: Any) -> Any:
        if self.fatal is not None:
            return item  # the crawl is stopping: nothing more is sent
        doc = self._document(item)
        if doc is None:
            return item
        try:
            await self._room()
            self.relay.send(doc)
        except (redis.RedisError, RelayError) as exc:
            self._stop(str(exc) or type(exc).__name__)
            return item
        self.sent += 1
        self._count(item)
        return item

    async def _room(self) -> None:
        """Backpressure: a writer behind by more than the limit makes the crawl wait (and fetch nothing)."""
        deadline = time.monotonic() + self.wait
        while self.relay.backlog() > self.max_backlog:
            if (reason := self.relay.aborted()) is not None:
                raise RelayError(f"the crawl's writer stopped it: {reason}")
            if time.monotonic() > deadline:
                raise RelayError(
                    f"the writer of crawl {self.relay.crawl_id} stored nothing for {self.wait:g}s: is "
                    "`trials ingest --from-redis` running (TRIALS_STREAM_WAIT)?"
                )
            await asyncio.sleep(0.5)

    def _document(self, item: Any) -> StreamDocument | None:
        if isinstance(item, RawDocument):
            # record_id: the trial whose page it was fetched as (RawDocument.trial_id), else empty.
            return StreamDocument(
                "raw", item.source, item.url, self.name, item.body, item.fetched_at, record_id=item.trial_id or ""
            )
        if isinstance(item, FailedDocument):
            return StreamDocument(
                "failed", item.source, item.url, self.name, item.body, error=item.error,
                record_id=item.record_id or "", http_status=item.http_status or 0,
            )  # fmt: skip
        if isinstance(item, GoneDocument):
            return StreamDocument("gone", item.source, item.url, self.name, record_id=item.nct_id)
        return None

    def _count(self, item: Any) -> None:
        stats = self.crawler.stats
        if stats is None:
            return
        if isinstance(item, RawDocument):
            stats.inc_value("trialscout/documents")
        elif isinstance(item, FailedDocument):
            stats.inc_value("trialscout/failed/response")
            if stats.get_value("trialscout/first_error") is None:
                stats.set_value("trialscout/first_error", item.error)

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Post this crawler's share, then wait until the writer committed what it sent, and count that."""
        problems: list[str] = []
        facts: dict[str, Any] = {"sent": self.sent, "reason": reason}
        if isinstance(spider, PlannedSpider):
            problems = list(spider.progress.problems)
            facts["progress"] = progress_facts(spider.progress)
        if self.fatal:
            problems.append(f"the crawl stopped: {self.fatal}")
        if reason != "finished":
            problems.append(f"the crawl stopped early ({reason})")
        facts.setdefault("progress", {})["problems"] = problems
        stats = self.crawler.stats
        try:
            self.relay.done(self.name, facts)
            stored = self._committed()
        except (redis.RedisError, RelayError) as exc:
            self._stop(str(exc) or type(exc).__name__)
            return
        if stored is None:
            problems.append(
                f"{self.sent} documents were sent to the writer of crawl {self.relay.crawl_id} and not all were "
                f"stored within {self.wait:g}s; they stay in Redis until `trials ingest --from-redis` stores them"
            )
            stored = self.relay.stored(self.name)
        if stats is not None:
            if isinstance(spider, PlannedSpider):
                for key, count in query_stats(spider.progress).items():
                    stats.set_value(key, count)
            for key, value in stored.items():
                if key not in ("entries", "documents"):
                    stats.set_value(f"trialscout/records/{key}", value)
            if stored.get("removed"):
                stats.set_value("trialscout/removed", stored["removed"])
            if problems or stored.get("failed"):
                failed = [f"{stored['failed']} documents or studies failed"] if stored.get("failed") else []
                stats.set_value("trialscout/incomplete", "; ".join([*problems, *failed]))

    def _committed(self) -> dict[str, int] | None:
        """What the writer committed of this crawler's documents, once it committed them all; None on timeout."""

        def check() -> dict[str, int] | None:
            stored = self.relay.stored(self.name)
            if stored["entries"] >= self.sent:
                return dict(stored)
            result = self.relay.result()  # the writer finished (and forgot the crawl's keys) meanwhile
            if result is not None and self.name in result["crawlers"]:
                counts: dict[str, int] = result["crawlers"][self.name]
                return counts
            return None

        if self.sent:
            log.info("waiting for the writer to store the %d documents this crawler sent", self.sent)
        found: dict[str, int] | None = self.relay.wait(check, self.wait)
        return found
