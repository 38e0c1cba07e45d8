"""The web's results page shows each trial from its stored JSON, no record decoded: byte for byte the page
the decoded records made, near a place too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer.catalog import Catalog
from indexer.config import load
from indexer.discover.synonym_hits import synonym_hits
from indexer.freshness import freshness
from indexer.history.removal import removal_fields
from indexer.index.document import SearchQuery
from indexer.record import TrialRecord
from tests.conftest import FIXTURES, Trials
from tests.test_search_output import BIG, SEED, _old_near_fields, _refuse
from web import views
from web.app import create_app


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("search_page") / "data"
    Trials(folder)("--quiet", "ingest", str(BIG), str(FIXTURES / "ctgov_xml"), str(FIXTURES / "ctgov"))
    with Catalog(load(folder)) as c, c.writer() as w:
        assert w.mark_removed(SEED, "404 when asked by id")
    return folder


def old_page_results(catalog: Catalog, query: SearchQuery) -> views.Results:
    """`views.search` before: each result's record decoded, its nearest site measured over every counted
    site (the oracle)."""
    result, records = catalog.search(query)
    assert all(type(r) is TrialRecord for r in records)
    scores = {h.nct_id: h.score for h in result.hits}
    synonyms = synonym_hits(catalog, query, [r.nct_id for r in records])
    gone = catalog.store.removals([r.nct_id for r in records])
    found = [
        views.Found(
            r,  # type: ignore[arg-type]  # the page then showed the decoded record
            scores.get(r.nct_id, 0.0),
            synonyms.get(r.nct_id, []),
            _old_near_fields(r, query.near).get("nearest_site"),
            removal_fields(gone.get(r.nct_id)),
        )
        for r in records
    ]
    return views.Results(result.total, result.total_is_estimate, found, result.some_words)


def old_json_fields(found: views.Found) -> dict[str, Any]:
    """A result as the API answered it before: the decoded record's fields and the result's, in one dict."""
    record: TrialRecord = found.record  # type: ignore[assignment]
    near = {"nearest_site": found.nearest_site, "distance_km": (found.nearest_site or {}).get("distance_km")}
    return {
        **record.json_fields(),
        "score": round(found.score, 4),
        "matched_synonyms": found.synonyms,
        "freshness": freshness(record).to_dict(),
        "removed_from_registry": found.removed,
        **(near if found.nearest_site is not None else {}),
    }


PAGES = [
    {"condition": "lupus"},  # the removed trial, a stale one with 258 sites
    {"condition": "SLE"},  # matched through a synonym
    {"q": "cancer"},  # 1,148 and 192 sites
    {"q": "cancer", "page": 2, "limit": 2},
    {"q": "low-dose IL-2", "status": "any"},  # the removed trial: "no longer listed"
    {"drug": "aflibercept", "status": "any"},
    {"condition": "lupus", "near": "Beijing", "within": 2000},
    {"q": "cancer", "near": "Boston", "within": 500},
    {"status": "any", "near": "Chicago", "within": 20000, "sort": "distance", "limit": 50},
    {"condition": "lupus", "near": "Sao Paulo", "within": 300},  # sites without status or coordinates
    {"status": "any", "near": "Reykjavik", "within": 50},  # no site within: no result
    {"q": "no-such-word-anywhere"},
]


@pytest.mark.parametrize("params", PAGES, ids=str)
def test_the_results_page_is_the_one_the_decoded_records_made(
    data: Path, params: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with Catalog(load(data, web_cache_mb=0)) as c, TestClient(create_app(c.settings, c)) as client:
        with monkeypatch.context() as m:
            m.setattr(TrialRecord, "from_dict", classmethod(_refuse))
            got = client.get("/search", params=params)
        with monkeypatch.context() as m:
            m.setattr(views, "_search", old_page_results)
            expected = client.get("/search", params=params)
    assert got.status_code == expected.status_code == 200
    assert got.text == expected.text
    shown = expected.text.count('<li class="result">')
    assert (shown == 0) == (params.get("q") == "no-such-word-anywhere" or params.get("near") == "Reykjavik")
    if params.get("near") in ("Beijing", "Boston"):
        assert "Nearest site:" in expected.text and " km away" in expected.text
