"""Source-shaped items: a registry document exactly as fetched, before any parsing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from twisted.python.failure import Failure

if TYPE_CHECKING:
    from logging import Logger, LoggerAdapter

    from scrapy.http import Response

    LoggerLike = Logger | LoggerAdapter[Logger]


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One fetched document; `source` names the parser (= spider name = fixture folder)."""

    source: str
    url: str
    body: bytes
    fetched_at: str
    # The body already decoded (an API page the spider had to read for its next-page token), so
    # that it is decoded once; None: the parser decodes the body.
    data: Any = field(default=None, compare=False)
    # The trial the crawl fetched this as the page of (its address names it): a body that is no trial
    # page is then a failure, kept, not a page skipped. None: a page that may or may not be a trial's.
    trial_id: str | None = None

    def __repr__(self) -> str:  # Scrapy logs every item; the body would flood the log
        return f"RawDocument({self.source!r}, {self.url!r}, {len(self.body)} bytes)"


@dataclass(frozen=True, slots=True)
class FailedDocument:
    """A response the spider could not even frame (bad JSON page, HTTP error); kept for reprocessing."""

    source: str
    url: str
    body: bytes
    error: str
    record_id: str | None = None
    http_status: int | None = None

    def __repr__(self) -> str:
        return f"FailedDocument({self.source!r}, {self.url!r}, {self.error!r})"


@dataclass(frozen=True, slots=True)
class GoneDocument:
    """A trial the query used to return that the registry now answers 404 for, checked by id."""

    source: str
    url: str
    nct_id: str


def describe(failure: Failure) -> str:
    """Why a request failed, in words a user acts on: the HTTP status when there was an answer (Scrapy's
    own text for it is "Ignoring non-200 response"), else the network's error."""
    response = getattr(failure.value, "response", None)
    if response is not None and getattr(response, "status", None):
        return f"HTTP {response.status}" + (" (not found)" if response.status in (404, 410) else "")
    return failure.getErrorMessage() or repr(failure.value)


def failed(source: str, failure: Failure, record_id: str | None = None) -> FailedDocument:
    """A request that failed for good (HTTP error after retries, redirect loop, DNS, timeout), kept."""
    request = failure.request  # type: ignore[attr-defined]
    response = getattr(failure.value, "response", None)
    return FailedDocument(
        source,
        request.url,
        response.body if response is not None else b"",
        describe(failure),
        record_id,
        response.status if response is not None else None,
    )


def not_a_web_page(source: str, response: Response, trial: str, logger: LoggerLike) -> FailedDocument:
    """A trial's own address that answered with a file (not text), not a page of it: broken, logged with its
    address, and kept with its bytes."""
    kind = (response.headers.get("Content-Type") or b"").decode("latin-1") or "no Content-Type"
    error = f"the page at {trial}'s address is not a web page ({kind})"
    logger.error("%s: %s", error, response.url)
    return FailedDocument(source, response.url, response.body, error, trial, response.status)
