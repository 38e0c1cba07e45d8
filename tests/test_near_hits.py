"""A search near a place names the site the index found nearest, read out of the stored JSON (geo.hits): the
site and distance every counted site measured gives, for sites at the same distance and for a record stored
again since it was indexed (whose sites are then measured)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from indexer.catalog import Catalog
from indexer.config import load
from indexer.geo.distance import km
from indexer.geo.hits import near_hits
from indexer.geo.near import by_latitude, counted_points, json_near_fields, nearest_first_within, nearest_sorted
from indexer.index.document import SearchQuery
from indexer.record import Location, TrialRecord
from tests.conftest import Trials
from tests.test_search_output import BIG, FORMATS, old_search
from tests.test_search_page import old_json_fields, old_page_results
from web import views
from web.app import create_app
from web.jsonresp import dumps as api_dumps
from web.params import SearchParams

TRIAL = "NCT04267848"  # recruiting, 1,148 sites, three in Boston
SEA = (0.0, -20.0)  # the Atlantic on the equator, 1,000 km from any other site of the fixtures
# Two sites on SEA's meridian, half a degree either side of the equator: the same distance to the last bit. The
# first (lower index) is the northern one, which an index keeping sites by latitude reads second.
FIRST, SECOND = 7, 40


def _tied(record: TrialRecord) -> TrialRecord:
    sites = list(record.locations)
    for i, lat in ((FIRST, 0.5), (SECOND, -0.5)):
        sites[i] = dataclasses.replace(sites[i], lat=lat, lon=SEA[1], status="RECRUITING", geo_source="registry")
    return dataclasses.replace(record, locations=tuple(sites))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    Trials(folder)("--quiet", "ingest", str(BIG))
    return folder


def test_of_sites_at_the_same_distance_the_index_names_the_first(data: Path) -> None:
    with Catalog(load(data)) as c:
        record = c.store.get(TRIAL)
        assert record is not None
        with c.writer() as w:
            w.add_record(_tied(record))
        stored = _tied(record)
        assert km(*SEA, 0.5, SEA[1]) == km(*SEA, -0.5, SEA[1])
        assert stored.locations[FIRST].facility != stored.locations[SECOND].facility
        parsed = orjson.loads(c.store.stored_json([TRIAL])[TRIAL].json)
        for within in (60.0, 100.0, 3000.0):
            query = SearchQuery(near=SEA, within_km=within)
            [hit] = [h for h in c.hits(query).hits if h.nct_id == TRIAL]
            assert hit.site == FIRST
            expected = json_near_fields(parsed, SEA, within)
            assert expected["nearest_site"]["facility"] == stored.locations[FIRST].facility
            for json in (True, False):
                [(shown, fields)] = near_hits(c.store, [hit], SEA, within, json=json)
                assert fields == expected and shown.nct_id == TRIAL
    points = counted_points("RECRUITING", [(s.lat, s.lon, s.status) for s in stored.locations])
    assert nearest_sorted(by_latitude(points), *SEA, 100.0) == nearest_first_within(points, *SEA, 100.0)


def _stored_again(data: Path, sites: tuple[Location, ...]) -> None:
    """TRIAL's record stored with these sites and not indexed, as a write stopped in between leaves it."""
    with Catalog(load(data)) as c:
        record = c.store.get(TRIAL)
        assert record is not None
        with c.store.transaction():
            c.store.put(dataclasses.replace(record, locations=sites))
        assert c.unindexed() == 1


BOSTON = ("cancer", "--near", "Boston", "--within", "500")


@pytest.mark.parametrize("change", ["reversed", "no coordinates"])
def test_a_record_stored_again_since_it_was_indexed_has_its_sites_measured(data: Path, change: str) -> None:
    """The index's nearest site of TRIAL is a site index of the record it measured: the sites reversed
    (less one), that index names another site; without coordinates, no site. Every format, and the API, say what the
    stored record's sites measured say."""
    with Catalog(load(data)) as c:
        record = c.store.get(TRIAL)
    assert record is not None
    moved = record.locations[:0:-1]  # its first site dropped: sites in another order alone are the same content
    if change == "no coordinates":
        moved = tuple(dataclasses.replace(s, lat=None, lon=None) for s in moved)
    _stored_again(data, moved)
    for fmt in FORMATS:
        expected = old_search(data, (*BOSTON, *fmt))
        assert TRIAL in expected
        got = Trials(data)("--quiet", "search", *BOSTON, *fmt)
        assert got.stdout_bytes == expected.encode()
    asked: list[SearchParams] = []
    answer = views.search_json

    def search_json(cat: Catalog, p: SearchParams) -> views.Answer:
        asked.append(p)  # the query as the API read it from its parameters
        return answer(cat, p)

    with pytest.MonkeyPatch.context() as m, Catalog(load(data)) as c, TestClient(create_app(c.settings, c)) as client:
        m.setattr(views, "search_json", search_json)
        got_api = client.get("/api/search", params={"q": "cancer", "near": "Boston", "within": 500})
        [p] = asked
        old = [old_json_fields(f) for f in old_page_results(c, p.query()).found]
    assert got_api.status_code == 200
    assert got_api.content.endswith(b'"results":' + api_dumps(old) + b"}")
    [shown] = [r for r in old if r["nct_id"] == TRIAL]
    assert ("nearest_site" in shown) == (change == "reversed")
