"""Commands that read every record hold a bounded part of them at a time, not memory that grows with the store."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import tracemalloc
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.ingest.files import ingest_paths
from indexer.record import TrialRecord
from search_cli.main import cli
from search_cli.output import dumps
from tests.conftest import CTGOV, FIXTURES


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory of 600 real ClinicalTrials.gov studies (API v2), indexed."""
    data = tmp_path_factory.mktemp("bounded") / "data"
    files = sorted((CTGOV / "v2").glob("NCT*.json"))[:600]
    with Catalog(load(data)) as c:
        assert ingest_paths(c, files)["new"] == 600
    return data


def _stored(data: Path) -> tuple[list[TrialRecord], int]:
    """The records, and the size of their stored JSON."""
    with Catalog(load(data)) as c:
        return list(c.store.iter_records()), sum(map(len, c.store.iter_json_lines()))


def _peak(run: Callable[[], object]) -> int:
    """Python's peak allocation while `run` runs (after a first run, so imports and caches are not counted)."""
    run()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _trials_to_file(data: Path, out: Path, *args: str) -> Callable[[], object]:
    """`trials ARGS` in this process, its standard output a file (written through, not kept in memory)."""

    def run() -> None:
        with out.open("w", encoding="utf-8") as f, contextlib.redirect_stdout(f):
            cli.main(["--data-dir", str(data), "--quiet", *args], prog_name="trials", standalone_mode=False)

    return run


@pytest.mark.parametrize("fmt", ["--json", "--csv"])
def test_export_writes_records_as_it_reads_them(studies: Path, tmp_path: Path, fmt: str) -> None:
    # `export --json` held every record and its dict at once: 10 GB of a 100k store (50 GB at 500k);
    # `--csv` 2.2 GB. Here: 600 real studies, about 6 MB of JSON.
    stored, json_bytes = _stored(studies)
    out = tmp_path / "export"
    peak = _peak(_trials_to_file(studies, out, "export", fmt))
    text = out.read_text(encoding="utf-8")
    if fmt == "--json":  # the bytes the whole list gives, encoded at once
        assert text == dumps([r.to_dict() for r in stored]) + "\n"
        assert json.loads(text) == [r.to_dict() for r in stored]
    else:
        rows = list(csv.DictReader(text.splitlines()))
        assert [row["nct_id"] for row in rows] == [r.nct_id for r in stored]
        assert [row["brief_title"] for row in rows] == [r.brief_title or "" for r in stored]
    assert json_bytes > 5_000_000
    # A record at a time: 2.4 MB here, the largest one's encoding (all at once: 58 MB for --json, 12 MB for --csv).
    assert peak < json_bytes / 2, (peak, json_bytes)


def test_export_of_an_empty_store_is_an_empty_list(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Catalog(load(data)):
        pass
    out = tmp_path / "export"
    _trials_to_file(data, out, "export", "--json")()
    assert out.read_text() == "[]\n"


def test_export_json_streams_the_stored_json(studies: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As --ndjson: no record decoded (3,700 records a second at 500k when each was; the goal is 50,000).
    stored, _ = _stored(studies)

    def no_decoding(*args: object) -> TrialRecord:
        raise AssertionError("a record was decoded")

    monkeypatch.setattr(TrialRecord, "from_dict", classmethod(no_decoding))
    out = tmp_path / "export"
    _trials_to_file(studies, out, "export", "--json")()
    assert out.read_text(encoding="utf-8") == dumps([r.to_dict() for r in stored]) + "\n"


def test_export_csv_reads_the_columns_without_decoding_a_record(
    studies: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same cells as a search's --csv makes of each decoded record, every column of 600 real studies.
    import io

    from search_cli.output import emit_records

    stored, _ = _stored(studies)
    expected = io.StringIO()
    emit_records(stored, "csv", out=expected)

    def no_decoding(*args: object) -> TrialRecord:
        raise AssertionError("a record was decoded")

    monkeypatch.setattr(TrialRecord, "from_dict", classmethod(no_decoding))
    out = tmp_path / "export.csv"
    _trials_to_file(studies, out, "export", "--csv")()
    got = out.read_text(encoding="utf-8")
    assert got.splitlines()[0].split(",")[:3] == ["nct_id", "brief_title", "overall_status"]
    assert got.splitlines() == expected.getvalue().splitlines()  # (the file read back in text mode)


class _Counting:
    """A search index that only reads what a rebuild gives it, and notes the memory held once it has read all."""

    held = 0

    def rebuild(self, records: Iterable[TrialRecord]) -> int:
        count = sum(1 for _ in records)
        self.held = tracemalloc.get_traced_memory()[0]
        return count


def _held_after_reading_every_record(data: Path) -> tuple[int, list[list[str]]]:
    """What a rebuild holds once it has read every record (before it makes the groups and counts from
    what it gathered), and the synonym groups it makes."""
    from indexer.reindex import rebuild

    with Catalog(load(data)) as c:
        index = _Counting()
        rebuild(c.store, index, "tantivy")  # type: ignore[arg-type]
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            assert rebuild(c.store, index, "tantivy") == c.store.count()  # type: ignore[arg-type]
        finally:
            tracemalloc.stop()
        return index.held - start, sorted(sorted(g) for g in c.store.synonyms.groups())


def test_reindex_holds_the_records_terms_not_each_records_links(tmp_path: Path) -> None:
    # `trials reindex` kept every record's synonym links and MeSH filing until the end of its pass over
    # the records: 77 MB of Python objects at 100k records, growing with each record however often its
    # terms had come before. Here: 150 real studies, then each written 7 times more under new ids.
    data = tmp_path / "data"
    files = sorted((CTGOV / "v2").glob("NCT*.json"))[:150]
    with Catalog(load(data)) as c:
        assert ingest_paths(c, files)["new"] == 150
        studies = list(c.store.iter_records())
    once, groups = _held_after_reading_every_record(data)
    with Catalog(load(data)) as c:
        copies = [dataclasses.replace(r, nct_id=f"NCT9{n}{r.nct_id[4:]}") for n in range(1, 8) for r in studies]
        write_records(c, copies)
        assert c.store.count() == 1200
    eight_times, groups_of_copies = _held_after_reading_every_record(data)
    assert groups_of_copies == groups and len(groups) > 10  # the same links, the same groups
    # Eight times the records, the same terms: what is held grows with the terms, not the records (74 KB
    # then 100 KB; before: 122 KB then 893 KB).
    assert eight_times < 2 * once, (once, eight_times)


def test_a_watch_names_its_new_matches_without_reading_them_whole(studies: Path, tmp_path: Path) -> None:
    # A watch's first run decoded every trial it matched (up to 10,000): 450 MB at 10,000 on a 100k
    # store, and `watch run` holds every watch's run until all are delivered.
    stored, json_bytes = _stored(studies)
    _trials_to_file(studies, tmp_path / "added", "watch", "add", "everything", "--status", "any")()
    out = tmp_path / "run"
    peak = _peak(_trials_to_file(studies, out, "watch", "run", "everything", "--dry-run", "--json"))
    (run,) = json.loads(out.read_text())
    assert run["first_run"] and len(run["new_matches"]) == len(stored) == 600
    by_id = {r.nct_id: r for r in stored}
    for found in run["new_matches"]:
        r = by_id[found["nct_id"]]
        assert (found["brief_title"], found["overall_status"], found["source_url"]) == (
            r.brief_title,
            r.overall_status,
            r.source_url,
        )
    # Titles and statuses only: 1.3 MB here, the search and the report (the records whole: 12.4 MB).
    assert peak < json_bytes / 3, (peak, json_bytes)


def test_the_key_heading_fix_reads_the_records_it_re_splits_a_chunk_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The schema 6 upgrade read every record holding a criterion "Key" at once (1 to 2% of registry
    # studies start a line "Key Inclusion Criteria:": 100 MB of JSON at 500k). Here: 300 trials, 10 a chunk.
    import re

    from indexer.parsers.criteria import split_criteria
    from indexer.store import rehash
    from indexer.store.db import Database

    data = tmp_path / "data"
    with Catalog(load(data)) as c:
        ingest_paths(c, [FIXTURES / "criteria_key" / "NCT00448292.xml"])
        today = c.store.get("NCT00448292")
        assert today is not None and today.eligibility.criteria_text
        # What the code before schema 6 stored (tests/test_upgrade.py): a criterion "Key".
        old_text = re.sub(
            r"(?m)^(\s*Key)[ \t]+(?=(?:Inclusion|Exclusion) Criteria)", r"\1\n", today.eligibility.criteria_text
        )
        inclusion, exclusion = split_criteria(old_text)
        old = dataclasses.replace(
            today, eligibility=dataclasses.replace(today.eligibility, inclusion=inclusion, exclusion=exclusion)
        )
        ids = [f"NCT9{n:07d}" for n in range(300)]
        with c.store.transaction():
            for i in ids:
                c.store.put(dataclasses.replace(old, nct_id=i))
        json_bytes = sum(map(len, c.store.iter_json_lines()))
    monkeypatch.setattr(rehash, "CHUNK", 10)
    db = Database(data / "trials.sqlite")
    try:
        tracemalloc.start()
        try:
            with db.transaction():
                changed = rehash.resplit_key_headings(db)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    finally:
        db.close()
    assert changed == 300
    with Catalog(load(data)) as c:
        assert all(c.store.get(i) == dataclasses.replace(today, nct_id=i) for i in ids)
    assert json_bytes > 2_000_000
    # A chunk at a time: 0.3 MB (all at once: 3.1 MB).
    assert peak < json_bytes / 2, (peak, json_bytes)
