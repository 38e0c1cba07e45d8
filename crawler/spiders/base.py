"""Base spider for registries whose trials are web pages: by id, or from search pages, following pagination."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote, unquote, urlencode

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.items import RawDocument, describe, failed, not_a_web_page
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

    def trial_of(self, url: str) -> str | None:
        """The trial whose own page `url` is, as its address names it ("2015-000590-12/DE"); None for a
        search or other page."""
        found = self.trial_link.search(url)
        if found is None:
            return None
        return unquote(found.group(0).removeprefix(self.trial_path.split("{id}")[0]))

    def parse_page(self, response: Response) -> Iterator[Any]:
        trial = self.trial_of(response.url)
        if not isinstance(response, TextResponse):
            if trial is not None:
                yield not_a_web_page(self.name, response, trial, self.logger)
            else:
                self.logger.warning("not a web page, not read: %s", response.url)
            return
        if trial is not None:
            # A body that is no trial page (no title, a JSON record) then fails, kept, instead of being skipped.
            yield RawDocument(self.name, response.url, response.body, now_iso(), trial_id=trial)
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
