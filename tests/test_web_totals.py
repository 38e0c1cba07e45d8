"""Near a place a search's total is estimated: the web page and the JSON API say so, as `trials search` does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.catalog import Catalog
from indexer.config import load
from indexer.geo import gazetteer
from indexer.index.document import SearchQuery
from tests.conftest import Trials
from web.app import create_app

pytest_plugins = ("tests.webdata",)  # the web_data fixture

# Many of the 523 legacy trials have a site within 1,000 km of New York: a page of 1 stops reading early.
NEAR = {"near": "New York", "within": "1000", "status": "any", "limit": "1"}


@pytest.fixture(scope="module")
def client(web_data: Path) -> Iterator[TestClient]:
    with TestClient(create_app(load(web_data)), raise_server_exceptions=False) as c:
        yield c


def test_an_estimated_total_is_said_to_be_one(web_data: Path, client: TestClient) -> None:
    place = gazetteer.resolve("New York")
    with Catalog(load(web_data)) as c:
        library = c.search_ids(SearchQuery(near=(place.lat, place.lon), within_km=1000, limit=1))
    assert library.total_is_estimate and library.total > 1  # what the library says of this search
    api = client.get("/api/search", params=NEAR).json()
    assert api["total_is_estimate"] is True and api["total"] == library.total
    page = client.get("/search", params=NEAR).text
    count = re.search(r'<p class="count" role="status">([^<]*)', page)
    assert count is not None and count.group(1).startswith(f"About {library.total:,} trials")
    assert f"<title>about {library.total} trials" in page
    cli = Trials(web_data)("search", "--near", "New York", "--within", "1000", "--limit", "1")
    assert f"of about {library.total} matching trials" in cli.output  # the CLI's wording, which the web now shares


def test_an_exact_total_is_said_plainly(client: TestClient) -> None:
    api = client.get("/api/search", params={"condition": "lupus", "status": "any"}).json()
    assert api["total_is_estimate"] is False and api["total"] > 0
    page = client.get("/search", params={"condition": "lupus", "status": "any"}).text
    assert re.search(r'<p class="count" role="status">\d', page) and "About " not in page
