"""`changes` filtered by field or recording date: the same page whichever way the store finds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.store import RecordStore, eventlog
from indexer.store.eventlog import StoredEvent
from tests.conftest import CTGOV, FIXTURES, Trials


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every real download in ctgov/xml_versions: versions, field changes and their events."""
    data = tmp_path_factory.mktemp("versions")
    Trials(data)("--quiet", "ingest", str(CTGOV / "xml_versions"))
    return data / "trials.sqlite"


def _of_field(event: StoredEvent, field: str) -> bool:
    # The field or a part of it, as `trials changes --field` documents: "eligibility" holds
    # "eligibility.criteria_text", "locations" holds "locations[2]".
    name = (event.field or "").lower()
    return name == field or name.startswith((f"{field}.", f"{field}["))


@pytest.mark.parametrize("probe", [5000, 3])  # a page found among the newest events, or by the field's index
def test_a_page_of_a_fields_events_is_the_newest_of_them(
    store_path: Path, probe: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(eventlog, "_PROBE", probe, raising=False)
    store = RecordStore(store_path, readonly=True)
    try:
        every = store.events.query()  # newest first, unfiltered: the oracle filters in Python
        fields = {e.field.split(".")[0].split("[")[0] for e in every if e.field}
        assert len(fields) >= 5 and len(every) >= 200
        for field in sorted(fields):
            wanted = [e for e in every if _of_field(e, field)]
            for limit, offset in ((1, 0), (7, 0), (7, 7), (50, 3)):
                page = store.events.query(field=field, limit=limit, offset=offset)
                assert page == wanted[offset : offset + limit], (field, limit, offset)
            assert store.events.query(field=field.upper(), limit=5) == wanted[:5]
            since = wanted[len(wanted) // 2].date if wanted else None
            if since:
                later = [e for e in wanted if e.date is not None and e.date >= since]
                assert store.events.query(field=field, since=since, limit=4) == later[:4]
        recorded = every[len(every) // 3].recorded_at
        later = [e for e in every if e.recorded_at >= recorded]
        assert store.events.query(recorded_since=recorded, limit=9, offset=2) == later[2:11]
    finally:
        store.close()


# Which side is listed first: the events' trials (few of them), the search's (more events' trials than it
# finds), or neither (both many: the newest events a chunk at a time, of 5,000 or of 3 events).
SIDES = {"events": (20_000, 5_000), "search": (-1, 5_000), "chunks": (0, 5_000), "small chunks": (0, 3)}


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize(
    ("filters", "since"), [(("--condition", "cancer"), "2015-01-01"), (("--status", "completed"), "2010-01-01")]
)
def test_changes_narrowed_by_search_filters_are_the_events_of_the_trials_the_search_finds(
    store_path: Path, monkeypatch: pytest.MonkeyPatch, side: str, filters: tuple[str, str], since: str
) -> None:
    from indexer.catalog import Catalog
    from indexer.config import load
    from indexer.history import changes
    from indexer.index.document import SearchQuery

    trials = Trials(store_path.parent)
    found = {r["nct_id"] for r in trials.json("search", *filters, "--limit", "1000")}
    assert 0 < len(found) < 1000
    store = RecordStore(store_path, readonly=True)
    try:
        every = store.events.query(since=since)
    finally:
        store.close()
    wanted = [e for e in every if e.nct_id in found]
    assert wanted
    few, at_a_time = SIDES[side]
    if few < 0:  # between what the search finds and the events' trials
        few = len(found)
        assert len({e.nct_id for e in every}) > few
    monkeypatch.setattr(changes, "FEW_TRIALS", few)
    monkeypatch.setattr(changes, "EVENTS_AT_A_TIME", at_a_time, raising=False)
    asked: list[SearchQuery] = []
    search_ids = Catalog.search_ids
    monkeypatch.setattr(Catalog, "search_ids", lambda c, q: asked.append(q) or search_ids(c, q))
    got = trials.json("changes", "--since", since, *filters, "--limit", "500")
    assert got == [e.to_dict() for e in wanted[:500]]
    # However few events a chunk holds, the search is asked a bounded number of times: the count, each
    # chunk's trials (at most CHUNKS_AT_MOST), then every trial it matches.
    assert len(asked) <= 12
    # Pages past the first (the web's): the same events, whichever side was listed.
    option, value = filters
    query = SearchQuery(conditions=(value,)) if option == "--condition" else SearchQuery(statuses=(value.upper(),))
    with Catalog(load(store_path.parent)) as c:
        for limit, offset in ((7, 0), (7, 7), (30, 11)):
            page = changes.matching_events(c, query, since=since, limit=limit, offset=offset)
            assert page == wanted[offset : offset + limit], (limit, offset)


@pytest.mark.parametrize("recorded", [False, True])  # the events found by date, or by their recording date
def test_changes_near_a_place_with_few_trials_lists_them_not_every_event(
    store_path: Path, monkeypatch: pytest.MonkeyPatch, recorded: bool
) -> None:
    # A search near a place estimates its total from the first candidates it reads: three trials near Boston
    # among the real downloads, and more events' trials than FEW_TRIALS (10 here). When the newest chunk of
    # events (3 here) does not fill the page, they are listed: reading every event a chunk at a time asked
    # the search once a chunk, and at 100k trials took 0.9-3 CPU s where listing them takes 0.2 s.
    from indexer.catalog import Catalog
    from indexer.history import changes

    trials = Trials(store_path.parent)
    near = ("--near", "Boston", "--within", "50")
    found = {r["nct_id"] for r in trials.json("search", *near, "--limit", "1000")}
    assert 0 < len(found) < 10
    store = RecordStore(store_path, readonly=True)
    try:
        every = store.events.query(since="2000-01-01")
    finally:
        store.close()
    wanted = [e.to_dict() for e in every if e.nct_id in found]
    assert wanted and len(every) > 5 * len(wanted) and len({e.nct_id for e in every}) > 10
    monkeypatch.setattr(changes, "FEW_TRIALS", 10)
    monkeypatch.setattr(changes, "EVENTS_AT_A_TIME", 3, raising=False)
    asked: list[object] = []
    search_ids = Catalog.search_ids
    monkeypatch.setattr(Catalog, "search_ids", lambda c, q: asked.append(q) or search_ids(c, q))
    window = ("--recorded-since", "2000-01-01") if recorded else ("--since", "2000-01-01")
    got = trials.json("changes", *window, *near, "--limit", "500")
    assert got == wanted
    # Whether the search's matches are few, which of the first chunk's trials it keeps, then which they are.
    assert len(asked) <= 3, len(asked)


def test_a_page_read_in_chunks_is_one_moment_of_the_events_while_a_writer_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `trials serve` lists changes while a crawl commits: the events read a chunk at a time are those of the
    # moment the page began. Read by offsets, NCT01642004's newest download (the store's newest events,
    # 2018-04-10) stored after the first chunk moved every older event down, and the next chunk read the
    # first chunk's last events again.
    import shutil

    from indexer.catalog import Catalog
    from indexer.config import load
    from indexer.history import changes
    from indexer.index.document import SearchQuery

    held = CTGOV / "xml_versions" / "NCT01642004" / "2018-05-11.xml"
    assert held.exists()
    files = tmp_path / "files"
    shutil.copytree(
        CTGOV / "xml_versions",
        files,
        ignore=lambda d, names: [n for n in names if d.endswith("NCT01642004") and n == held.name],
    )
    trials = Trials(tmp_path / "data")
    trials("--quiet", "ingest", str(files))
    with Catalog(load(tmp_path / "data")) as c:  # the trials of the status of the newest event's trial
        status = str(c.get(c.store.events.query(since="2000-01-01", limit=1)[0].nct_id).overall_status)
    query = SearchQuery(statuses=(status,))
    found = {r["nct_id"] for r in trials.json("search", "--status", status, "--limit", "1000")}
    assert len(found) > 2
    monkeypatch.setattr(changes, "FEW_TRIALS", 2)
    monkeypatch.setattr(changes, "EVENTS_AT_A_TIME", 1, raising=False)
    search_ids = Catalog.search_ids
    asked: list[object] = []

    def search_then_write(c: Catalog, q: SearchQuery) -> object:
        asked.append(q)
        if len(asked) == 2:  # the first chunk's trials asked of the search: a writer commits meanwhile
            trials("--quiet", "ingest", str(held))
        return search_ids(c, q)

    with Catalog(load(tmp_path / "data")) as c:
        before = [e for e in c.store.events.query(since="2000-01-01") if e.nct_id in found]
        assert len(before) > 20
        monkeypatch.setattr(Catalog, "search_ids", search_then_write)
        page = changes.matching_events(c, query, since="2000-01-01", limit=20)
        after = c.store.events.query(since="2000-01-01", limit=1)
    assert after[0].nct_id == "NCT01642004" and after[0] not in before  # the write happened, newest first
    assert [e.id for e in page] == [e.id for e in before[:20]]


@pytest.fixture(scope="module")
def undated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One trial's real downloads, and EU CTR pages (tests/fixtures/euctr) whose 'new' events have no date."""
    data = tmp_path_factory.mktemp("undated")
    euctr = [str(p) for p in sorted((FIXTURES / "euctr").glob("*.html"))]
    Trials(data)("--quiet", "ingest", str(CTGOV / "xml_versions" / "NCT01642004"), *euctr)
    return data / "trials.sqlite"


@pytest.mark.parametrize("probe", [5000, 3])
@pytest.mark.parametrize("which", ["versions", "undated"])
def test_the_events_after_one_are_the_rest_of_the_newest_first_listing(
    request: pytest.FixtureRequest, which: str, probe: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(eventlog, "_PROBE", probe, raising=False)
    store = RecordStore(
        request.getfixturevalue("store_path" if which == "versions" else "undated_store"), readonly=True
    )
    try:
        every = store.events.query()  # newest first: the oracle filters in Python
        recorded = every[len(every) // 3].recorded_at
        for filters, wanted in (
            ({}, every),
            ({"field": "locations"}, [e for e in every if _of_field(e, "locations")]),
            ({"recorded_since": recorded}, [e for e in every if e.recorded_at >= recorded]),
            ({"since": "2017-01-01"}, [e for e in every if e.date is not None and e.date >= "2017-01-01"]),
        ):
            assert len(wanted) > 7
            if which == "undated" and not filters.keys() & {"since", "field"}:
                assert wanted[-1].date is None  # undated events come last, and the chunks reach them
            for k in range(len(wanted)):
                after = (wanted[k].date, wanted[k].id)
                assert store.events.query(**filters, older_than=after, limit=7) == wanted[k + 1 : k + 8], (filters, k)
    finally:
        store.close()
