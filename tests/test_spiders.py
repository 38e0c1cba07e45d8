"""Spiders' requests built without a reactor (Scrapy's style: get_crawler + from_crawler): ctgov and the registries."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import scrapy
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler.items import RawDocument
from crawler.spiders.base import RegistryPageSpider
from crawler.spiders.ctgov import CtgovSpider
from crawler.spiders.euctr import EuctrSpider
from crawler.spiders.gsk import GskSpider
from crawler.spiders.takeda import TakedaSpider

API = "http://mock.example/api/v2"


def ctgov(settings: dict[str, Any] | None = None, **kwargs: Any) -> CtgovSpider:
    # No data directory: the plan is built without crawl state (a full crawl of the query).
    crawler = get_crawler(
        CtgovSpider, {"TRIALS_API_URL": API + "/", "TRIALS_PAGE_SIZE": 250, "TRIALS_DATA": "", **(settings or {})}
    )
    return CtgovSpider.from_crawler(crawler, **kwargs)


def start_requests(spider: scrapy.Spider) -> list[scrapy.Request]:
    async def collect() -> list[scrapy.Request]:
        return [r async for r in spider.start()]

    return asyncio.run(collect())


def query(url: str) -> dict[str, str]:
    pairs = parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)
    assert all(len(v) == 1 for v in pairs.values()), pairs
    return {k: v[0] for k, v in pairs.items()}


def test_search_params_carry_every_argument() -> None:
    spider = ctgov(
        condition="lupus",
        intervention="IL-2",
        term="low dose",
        status="recruiting, not_yet_recruiting",
        since="2024-01-31",
    )
    assert spider.search_params() == {
        "format": "json",
        "pageSize": "250",
        "countTotal": "true",
        "query.cond": "lupus",
        "query.intr": "IL-2",
        "query.term": "low dose",
        "filter.overallStatus": "RECRUITING,NOT_YET_RECRUITING",
        "filter.advanced": "AREA[LastUpdatePostDate]RANGE[2024-01-31,MAX]",
    }
    assert spider.plan is not None and not spider.plan.full  # since: not the query's whole membership


def test_search_params_leave_out_what_was_not_asked() -> None:
    spider = ctgov(condition="melanoma")
    assert spider.search_params() == {
        "format": "json",
        "pageSize": "250",
        "countTotal": "true",
        "query.cond": "melanoma",
    }
    assert spider.plan is not None and spider.plan.full


def test_first_page_request() -> None:
    spider = ctgov(condition="systemic lupus erythematosus", status=["COMPLETED"])
    [request] = start_requests(spider)
    parts = urlsplit(request.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{API}/studies"  # settings' trailing slash dropped
    assert query(request.url) == {
        "format": "json",
        "pageSize": "250",
        "countTotal": "true",
        "query.cond": "systemic lupus erythematosus",
        "filter.overallStatus": "COMPLETED",
    }
    assert request.callback == spider.parse_page and request.errback == spider.on_page_error
    assert request.cb_kwargs == {"params": spider.search_params(), "page": 1}
    assert request.dont_filter  # pages bypass the duplicate filter: a repeated token is said, not dropped


def test_arguments_override_settings() -> None:
    spider = ctgov(api_url="https://other.example/api/v2/", page_size="10", term="x")
    [request] = start_requests(spider)
    assert request.url.startswith("https://other.example/api/v2/studies?")
    assert query(request.url)["pageSize"] == "10"


def test_settings_default_to_the_public_api() -> None:
    crawler = get_crawler(CtgovSpider)
    spider = CtgovSpider.from_crawler(crawler, term="x")
    [request] = start_requests(spider)
    assert request.url.startswith("https://clinicaltrials.gov/api/v2/studies?")
    assert query(request.url)["pageSize"] == "1000"


def test_studies_by_id() -> None:
    spider = ctgov(nct="nct04077684, NCT02084238", condition="ignored when ids are given")
    requests = start_requests(spider)
    assert [r.url for r in requests] == [f"{API}/studies/NCT04077684", f"{API}/studies/NCT02084238"]
    assert [r.cb_kwargs for r in requests] == [{"nct_id": "NCT04077684"}, {"nct_id": "NCT02084238"}]
    assert all(r.callback == spider.parse_study and r.errback == spider.on_error for r in requests)
    assert spider.plan is not None and not spider.plan.full and spider.plan.key is None  # no crawl state


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"since": "2024/01/31"}, "since must be YYYY-MM-DD, not '2024/01/31'"),
        ({"since": "yesterday"}, "since must be YYYY-MM-DD"),
        ({"nct": "NCT123,NCT04077684,12345678"}, "not NCT ids: NCT123, 12345678"),
    ],
)
def test_bad_arguments_are_refused_with_the_reason(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ctgov(**kwargs)


def test_next_page_repeats_the_first_page_query_with_its_token() -> None:
    spider = ctgov(condition="lupus")
    [first] = start_requests(spider)
    studies = [{"protocolSection": {"identificationModule": {"nctId": n}}} for n in ("NCT00000001", "NCT00000002")]
    body = json.dumps({"studies": studies, "nextPageToken": "tok/2=", "totalCount": 3}).encode()
    response = TextResponse(first.url, body=body, request=first, encoding="utf-8")
    out = list(spider.parse_page(response, **first.cb_kwargs))
    [page] = [o for o in out if isinstance(o, RawDocument)]
    [next_page] = [o for o in out if isinstance(o, scrapy.Request)]
    # The page is one document, decoded once: the writer parses its studies from `data`.
    assert page.url == first.url and page.body == body and page.data["studies"] == studies
    assert query(next_page.url) == {**query(first.url), "pageToken": "tok/2="}
    assert next_page.cb_kwargs == {"params": first.cb_kwargs["params"], "page": 2}
    assert spider.progress.seen_ids == {"NCT00000001", "NCT00000002"}
    assert spider.progress.total_count == 3 and spider.progress.studies == 2 and spider.progress.complete


def test_a_repeated_token_ends_the_query_and_says_so() -> None:
    spider = ctgov(condition="lupus")
    [first] = start_requests(spider)
    body = json.dumps({"studies": [{}], "nextPageToken": "same"}).encode()
    second_url = first.url + "&pageToken=same"
    out = list(spider.parse_page(TextResponse(first.url, body=body, encoding="utf-8"), **first.cb_kwargs))
    assert any(isinstance(o, scrapy.Request) for o in out)
    again = list(spider.parse_page(TextResponse(second_url, body=body, encoding="utf-8"), first.cb_kwargs["params"], 2))
    assert not any(isinstance(o, scrapy.Request) for o in again)
    assert spider.progress.problems == ["page 2 repeated the next-page token of page 1"]


def test_last_page_has_no_next_request() -> None:
    spider = ctgov(condition="lupus")
    [first] = start_requests(spider)
    response = TextResponse(first.url, body=b'{"studies": []}', request=first, encoding="utf-8")
    out = list(spider.parse_page(response, **first.cb_kwargs))
    assert [type(o) for o in out] == [RawDocument]  # the (empty) page is kept; no next request


REGISTRIES = [
    (
        EuctrSpider,
        {"ids": "2015-000590-12/DE, 2009-016529-32/EE"},
        [
            "https://www.clinicaltrialsregister.eu/ctr-search/trial/2015-000590-12/DE",
            "https://www.clinicaltrialsregister.eu/ctr-search/trial/2009-016529-32/EE",
        ],
    ),
    (
        EuctrSpider,
        {"query": "lupus nephritis & IL-2"},
        ["https://www.clinicaltrialsregister.eu/ctr-search/search?query=lupus+nephritis+%26+IL-2"],
    ),
    (
        GskSpider,
        {"ids": "100006,200153"},
        [
            "https://www.gsk-clinicalstudyregister.com/study/100006",
            "https://www.gsk-clinicalstudyregister.com/study/200153",
        ],
    ),
    (
        TakedaSpider,
        {"ids": "AG-1749/CCT-352,ATS K023"},
        [
            "https://www.takedaclinicaltrials.com/browse/summary/AG-1749/CCT-352",
            "https://www.takedaclinicaltrials.com/browse/summary/ATS%20K023",
        ],
    ),
    (
        TakedaSpider,
        {"ids": "C16019", "base_url": "http://127.0.0.1:8000/", "start_urls": "http://127.0.0.1:8000/browse/"},
        ["http://127.0.0.1:8000/browse/", "http://127.0.0.1:8000/browse/summary/C16019"],
    ),
]


@pytest.mark.parametrize(("spidercls", "kwargs", "urls"), REGISTRIES)
def test_registry_start_requests(spidercls: type[RegistryPageSpider], kwargs: dict[str, str], urls: list[str]) -> None:
    spider = spidercls.from_crawler(get_crawler(spidercls), **kwargs)
    requests = start_requests(spider)
    assert [r.url for r in requests] == urls
    assert all(r.callback == spider.parse_page and r.errback == spider.on_error for r in requests)


@pytest.mark.parametrize("spidercls", [EuctrSpider, GskSpider, TakedaSpider])
def test_registry_spider_without_arguments_says_what_to_give(spidercls: type[RegistryPageSpider]) -> None:
    with pytest.raises(ValueError, match="give ids, start_urls or query"):
        spidercls.from_crawler(get_crawler(spidercls), ids=" , ")


def test_registry_search_needs_a_search_path() -> None:
    # GSK has no search page: a query alone gives it nothing to start from.
    with pytest.raises(ValueError, match="give ids, start_urls or query"):
        GskSpider.from_crawler(get_crawler(GskSpider), query="lupus")


def _paged(spider: CtgovSpider, pages: list[list[dict[str, Any]]], total: int) -> list[bool]:
    """Feeds the spider `pages` of studies, each with a fresh next-page token; whether each asked for the next."""
    [first] = start_requests(spider)
    followed = []
    for n, studies in enumerate(pages, 1):
        body = {"studies": studies, "nextPageToken": f"tok{n}", **({"totalCount": total} if n == 1 else {})}
        url = first.url + (f"&pageToken=tok{n - 1}" if n > 1 else "")
        out = spider.parse_page(TextResponse(url, body=json.dumps(body).encode(), encoding="utf-8"),
                                first.cb_kwargs["params"], n)  # fmt: skip
        followed.append(any(isinstance(o, scrapy.Request) for o in out))
    return followed


@pytest.fixture(scope="module")
def real_studies() -> list[dict[str, Any]]:
    from devtools.mockserver import load_studies
    from tests.conftest import shared

    every = load_studies([shared("ctgov", "v2")])
    return [every[k] for k in sorted(every)[:40]]


def test_pages_of_studies_already_fetched_end_the_query(real_studies: list[dict[str, Any]]) -> None:
    """A server answering with pages of studies this run already has, each with a fresh token, pages forever."""
    first, again = real_studies[:10], real_studies[5:10]
    spider = ctgov(condition="lupus", page_size="10")
    followed = _paged(spider, [first, again, again, again, real_studies[10:20], again, again, again, again], 40)
    # Repeats across pages (data changing mid-crawl) are followed while new studies keep coming.
    assert followed == [True] * 8 + [False]
    assert spider.progress.problems == [
        "4 pages in a row held only studies this crawl had already fetched (20 of them) and still had a next page"
    ]


def test_far_more_studies_than_announced_end_the_query(real_studies: list[dict[str, Any]]) -> None:
    """A loop that slips one new study into each page of repeats still ends, once far past the announced total."""
    spider = ctgov(condition="lupus", page_size="10")
    pages = [real_studies[:10]] + [[*real_studies[1:10], real_studies[10 + n]] for n in range(3)]
    followed = _paged(spider, pages, 10)
    assert followed == [True, True, True, False]  # 40 > 2 * 10 + 10 arrived by page 4
    assert spider.progress.problems[0] == (
        "the registry announced 10 studies and 40 arrived (13 different), and it still had a next page"
    )
