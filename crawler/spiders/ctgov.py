"""ClinicalTrials.gov API v2 spider: search pages by nextPageToken, single studies by NCT id."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Self
from urllib.parse import urlencode

import orjson
import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.items import FailedDocument, GoneDocument, RawDocument, describe, failed
from crawler.middlewares import CrawlStopping
from crawler.paging import PageLoop
from crawler.sites import Sites
from indexer.clock import now_iso
from indexer.config import API_URL
from indexer.ingest.plan import CrawlPlan, CrawlProgress, Membership, left_status, plan_ctgov
from indexer.parsers.errors import ParseError
from indexer.parsers.jsondoc import decode_json
from indexer.store import RecordStore, StoreError


def _split(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    items = value if isinstance(value, list) else value.split(",")
    return [v.strip() for v in items if v.strip()]


def _decoded(response: Response) -> Any:
    try:
        return decode_json(response.body)
    except ParseError:
        return None  # the writer records why


def _study_id(study: Any) -> str | None:
    section = study.get("protocolSection") if isinstance(study, dict) else None
    ident = section.get("identificationModule") if isinstance(section, dict) else None
    nct_id = ident.get("nctId") if isinstance(ident, dict) else None
    return nct_id if isinstance(nct_id, str) else None


class CtgovSpider(scrapy.Spider):
    """Crawls what its `plan` (indexer.ingest.plan.CrawlPlan) says; `trials crawl ctgov` builds the plan.

    From `scrapy crawl ctgov -a name=value` (all optional strings): condition, intervention, term,
    status (comma-separated API enums), since (YYYY-MM-DD), nct (comma-separated ids), full (1), and
    api_url, page_size; the plan is then built here from the data directory's crawl state.
    """

    name = "ctgov"
    source = "ctgov"

    def __init__(
        self,
        plan: CrawlPlan | None = None,
        condition: str | None = None,
        intervention: str | None = None,
        term: str | None = None,
        status: str | list[str] | None = None,
        since: str | None = None,
        nct: str | list[str] | None = None,
        full: str | bool = False,
        api_url: str | None = None,
        page_size: str | int | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._args: dict[str, Any] = {
            "condition": condition,
            "intervention": intervention,
            "term": term,
            "statuses": [s.upper() for s in _split(status)],
            "since": since,
            "ids": _split(nct),
            "full": full in (True, "1", "true", "yes"),
        }
        if plan is None:
            plan_ctgov(None, **self._args)  # bad arguments fail here, before anything is fetched
        self.plan = plan
        self.progress = CrawlProgress()
        self.api_url = (api_url or "").rstrip("/") or None
        self.sites = Sites([self.api_url] if self.api_url else [])
        self.page_size = int(page_size) if page_size else None
        self._loop: PageLoop | None = None  # made with the first page, once page_size is known
        self._verified = False
        self._membership: Membership | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.api_url = spider.api_url or crawler.settings.get("TRIALS_API_URL", API_URL).rstrip("/")
        spider.sites = Sites([spider.api_url])
        spider.page_size = spider.page_size or crawler.settings.getint("TRIALS_PAGE_SIZE", 1000)
        if spider.plan is None:
            spider.plan = spider._plan_from_state(crawler.settings.get("TRIALS_DATA"))
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    def _plan_from_state(self, data_dir: str | None) -> CrawlPlan:
        """`scrapy crawl`: the same plan `trials crawl ctgov` makes, from the data directory's state."""
        if not data_dir:
            return plan_ctgov(None, **self._args)
        from indexer.config import load

        path = load(data_dir).db_path
        if not path.exists():
            return plan_ctgov(None, **self._args)
        try:
            store = RecordStore(path, readonly=True)
        except StoreError as exc:
            self.logger.warning("crawl state not read (%s): crawling the whole query", exc)
            return plan_ctgov(None, **self._args)
        try:
            return plan_ctgov(store, **self._args)
        finally:
            store.close()

    def search_params(self) -> dict[str, str]:
        """The first page's query; later pages repeat it and add pageToken."""
        assert self.plan is not None
        q = self.plan.query
        params: dict[str, str] = {"format": "json", "pageSize": str(self.page_size), "countTotal": "true"}
        for arg, name in (("condition", "query.cond"), ("intervention", "query.intr"), ("term", "query.term")):
            if q.get(arg):
                params[name] = q[arg]
        if q.get("status") and not self.plan.widened:
            params["filter.overallStatus"] = q["status"]
        if self.plan.since:
            params["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{self.plan.since},MAX]"
        return params

    def _study_request(self, nct_id: str, *, verify: bool = False) -> scrapy.Request:
        return scrapy.Request(
            f"{self.api_url}/studies/{nct_id}",
            callback=self.parse_study,
            errback=self.on_verify_error if verify else self.on_error,
            cb_kwargs={"nct_id": nct_id, "verify": True} if verify else {"nct_id": nct_id},
            dont_filter=verify,
        )

    async def start(self) -> AsyncIterator[Any]:
        assert self.plan is not None
        if self.plan.widened:
            self.logger.info(
                "asking without the status filter: keeping %s and the %d trials the query returned before",
                self.plan.query["status"], len(self.plan.members),
            )  # fmt: skip
        if self.plan.ids:
            for nct_id in self.plan.ids:
                yield self._study_request(nct_id)
            return
        params = self.search_params()
        yield self._page_request(params, 1)

    def _page_request(self, params: dict[str, str], page: int, token: str | None = None) -> scrapy.Request:
        # The API keeps the query in the token's context: resend the first page's parameters unchanged.
        # Pages bypass the duplicate filter (a repeated token is caught in _next_page, and said, not
        # dropped), except in a distributed crawl, whose shared filter hands each page to one process.
        query = {**params, "pageToken": token} if token else params
        assert self.plan is not None
        return scrapy.Request(
            f"{self.api_url}/studies?{urlencode(query)}",
            callback=self.parse_page,
            errback=self.on_page_error,
            cb_kwargs={"params": params, "page": page},
            dont_filter=not self.plan.distributed,
        )

    def parse_page(self, response: Response, params: dict[str, str], page: int) -> Iterator[Any]:
        studies: Any
        try:
            data = decode_json(response.body)
        except ParseError as exc:
            data, studies = None, f"undecodable ({exc})"
        else:
            studies = data.get("studies") if isinstance(data, dict) else None
        if not isinstance(studies, list):
            shown = studies if isinstance(studies, str) else type(studies).__name__
            problem = f"page {page} is not an API v2 search page (studies: {shown}), so the pages after it are unknown"
            self.logger.error("%s: %s", problem, response.url)
            self.progress.problems.append(problem)
            yield FailedDocument(self.source, response.url, response.body, problem, http_status=response.status)
            return
        assert isinstance(data, dict)
        self.progress.pages += 1
        self.progress.studies += len(studies)
        if page == 1 and isinstance(data.get("totalCount"), int):
            self.progress.total_count = data["totalCount"]
        ids = [i for i in map(_study_id, studies) if i]
        self._loop = self._loop or PageLoop(self.page_size or len(studies))
        self._loop.saw(ids, len(studies))
        yield from self._page_document(response, data, studies, ids)
        yield from self._next_page(data, params, page, response.url)

    def _page_document(
        self, response: Response, data: dict[str, Any], studies: list[Any], ids: list[str]
    ) -> Iterator[Any]:
        """The page as one document: decoded once here, parsed study by study by the writer."""
        if self._membership is None and self.plan is not None and self.plan.widened:
            self._membership = Membership.of(self.plan)  # once: the plan is set by the time pages arrive
        if self._membership is None:
            self.progress.seen_ids.update(ids)
            yield RawDocument(self.source, response.url, response.body, now_iso(), data=data)
            return
        kept = self._membership.sort(studies, self.progress)
        if not kept:
            return
        body = response.body
        if len(kept) < len(studies):
            # The kept page is what is stored and what a rebuild parses again: no trial outside the query.
            data = {**data, "studies": kept}
            body = orjson.dumps(data)
        yield RawDocument(self.source, response.url, body, now_iso(), data=data)

    def _next_page(self, data: dict[str, Any], params: dict[str, str], page: int, url: str) -> Iterator[Any]:
        token = data.get("nextPageToken")
        if not token:
            return
        if not isinstance(token, str):
            self.progress.problems.append(f"page {page} has a nextPageToken that is not text")
            return
        assert self._loop is not None  # parse_page made it
        if problem := self._loop.problem(page, token, self.progress.total_count):
            self.logger.error("%s (%s): stopping this query", problem, url)
            self.progress.problems.append(problem)
            return
        yield self._page_request(params, page + 1, token)

    def parse_study(self, response: Response, nct_id: str, verify: bool = False) -> Iterator[Any]:
        # A former member the full search no longer returns, asked for by id: stored either way, and still
        # the query's only while in its status (one that closed is not asked for again every full run).
        if verify and self.plan is not None and left_status(self.plan, _decoded(response)):
            self.progress.left.add(nct_id)
        else:
            self.progress.seen_ids.add(nct_id)
        yield RawDocument(self.source, response.url, response.body, now_iso())

    def on_idle(self) -> None:
        """After a complete full crawl, ask for each former member by id: a 404 means it is gone."""
        plan = self.plan
        if self._verified or plan is None or not plan.full or not plan.verify_ids or self.crawler.engine is None:
            return
        self._verified = True
        if not self.progress.complete:
            return  # members are only compared with a complete result
        missing = sorted(set(plan.verify_ids) - self.progress.seen_ids)
        if not missing:
            return
        self.logger.info("%d trials this query returned before are missing: checking each by id", len(missing))
        for nct_id in missing:
            self.crawler.engine.crawl(self._study_request(nct_id, verify=True))
        raise DontCloseSpider

    def on_verify_error(self, failure: Failure) -> Iterator[Any]:
        response = getattr(failure.value, "response", None)
        if response is not None and response.status == 404:
            nct_id = failure.request.cb_kwargs["nct_id"]  # type: ignore[attr-defined]
            self.progress.gone.append(nct_id)
            yield GoneDocument(self.source, response.url, nct_id)
            return
        yield from self.on_error(failure)

    def on_page_error(self, failure: Failure) -> Iterator[Any]:
        """A search page failed for good: the query's results are incomplete from here on."""
        if isinstance(failure.value, CrawlStopping):
            return  # not a failure: the next run asks again
        page = failure.request.cb_kwargs.get("page")  # type: ignore[attr-defined]
        self.progress.problems.append(f"page {page} could not be fetched ({describe(failure)})")
        yield from self.on_error(failure)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        """A request that failed for good (HTTP error after retries, DNS, timeout): count it and keep it."""
        if isinstance(failure.value, CrawlStopping):
            return  # not a failure: the next run asks again
        request = failure.request  # type: ignore[attr-defined]
        nct_id = (request.cb_kwargs or {}).get("nct_id")
        self.logger.error("giving up on %s%s: %s", request.url, f" ({nct_id})" if nct_id else "", describe(failure))
        yield failed(self.source, failure, nct_id)
