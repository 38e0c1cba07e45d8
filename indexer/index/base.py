"""What the catalog needs from a search index; the embedded and the cluster backends both provide it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from indexer.index.document import SearchQuery, SearchResult
from indexer.record import TrialRecord


class IndexUnavailable(RuntimeError):
    """The search index cannot answer (missing, outdated, damaged); the store can rebuild it."""

    def __str__(self) -> str:
        return f"{super().__str__()}; the search index needs rebuilding: run `trials reindex`"


class SearchIndex(Protocol):
    needs_rebuild: bool

    def upsert(self, records: Sequence[TrialRecord]) -> None: ...

    def commit(self) -> None: ...

    def rebuild(self, records: Iterable[TrialRecord]) -> int:
        """Replace the whole index with `records`; searches see the old index until it is done."""
        ...

    def close(self) -> None: ...

    def count(self) -> int: ...

    def doc_freq(self, word: str) -> int:
        """How many documents contain `word` in a text field, near enough to weigh words by idf."""
        ...

    def search(self, q: SearchQuery) -> SearchResult: ...

    def explain(self, q: SearchQuery, nct_id: str) -> dict[str, list[str]]: ...
