"""Where a spider may go: http(s) only, on the scheme, host and port of the places it was sent to."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol, Self, runtime_checkable
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

log = logging.getLogger(__name__)

Origin = tuple[str, str, int]
_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL; None for any other scheme or a URL without a host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port or _PORTS[scheme]


class Sites:
    """The origins a crawl was started on; every request, redirects included, must stay on one."""

    def __init__(self, urls: Iterable[str]):
        self.origins = frozenset(o for o in map(origin, urls) if o is not None)

    def allows(self, url: str) -> bool:
        return origin(url) in self.origins

    def __str__(self) -> str:
        return ", ".join(sorted(f"{s}://{h}:{p}" for s, h, p in self.origins))


@runtime_checkable
class SiteBound(Protocol):
    """A spider that says which sites it was sent to (every Trialscout spider)."""

    sites: Sites


class StayOnSiteMiddleware:
    """Refuses requests off the spider's sites: other hosts, ports or schemes, `file://`, redirects away.

    A downloader middleware, so that it sees every request, the ones a redirect makes included.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        if not isinstance(spider, SiteBound) or spider.sites.allows(request.url):
            return
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("trialscout/offsite")
        log.warning("not following %s: it is off the crawl's sites (%s)", request.url, spider.sites)
        raise IgnoreRequest(f"off-site: {request.url} is not on {spider.sites}")
