"""`trials search` writes its results from the stored JSON (JSON, NDJSON) or the summaries read of it (CSV,
table), measuring a distance on the stored JSON parsed, no record decoded, and so does the API's search: byte
for byte what the records decoded and written gave."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from indexer.catalog import Catalog
from indexer.config import load
from indexer.csvrow import CSV_COLUMNS, csv_row_of
from indexer.freshness import OPEN_STATUSES, freshness
from indexer.geo.distance import km
from indexer.geo.near import json_near_fields, near_fields
from indexer.history.removal import removal_fields
from indexer.record import TrialRecord
from indexer.store.briefs import summary_of, summary_of_json, with_fields
from search_cli.commands.query import search
from search_cli.options import query_from_options
from search_cli.output import _SafeCsv, dumps, phase_text, status_text
from search_cli.table import table
from tests.conftest import FIXTURES, Trials
from web import views
from web.app import create_app
from web.jsonresp import dumps as api_dumps
from web.params import SearchParams

SEED = "NCT04077684"  # recruiting low-dose IL-2 in SLE: marked removed from the registry below
BIG = FIXTURES / "search_output"  # five real trials with 119 to 1,148 sites

NOTHING = ("no-such-word-anywhere",)  # no result: an empty list, a header alone
SEARCHES = [
    ("--condition", "lupus"),  # the removed trial, a stale one with 258 sites, one with results
    ("low-dose", "IL-2", "--explain"),
    ("cancer",),  # 1,148 and 192 sites
    ("--drug", "aflibercept"),
    ("--status", "recruiting"),
    ("--condition", "lupus", "--near", "Beijing", "--within", "2000"),
    ("cancer", "--near", "Boston", "--within", "500", "--explain"),
    ("--status", "any", "--near", "Chicago", "--within", "3000", "-n", "50"),  # a completed trial's sites
    ("--status", "any", "--near", "Chicago", "--within", "20000", "--sort", "distance", "-n", "50"),
    ("--condition", "lupus", "--near", "Sao Paulo", "--within", "300"),  # sites without status or coordinates
    ("--drug", "aflibercept", "--near", "Tokyo", "--within", "50"),
    ("--status", "any", "--near", "Reykjavik", "--within", "50"),  # no site within: no result
    NOTHING,
]
EMPTY = {NOTHING, SEARCHES[-2]}
FORMATS = [(), ("--json",), ("--ndjson",), ("--csv",)]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("search_output") / "data"
    Trials(folder)("--quiet", "ingest", str(BIG), str(FIXTURES / "ctgov_xml"), str(FIXTURES / "ctgov"))
    with Catalog(load(folder)) as c, c.writer() as w:  # a --full crawl's 404 for it
        assert w.mark_removed(SEED, "404 when asked by id")
    return folder


def _old_near_fields(r: TrialRecord, near: tuple[float, float] | None) -> dict[str, Any]:
    """`geo.near.near_fields` as it was, every counted site of the decoded record measured: the oracle."""
    if near is None:
        return {}
    located = [(i, loc) for i, loc in enumerate(r.locations) if loc.lat is not None and loc.lon is not None]
    if r.overall_status in OPEN_STATUSES and any(loc.status for loc in r.locations):
        located = [(i, loc) for i, loc in located if loc.status in OPEN_STATUSES]
    seen: dict[tuple[float, float], int] = {}
    for i, loc in located:
        seen.setdefault((float(loc.lat), float(loc.lon)), i)  # type: ignore[arg-type]
    best: tuple[int, float] | None = None
    for (lat, lon), i in seen.items():
        d = km(*near, lat, lon)
        if best is None or d < best[1]:
            best = (i, d)
    if best is None:
        return {"nearest_site": None, "distance_km": None}
    loc = r.locations[best[0]]
    site = {
        "facility": loc.facility,
        "city": loc.city,
        "state": loc.state,
        "country": loc.country,
        "status": loc.status,
        "distance_km": round(best[1], 1),
        "geo_source": loc.geo_source,
    }
    return {"nearest_site": site, "distance_km": site["distance_km"]}


def _old_status(r: TrialRecord, extra: dict[str, Any]) -> str:
    gone = extra.get("removed_from_registry")
    if gone:
        return f"{status_text(r.overall_status)} (no longer listed since {gone['since'] or '?'})"
    return status_text(r.overall_status) + (" (stale?)" if freshness(r).stale else "")


def _old_emit(records: list[TrialRecord], fmt: str, extras: list[dict[str, Any]], out: io.StringIO) -> None:
    """`emit_records` before: each record's to_dict() with the result's fields as one dict, encoded; CSV and
    table cells from the decoded record."""
    if fmt == "json":
        out.write("[" + ",".join(dumps({**r.to_dict(), **x}) for r, x in zip(records, extras, strict=True)) + "]\n")
    elif fmt == "ndjson":
        for r, x in zip(records, extras, strict=True):
            out.write(dumps({**r.to_dict(), **x}) + "\n")
    elif fmt == "csv":
        w = _SafeCsv(out, list(CSV_COLUMNS) + [k for k in (extras[0] if extras else {}) if k not in CSV_COLUMNS])
        for r, x in zip(records, extras, strict=True):
            w.writerow(
                {
                    **csv_row_of(summary_of(r)),
                    **{k: dumps(v) if isinstance(v, list | dict) else v for k, v in x.items()},
                }
            )
    else:
        near = any("nearest_site" in x for x in extras)
        header = [
            "NCT ID",
            "STATUS",
            "PHASE",
            "UPDATED",
            *(["KM", "NEAREST SITE"] if near else []),
            "TITLE",
            "CONDITIONS",
        ]
        cells = []
        for r, x in zip(records, extras, strict=True):
            site = x.get("nearest_site") or {}
            where = ", ".join(v for v in (site.get("facility"), site.get("city"), site.get("country")) if v)
            dist = [f"{site['distance_km']:.0f}" if site else "", where] if near else []
            row = [r.nct_id, _old_status(r, x), phase_text(r.phases), r.last_update_posted or "", *dist]
            cells.append([*row, r.brief_title or "", "; ".join(r.conditions)])
        cut = {len(header) - 2: (3, 40), len(header) - 1: (2, 24), **({5: (1, 16)} if near else {})}
        table(header, cells, out=out, cut=cut)


def old_search(data: Path, args: tuple[str, ...]) -> str:
    """What `trials search ARGS` wrote before: every result's record decoded and written as above."""
    params = dict(search.make_context("search", list(args)).params)
    text, fmt, explain = params.pop("text"), params.pop("fmt"), params.pop("explain")
    q = query_from_options(" ".join(text), **params)
    with Catalog(load(data)) as c:
        result, records = c.search(q)
        assert all(type(r) is TrialRecord for r in records)
        scores = {h.nct_id: h.score for h in result.hits}
        gone = c.store.removals([r.nct_id for r in records])
        extras = [
            {
                "score": round(scores[r.nct_id], 4),
                "freshness": freshness(r).to_dict(),
                "removed_from_registry": removal_fields(gone.get(r.nct_id)),
                **_old_near_fields(r, q.near),
                **({"explain": c.explain(q, r.nct_id)} if explain else {}),
            }
            for r in records
        ]
    out = io.StringIO()
    _old_emit(records, fmt, extras, out)
    if explain and fmt == "table":
        for r, x in zip(records, extras, strict=True):
            fields = "; ".join(f"{field}: {', '.join(words)}" for field, words in x["explain"].items() if words)
            out.write(f"{r.nct_id}  score {x['score']:g}  {fields or 'filters only'}\n")
    return out.getvalue()


def test_the_fixtures_hold_what_the_searches_compare(data: Path) -> None:
    """Large trials, a removed one and stale ones are among the results compared below."""
    with Catalog(load(data)) as c:
        records = list(c.store.iter_records())
        assert max(len(r.locations) for r in records) == 1148
        assert sum(freshness(r).stale for r in records) >= 2
        assert set(c.store.removals([r.nct_id for r in records])) == {SEED}


def _refuse(cls: type[TrialRecord], data: dict[str, Any]) -> TrialRecord:
    raise AssertionError(f"{data['nct_id']} was decoded")


@pytest.mark.parametrize("fmt", FORMATS, ids=["table", "json", "ndjson", "csv"])
@pytest.mark.parametrize("args", SEARCHES, ids=" ".join)
def test_search_writes_what_the_decoded_records_wrote(
    data: Path, args: tuple[str, ...], fmt: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = old_search(data, (*args, *fmt))
    monkeypatch.setattr(TrialRecord, "from_dict", classmethod(_refuse))
    got = Trials(data)("--quiet", "search", *args, *fmt)
    assert got.stdout_bytes == expected.encode()  # stdout would read "\r\n" as "\n"
    assert (len(expected) > 500) != (args in EMPTY)


def test_removed_and_stale_trials_are_said_so_in_every_format(data: Path) -> None:
    """The comparison above covers them: the removed trial and a stale one are in the lupus results."""
    out = {f[0] if f else "table": old_search(data, ("--condition", "lupus", *f)) for f in FORMATS}
    assert f"{SEED}  recruiting (no longer listed since" in out["table"]
    assert "NCT05843643  not yet recruiting (stale?)" in out["table"]
    assert '"removed_from_registry":{"since":' in out["--json"] and '"stale":true' in out["--ndjson"]


def test_a_results_fields_join_its_records_json_as_a_dict_would(data: Path) -> None:
    with Catalog(load(data)) as c:
        record = c.store.get("NCT04267848")
    assert record is not None
    stored = orjson.dumps(record)
    for extra in ({}, {"score": 1.5, "explain": {"conditions": ["lung"]}}, {"score": 2.0, "brief_title": "replaced"}):
        merged = orjson.dumps({**record.to_dict(), **extra}, option=orjson.OPT_NON_STR_KEYS)
        assert with_fields(stored, extra) == merged
    assert orjson.loads(with_fields(stored, {"brief_title": "replaced"}))["brief_title"] == "replaced"


API_SEARCHES = [
    {"condition": "lupus"},  # the removed trial, a stale one with 258 sites
    {"condition": "SLE", "limit": 5},  # matched through a synonym
    {"q": "cancer", "page": 2, "limit": 2},
    {"q": "low-dose IL-2"},
    {"condition": "lupus", "near": "Beijing", "within": 2000},
    {"q": "cancer", "near": "Boston", "within": 500},
    {"status": "any", "near": "Chicago", "within": 20000, "sort": "distance", "limit": 50},
    {"condition": "lupus", "near": "Sao Paulo", "within": 300},
    {"status": "any", "near": "Reykjavik", "within": 50},
]


@pytest.mark.parametrize("params", API_SEARCHES, ids=str)
def test_api_search_answers_what_the_decoded_records_gave(
    data: Path, params: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[SearchParams] = []
    answer = views.search_json

    def search_json(cat: Catalog, p: SearchParams) -> views.Answer:
        asked.append(p)  # the query as the API read it from its parameters
        return answer(cat, p)

    monkeypatch.setattr(views, "search_json", search_json)
    with Catalog(load(data)) as c, TestClient(create_app(c.settings, c)) as client:
        with monkeypatch.context() as m:
            m.setattr(TrialRecord, "from_dict", classmethod(_refuse))
            got = client.get("/api/search", params=params)
        assert got.status_code == 200
        # Before: each record decoded, its fields and the result's in one dict.
        [p] = asked
        from tests.test_search_page import old_json_fields, old_page_results

        old = [old_json_fields(f) for f in old_page_results(c, p.query()).found]
    assert got.content.endswith(b'"results":' + api_dumps(old) + b"}")
    assert bool(old) != (params.get("near") == "Reykjavik")  # no site within 50 km of it


# (lat, lon): by the fixtures' sites (Boston, Beijing, Chicago, Sao Paulo), none near (Reykjavik), the antimeridian
# (Auckland: its box in two ranges) and a pole (the box every longitude).
PLACES = [(42.35843, -71.05977), (39.9075, 116.39723), (41.85003, -87.65005), (-23.5475, -46.63611)]
PLACES += [(64.13548, -21.89541), (-36.84853, 174.76349), (89.5, 0.0)]
RADII = [None, 0.1, 5.0, 50.0, 100.0, 500.0, 3000.0, 20000.0]


def test_the_nearest_site_of_the_stored_json_is_the_decoded_records(data: Path) -> None:
    """Every fixture trial (sites without coordinates, without status, closed trials, 1,148 sites) near each
    place within each radius: the nearest site and its distance read of the stored JSON are those the decoded
    record's every counted site measured gave, as are the record's own (now with the radius)."""
    seen = {"within": 0, "outside": 0, "none": 0, "shared point": 0}
    with Catalog(load(data)) as c:
        records = {r.nct_id: r for r in c.store.iter_records()}
        stored = c.store.stored_json(records)
    for nct_id, r in records.items():
        parsed = orjson.loads(stored[nct_id].json)
        for place in PLACES:
            old = _old_near_fields(r, place)
            for within in RADII:
                assert json_near_fields(parsed, place, within) == old, (nct_id, place, within)
                assert near_fields(r, place, within) == old, (nct_id, place, within)
                d = old["distance_km"]
                seen["none" if d is None else "within" if within is None or d <= within else "outside"] += 1
            site = old["nearest_site"]
            if site is not None:  # a point several counted sites share: the first of them is named
                point = _at(r, site)
                seen["shared point"] += len({x.facility for x in r.locations if (x.lat, x.lon) == point}) > 1
    assert min(seen.values()) > 0, seen


def _at(r: TrialRecord, site: dict[str, Any]) -> tuple[float, float]:
    loc = next(
        x for x in r.locations if (x.facility, x.city, x.status) == (site["facility"], site["city"], site["status"])
    )
    assert loc.lat is not None and loc.lon is not None
    return loc.lat, loc.lon


def test_the_nearest_of_sites_at_the_same_distance_is_the_first(data: Path) -> None:
    """Two sites of a real trial moved half a degree either side of the place, on its parallel: the same
    distance to the last bit. The first of them wins, as when every site was measured, whether or not the
    radius holds them."""
    with Catalog(load(data)) as c:
        record = c.store.get("NCT04267848")
        stored = c.store.stored_json(["NCT04267848"])["NCT04267848"]
    assert record is not None
    parsed = orjson.loads(stored.json)
    place = (45.0, -30.0)  # the Atlantic: no other site nearer
    low, high = 7, 40
    for i, lon in ((high, -29.5), (low, -30.5)):  # the east one (higher index) first in longitude
        parsed["locations"][i] |= {"lat": 45.0, "lon": lon, "status": "RECRUITING"}
    assert km(*place, 45.0, -29.5) == km(*place, 45.0, -30.5)
    moved = TrialRecord.from_dict(parsed)
    old = _old_near_fields(moved, place)
    assert old["nearest_site"]["facility"] == moved.locations[low].facility != moved.locations[high].facility
    for within in RADII:
        assert json_near_fields(parsed, place, within) == old
        assert near_fields(moved, place, within) == old


def test_a_summary_of_the_parsed_json_is_the_one_sqlite_reads(data: Path) -> None:
    with Catalog(load(data)) as c:
        ids = [r.nct_id for r in c.store.iter_records()]
        stored, summaries = c.store.stored_json(ids), c.store.summaries(ids)
    assert len(summaries) == len(ids) == 18
    for nct_id in ids:
        assert summary_of_json(nct_id, orjson.loads(stored[nct_id].json)) == summaries[nct_id]
