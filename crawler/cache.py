"""HTTP cache policies that keep only good answers: no error status, no body that cannot be read."""

from __future__ import annotations

import orjson
from scrapy.extensions.httpcache import DummyPolicy, RFC2616Policy
from scrapy.http import Request, Response


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
