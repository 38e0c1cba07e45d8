"""ClinicalTrials.gov API v2 spider: search pages by nextPageToken, single studies by NCT id."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any, Self
from urllib.parse import urlencode

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.items import FailedDocument, GoneDocument, RawDocument, failed
from indexer.config import API_URL

_NCT_RE = re.compile(r"^NCT\d{8}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _split(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    items = value if isinstance(value, list) else value.split(",")
    return [v.strip() for v in items if v.strip()]


class CtgovSpider(scrapy.Spider):
    """Arguments (all optional, strings as `scrapy crawl ctgov -a name=value` passes them):
    condition, intervention, term, status (comma-separated API enums), since (YYYY-MM-DD,
    last update posted on or after), nct (comma-separated ids), api_url, page_size.
    """

    name = "ctgov"
    source = "ctgov"

    def __init__(
        self,
        condition: str | None = None,
        intervention: str | None = None,
        term: str | None = None,
        status: str | list[str] | None = None,
        since: str | None = None,
        nct: str | list[str] | None = None,
        api_url: str | None = None,
        page_size: str | int | None = None,
        query_key: str | None = None,
        verify_file: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        # Crawl state: the pipeline records this query's high-water mark and members under query_key.
        self.query_key = query_key
        # Ids a previous full crawl of this query returned: any not returned now is checked by id.
        self.verify_ids: list[str] = []
        if verify_file:
            with open(verify_file, encoding="utf-8") as f:
                self.verify_ids = [line.strip() for line in f if line.strip()]
        self.seen_ids: set[str] = set()
        self._verified = False
        self.condition = condition
        self.intervention = intervention
        self.term = term
        self.statuses = [s.upper() for s in _split(status)]
        if since and not _DATE_RE.match(since):
            raise ValueError(f"since must be YYYY-MM-DD, not {since!r}")
        self.since = since
        self.nct_ids = [i.upper() for i in _split(nct)]
        bad = [i for i in self.nct_ids if not _NCT_RE.match(i)]
        if bad:
            raise ValueError(f"not NCT ids: {', '.join(bad)}")
        self.api_url = (api_url or "").rstrip("/") or None
        self.page_size = int(page_size) if page_size else None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.api_url = spider.api_url or crawler.settings.get("TRIALS_API_URL", API_URL).rstrip("/")
        spider.page_size = spider.page_size or crawler.settings.getint("TRIALS_PAGE_SIZE", 1000)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    @property
    def full(self) -> bool:
        """A full crawl of a query (not incremental, not by id): its results are the query's members."""
        return not self.since and not self.nct_ids

    def search_params(self) -> dict[str, str]:
        """The first page's query; later pages repeat it and add pageToken."""
        params: dict[str, str] = {"format": "json", "pageSize": str(self.page_size), "countTotal": "true"}
        if self.condition:
            params["query.cond"] = self.condition
        if self.intervention:
            params["query.intr"] = self.intervention
        if self.term:
            params["query.term"] = self.term
        if self.statuses:
            params["filter.overallStatus"] = ",".join(self.statuses)
        if self.since:
            params["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{self.since},MAX]"
        return params

    async def start(self) -> AsyncIterator[Any]:
        if self.nct_ids:
            for nct_id in self.nct_ids:
                yield scrapy.Request(
                    f"{self.api_url}/studies/{nct_id}",
                    callback=self.parse_study,
                    errback=self.on_error,
                    cb_kwargs={"nct_id": nct_id},
                )
            return
        params = self.search_params()
        yield scrapy.Request(
            f"{self.api_url}/studies?{urlencode(params)}",
            callback=self.parse_page,
            errback=self.on_error,
            cb_kwargs={"params": params, "page": 1},
        )

    def parse_page(self, response: Response, params: dict[str, str], page: int) -> Iterator[Any]:
        try:
            data = json.loads(response.body)
            studies = data["studies"]
        except (ValueError, KeyError, TypeError) as exc:
            # Page framing is broken: keep the page and stop this query, since its token is lost too.
            self.logger.error("page %d of %s is not an API v2 search page (%s)", page, response.url, exc)
            yield FailedDocument(self.source, response.url, response.body, f"bad search page: {exc}")
            return
        if page == 1 and self.crawler.stats is not None and "totalCount" in data:
            self.crawler.stats.set_value("trialscout/total_count", data["totalCount"])
        fetched_at = _now()
        for study in studies:
            nct_id = ((study.get("protocolSection") or {}).get("identificationModule") or {}).get("nctId")
            if nct_id:
                self.seen_ids.add(nct_id)
            url = f"{self.api_url}/studies/{nct_id}" if nct_id else response.url
            yield RawDocument(self.source, url, json.dumps(study, ensure_ascii=False).encode("utf-8"), fetched_at)
        token = data.get("nextPageToken")
        if token:
            # The API keeps the query in the token's context: resend the first page's parameters unchanged.
            yield response.follow(
                f"{self.api_url}/studies?{urlencode({**params, 'pageToken': token})}",
                callback=self.parse_page,
                errback=self.on_error,
                cb_kwargs={"params": params, "page": page + 1},
            )

    def parse_study(self, response: Response, nct_id: str) -> Iterator[Any]:
        yield RawDocument(self.source, response.url, response.body, _now())

    def on_idle(self) -> None:
        """After a complete full crawl, ask for each former member by id: a 404 means it is gone."""
        if self._verified or not self.full or not self.verify_ids or self.crawler.engine is None:
            return
        self._verified = True
        missing = sorted(set(self.verify_ids) - self.seen_ids)
        if not missing:
            return
        self.logger.info("%d trials this query returned before are missing: checking each by id", len(missing))
        for nct_id in missing:
            self.crawler.engine.crawl(
                scrapy.Request(
                    f"{self.api_url}/studies/{nct_id}",
                    callback=self.parse_study,
                    errback=self.on_verify_error,
                    cb_kwargs={"nct_id": nct_id},
                    dont_filter=True,
                )
            )
        raise DontCloseSpider

    def on_verify_error(self, failure: Failure) -> Iterator[Any]:
        response = getattr(failure.value, "response", None)
        if response is not None and response.status == 404:
            nct_id = failure.request.cb_kwargs["nct_id"]  # type: ignore[attr-defined]
            yield GoneDocument(self.source, response.url, nct_id)
            return
        yield from self.on_error(failure)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        """A request that failed for good (HTTP error after retries, DNS, timeout): count it and keep it."""
        request = failure.request  # type: ignore[attr-defined]
        nct_id = (request.cb_kwargs or {}).get("nct_id")
        self.logger.error(
            "giving up on %s%s: %s", request.url, f" ({nct_id})" if nct_id else "", failure.getErrorMessage()
        )
        yield failed(self.source, failure, nct_id)
