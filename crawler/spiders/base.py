"""Base spider for registries whose trials are web pages: by id, or from search pages, following pagination."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote, urlencode

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.items import RawDocument, describe, failed
from crawler.middlewares import CrawlStopping
from crawler.sites import Sites
from indexer.clock import now_iso

_NEXT = re.compile(r"^\s*(next|next\s*[»›>]|[»›])\s*$", re.I)


class RegistryPageSpider(scrapy.Spider):
    """Arguments: ids (comma-separated trial ids), start_urls (comma-separated), query (a search).

    Subclasses set `base_url`, `trial_path` (with {id}), `trial_link` (a regex for trial pages)
    and optionally `search_path` (with {query}).
    """

    base_url = ""
    trial_path = ""
    search_path = ""
    trial_link: re.Pattern[str] = re.compile(r"$^")

    def __init__(self, ids: str = "", start_urls: str = "", query: str = "", base_url: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        base = (base_url or self.base_url).rstrip("/")
        urls = [u.strip() for u in start_urls.split(",") if u.strip()]
        urls += [base + self.trial_path.format(id=quote(i.strip(), safe="/")) for i in ids.split(",") if i.strip()]
        if query and self.search_path:
            urls.append(base + self.search_path.format(query=urlencode({"query": query})))
        if not urls:
            raise ValueError("give ids, start_urls or query")
        self.start_urls = urls
        self.sites = Sites([base, *urls])

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse_page, errback=self.on_error)

    def parse_page(self, response: Response) -> Iterator[Any]:
        if self.trial_link.search(response.url):
            yield RawDocument(self.name, response.url, response.body, now_iso())
        for link in response.css("a[href]"):
            href = link.attrib["href"]
            if self.trial_link.search(href) or _NEXT.match(" ".join(link.css("::text").getall())):
                url = response.urljoin(href)
                if self.sites.allows(url):  # another host, port or scheme (file://) is not followed
                    yield scrapy.Request(url, callback=self.parse_page, errback=self.on_error)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        if isinstance(failure.value, CrawlStopping):
            return  # not a failure: the next run asks again
        self.logger.error(
            "giving up on %s: %s",
            failure.request.url,  # type: ignore[attr-defined]
            describe(failure),
        )
        yield failed(self.name, failure)
