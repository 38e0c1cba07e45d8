"""robots.txt obeyed as Scrapy does, and a site whose robots.txt could not even be connected to is not asked again."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, IgnoreRequest
from scrapy.http import Request
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import error as tx

log = logging.getLogger(__name__)

# Failures to connect at all, after every retry of robots.txt: each request to the same host and port
# would meet the same, retried as long again (31 s a request at the default backoff), so a crawl with
# the network down took a minute to say so. A download timeout or a reset is not here: a server that is
# slow or drops one answer may still serve the next.
# Scrapy 2.19 wraps Twisted's refused and DNS errors in its own (scrapy.utils._download_handlers); the
# others come through as Twisted raised them.
UNREACHABLE = (
    DownloadConnectionRefusedError,
    CannotResolveHostError,
    tx.ConnectionRefusedError,
    tx.DNSLookupError,
    tx.NoRouteError,
    tx.TCPTimedOutError,
    tx.UnknownHostError,
)


class SiteUnreachable(IgnoreRequest):
    """A request not sent: its site could not be connected to when its robots.txt was asked for."""


class ReachableRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware (DOWNLOADER_MIDDLEWARES replaces it with this one at its place).

    When robots.txt fails with one of UNREACHABLE, every request to that host and port fails at once
    with the reason, so the spider counts and keeps it as it does any failed request, and the crawl
    ends with "nothing could be fetched" in seconds rather than after each request's retries.
    """

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self._unreachable: dict[str, str] = {}  # netloc -> why

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, UNREACHABLE):
            self._unreachable[netloc] = str(exc) or type(exc).__name__
            self._stats.inc_value("trialscout/unreachable_sites")
        super()._robots_error(exc, netloc)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        why = self._unreachable.get(urlparse_cached(request).netloc)
        if why is not None:
            raise SiteUnreachable(f"could not connect to {urlparse_cached(request).netloc}: {why}")
        return parser
