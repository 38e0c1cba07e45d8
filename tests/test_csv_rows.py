"""`export --csv` writes each record's row as the store keeps it with the record: right after every kind of write."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import re
import shutil
import tracemalloc
from collections.abc import Iterable
from pathlib import Path

import pytest

from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.freshness import freshness
from indexer.ingest.files import ingest_paths
from indexer.record import TrialRecord
from indexer.store import RecordStore
from indexer.store.schema import SCHEMA_VERSION
from search_cli.main import cli
from tests.conftest import CTGOV, FIXTURES

# The columns of a CSV list of trials, as the docs name them (docs/cli.md).
HEADER = (
    "nct_id,brief_title,overall_status,phases,study_type,conditions,interventions,lead_sponsor,enrollment,"
    "min_age_years,max_age_years,sex,healthy_volunteers,start_date,completion_date,last_update_posted,"
    "status_verified,stale,source_url"
)
# Takeda's real page of NCT00770497 (../shared/data/registries/takeda), and the same page before the register
# named the NCT number: a trial known from that page alone, merged into NCT00770497 when the page names it.
PAGE = FIXTURES / "takeda" / "takedaclinicaltrials.com_browse_summary_ATS_20K023.html"
URL = "https://www.takedaclinicaltrials.com/browse/summary/ATS%20K023"
NOW = PAGE.read_bytes()
BEFORE = NOW.replace(b'<span class="ext-link">NCT00770497</span>', b'<span class="ext-link"></span>')
VERSIONS = CTGOV / "xml_versions"


def _expected(records: Iterable[TrialRecord]) -> str:
    """The oracle: each decoded record's cells, read off its fields, control characters dropped, in id order."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEADER.split(","))
    for r in sorted(records, key=lambda r: r.nct_id):
        e = r.eligibility
        cells = [
            *(r.nct_id, r.brief_title, r.overall_status, "|".join(r.phases), r.study_type, "|".join(r.conditions)),
            *("|".join(i.name for i in r.interventions), r.lead_sponsor, r.enrollment, e.min_age_years),
            *(e.max_age_years, e.sex, e.healthy_volunteers, r.start_date, r.completion_date, r.last_update_posted),
            *(r.status_verified, freshness(r).stale, r.source_url),
        ]
        w.writerow([re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", "", c) if isinstance(c, str) else c for c in cells])
    return out.getvalue()


def _export(data: Path) -> str:
    """`trials export --csv`, its output as written (line ends kept)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli.main(["--data-dir", str(data), "--quiet", "export", "--csv"], prog_name="trials", standalone_mode=False)
    return out.getvalue()


def _state(data: Path) -> tuple[list[TrialRecord], list[tuple[object, ...]]]:
    """The stored records, and the CSV rows kept with them."""
    with Catalog(load(data)) as c:
        return list(c.store.iter_records()), list(c.store.csv_rows)


def _assert_rows_match_records(data: Path) -> list[TrialRecord]:
    records, kept = _state(data)
    assert [k[0] for k in kept] == sorted(r.nct_id for r in records)  # one row a record, none of a deleted one
    assert _export(data) == _expected(records)
    return records


def test_the_rows_follow_each_update_and_an_older_version_slotted_in(tmp_path: Path) -> None:
    data = tmp_path / "data"
    seen: set[tuple[str | None, str | None, str | None]] = set()
    for name in ("2016-08-16.xml", "2017-01-18.xml", "2017-08-08.xml", "2018-05-11.xml"):
        with Catalog(load(data)) as c:
            ingest_paths(c, [VERSIONS / "NCT02798588" / name])
        [record] = _assert_rows_match_records(data)
        seen.add((record.overall_status, record.last_update_posted, record.status_verified))
    assert len(seen) == 3  # NOT_YET_RECRUITING to RECRUITING, and the dates: the row moved with them
    # NCT00734539's newest download, then an older one: the older is slotted in before it, and the
    # row stays the newest's.
    for name in ("2018-05-11.xml", "2016-08-29.xml"):
        with Catalog(load(data)) as c:
            ingest_paths(c, [VERSIONS / "NCT00734539" / name])
    records = _assert_rows_match_records(data)
    [newest] = [r for r in records if r.nct_id == "NCT00734539"]
    assert newest.fetched_at == "2018-05-11"


def test_a_trial_merged_into_another_leaves_no_row(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for body in (BEFORE, NOW):
        with Catalog(load(data)) as c, c.writer() as w:
            w.add_document(body, URL, source_url=URL)
        records = _assert_rows_match_records(data)
    assert [r.nct_id for r in records] == ["NCT00770497"]  # the page's trial, merged into the NCT trial


def test_cells_a_csv_must_quote_or_clean_come_out_as_the_csv_writer_writes_them(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Catalog(load(data)) as c:
        ingest_paths(c, [VERSIONS / "NCT02798588" / "2016-08-16.xml"])
        [real] = c.store.iter_records()
    odd = dataclasses.replace(
        real,
        nct_id="NCT99999991",
        brief_title='A "quoted", two-line\ntitle\x1b[31m with\r an escape',
        lead_sponsor="",
        source_url=None,  # a last cell empty: alone in a row, the csv module writes it '""'
        overall_status="RECRUITING",
        status_verified="2015-01",  # stale, whatever the day
    )
    with Catalog(load(data)) as c:
        write_records(c, [odd])
    records = _assert_rows_match_records(data)
    assert len(records) == 2
    [row] = [r for r in csv.DictReader(io.StringIO(_export(data))) if r["nct_id"] == "NCT99999991"]
    assert row["brief_title"] == 'A "quoted", two-line\ntitle[31m with an escape'
    assert (row["stale"], row["source_url"]) == ("True", "")


def test_the_schema_14_upgrade_fills_the_rows_a_fresh_write_gives(tmp_path: Path) -> None:
    # A store written by schema 12's code: NCT00734539's 2018 download, then its 2016 one (tests/fixtures).
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "store_v12_historical" / "trials.sqlite", data / "trials.sqlite")
    store = RecordStore(data / "trials.sqlite")  # opening it upgrades it
    try:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION) == "14"
    finally:
        store.close()
    fresh = tmp_path / "fresh"
    for name in ("2018-05-11.xml", "2016-08-29.xml"):
        with Catalog(load(fresh)) as c:
            ingest_paths(c, [VERSIONS / "NCT00734539" / name])
    assert _state(data)[1] == _state(fresh)[1]
    _assert_rows_match_records(data)


def _upgrade_peak(data: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> int:
    """Python's peak allocation while a schema 13 store upgrades, `chunk` records read at a time."""
    from indexer.store import rehash

    store = RecordStore(data / "trials.sqlite")
    try:
        store.set_meta("schema_version", "13")
    finally:
        store.close()
    monkeypatch.setattr(rehash, "CHUNK", chunk, raising=False)
    tracemalloc.start()
    try:
        store = RecordStore(data / "trials.sqlite")  # opening it upgrades it: every row made again
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    store.close()
    return peak


def test_the_upgrade_fills_the_rows_a_chunk_of_records_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 500k store's records are 6 GB of JSON: the upgrade reads what it needs of them a chunk at a time,
    # so what it holds is a chunk's, whatever the store's size. Here: 600 real studies, 10 or all a chunk.
    data = tmp_path / "data"
    with Catalog(load(data)) as c:
        assert ingest_paths(c, sorted((CTGOV / "v2").glob("NCT*.json"))[:600])["new"] == 600
    written = _state(data)[1]
    _upgrade_peak(data, monkeypatch, 10)  # once first: the modules it loads are not what it holds
    assert _state(data)[1] == written
    whole, chunked = _upgrade_peak(data, monkeypatch, 600), _upgrade_peak(data, monkeypatch, 10)
    assert _state(data)[1] == written
    # 10 records' fields and the largest record's (hundreds of interventions): 0.2 MB; all at once 1.2 MB.
    assert chunked < whole / 3, (chunked, whole)
