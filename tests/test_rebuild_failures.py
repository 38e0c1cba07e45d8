"""A rebuild that fails says whose failure it was, and never removes the generation it made live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.index import generations
from indexer.index.document import SearchQuery
from indexer.index.tantivy_index import TantivyIndex
from indexer.parsers import parse
from indexer.record import TrialRecord
from indexer.store.db import StoreDamaged
from tests.conftest import FIXTURES

RECORDS = [r for p in sorted((FIXTURES / "ctgov_xml").glob("*.xml")) for r in parse(p.read_bytes())]


def folders(root: Path) -> set[str]:
    return {p.name for p in root.iterdir() if p.is_dir()}


def test_a_damaged_store_is_said_as_such_and_its_partial_generation_goes(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path / "index")
    index.rebuild(RECORDS)
    before = folders(tmp_path / "index")

    def damaged() -> Iterator[TrialRecord]:
        yield RECORDS[0]
        raise StoreDamaged("trials.sqlite is damaged: restore it from a backup")

    with pytest.raises(StoreDamaged, match="restore it from a backup"):  # not "the index could not be written"
        index.rebuild(damaged())
    assert folders(tmp_path / "index") == before  # the partial one is gone, the live one stays
    assert TantivyIndex(tmp_path / "index").search(SearchQuery(limit=100)).total == len(RECORDS)


def test_a_rebuild_stopped_after_its_swap_keeps_the_live_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = TantivyIndex(tmp_path / "index")
    index.rebuild(RECORDS[:1])

    def interrupted(root: Path, keep: set[str]) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the old generations are removed

    monkeypatch.setattr(generations, "_prune", interrupted)
    with pytest.raises(KeyboardInterrupt):
        index.rebuild(RECORDS)
    found = generations.current(tmp_path / "index")
    assert found is not None and found[0].is_dir()
    assert TantivyIndex(tmp_path / "index").search(SearchQuery(limit=100)).total == len(RECORDS)

    def cannot(root: Path, keep: set[str]) -> None:
        raise PermissionError(13, "Permission denied", str(root))

    monkeypatch.setattr(generations, "_prune", cannot)
    assert index.rebuild(RECORDS[:2]) == 2  # an old folder left behind fails nothing
    assert TantivyIndex(tmp_path / "index").search(SearchQuery(limit=100)).total == 2
