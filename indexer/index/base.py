"""What the catalog needs from a search index; the embedded and the cluster backends both provide it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from indexer.index.document import SearchQuery, SearchResult
from indexer.record import TrialRecord


class SearchIndex(Protocol):
    needs_rebuild: bool

    def upsert(self, records: Sequence[TrialRecord]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def commit(self) -> None: ...

    def rebuild(self, records: Iterable[TrialRecord]) -> int:
        """Replace the whole index with `records`; searches see the old index until it is done."""
        ...

    def mark_built(self) -> None: ...

    def close(self) -> None: ...

    def count(self) -> int: ...

    def search(self, q: SearchQuery) -> SearchResult: ...

    def explain(self, q: SearchQuery, nct_id: str) -> dict[str, list[str]]: ...
