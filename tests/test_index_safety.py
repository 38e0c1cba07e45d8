"""The index is disposable and the store is the truth: readers never delete, damage is named, reindex repairs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.catalog import Catalog
from indexer.config import load
from indexer.index import generations
from indexer.index.base import IndexUnavailable
from indexer.index.document import SearchQuery
from tests.conftest import FIXTURES, ROOT, Trials

SOURCES = [FIXTURES / "ctgov_xml", FIXTURES / "ctgov" / "NCT00057759.json", FIXTURES / "ctgov" / "NCT00080808.json"]


@pytest.fixture
def filled(data_dir: Path) -> Trials:
    trials = Trials(data_dir)
    trials("--quiet", "ingest", *map(str, SOURCES))
    return trials


def test_searches_during_repeated_reindexes_always_answer(filled: Trials, data_dir: Path) -> None:
    with Catalog(load(data_dir)) as c:
        expected = c.search_ids(SearchQuery(limit=100)).total
        lupus = c.search_ids(SearchQuery(conditions=("lupus",))).total
    assert expected == 5 and lupus == 2
    reindexer = subprocess.Popen(
        [sys.executable, "-c", "from indexer.catalog import Catalog\nfrom indexer.config import load\nimport sys\n"
         "for _ in range(8):\n    with Catalog(load(sys.argv[1])) as c: c.reindex()", str(data_dir)],
        cwd=ROOT,
    )  # fmt: skip
    answers = []
    try:
        while reindexer.poll() is None or len(answers) < 20:
            with Catalog(load(data_dir)) as c:  # a new reader each time, as each `trials search` is
                answers.append((c.search_ids(SearchQuery(limit=100)).total, c.search_ids(
                    SearchQuery(conditions=("lupus",))).total))  # fmt: skip
    finally:
        reindexer.wait(timeout=120)
    assert reindexer.returncode == 0
    assert set(answers) == {(expected, lupus)}, f"{len(answers)} searches: {sorted(set(answers))}"
    live = generations.current(data_dir / "index")
    assert live is not None
    assert len([p for p in (data_dir / "index").iterdir() if p.name.startswith("gen-")]) <= 2  # old ones pruned


def _damage_meta(data_dir: Path) -> None:
    live = generations.current(data_dir / "index")
    assert live is not None
    meta = live[0] / "meta.json"
    meta.write_bytes(meta.read_bytes()[:20])


@pytest.mark.parametrize(
    "damage",
    [
        _damage_meta,
        lambda d: (d / "index" / "CURRENT").write_text("{not json"),
        lambda d: __import__("shutil").rmtree(d / "index"),
    ],
    ids=["truncated meta.json", "garbled pointer", "index deleted"],
)
def test_a_damaged_index_is_named_and_reindex_repairs_it(filled: Trials, data_dir: Path, damage: object) -> None:
    damage(data_dir)  # type: ignore[operator]
    before = {p.name for p in (data_dir / "index").iterdir()} if (data_dir / "index").exists() else set()
    result = filled("search", "lupus", ok=False)
    assert result.exit_code == 1 and "run `trials reindex`" in result.output
    after = {p.name for p in (data_dir / "index").iterdir()} if (data_dir / "index").exists() else set()
    assert after == before  # the reader deleted nothing, created nothing
    filled("--quiet", "reindex")
    assert {r["nct_id"] for r in filled.json("search", "--condition", "lupus")} == {"NCT04077684", "NCT02084238"}


def test_a_write_rebuilds_a_damaged_index_first(filled: Trials, data_dir: Path) -> None:
    _damage_meta(data_dir)
    filled("--quiet", "ingest", str(FIXTURES / "ctgov" / "NCT00544076.json"))
    assert filled.json("search", "--limit", "100").__len__() == 6


def test_a_damaged_store_is_named_not_a_traceback(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "trials.sqlite").write_bytes(b"this is not a database, just bytes " * 200)
    trials = Trials(data_dir)
    for command in (["search", "lupus"], ["stats"], ["ingest", str(SOURCES[0])]):
        result = trials(*command, ok=False)
        assert result.exit_code == 1, result.output
        assert "is damaged" in result.output and "Restore it from a backup" in result.output


def test_reading_an_index_that_is_not_there_raises_the_named_error(data_dir: Path, filled: Trials) -> None:
    __import__("shutil").rmtree(data_dir / "index")
    with Catalog(load(data_dir)) as c, pytest.raises(IndexUnavailable):
        c.search_ids(SearchQuery())
    assert not (data_dir / "index").exists() or not any((data_dir / "index").iterdir())


def test_a_write_to_an_index_this_user_may_not_write_stops_and_its_rerun_indexes_it(
    filled: Trials, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The index folder made by another user (a `sudo trials reindex`) or mounted read-only: os.access
    # says so (root may write anywhere, so the answer is given here rather than by chmod).
    index_dir = data_dir / "index"
    real_access = os.access

    def access(path: str | os.PathLike[str], mode: int, **kwargs: object) -> bool:
        if mode & os.W_OK and Path(path).is_relative_to(index_dir):
            return False
        return real_access(path, mode)

    monkeypatch.setattr(os, "access", access)
    study = FIXTURES / "ctgov" / "NCT00544076.json"
    stopped = filled("ingest", str(study), ok=False)
    assert stopped.exit_code == 1 and "is read-only" in stopped.stderr and "run the command again" in stopped.stderr
    monkeypatch.setattr(os, "access", real_access)
    assert [r["nct_id"] for r in filled.json("search", "--limit", "100") if r["nct_id"] == "NCT00544076"] == []
    filled("--quiet", "ingest", str(study))  # stored already: the rerun only indexes it
    assert [r["nct_id"] for r in filled.json("search", "NCT00544076")] == ["NCT00544076"]
    counts = {row["what"]: row["count"] for row in filled.json("stats")}
    assert counts["indexed"] == counts["records"] == 6


def _generation_folders(data_dir: Path) -> set[str]:
    return {p.name for p in (data_dir / "index").iterdir() if p.name.startswith("gen-")}


def test_a_write_removes_the_generation_a_reindex_replaced_once_no_reader_can_still_be_opening_it(
    filled: Trials, data_dir: Path
) -> None:
    first = _generation_folders(data_dir)
    filled("--quiet", "reindex")
    both = _generation_folders(data_dir)
    live = generations.current(data_dir / "index")
    assert live is not None and len(first) == 1 and len(both) == 2 and live[0].name not in first
    # Just swapped: a reader may have read the old pointer a moment ago, so a write keeps the old one.
    filled("--quiet", "ingest", str(FIXTURES / "ctgov" / "NCT00544076.json"))  # a new trial: the index is written
    assert _generation_folders(data_dir) == both
    # Swapped longer ago than any reader takes to open what it read: the next write frees its disk.
    pointer = data_dir / "index" / generations.POINTER
    past = pointer.stat().st_mtime - 3600  # an hour ago
    os.utime(pointer, (past, past))
    filled("--quiet", "ingest", str(FIXTURES / "ctgov" / "partial_fields.json"))
    assert _generation_folders(data_dir) == {live[0].name}
    with Catalog(load(data_dir)) as c:
        assert c.search_ids(SearchQuery(limit=100)).total == c.store.count() == 7
