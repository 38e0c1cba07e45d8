"""What the catalog needs from a search index; the embedded and the cluster backends both provide it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from indexer.index.document import SearchQuery, SearchResult
from indexer.record import TrialRecord


class IndexUnavailable(RuntimeError):
    """The search index cannot answer (missing, outdated, damaged); the store can rebuild it."""

    def __str__(self) -> str:
        return f"{super().__str__()}; the search index needs rebuilding: run `trials reindex`"


class IndexWriteError(IndexUnavailable):
    """Writing the index failed (a full disk, most often). The store holds every record, and those the
    index lacks stay pending for the next write: the message says what to do, not to rebuild."""

    def __str__(self) -> str:
        return RuntimeError.__str__(self)


def write_failed(exc: BaseException, folder: Path, then: str) -> IndexWriteError:
    """What a failed write of the index in `folder` is reported as: a full disk named as such, with
    what to do (`then`) once space is freed; anything else as itself."""
    from indexer.diskspace import is_full, no_space  # only once a write failed

    if is_full(exc, folder):
        return IndexWriteError(no_space(folder, then))
    return IndexWriteError(f"the search index in {folder} could not be written ({exc}); {then}")


class SearchIndex(Protocol):
    needs_rebuild: bool

    def upsert(self, records: Sequence[TrialRecord]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None:
        """Delete these trials' documents (trials merged into others); an id not indexed is no error."""
        ...

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
