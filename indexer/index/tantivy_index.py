"""Embedded search index on tantivy: generations, writes and searches (its schema: tantivy_schema)."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import tantivy
from tantivy import Occur, Query

from indexer.index import generations, tantivy_schema
from indexer.index.base import IndexUnavailable, IndexWriteError, write_failed
from indexer.index.document import (
    TEXT_FIELDS,
    Hit,
    SearchQuery,
    SearchResult,
    explain_terms,
)
from indexer.index.tantivy_geo import search_near
from indexer.index.tantivy_query import QueryBuilder, stem_analyzer
from indexer.index.tantivy_schema import SCHEMA_VERSION
from indexer.record import TrialRecord
from indexer.spelling import american

log = logging.getLogger(__name__)

# What tantivy raises when a write fails: ValueError for its own errors (a full disk among them),
# RuntimeError for a writer an earlier failure consumed, OSError from the folder.
_WRITE_ERRORS = (ValueError, RuntimeError, OSError)
# What to do after a failed write of the live index (the store committed first: nothing is lost),
# and after a failed rebuild (its partial generation is removed).
_AGAIN = "run the command again: it indexes what is missing first, and stores nothing twice"
_REBUILD_AGAIN = "run the command again; searches use the previous index meanwhile"


class _SourceFailed(Exception):
    """The records a rebuild reads failed (its cause), not the index: kept apart from tantivy's errors."""


def _read(records: Iterable[TrialRecord]) -> Iterator[TrialRecord]:
    try:
        yield from records
    except Exception as exc:
        raise _SourceFailed() from exc


class TantivyIndex:
    """The embedded index under `path`, one generation folder live at a time.

    Readers never change anything on disk: a missing, outdated or damaged index raises
    IndexUnavailable. Writers rebuild it (`needs_rebuild`) into a new generation and swap it in.
    """

    def __init__(self, path: Path):
        self.root = path
        self.schema = tantivy_schema.schema()
        found = generations.current(path)
        self._generation = found[0] if found else None
        self.needs_rebuild = found is None or found[1] != self._marker_value()
        self._index: tantivy.Index | None = None
        self._writer: tantivy.IndexWriter | None = None
        self._read_only: Path | None = None  # the generation opened through a shadow: not ours to write

    def _marker_value(self) -> dict[str, Any]:
        # tantivy is pre-1.0: a new release may change the on-disk format, so rebuild then too.
        return {"schema": SCHEMA_VERSION, "tantivy": tantivy_schema.tantivy_version()}

    def _open(self, folder: Path) -> tantivy.Index:
        self._read_only = None
        if not os.access(folder, os.W_OK):
            self._read_only = folder
            folder = self._shadow(folder)
        return tantivy.Index(self.schema, path=str(folder), reuse=True)

    def _shadow(self, folder: Path) -> Path:
        """A folder of links to a generation we may not write (a read-only data directory).

        tantivy takes lock files beside the index even to read it; in the shadow it can.
        """
        import shutil  # here: with tempfile, 3 ms of every command's start, for this rare case
        import tempfile

        shadow = Path(tempfile.mkdtemp(prefix="trials-index-"))
        atexit.register(shutil.rmtree, shadow, True)
        for entry in folder.iterdir():
            if not entry.name.endswith(".lock"):
                (shadow / entry.name).symlink_to(entry.resolve())
        return shadow

    @property
    def index(self) -> tantivy.Index:
        if self._index is not None:
            return self._index
        if self.needs_rebuild or self._generation is None:
            raise IndexUnavailable("the search index is missing or was built by another version")
        try:
            self._index = self._open(self._generation)
        except (OSError, ValueError) as exc:
            # A reindex may have swapped generations since we read the pointer: follow it once.
            found = generations.current(self.root)
            if found is None or found[0] == self._generation:
                raise IndexUnavailable(f"the search index is damaged ({exc})") from exc
            self._generation = found[0]
            try:
                self._index = self._open(self._generation)
            except (OSError, ValueError) as again:
                raise IndexUnavailable(f"the search index is damaged ({again})") from again
        return self._index

    # -- writes -------------------------------------------------------------
    @property
    def writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            index = self.index
            if self._read_only is not None:
                # What a writer wrote in the shadow would vanish with it, and the store would count it indexed.
                raise IndexWriteError(
                    f"the search index in {self._read_only} is read-only (its permissions, or a read-only "
                    f"mount): make it writable by this user, then {_AGAIN}"
                )
            self._writer = index.writer(heap_size=128_000_000, num_threads=1)
            if self._generation is not None:
                generations.prune_superseded(self.root, self._generation)
        return self._writer

    def upsert(self, records: Sequence[TrialRecord]) -> None:
        try:
            w = self.writer
        except IndexWriteError:
            raise  # said already (a read-only index)
        except _WRITE_ERRORS as exc:
            raise self._failed(exc) from exc
        for r in records:
            doc = tantivy_schema.document(
                r, self.schema
            )  # outside the try: a bad record is a bug, not the disk's fault
            try:
                w.delete_documents_by_term("nct_id", r.nct_id)
                w.add_document(doc)
            except _WRITE_ERRORS as exc:
                raise self._failed(exc) from exc

    def delete(self, ids: Sequence[str]) -> None:
        try:
            w = self.writer
            for nct_id in ids:
                w.delete_documents_by_term("nct_id", nct_id)
        except IndexWriteError:
            raise  # said already (a read-only index)
        except _WRITE_ERRORS as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: Exception) -> IndexWriteError:
        """A write failed: the writer is dropped (it cannot be used again, and its lock goes with it).
        What it had not committed stays pending in the store, for the next write to index."""
        self._writer = None
        return write_failed(exc, self.root, _AGAIN)

    def rebuild(self, records: Iterable[TrialRecord]) -> int:
        """A new generation from `records`, swapped in when complete: searchers see the old one until then.

        Works whatever state the live generation is in (missing, outdated, damaged): it is not read.
        A rebuild that fails (a full disk) removes its partial generation: the live one stays.
        """
        self.close()
        try:
            folder = generations.new_generation(self.root)
        except OSError as exc:
            raise write_failed(exc, self.root, _REBUILD_AGAIN) from exc
        try:
            index, count = self._build(folder, _read(records))
            generations.publish(self.root, folder, self._marker_value())
        except BaseException as exc:
            if not generations.is_live(self.root, folder):  # stopped after the swap (Ctrl-C): it is live
                generations.discard(folder)
            if isinstance(exc, _SourceFailed) and exc.__cause__ is not None:
                raise exc.__cause__  # noqa: B904 (the store's own error, a damaged file, as it was raised)
            if isinstance(exc, _WRITE_ERRORS):
                raise write_failed(exc, self.root, _REBUILD_AGAIN) from exc
            raise
        index.reload()
        self._index, self._generation, self.needs_rebuild = index, folder, False
        return count

    def _build(self, folder: Path, records: Iterable[TrialRecord]) -> tuple[tantivy.Index, int]:
        index = self._open(folder)
        writer = index.writer(heap_size=128_000_000, num_threads=1)
        count = 0
        try:
            for r in records:
                writer.add_document(tantivy_schema.document(r, self.schema))
                count += 1
            writer.commit()
        except BaseException:
            # Its threads stop before the folder is removed (a failed writer's wait fails at once).
            with contextlib.suppress(*_WRITE_ERRORS):
                writer.wait_merging_threads()
            raise
        writer.wait_merging_threads()
        return index, count

    def commit(self) -> None:
        if self._writer is not None:
            try:
                self._writer.commit()
            except _WRITE_ERRORS as exc:
                raise self._failed(exc) from exc
            self.index.reload()

    def close(self) -> None:
        writer, self._writer = self._writer, None  # consumed by the wait, even when it fails
        if writer is None:
            return
        try:
            writer.wait_merging_threads()
        except _WRITE_ERRORS as exc:
            # Everything committed is searchable, and what was not is pending in the store: a failed
            # merge (a full disk) leaves more segments, not fewer documents. Not raised: close runs on
            # the way out of failures too, and would hide the failure that stopped the write.
            log.info("the search index could not merge its segments (%s); searches are not affected", exc)

    # -- reads --------------------------------------------------------------
    def count(self) -> int:
        try:
            self.index.reload()
            return int(self.index.searcher().num_docs)
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"the search index is damaged ({exc})") from exc

    def doc_freq(self, word: str) -> int:
        """The documents of the text field that has `word` (its stem) most often: read from the term
        dictionaries, where a search would count the union of every field's postings (about 2 ms a
        word at 500,000 trials, against 0.04 ms). A lower bound of that union, which idf needs no more."""
        searcher = self.index.searcher()
        # A British spelling is searched as its American one too: it is as frequent as both (a lower bound).
        tokens = {t for w in {word, american(word)} for t in stem_analyzer().analyze(w)[:1]}
        if not tokens:
            return 0
        try:
            found = sum(max(searcher.doc_freq(f, t) for f in TEXT_FIELDS) for t in tokens)
            return min(int(searcher.num_docs), found)
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"the search index is damaged ({exc})") from exc

    def search(self, q: SearchQuery) -> SearchResult:
        searcher = self.index.searcher()
        query = self.build_query(q)  # a bad query value is the caller's ValueError, not damage
        try:
            return self._search(q, searcher, query)
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"the search index is damaged ({exc})") from exc

    def _search(self, q: SearchQuery, searcher: tantivy.Searcher, query: Query) -> SearchResult:
        if q.near is not None:
            return search_near(searcher, self.build_query, q)
        by_date = q.sort == "updated" or not q.has_scoring_terms
        if by_date:
            res = searcher.search(
                query,
                limit=q.limit,
                offset=q.offset,
                count=q.count,
                order_by_field="last_update",
                order=tantivy.Order.Desc,
            )
        else:
            res = searcher.search(query, limit=q.limit, offset=q.offset, count=q.count)
        hits = [Hit(searcher.doc(a)["nct_id"][0], 0.0 if by_date else float(score)) for score, a in res.hits]
        # `count` is set when count=True; the type stub does not declare it.
        return SearchResult(hits, int(getattr(res, "count", 0) or 0))

    def explain(self, q: SearchQuery, nct_id: str) -> dict[str, list[str]]:
        """Which words of the query matched which field of one trial: {"conditions": ["SLE (as lupus)"], ...}.

        Give the expanded query (Catalog.expand) to see synonyms: a match through one is shown as
        "term (as synonym)".
        """
        searcher = self.index.searcher()
        build = QueryBuilder(self.index, self.schema)
        only = build.any_term("nct_id", [nct_id])
        matched: dict[str, list[str]] = {}
        for label, text, fields in explain_terms(q):
            for name in fields:
                query = build.text(text, [name], all_words=True)
                if query is None or label in matched.get(name, []):
                    continue
                both = Query.boolean_query([(Occur.Must, only), (Occur.Must, query)])
                if searcher.search(both, limit=1, count=False).hits:
                    matched.setdefault(name, []).append(label)
        return matched

    def build_query(self, q: SearchQuery) -> Query:
        return QueryBuilder(self.index, self.schema).build(q)
