"""Trial-finder listing sites: from browse pages, sitemaps or trial pages, by pagination and similar-trial links."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.items import RawDocument, describe, failed, not_a_web_page
from crawler.middlewares import CrawlStopping
from crawler.sites import Sites
from indexer.clock import now_iso
from indexer.identifiers import EUDRACT, ISRCTN, NCT, NCT_IN_TEXT

# A trial page's address names the trial (/clinical-trials/listings/NCT04077684/<slug>, /trial/NCT...,
# /study?id=NCT..., an EudraCT or ISRCTN number), or is a trial path under a finder's usual words.
TRIAL_ID = re.compile(rf"\b({NCT.pattern}|{ISRCTN.pattern}|{EUDRACT.pattern})\b", re.I)
TRIAL_PATH = re.compile(
    r"/(?:listings?|trials?|clinical-trials?|stud(?:y|ies)|research-stud(?:y|ies))/[^/?#]*\d[^/?#]*"
    r"|[?&](?:id|trial|trial_?id|study|study_?id|nct|nct_?id)=\w",
    re.I,
)
_NEXT = re.compile(r"^\s*(next|next page|›|»|more results|load more|show more)\s*[›»>]?\s*$", re.I)
# A page with a trial's criteria and an id of its own is a trial page, whatever its address.
_CRITERIA = re.compile(rb"(inclusion|exclusion|eligibility)\s+criteria|Clinical Study Identifier", re.I)
_ID_IN_BODY = re.compile(rf"{NCT_IN_TEXT.pattern}|\bEudraCT\b|{ISRCTN.pattern}".encode())
# A file a trial page links to (its protocol as a PDF, a logo): its address may name the trial, but it is
# no page of it, and is not read as one.
_FILE = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|rtf|odt|ods|zip|gz|png|jpe?g|gif|svg|webp|ico|mp4|mp3|csv|ics)$", re.I)


def is_trial_page(url: str, body: bytes) -> bool:
    """A trial's own page: its address names a trial id, or its text has criteria and a trial id (a
    browse page lists trials, but not their criteria)."""
    path = url.split("#")[0]
    return bool(TRIAL_ID.search(path)) or (_CRITERIA.search(body) is not None and _ID_IN_BODY.search(body) is not None)


def trial_id_in(url: str) -> str | None:
    """The stored trial id an address names: an NCT or ISRCTN id, or a EudraCT number as the EU register's id."""
    if (m := TRIAL_ID.search(url)) is None:
        return None
    found = m.group(1).upper()
    return found if found.startswith(("NCT", "ISRCTN")) else f"EUCTR{m.group(1)}"


def trial_page_of(url: str) -> str | None:
    """The trial whose own page an address is (it names the trial and is not a file such as a PDF)."""
    path = url.split("#")[0]
    return None if _FILE.search(urlsplit(path).path) else trial_id_in(path)


class ListingSpider(scrapy.Spider):
    """Argument: start_urls, comma-separated (browse or search pages, sitemap.xml, trial pages).

    Stays on the start URLs' sites. Pages are revisited with conditional requests (ETag,
    Last-Modified) through Scrapy's HTTP cache with the RFC 2616 policy, since listings carry no
    update dates a query could use.
    """

    name = "listing"
    source = "listing"
    custom_settings = {  # noqa: RUF012 - Scrapy declares it an instance attribute
        "HTTPCACHE_ENABLED": True,
        "HTTPCACHE_POLICY": "crawler.cache.GoodAnswersRFC2616Policy",
        "HTTPCACHE_IGNORE_HTTP_CODES": [404, 429, 500, 502, 503, 504],
    }

    def __init__(self, start_urls: str | list[str] = "", **kwargs: Any):
        super().__init__(**kwargs)
        urls = start_urls if isinstance(start_urls, list) else [u for u in start_urls.split(",") if u.strip()]
        if not urls:
            raise ValueError("give at least one start URL")
        self.start_urls = [u.strip() for u in urls]
        self.sites = Sites(self.start_urls)
        # The spider remembers what it followed, so requests can skip Scrapy's duplicate filter:
        # that filter would silently swallow a redirect loop, which must be reported instead.
        self._followed: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls:
            self._followed.add(url)
            callback = self.parse_sitemap if urlsplit(url).path.endswith(".xml") else self.parse_page
            yield scrapy.Request(url, callback=callback, errback=self.on_error)

    def _follow(self, response: Response, href: str) -> Iterator[scrapy.Request]:
        url = response.urljoin(href).split("#")[0]
        if url in self._followed or not self.sites.allows(url):
            return  # seen already, or another site, port or scheme (StayOnSiteMiddleware would refuse it)
        self._followed.add(url)
        yield scrapy.Request(url, callback=self.parse_page, errback=self.on_error, dont_filter=True)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        for loc in response.xpath("//*[local-name()='loc']/text()").getall():
            yield from self._follow(response, loc.strip())

    def parse_page(self, response: Response) -> Iterator[Any]:
        trial = trial_page_of(response.url)
        if not isinstance(response, TextResponse):
            if trial is not None:
                yield not_a_web_page(self.source, response, trial, self.logger)
            return
        if is_trial_page(response.url, response.body):
            yield RawDocument(self.source, response.url, response.body, now_iso(), trial_id=trial)
        for link in response.css("a[href]"):
            href = link.attrib["href"]
            text = " ".join(link.css("::text").getall())
            label = link.attrib.get("aria-label", "")
            if (
                TRIAL_ID.search(href)
                or TRIAL_ID.search(text)
                or TRIAL_PATH.search(href)
                or "next" in link.attrib.get("rel", "").split()
                or _NEXT.match(text)
                or _NEXT.match(label)
            ):
                yield from self._follow(response, href)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        """404s, redirect loops, timeouts: counted and kept, and the crawl goes on."""
        if isinstance(failure.value, CrawlStopping):
            return  # not a failure: the next run asks again
        request = failure.request  # type: ignore[attr-defined]
        self.logger.error("giving up on %s: %s", request.url, describe(failure))
        yield failed(self.source, failure, trial_id_in(request.url))
