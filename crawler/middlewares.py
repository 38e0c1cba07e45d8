"""Retries on 429 and 5xx that wait as the server asks (Retry-After) or back off exponentially."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Self

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.response import response_status_message

log = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


# How often a retry's wait looks whether the crawl is stopping.
STOP_CHECK_SECONDS = 0.5


class CrawlStopping(IgnoreRequest):
    """A retry given up because the crawl is stopping: not a failure of the request (the next run asks again)."""


def stopping(crawler: Crawler) -> bool:
    """Whether the crawl is being stopped (Ctrl-C, SIGTERM, or its spider closing)."""
    if not crawler.crawling:
        return True
    engine = crawler.engine
    if engine is None or not engine.running:
        return True
    # A spider closed by the crawl itself (a fatal store error, CLOSESPIDER_*) keeps the engine running
    # until its requests in progress are done; Scrapy marks that only on the engine's slot.
    slot = getattr(engine, "_slot", None)
    return getattr(slot, "closing", None) is not None


async def wait_unless_stopping(crawler: Crawler, seconds: float) -> bool:
    """Sleep `seconds`; False, and at once, if the crawl is stopping meanwhile. A Retry-After of minutes
    must not hold a Ctrl-C or a service manager's stop (systemd kills after 90 s) for its whole length:
    Scrapy's graceful stop waits for every request in progress, and a retry's wait is one."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while (left := end - loop.time()) > 0:
        if stopping(crawler):
            return False
        await asyncio.sleep(min(left, STOP_CHECK_SECONDS))
    return not stopping(crawler)


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, but a retry waits first, and a 429 slows the whole domain."""

    def __init__(self, settings: object) -> None:
        super().__init__(settings)  # type: ignore[arg-type]
        self.max_delay: float = settings.getfloat("TRIALS_MAX_RETRY_DELAY", 300.0)  # type: ignore[attr-defined]
        self.backoff_base: float = settings.getfloat("TRIALS_RETRY_BACKOFF_BASE", 1.0)  # type: ignore[attr-defined]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        o = cls(crawler.settings)
        o.crawler = crawler
        return o

    def delay_for(self, request: Request, response: Response) -> float:
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is None:
            asked = self.backoff_base * 2 ** request.meta.get("retry_times", 0)
        return min(asked, self.max_delay)

    async def process_response(  # type: ignore[override]  # Scrapy 2.19 drops the spider argument
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retries = request.meta.get("retry_times", 0)
        if retries < request.meta.get("max_retry_times", self.max_retry_times):
            delay = self.delay_for(request, response)
            stats = self.crawler.stats
            if stats is not None:
                stats.inc_value(f"trialscout/retry/{response.status}")
                stats.inc_value("trialscout/retry/wait_ms", round(delay * 1000))
            if response.status == 429:
                self._slow_domain(request, delay)
            log.info("HTTP %s for %s: retrying in %.1fs", response.status, request.url, delay)
            await self._wait(request, delay)
        return self._retry(request, response_status_message(response.status)) or response

    async def process_exception(  # type: ignore[override]  # Scrapy 2.19 drops the spider argument
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        """A connection error (refused, reset, timed out) is retried too, after the same backoff."""
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retries = request.meta.get("retry_times", 0)
        if retries < request.meta.get("max_retry_times", self.max_retry_times):
            delay = min(self.backoff_base * 2**retries, self.max_delay)
            log.info("%s for %s: retrying in %.1fs", type(exception).__name__, request.url, delay)
            await self._wait(request, delay)
        return self._retry(request, exception)

    async def _wait(self, request: Request, delay: float) -> None:
        if not await wait_unless_stopping(self.crawler, delay):
            raise CrawlStopping(f"not retried: the crawl is stopping ({request.url})")

    def _slow_domain(self, request: Request, delay: float) -> None:
        # A 429 is about the client, not one URL: every request to the domain waits at least as long.
        engine = self.crawler.engine
        if engine is None:
            return
        downloader = engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.delay = max(slot.delay, min(delay, self.max_delay))
