"""Stored registry pages an older parser read are read again from their kept bytes, once, as no change."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from indexer.catalog import Catalog
from indexer.config import load
from indexer.index.document import SearchQuery
from indexer.ingest.reread import outdated, reread_pages
from indexer.parsers import PAGE_PARSER_VERSIONS, parse_document
from indexer.record import TrialRecord
from indexer.record_hash import content_hash
from indexer.store import RecordStore
from tests.conftest import FIXTURES, Trials

# Made by Trialscout's schema-10 code (commit b2d5399), before the EU CTR, GSK and Takeda parsers read
# outcomes, arms, designs, countries and more, and split criteria as they do now: an ingest of the seven
# real pages below (../shared/data/registries, copied unchanged into tests/fixtures) but Takeda 073-011,
# which was stored from records built in code (`write_records`: no page bytes kept); then the kept bytes
# of Takeda NaltrexBuprop-4004 deleted by hand (its row of the raw table), as a store that lost one.
STORE = FIXTURES / "store_v10_pages" / "trials.sqlite"
EUCTR_3RD = "euctr/EUCTR_2011-005852-33_3rd.html"
EUCTR_DE = "euctr/clinicaltrialsregister.eu_ctr-search_trial_2015-000590-12_DE.html"
EUCTR_CARD = "euctr/clinicaltrialsregister.eu_ctr-search_search_query_2015-000590-12.html"
GSK = "gsk/gsk-clinicalstudyregister.com_study_106847.html"
TAKEDA = "takeda/takedaclinicaltrials.com_browse_summary_TAK-648_101.html"
READ_AGAIN = (EUCTR_3RD, EUCTR_DE, EUCTR_CARD, GSK, TAKEDA)
NO_BYTES = {"NCT02024971": "takeda/takedaclinicaltrials.com_browse_summary_073-011.html"}
BYTES_GONE = {"NCT02616315": "takeda/takedaclinicaltrials.com_browse_summary_NaltrexBuprop-4004.html"}
# The page each trial's own record (none has a registry of record's) was stored from: the card was
# ingested before its trial's protocol page, which is its record either way (test_record_of.py).
TRIAL_PAGE = {
    "EUCTR2011-005852-33": EUCTR_3RD,
    "EUCTR2015-000590-12": EUCTR_DE,
    "NCT01435902": GSK,
    "NCT02684396": TAKEDA,
}


def _today(page: str) -> TrialRecord:
    """The oracle: today's parser on the page file itself, as `trials ingest` reads it."""
    path = FIXTURES / page
    (record,) = parse_document(path.read_bytes(), filename=str(path)).records
    return record


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(STORE, data / "trials.sqlite")
    return data


def _events(store: RecordStore) -> dict[str, list[object]]:
    return {t: list(store.events.for_trial(t)) for t in (*TRIAL_PAGE, *NO_BYTES, *BYTES_GONE)}


def test_pages_an_older_parser_stored_are_read_again_in_place_as_no_change(tmp_path: Path) -> None:
    data = _data(tmp_path)
    Trials(data)("reindex")  # the index as the old parser's records make it
    with Catalog(load(data)) as c:
        before = _events(c.store)
        versions = {t: len(c.store.history(t)) for t in TRIAL_PAGE}
        # A place only today's EU CTR parser reads (the 3rd-country protocol's sites, E.8.6.3).
        assert c.search_ids(SearchQuery(text="Benin")).total == 0
        with c.writer():  # any write (an ingest, a crawl) reads the pages again first
            pass
        stored = {(r.source, r.source_url): r for t in TRIAL_PAGE for r in c.store.sources_for(t)}
        for page in READ_AGAIN:
            today = _today(page)
            assert stored[(today.source, today.source_url)] == today, page
        assert len(stored) == len(READ_AGAIN)  # each page once, under the address it now has
        for trial, page in TRIAL_PAGE.items():
            assert c.store.get(trial) == _today(page), trial
            assert c.store.content_hashes([trial])[trial] == content_hash(_today(page))
            assert len(c.store.history(trial)) == versions[trial]  # rewritten in place: no version
        assert _events(c.store) == before  # and no change event
        assert c.store.pending_index() == []
        assert [h.nct_id for h in c.search_ids(SearchQuery(text="Benin")).hits] == ["EUCTR2011-005852-33"]
        assert outdated(c.store) == []  # once
    # The same pages in other bytes (byte-identical ones are skipped unread): read, compared, unchanged,
    # the card too (its trial's record stays its protocol page's, test_record_of.py).
    again = tmp_path / "again"
    again.mkdir()
    for page in READ_AGAIN:
        (again / Path(page).name).write_bytes((FIXTURES / page).read_bytes() + b"\n<!-- again -->\n")
    said = Trials(data)("ingest", str(again)).output
    assert "0 new, 0 updated, 0 older versions, 5 unchanged" in said, said
    with Catalog(load(data)) as c:
        assert _events(c.store) == before
        assert {t: len(c.store.history(t)) for t in TRIAL_PAGE} == versions


def test_a_page_whose_bytes_are_not_kept_keeps_its_record_and_is_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = _data(tmp_path)
    store = RecordStore(data / "trials.sqlite")
    try:
        kept = [*NO_BYTES, *BYTES_GONE]
        before = {t: (store.get(t), store.sources_for(t), store.content_hashes([t])) for t in kept}
        assert before["NCT02616315"][0] != _today(BYTES_GONE["NCT02616315"])  # the old parser's record
        assert sorted(outdated(store)) == sorted(PAGE_PARSER_VERSIONS)
        with caplog.at_level(logging.WARNING):
            done = reread_pages(store)
        assert sorted((source, source_id) for source, source_id, _ in done.kept) == [
            ("takeda", "NCT02024971"),
            ("takeda", "NCT02616315"),
        ]
        assert dict(done.rewritten) == {"euctr": 3, "gsk": 1, "takeda": 1}
        assert {t: (store.get(t), store.sources_for(t), store.content_hashes([t])) for t in kept} == before
        assert "kept the stored record of takeda page NCT02616315 as it was: its page's bytes are not kept" in (
            caplog.text
        )
        assert "takeda page NCT02024971" in caplog.text
        assert caplog.text.count("read 7 stored pages again") == 1
        assert "5 records rewritten" in caplog.text and "2 kept as they were" in caplog.text
        assert reread_pages(store).read == 0  # the next writer reads none again
    finally:
        store.close()


# What each page parser's version reads its fixture pages into (a digest of their reviewed outputs,
# tests/regen_expected.py): a stored page is read again only when its parser's version rises.
OUTPUTS = {
    ("listing", 2): "04c08017d81e7a9f",
    ("listing", 3): "8a3d043678f476a4",
    # Pages giving a site's country as its ISO code ("US") name it (none of the fixture pages does).
    ("listing", 4): "8a3d043678f476a4",
    ("euctr", 2): "0881ad4dcb0a4b28",
    ("gsk", 2): "dd6ac52f5d2116ce",
    ("takeda", 2): "edb1b1b6d4e38ae0",
    ("takeda", 3): "1db73b799139414f",
}


def test_a_page_parser_that_reads_its_pages_otherwise_has_a_new_version() -> None:
    import hashlib

    for source, version in PAGE_PARSER_VERSIONS.items():
        digest = hashlib.sha256()
        for path in sorted((FIXTURES / source).rglob("*.expected.json")):
            digest.update(path.relative_to(FIXTURES).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        assert OUTPUTS.get((source, version)) == digest.hexdigest()[:16], (
            f"the {source} parser reads its fixture pages into other records: raise PAGE_PARSER_VERSIONS"
            f"[{source!r}] (indexer/parsers/__init__.py) to {version + 1}, so that stores read their {source}"
            f" pages again, and add ({source!r}, {version + 1}): {digest.hexdigest()[:16]!r} here"
        )
