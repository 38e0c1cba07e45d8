"""RetryAfterMiddleware in isolation (Scrapy's style: get_crawler + from_crawler), no reactor, no real waits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from scrapy import Request, Spider
from scrapy.core.downloader import Slot
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler import middlewares
from crawler.middlewares import RetryAfterMiddleware, retry_after_seconds

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (b" 7 ", 7.0),
        ("0", 0.0),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),  # "Sun, 01 Mar 2026 12:00:30 GMT"
        ("Sun, 01 Mar 2026 12:01:00 GMT", 60.0),
        ("Sun, 01 Mar 2026 11:00:00 GMT", 0.0),  # already past: retry now, never a negative wait
        ("Sun, 01 Mar 2026 12:00:05", 5.0),  # no zone: HTTP dates are GMT
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1.5", None),  # delta-seconds is an integer (RFC 9110 §10.2.3)
    ],
)
def test_retry_after_seconds(header: bytes | str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, now=NOW) == seconds


class Sleeps:
    """Stands in for the retry's wait: records each wait instead of waiting (the crawl never stops)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, crawler: Crawler, delay: float) -> bool:
        self.waits.append(delay)
        return True


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    s = Sleeps()
    monkeypatch.setattr(middlewares, "wait_unless_stopping", s)
    return s


def make(settings: dict[str, Any] | None = None) -> tuple[RetryAfterMiddleware, Crawler]:
    crawler = get_crawler(Spider, {"RETRY_TIMES": 3, "TRIALS_RETRY_BACKOFF_BASE": 0.5, **(settings or {})})
    crawler.spider = crawler._create_spider("test")
    return RetryAfterMiddleware.from_crawler(crawler), crawler


def attach_engine(crawler: Crawler, delays: dict[str, float]) -> dict[str, Slot]:
    """A downloader with one slot per host, as the engine has during a crawl."""
    slots = {host: Slot(concurrency=2, delay=d, jitter=0) for host, d in delays.items()}
    downloader = SimpleNamespace(slots=slots, get_slot_key=lambda request: urlsplit(request.url).hostname)
    crawler.engine = SimpleNamespace(downloader=downloader)  # type: ignore[assignment]
    return slots


def respond(mw: RetryAfterMiddleware, request: Request, status: int, **headers: str) -> Request | Response:
    response = Response(request.url, status=status, headers=headers, request=request)
    return asyncio.run(mw.process_response(request, response))


def test_retry_after_seconds_are_waited_then_the_request_is_retried(sleeps: Sleeps) -> None:
    mw, crawler = make()
    retried = respond(mw, Request("https://api.example/studies"), 503, **{"Retry-After": "7"})
    assert isinstance(retried, Request) and retried.url == "https://api.example/studies"
    assert retried.meta["retry_times"] == 1 and retried.dont_filter
    assert sleeps.waits == [7.0]
    assert crawler.stats is not None
    assert crawler.stats.get_value("trialscout/retry/503") == 1
    assert crawler.stats.get_value("trialscout/retry/wait_ms") == 7000


def test_retry_after_http_date_is_waited(sleeps: Sleeps) -> None:
    mw, _ = make()
    when = datetime.now(UTC) + timedelta(seconds=40)
    respond(mw, Request("https://api.example/a"), 503, **{"Retry-After": format_datetime(when, usegmt=True)})
    [wait] = sleeps.waits
    assert 37.0 <= wait <= 40.0  # whole seconds in the header, and some time passes before it is read


def test_wait_is_capped_by_the_setting(sleeps: Sleeps) -> None:
    mw, crawler = make({"TRIALS_MAX_RETRY_DELAY": 60})
    attach_engine(crawler, {"api.example": 0.0})
    respond(mw, Request("https://api.example/a"), 429, **{"Retry-After": "86400"})
    assert sleeps.waits == [60.0]
    assert crawler.engine.downloader.slots["api.example"].delay == 60.0


def test_without_retry_after_the_wait_doubles_each_time(sleeps: Sleeps) -> None:
    mw, _ = make({"RETRY_TIMES": 4})
    request: Request | Response = Request("https://api.example/a")
    for _ in range(4):
        assert isinstance(request, Request)
        request = respond(mw, request, 502)
    assert sleeps.waits == [0.5, 1.0, 2.0, 4.0]  # TRIALS_RETRY_BACKOFF_BASE * 2**retries


def test_backoff_is_capped_too(sleeps: Sleeps) -> None:
    mw, _ = make({"TRIALS_MAX_RETRY_DELAY": 1.5})
    request = Request("https://api.example/a", meta={"retry_times": 2})
    respond(mw, request, 500)
    assert sleeps.waits == [1.5]  # 0.5 * 2**2 = 2.0, capped


def test_429_slows_the_whole_domain_and_only_that_domain(sleeps: Sleeps) -> None:
    mw, crawler = make()
    slots = attach_engine(crawler, {"api.example": 0.25, "other.example": 0.25})
    respond(mw, Request("https://api.example/studies?page=2"), 429, **{"Retry-After": "9"})
    assert slots["api.example"].delay == 9.0
    assert slots["other.example"].delay == 0.25
    respond(mw, Request("https://api.example/studies?page=3"), 429, **{"Retry-After": "2"})
    assert slots["api.example"].delay == 9.0  # a shorter ask never speeds the domain up again


def test_a_5xx_does_not_slow_the_domain(sleeps: Sleeps) -> None:
    mw, crawler = make()
    slots = attach_engine(crawler, {"api.example": 0.25})
    respond(mw, Request("https://api.example/a"), 503, **{"Retry-After": "9"})
    assert sleeps.waits == [9.0] and slots["api.example"].delay == 0.25


def test_gives_up_after_the_retry_budget(sleeps: Sleeps) -> None:
    mw, crawler = make({"RETRY_TIMES": 2})
    attach_engine(crawler, {"api.example": 0.0})
    request: Request | Response = Request("https://api.example/a")
    for _ in range(2):
        assert isinstance(request, Request)
        request = respond(mw, request, 429)
    assert isinstance(request, Request) and request.meta["retry_times"] == 2
    final = respond(mw, request, 429, **{"Retry-After": "30"})
    assert isinstance(final, Response) and final.status == 429  # handed on to the spider's errback
    assert sleeps.waits == [0.5, 1.0]  # no wait before giving up
    assert crawler.stats is not None
    assert crawler.stats.get_value("retry/max_reached") == 1
    assert crawler.stats.get_value("trialscout/retry/429") == 2


def test_per_request_budget_is_honoured(sleeps: Sleeps) -> None:
    mw, _ = make()
    final = respond(mw, Request("https://api.example/a", meta={"max_retry_times": 0}), 503)
    assert isinstance(final, Response) and sleeps.waits == []


@pytest.mark.parametrize(
    ("status", "meta"), [(200, {}), (404, {}), (301, {}), (503, {"dont_retry": True}), (429, {"dont_retry": True})]
)
def test_other_responses_pass_through_untouched(sleeps: Sleeps, status: int, meta: dict[str, Any]) -> None:
    mw, crawler = make()
    request = Request("https://api.example/a", meta=meta)
    response = Response(request.url, status=status, request=request)
    assert asyncio.run(mw.process_response(request, response)) is response
    assert sleeps.waits == []
    assert crawler.stats is not None and crawler.stats.get_stats() == {}


def running_crawler() -> Any:
    """What `stopping` reads of a crawler whose crawl runs."""
    return SimpleNamespace(crawling=True, engine=SimpleNamespace(running=True, _slot=SimpleNamespace(closing=None)))


def test_a_wait_ends_early_when_the_crawl_stops() -> None:
    crawler = running_crawler()

    async def stop_soon() -> tuple[bool, float]:
        loop = asyncio.get_running_loop()
        loop.call_later(0.2, setattr, crawler, "crawling", False)  # Ctrl-C: Crawler.stop() clears it first
        start = loop.time()
        finished = await middlewares.wait_unless_stopping(crawler, 300.0)
        return finished, loop.time() - start

    finished, waited = asyncio.run(stop_soon())
    assert finished is False
    assert waited < 10  # a step (STOP_CHECK_SECONDS) after the stop, not the 300 s asked


@pytest.mark.parametrize(
    "stop",
    [
        lambda c: setattr(c, "crawling", False),
        lambda c: setattr(c.engine, "running", False),
        lambda c: setattr(c.engine._slot, "closing", object()),  # the spider closing (a fatal error)
        lambda c: setattr(c, "engine", None),
    ],
)
def test_what_counts_as_stopping(stop: Any) -> None:
    crawler = running_crawler()
    assert not middlewares.stopping(crawler)
    stop(crawler)
    assert middlewares.stopping(crawler)


def test_a_short_wait_while_running_runs_to_its_end() -> None:
    assert asyncio.run(middlewares.wait_unless_stopping(running_crawler(), 0.05)) is True


def test_a_retry_given_up_for_a_stop_is_no_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    async def stopped(crawler: Crawler, delay: float) -> bool:
        return False

    monkeypatch.setattr(middlewares, "wait_unless_stopping", stopped)
    mw, _ = make()
    with pytest.raises(middlewares.CrawlStopping):
        respond(mw, Request("https://api.example/studies"), 503, **{"Retry-After": "120"})
    # The spiders' errbacks record nothing for it: the next run asks again.
    from crawler.spiders.ctgov import CtgovSpider

    spider = CtgovSpider.__new__(CtgovSpider)
    request = Request("https://api.example/studies", cb_kwargs={"page": 2})
    failure = Failure(middlewares.CrawlStopping("stopping"))
    failure.request = request  # type: ignore[attr-defined]
    assert list(spider.on_page_error(failure)) == []
    assert list(spider.on_error(failure)) == []
