"""The record store's one interface: writes of records, raw documents and source pages, index marks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from indexer.clock import now_iso
from indexer.record import TrialRecord
from indexer.store.db import Database
from indexer.store.facets import Facets
from indexer.store.indexpending import IndexPending
from indexer.store.likeness import Likeness
from indexer.store.mesh import Filing, MeshCounts, filing
from indexer.store.pages import PageRecords
from indexer.store.rawdocs import RawDocuments
from indexer.store.reads import RecordReads
from indexer.store.schema import prepare
from indexer.store.synonyms import DerivedSynonyms
from indexer.store.trialids import TrialIds
from indexer.store.vocabulary import Vocabulary

if TYPE_CHECKING:
    from indexer.history.events import Event
    from indexer.store.crawlstate import CrawlStates
    from indexer.store.csvrows import CsvRows
    from indexer.store.eventlog import EventLog
    from indexer.store.failures import FailureLog
    from indexer.store.watches import WatchStore


@dataclass(frozen=True, slots=True)
class PutResult:
    """What storing one record did; `record` is the trial's current record afterwards."""

    nct_id: str
    status: str  # "new", "updated", "unchanged", "historical" (an older version slotted in)
    version: int
    given: TrialRecord
    stored_json: str | None = None  # the current record's JSON when it is not `given`: decoded only if asked

    @property
    def record(self) -> TrialRecord:
        return TrialRecord.from_dict(orjson.loads(self.stored_json)) if self.stored_json is not None else self.given


class RecordStore(RecordReads, RawDocuments, PageRecords, IndexPending):
    """One SQLite file in WAL mode. Writes go through `transaction()`; records never save themselves.

    Reads of records and versions come from `RecordReads` (reads.py), the source documents kept
    beside them from `RawDocuments` (rawdocs.py), the rewrite of a page's records read again from
    `PageRecords` (pages.py), what the index lacks from `IndexPending` (indexpending.py). Areas other than
    records have
    their own small interfaces over the same connection:
    `crawls` (incremental-crawl state), `events` (what changed), `failures`, `vocabulary`, `facets` (counts by
    field), `synonyms` (the groups the records make), `watches`.
    """

    def __init__(self, path: Path | str, *, readonly: bool | None = None):
        self.path = Path(path)
        self._db = Database(self.path, readonly=readonly)
        prepare(self._db)
        self.vocabulary = Vocabulary(self._db)
        self.facets = Facets(self._db)
        self.synonyms = DerivedSynonyms(self._db)
        self.mesh = MeshCounts(self._db)
        self.ids = TrialIds(self._db)
        self.likeness = Likeness(self._db)
        self._stored: dict[str, TrialRecord] = {}  # records put in the open transaction
        self._replaced: set[str] = set()  # ... of which these had facet rows already
        self._filed: dict[str, Filing] = {}  # MeSH filings of rows the transaction replaced or dropped
        self._retired: list[str] = []  # trials it merged into others (`retire_if_left`)

    # The areas a reading command never touches load on first use: their modules and dataclasses
    # (versions and change events included) were 10% of a search's start-up.
    @cached_property
    def crawls(self) -> CrawlStates:
        from indexer.store.crawlstate import CrawlStates

        return CrawlStates(self._db)

    @cached_property
    def csv_rows(self) -> CsvRows:
        """Each record's CSV row (`export --csv`), kept with it."""
        from indexer.store.csvrows import CsvRows

        return CsvRows(self._db)

    @cached_property
    def events(self) -> EventLog:
        from indexer.store.eventlog import EventLog

        return EventLog(self._db)

    @cached_property
    def failures(self) -> FailureLog:
        from indexer.store.failures import FailureLog

        return FailureLog(self._db, self.put_raw)

    @cached_property
    def watches(self) -> WatchStore:
        from indexer.store.watches import WatchStore  # loaded by the watch commands only (6 ms of start-up)

        return WatchStore(self._db)

    @property
    def readonly(self) -> bool:
        return self._db.readonly

    def require_writable(self) -> None:
        self._db.require_writable()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One SQLite transaction; the facets and synonym groups of the records it stored are written
        at its end, in one go, before it commits."""
        try:
            with self._db.transaction():
                yield
                self._write_derived()
            self.synonyms.committed()
        finally:
            self._stored.clear()
            self._replaced.clear()
            self._filed.clear()
            self._retired.clear()
            self.synonyms.forget_pending()

    def _write_derived(self) -> None:
        self.facets.put(self._stored.values(), replace=self._replaced)
        for record in self._stored.values():
            self.synonyms.learn(record)
        self.mesh.apply(self._filed.values(), (filing(r) for r in self._stored.values()))
        self.likeness.put(self._stored.values())
        self.csv_rows.put(self._stored.values())

    def _remember_filing(self, nct_id: str, old: dict[str, Any] | None) -> None:
        # The MeSH counts hold what the committed rows file: take back the row (decoded) as it was before
        # this transaction first touched it (a row the transaction wrote itself was never counted).
        if old is not None and nct_id not in self._stored and nct_id not in self._filed:
            self._filed[nct_id] = (old.get("condition_mesh") or (), old.get("condition_mesh_ancestors") or ())

    def background_checkpoints(self) -> AbstractContextManager[None]:
        """While a writer commits batch after batch: WAL checkpoints on a thread of their own (checkpoint.py)."""
        from indexer.store.checkpoint import beside

        return beside(self._db)

    def data_version(self) -> int:
        """A number another connection's commit changes (SQLite's data_version): has the data changed?"""
        return int(self._db.one("PRAGMA data_version"))

    # -- meta -------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        value = self._db.one("SELECT value FROM meta WHERE key = ?", (key,))
        return str(value) if value is not None else None

    def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self._db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- records ------------------------------------------------------------
    def put(
        self,
        record: TrialRecord,
        raw: bytes | None = None,
        raw_hash: str | None = None,
        *,
        new: bool = False,
        latest: bool = False,
    ) -> PutResult:
        """Store a record (inside a transaction); a new version only when its content changed.

        `new`: the caller knows the trial has no stored record (`missing`), so it is not looked up.
        `latest`: a changed record is the newest version whatever its date (`add_version`).
        """
        from indexer.record_hash import serialise  # not loaded by reading commands

        blob, digest = serialise(record)
        if raw is not None:
            raw_hash = self.put_raw(raw, raw_hash)
        if raw_hash is not None:
            self._db.execute("INSERT OR IGNORE INTO seen_raw (hash, nct_id) VALUES (?, ?)", (raw_hash, record.nct_id))
        current = None if new else self._db.one("SELECT record FROM records WHERE nct_id = ?", (record.nct_id,))
        from indexer.store.versions import add_version  # 1 us a record; not loaded by reading commands

        result = add_version(self._db, record, blob, digest, raw_hash, current, new=new, latest=latest)
        if result.status not in ("new", "updated"):
            return PutResult(record.nct_id, result.status, result.version, record, current)
        self._remember_filing(record.nct_id, result.replaced)
        # JSON bytes CAST to TEXT by SQLite: the same text, not decoded and then encoded back by the driver.
        self._db.execute(
            "INSERT OR REPLACE INTO records (nct_id, source, source_url, fetched_at, content_hash,"
            " raw_hash, version, record, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT), ?)",
            (
                record.nct_id,
                record.source,
                record.source_url,
                record.fetched_at,
                result.content_hash,
                raw_hash,
                result.version,
                blob,
                now_iso(),
            ),
        )
        self.ids.put_record(record, new=new)
        # Its facets and synonym links are written when the transaction ends (`_write_derived`).
        if result.status == "updated" or record.nct_id in self._stored:
            self._replaced.add(record.nct_id)
        self._stored[record.nct_id] = record
        return PutResult(record.nct_id, result.status, result.version, record)

    def put_source(self, record: TrialRecord, raw: bytes | None = None, raw_hash: str | None = None) -> str:
        """A non-registry source's record (inside a transaction): "new", "updated" or "unchanged"."""
        from indexer.record_hash import serialise  # not loaded by reading commands

        blob, digest = serialise(record)
        if raw is not None:
            raw_hash = self.put_raw(raw, raw_hash)
        if raw_hash is not None:
            self._db.execute("INSERT OR IGNORE INTO seen_raw (hash, nct_id) VALUES (?, ?)", (raw_hash, record.nct_id))
        source_id = record.source_url or record.nct_id
        known = self._db.execute(
            "SELECT content_hash, trial_id FROM source_records WHERE source = ? AND source_id = ?",
            (record.source, source_id),
        ).fetchone()
        if known is not None and known[0] == digest:
            return "unchanged"
        self._db.execute(
            "INSERT OR REPLACE INTO source_records VALUES (?, ?, ?, CAST(? AS TEXT), ?, ?, ?, ?)",
            (
                record.source,
                source_id,
                record.nct_id,
                blob,
                digest,
                raw_hash,
                record.fetched_at,
                now_iso(),
            ),
        )
        self.ids.put_source(record, source_id)
        if known is not None and known[1] != record.nct_id:
            self.retire_if_left(known[1], record.nct_id)  # the page joined another trial
        return "updated" if known is not None else "new"

    def sources_for(self, trial_id: str) -> list[TrialRecord]:
        return [
            TrialRecord.from_dict(orjson.loads(r))
            for (r,) in self._db.execute(
                "SELECT record FROM source_records WHERE trial_id = ? ORDER BY source, source_id", (trial_id,)
            )
        ]

    def drop_history(self, nct_id: str) -> None:
        """Forget a provisional trial row's versions: the registry's own record replaces it."""
        row = self._db.one("SELECT record FROM records WHERE nct_id = ?", (nct_id,))
        self._remember_filing(nct_id, orjson.loads(row) if row is not None else None)
        for table in ("versions", "changes", "events"):
            self._db.execute(f"DELETE FROM {table} WHERE nct_id = ?", (nct_id,))
        self._db.execute("DELETE FROM records WHERE nct_id = ?", (nct_id,))
        self.ids.drop_record(nct_id)
        self.facets.drop(nct_id)
        self.likeness.drop(nct_id)
        self._stored.pop(nct_id, None)

    def missing(self, ids: Iterable[str]) -> set[str]:
        """Those of these trial ids with no stored record: a batch's look-up in one query per 500 ids."""
        wanted = set(ids)
        return wanted - {i for (i,) in self._db.by_ids("SELECT nct_id FROM records", wanted)}

    # -- trials the registry no longer has -----------------------------------
    def mark_removed(self, nct_id: str, event: Event, date: str) -> bool:
        """A 'removed' event for a stored trial (inside a transaction); False if unknown or already marked
        since its last version (one the registry listed again and dropped again is marked again)."""
        if not self.has_record(nct_id) or self.events.removed_among([nct_id]):
            return False
        from indexer.store.versions import write_events

        write_events(self._db, nct_id, None, date, [event])
        return True
