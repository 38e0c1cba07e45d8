"""HTTP cache policies that keep only good answers: no error status, no body that cannot be read."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import orjson
from scrapy import Spider
from scrapy.extensions.httpcache import DummyPolicy, FilesystemCacheStorage, RFC2616Policy
from scrapy.http import Request, Response

log = logging.getLogger(__name__)


def worth_keeping(response: Response) -> bool:
    """A 2xx/3xx answer whose JSON (if it says it is JSON) decodes: replaying anything else repeats a fault."""
    if not 200 <= response.status < 400:
        return False
    content_type = response.headers.get(b"Content-Type", b"") or b""
    if b"json" in content_type.lower():
        try:
            orjson.loads(response.body)
        except orjson.JSONDecodeError:
            return False  # truncated, or what orjson refuses: fetched again next time, not replayed
    return True


class GoodAnswersPolicy(DummyPolicy):
    """Scrapy's DummyPolicy (replay within HTTPCACHE_EXPIRATION_SECS) for good answers only."""

    def should_cache_response(self, response: Response, request: Request) -> bool:
        return worth_keeping(response) and super().should_cache_response(response, request)


class GoodAnswersRFC2616Policy(RFC2616Policy):
    """Conditional revisits (ETag, Last-Modified) for good answers only."""

    def should_cache_response(self, response: Response, request: Request) -> bool:
        return worth_keeping(response) and super().should_cache_response(response, request)


class WholeEntriesStorage(FilesystemCacheStorage):
    """Scrapy's file storage, where an answer that could not be written whole (a full disk) is not kept.

    Scrapy writes an entry's metadata before its body: a body cut short would be replayed as the answer.
    The cache only saves requests, so the crawl goes on without it; the store says when the disk is full.
    """

    _warned = False

    def store_response(self, spider: Spider, request: Request, response: Response) -> None:
        try:
            super().store_response(spider, request, response)
        except OSError as exc:
            shutil.rmtree(Path(self._get_request_path(spider, request)), ignore_errors=True)
            if not self._warned:
                self._warned = True
                log.warning("the HTTP cache could not keep %s (%s); the crawl goes on without it", request.url, exc)
