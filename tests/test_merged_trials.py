"""A trial known from a page without an NCT id whose page later joins an NCT trial is merged into it."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.catalog import Catalog
from indexer.config import load
from indexer.history.watches import Watches
from indexer.index.document import SearchQuery
from indexer.index.tantivy_index import TantivyIndex
from indexer.parsers import parse_document
from indexer.store import RecordStore
from tests.conftest import FIXTURES, Trials, shared
from web.app import create_app

# Takeda's real page of NCT00770497 (../shared/data/registries/takeda), and the same page before the
# register named the NCT number (its one "NCT Number" cell emptied): a trial known from that page only.
PAGE = FIXTURES / "takeda" / "takedaclinicaltrials.com_browse_summary_ATS_20K023.html"
URL = "https://www.takedaclinicaltrials.com/browse/summary/ATS%20K023"
NCT = "NCT00770497"
NAMED = b'<span class="ext-link">NCT00770497</span>'
NOW = PAGE.read_bytes()
BEFORE = NOW.replace(NAMED, b'<span class="ext-link"></span>')
# The EU CTR's real protocol page of another trial, given the EudraCT number the Takeda page lists (the
# data holds no EU page of a trial another real page names): a page without an NCT id, of NCT00770497.
EU_PAGE = FIXTURES / "euctr" / "EUCTR_2005-002909-23_PT.html"
EUDRACT = "2006-004028-35"
EU = EU_PAGE.read_bytes().replace(b"2005-002909-23", EUDRACT.encode())
EU_URL = f"https://www.clinicaltrialsregister.eu/ctr-search/trial/{EUDRACT}/PT"
# ClinicalTrials.gov's records of two other trials of pioglitazone (../shared/data/ctgov/xml).
OTHERS = ("NCT00494559", "NCT02958956")
# The oracle for the provisional trial's id: the parser's reading of the earlier page.
(_EARLIER,) = parse_document(BEFORE, source_url=URL).records
PROVISIONAL = _EARLIER.nct_id


def _crawl(data: Path, body: bytes, *, index_process: bool = False, url: str = URL) -> None:
    """One crawl bringing the page, as the spider hands it to the writer (with its address)."""
    with Catalog(load(data)) as c, c.writer(index_process=index_process) as w:
        w.add_document(body, url, source_url=url)


def _pages(data: Path) -> dict[str, list[tuple[str, str | None]]]:
    """Each stored trial's pages (source, address), and every trial id the store knows a record of."""
    with Catalog(load(data)) as c:
        return {
            r.nct_id: [(p.source, p.source_url) for p in c.store.sources_for(r.nct_id)] for r in c.store.iter_records()
        }


def _found(trials: Trials) -> list[str]:
    return [json.loads(line)["nct_id"] for line in trials("search", "--ndjson").output.splitlines()]


def _stats_count(trials: Trials, what: str = "records") -> int:
    """A count `trials stats` prints in its table."""
    (line,) = [line for line in trials("stats").output.splitlines() if line.startswith(f"{what} ")]
    return int(line.split()[-1])


def test_the_pages_alone_make_the_two_trials_of_the_setup() -> None:
    assert NOW.count(NAMED) == 1
    assert PROVISIONAL != NCT and not PROVISIONAL.startswith("NCT")
    assert parse_document(NOW, source_url=URL).records[0].nct_id == NCT


@pytest.mark.parametrize("index_process", [False, True], ids=["index in the writer", "index process"])
def test_a_trial_whose_page_joins_an_nct_trial_is_merged_into_it(tmp_path: Path, index_process: bool) -> None:
    data = tmp_path / "data"
    trials = Trials(data)
    _crawl(data, BEFORE, index_process=index_process)
    assert _found(trials) == [PROVISIONAL]
    _crawl(data, NOW, index_process=index_process)

    assert _found(trials) == [NCT]
    assert _stats_count(trials) == 1
    with Catalog(load(data)) as c:
        assert c.indexed_count() == 1
        assert c.store.count() == 1
        assert sum(n for _, n in c.store.facet("status")) == 1
        assert c.store.pending_count() == 0
        assert c.store.resolve(PROVISIONAL) == NCT
        assert c.store.get(PROVISIONAL) is None
        merger = c.store.merged_into(PROVISIONAL)
        assert merger is not None and merger.into == NCT
        events = [(e.type, e.old, e.new) for e in c.store.events.for_trial(PROVISIONAL)]
        assert events[-1] == ("merged", PROVISIONAL, NCT)
        assert [e.type for e in c.store.events.for_trial(PROVISIONAL)].count("merged") == 1

    shown = trials("show", PROVISIONAL)
    assert f"{PROVISIONAL} was merged into {NCT}" in shown.stderr
    assert NCT in shown.stdout
    history = trials("history", PROVISIONAL).stdout
    assert "v1" in history and f"merged into {NCT}" in history


def _tables(data: Path) -> list[tuple[str, list[str], list[tuple[object, ...]]]]:
    store = RecordStore(data / "trials.sqlite")
    try:
        return list(store.table_rows())
    finally:
        store.close()


def test_taking_both_pages_again_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _crawl(data, BEFORE)
    _crawl(data, NOW)
    merged = _tables(data)
    for body in (BEFORE, NOW, BEFORE):
        _crawl(data, body)
    assert _tables(data) == merged
    assert _found(Trials(data)) == [NCT]


def _as_schema_11_left_them(data: Path, monkeypatch: pytest.MonkeyPatch, *, crawled: bool = False) -> None:
    """Both pages crawled as schema 11 stored them: the page moved to the NCT trial, its trial stayed."""
    if not crawled:
        _crawl(data, BEFORE)
    with monkeypatch.context() as m:
        m.setattr(RecordStore, "retire_if_left", lambda self, old, into: None)
        _crawl(data, NOW)


def test_the_upgrade_merges_the_trials_an_older_store_left_without_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    _as_schema_11_left_them(data, monkeypatch)
    with Catalog(load(data)) as c:
        assert c.store.count() == 2 and sorted(_found(Trials(data))) == sorted([NCT, PROVISIONAL])
        kept = {t: [(e.id, e.type) for e in c.store.events.for_trial(t)] for t in (NCT, PROVISIONAL)}
        c.store.set_meta("schema_version", "11")

    with Catalog(load(data)) as c:  # opening it upgrades it
        assert c.store.get_meta("schema_version") == "14"
        assert c.store.count() == 1 and c.store.resolve(PROVISIONAL) == NCT
        assert [(e.id, e.type) for e in c.store.events.for_trial(NCT)] == kept[NCT]
        after = [(e.id, e.type) for e in c.store.events.for_trial(PROVISIONAL)]
        assert after[:-1] == kept[PROVISIONAL] and after[-1][1] == "merged"
        assert c.store.pending_count() == 1  # its index document, deleted by the next write
    with Catalog(load(data)) as c, c.writer():
        pass
    assert _found(Trials(data)) == [NCT]
    assert _stats_count(Trials(data)) == 1
    with Catalog(load(data)) as c:  # once: opening it again changes nothing
        assert c.store.pending_count() == 0
        assert [e.type for e in c.store.events.for_trial(PROVISIONAL)].count("merged") == 1


def test_a_merged_trials_document_left_to_delete_is_no_missing_trial_and_stops_no_watch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    trials = Trials(data)
    _crawl(data, BEFORE)
    trials("watch", "add", "pioglitazone", "pioglitazone")
    [first] = trials.json("watch", "run", "pioglitazone")
    assert [r["nct_id"] for r in first["new_matches"]] == [PROVISIONAL]
    _as_schema_11_left_them(data, monkeypatch, crawled=True)
    with Catalog(load(data)) as c:  # opening it as 12 merges, and leaves its document to delete
        c.store.set_meta("schema_version", "11")
    with Catalog(load(data)) as c:
        assert c.store.count() == 1 and c.store.pending_index() == [PROVISIONAL]  # its document to delete

    searched = trials("search", "--ndjson")
    assert [json.loads(line)["nct_id"] for line in searched.stdout.splitlines()] == [NCT]
    assert "not in the search index" not in searched.stderr  # no trial is missing from it
    [run] = trials.json("watch", "run", "pioglitazone")  # a cron's run is not stopped by it
    assert [r["nct_id"] for r in run["new_matches"]] == [NCT]
    assert [(t["nct_id"], t["reason"]) for t in run["left"]] == [(PROVISIONAL, f"merged into {NCT}")]


def test_totals_and_pages_leave_out_a_merged_trials_document_a_read_command_left_to_delete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    trials = Trials(data)
    # Two more real trials of pioglitazone, with the two pages that are one trial: three trials in all.
    trials("ingest", *(str(shared("ctgov", "xml", f"{t}.xml")) for t in OTHERS))
    _as_schema_11_left_them(data, monkeypatch)
    with Catalog(load(data)) as c:
        c.store.set_meta("schema_version", "11")
    expected = sorted([NCT, *OTHERS])

    # A read command upgrades the store (the provisional trial merged) and nothing writes after it: the
    # index still holds the merged trial's document.
    said = trials("search", "pioglitazone").stderr
    assert "3 of 3 matching trials" in said
    with Catalog(load(data)) as c:
        assert c.store.pending_index() == [PROVISIONAL] and c.store.count() == 3
    with TestClient(create_app(load(data)), raise_server_exceptions=False) as client:
        asked = {"q": "pioglitazone", "limit": 1}
        pages = [client.get("/api/search", params={**asked, "page": n}).json() for n in (1, 2, 3)]
        assert [p["total"] for p in pages] == [3, 3, 3]
        assert sorted(r["nct_id"] for p in pages for r in p["results"]) == expected  # one a page, none short
        shown = client.get("/search", params={"q": "pioglitazone", "status": "any"}).text
        page = html.unescape(re.sub(r"<[^>]+>", "", shown))
        assert re.search(r"\b3 trials\b", page) and not re.search(r"\b4 trials\b", page)
    assert sorted(_found(trials)) == expected
    assert {r["what"]: r["count"] for r in trials.json("stats")}["indexed"] == 3


def test_a_watch_that_followed_the_trial_says_it_was_merged(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _crawl(data, BEFORE)
    with Catalog(load(data)) as c:
        watches = Watches(c)
        watches.add("pioglitazone", SearchQuery(text="pioglitazone"))
        first = watches.run("pioglitazone")
        assert first.matched == (PROVISIONAL,)
        watches.remember([first], keep=10)
    _crawl(data, NOW)
    with Catalog(load(data)) as c:
        run = Watches(c).run("pioglitazone")
        assert [t.nct_id for t in run.new_matches] == [NCT]
        assert [(t.nct_id, t.reason.text) for t in run.left] == [(PROVISIONAL, f"merged into {NCT}")]


def test_a_crash_before_the_index_deletes_the_document_is_mended_by_the_next_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    _crawl(data, BEFORE)

    def dies(self: TantivyIndex, ids: object) -> None:
        raise KeyboardInterrupt  # the process stops after the store committed the merge

    with monkeypatch.context() as m:
        m.setattr(TantivyIndex, "delete", dies)
        with pytest.raises(KeyboardInterrupt):
            _crawl(data, NOW)
    with Catalog(load(data)) as c:
        # Both stay pending: the NCT trial's record to index, the merged trial's document to delete.
        assert c.store.count() == 1 and sorted(c.store.pending_index()) == sorted([NCT, PROVISIONAL])
    with Catalog(load(data)) as c, c.writer():
        pass  # any write indexes what is pending first
    assert _found(Trials(data)) == [NCT]
    with Catalog(load(data)) as c:
        assert c.indexed_count() == 1 and c.store.pending_count() == 0


@pytest.mark.parametrize("order", ["EU page first", "Takeda page first", "one crawl"])
def test_a_page_that_came_before_the_nct_trial_naming_its_eudract_number_joins_it(tmp_path: Path, order: str) -> None:
    (eu,) = parse_document(EU, source_url=EU_URL).records
    assert eu.nct_id == f"EUCTR{EUDRACT}" and EUDRACT in parse_document(NOW, source_url=URL).records[0].secondary_ids
    data = tmp_path / "data"
    if order == "one crawl":
        with Catalog(load(data)) as c, c.writer() as w:
            w.add_document(EU, EU_URL, source_url=EU_URL)
            w.add_document(NOW, URL, source_url=URL)
    else:
        crawls = [(EU, EU_URL), (NOW, URL)]
        for body, url in crawls if order == "EU page first" else crawls[::-1]:
            _crawl(data, body, url=url)

    assert _pages(data) == {NCT: [("euctr", EU_URL), ("takeda", URL)]}
    assert _found(Trials(data)) == [NCT] and _stats_count(Trials(data)) == 1
    with Catalog(load(data)) as c:
        assert c.store.resolve(eu.nct_id) == NCT and c.indexed_count() == 1
        merger = c.store.merged_into(eu.nct_id)
        # Known as a trial of its own before the Takeda page came (in the same crawl too: it came first).
        assert (merger is not None and merger.into == NCT) == (order != "Takeda page first")
    merged = _tables(data)
    for body, url in ((EU, EU_URL), (NOW, URL), (EU, EU_URL)):  # taking both pages again changes nothing
        _crawl(data, body, url=url)
    assert _tables(data) == merged
