"""The one item pipeline: hand each fetched document to the data directory's writer, and settle the crawl."""

from __future__ import annotations

import logging
import queue
import threading
from contextlib import AbstractContextManager
from typing import Any, Protocol, Self, runtime_checkable

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from crawler.items import FailedDocument, GoneDocument, RawDocument
from indexer.catalog import BatchWriter, Catalog
from indexer.config import load
from indexer.index.base import IndexUnavailable
from indexer.index.engines import EngineError
from indexer.ingest import plan as crawl_plan
from indexer.store import StoreBusy, StoreError
from indexer.threads import name_native_thread

log = logging.getLogger(__name__)

# What stops a crawl: the store, the disk or the index failed. Nothing after it is stored.
WRITE_FAILURES = (StoreError, StoreBusy, IndexUnavailable, EngineError, OSError)
# Documents waiting for the writer thread. Each can be a decoded page of 1,000 studies (about 100 MB
# of Python objects): two keep the writer busy while the next page is fetched, and memory flat.
QUEUED_DOCUMENTS = 2
_DONE = object()


@runtime_checkable
class PlannedSpider(Protocol):
    """A spider that crawls a CrawlPlan and keeps its CrawlProgress (the ctgov spider)."""

    plan: crawl_plan.CrawlPlan | None
    progress: crawl_plan.CrawlProgress


class StorePipeline:
    """Holds the catalog's write lock for the whole crawl; batches are committed as they fill.

    The writer runs on its own thread, fed in order through a short queue: while it parses, writes
    SQLite and the index (both release the GIL as they work), the reactor fetches and decodes the
    next page. The first write failure stops the crawl; documents queued after it are not stored.

    Stats it sets for the command that ran the crawl (crawler.outcome reads them):
    trialscout/records/<status> (committed only), trialscout/documents, trialscout/fatal (the
    write failure that stopped the crawl), trialscout/incomplete (why the query is not complete).
    """

    def __init__(self, crawler: Crawler, data_dir: str | None):
        self.crawler = crawler
        self.data_dir = data_dir
        self.catalog: Catalog | None = None
        self._writer_cm: AbstractContextManager[BatchWriter] | None = None
        self.writer: BatchWriter | None = None
        self.fatal: str | None = None
        self._closing: object = None  # the Deferred of a close we asked for, kept so it is not collected
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=QUEUED_DOCUMENTS)
        self._thread: threading.Thread | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler, crawler.settings.get("TRIALS_DATA"))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        settings = self.crawler.settings
        try:
            self.catalog = Catalog(
                load(
                    self.data_dir,
                    batch_size=settings.getint("TRIALS_BATCH_SIZE") or None,  # default: indexer.config
                    engine=settings.get("TRIALS_ENGINE"),
                )
            )
            # A crawl shared through Redis stores through its writer instead (crawler.stream, relay_writer).
            cm = self.catalog.writer(track_updates=True, index_process=self.catalog.settings.index_process)
            self.writer = cm.__enter__()
            self._writer_cm = cm
        except WRITE_FAILURES as exc:
            # Raised here, Scrapy would print it as a traceback and run on. The command checked the store
            # before the crawl (another process can take the lock since): the crawl stops as it starts.
            self.writer = None
            self._mark_fatal(exc)
            self.crawler.signals.connect(self._stop_when_started, signal=signals.engine_started)
            return
        self._thread = threading.Thread(target=self._drain, name="trialscout-writer", daemon=True)
        self._thread.start()

    def _stop_when_started(self) -> None:
        from twisted.internet import reactor

        reactor.callFromThread(self._close_engine)  # next turn of the reactor: the engine runs by then

    def _stop(self, exc: BaseException) -> None:
        """A write failed: nothing more is stored, and the crawl stops and says why."""
        if self._mark_fatal(exc):
            self._close_engine()

    def _mark_fatal(self, exc: BaseException) -> bool:
        if self.fatal is not None:
            return False
        self.fatal = _say(exc, self.data_dir)
        log.error("stopping the crawl: %s", self.fatal)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("trialscout/fatal", self.fatal)
        return True

    def _close_engine(self) -> None:
        if self.crawler.engine is not None and self.crawler.engine.running:
            self._closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason="store_failed"))

    def _drain(self) -> None:
        """The writer thread: store queued documents in order until told to finish."""
        name_native_thread("trials-writer")
        while (item := self._queue.get()) is not _DONE:
            if self.fatal is not None or self.writer is None:
                continue  # the crawl is stopping: nothing more is stored, and nothing is counted
            try:
                self._process(item, self.writer)
            except Exception as exc:  # WRITE_FAILURES, or a bug: either way nothing after it is stored
                if not isinstance(exc, WRITE_FAILURES):
                    log.exception("the writer failed on %s", getattr(item, "url", item))
                if self._mark_fatal(exc):
                    from twisted.internet import reactor

                    reactor.callFromThread(self._close_engine)

    def _finish_writing(self) -> None:
        if self._thread is not None:
            self._queue.put(_DONE)
            self._thread.join()
            self._thread = None

    def close_spider(self) -> None:
        self._finish_writing()
        if self._writer_cm is None or self.writer is None:
            return
        try:
            if self.fatal is None:
                self._writer_cm.__exit__(None, None, None)  # the last batch is flushed here
            else:
                failure = StoreError(self.fatal)
                self._writer_cm.__exit__(type(failure), failure, None)
        except Exception as exc:  # raised to Scrapy, it would be a traceback and a crawl that exits 0
            if not isinstance(exc, WRITE_FAILURES):
                log.exception("the writer failed while finishing")
            self._stop(exc)
        finally:  # what was committed before a failure counts (and only that: the counts are the commits')
            stats = self.crawler.stats
            if stats is not None:
                for key, value in self.writer.stats.counts.items():
                    stats.set_value(f"trialscout/records/{key}", value)

    def spider_closed(self, spider: Any, reason: str) -> None:
        """A crawl that ran to the end with nothing lost advances its query's state; any other changes nothing."""
        try:
            self._settle(spider, reason)
        finally:
            if self.catalog is not None:
                self.catalog.close()

    def _settle(self, spider: Any, reason: str) -> None:
        if not isinstance(spider, PlannedSpider) or spider.plan is None or self.writer is None:
            return
        progress, plan = spider.progress, spider.plan
        if not plan.ids:
            progress.check_total()
        failed = self.writer.stats.counts["failed"]
        problems = list(progress.problems)
        if failed:
            problems.append(f"{failed} documents or studies failed")
        if self.fatal:
            problems.append(f"the store failed: {self.fatal}")
        if reason != "finished":
            problems.append(f"the crawl stopped early ({reason})")
        if self.crawler.stats is not None:
            for key, count in crawl_plan.query_stats(progress).items():
                self.crawler.stats.set_value(key, count)
            if problems:
                self.crawler.stats.set_value("trialscout/incomplete", "; ".join(problems))
        if plan.key is None:
            return
        if problems:
            log.warning("crawl state not advanced (%s); the next run asks for the same again", "; ".join(problems))
            return
        assert self.catalog is not None
        try:
            with self.catalog.write_lock():
                crawl_plan.finish(self.catalog.store, plan, progress, self.writer.max_last_update)
        except WRITE_FAILURES as exc:
            self._stop(exc)

    def process_item(self, item: Any) -> Any:
        if self.fatal is not None or self.writer is None:
            return item  # the crawl is stopping: nothing more is stored, and nothing is counted
        self._queue.put(item)  # waits while the writer is QUEUED_DOCUMENTS behind
        return item

    def _process(self, item: Any, writer: BatchWriter) -> None:
        stats = self.crawler.stats
        if isinstance(item, RawDocument):
            if stats is not None:
                stats.inc_value("trialscout/documents")
            outcome = writer.add_document(
                item.body, item.url, source=item.source, source_url=item.url, fetched_at=item.fetched_at,
                data=item.data, trial_id=item.trial_id,
            )  # fmt: skip
            if stats is not None and (outcome.status == "failed" or outcome.failed_items):
                stats.inc_value("trialscout/failed/parse", outcome.failed_items or 1)
        elif isinstance(item, FailedDocument):
            writer.fail(
                item.url, item.error, raw=item.body, source=item.source, record_id=item.record_id,
                http_status=item.http_status,
            )  # fmt: skip
            if stats is not None:
                stats.inc_value("trialscout/failed/response")
                if stats.get_value("trialscout/first_error") is None:
                    stats.set_value("trialscout/first_error", item.error)
        elif isinstance(item, GoneDocument):
            removed = writer.mark_removed(item.nct_id, "404 when asked by id")
            if removed and stats is not None:
                stats.inc_value("trialscout/removed")


def _say(exc: BaseException, data_dir: str | None) -> str:
    """The one line a write failure stops the crawl with; a full disk is named as such wherever it was met."""
    if not isinstance(exc, StoreError | IndexUnavailable):  # those say it already
        from indexer.diskspace import full_disk_line

        if (full := full_disk_line(exc, data_dir)) is not None:
            return full
    return str(exc) or type(exc).__name__
