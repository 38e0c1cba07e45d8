"""Network failures logged on one line: they are expected, and their tracebacks only hide the message."""

from __future__ import annotations

import logging
from typing import Self

from scrapy.crawler import Crawler

# Scrapy logs these failures with a traceback (robots.txt that cannot be fetched, a request without
# an errback); each is also reported, counted and kept by the spider and the pipeline.
_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.core.scraper", "scrapy.downloadermiddlewares.retry")
_NETWORK_MODULES = ("twisted.internet.error", "twisted.web", "scrapy.exceptions", "scrapy.core.downloader")


def is_network_error(exc: BaseException | None) -> bool:
    if exc is None:
        return False
    if isinstance(exc, OSError | TimeoutError | ConnectionError):
        return True
    return type(exc).__module__.startswith(_NETWORK_MODULES) or "Download" in type(exc).__name__


class _OneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and is_network_error(record.exc_info[1]):
            record.exc_info, record.exc_text = None, None
        return True


class NetworkErrorsOnOneLine:
    """An extension (EXTENSIONS) that drops the tracebacks of network failures from Scrapy's log."""

    _filter = _OneLine()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        for name in _LOGGERS:
            logger = logging.getLogger(name)
            if cls._filter not in logger.filters:
                logger.addFilter(cls._filter)
        return cls()
