"""Records read from source pages, rewritten in place when a newer parser reads their kept pages again."""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson

from indexer.clock import now_iso
from indexer.record import TrialRecord
from indexer.store.db import Database
from indexer.store.facets import Facets
from indexer.store.likeness import Likeness
from indexer.store.trialids import TrialIds


class PageRow(NamedTuple):  # a row; not a dataclass, made at the import of every command that opens a store
    """One source record's key and links (`source_records`), without its JSON."""

    source: str
    source_id: str  # the page's address, or the source's own id
    trial_id: str
    raw_hash: str | None  # its page's bytes in `raw`; None: a page of several trials, kept whole
    content_hash: str


class TrialPage(NamedTuple):  # a row, as PageRow
    """One page record of a trial (or the trial's own record, keyed as a page's) with its register's date."""

    source: str
    source_id: str  # the page's address, or its trial id
    content_hash: str
    date: str | None  # the register's last update of it (`last_update_posted`)


class PageRecords:
    """The page-record half of `RecordStore` (records.py), over its connection and derived tables."""

    _db: Database
    ids: TrialIds
    facets: Facets
    likeness: Likeness
    _stored: dict[str, TrialRecord]
    _replaced: set[str]
    _retired: list[str]  # trials the open transaction merged into others: their index documents go

    def _remember_filing(self, nct_id: str, old: dict[str, Any] | None) -> None: ...

    def retire_if_left(self, old: str, into: str) -> None:
        """`old` lost a page to `into` (inside the transaction): with none left, it is merged into it."""
        from indexer.clock import today_iso
        from indexer.store.merging import retire  # loaded when a page moves: rare

        was = retire(self._db, self.ids, self.facets, self.likeness, old, into, today_iso())
        if was is None:
            return
        self._remember_filing(old, was)  # its MeSH filing is taken back when the transaction ends
        self._stored.pop(old, None)
        self._replaced.discard(old)
        self._retired.append(old)

    def take_retired(self) -> list[str]:
        """The trials the open transaction merged into others, once: the index deletes their documents."""
        taken, self._retired = self._retired, []
        return taken

    def page_rows(self, source: str) -> list[PageRow]:
        """Every record stored from this source's pages (keys only: a source may have 100,000)."""
        rows = self._db.execute(
            "SELECT source, source_id, trial_id, raw_hash, content_hash FROM source_records WHERE source = ?"
            " ORDER BY source_id",
            (source,),
        )
        return [PageRow(*row) for row in rows]

    def pages_of(self, trial_id: str) -> list[TrialPage]:
        """Every page record of one trial, without its JSON but its date."""
        rows = self._db.execute(
            "SELECT source, source_id, content_hash, json_extract(record, '$.last_update_posted')"
            " FROM source_records WHERE trial_id = ?",
            (trial_id,),
        )
        return [TrialPage(*row) for row in rows]

    def record_page(self, nct_id: str) -> TrialPage | None:
        """The trial's own record keyed as a page's (its source, and its address else its trial id), or None."""
        row = self._db.execute(
            "SELECT source, coalesce(source_url, nct_id), content_hash, json_extract(record, '$.last_update_posted')"
            " FROM records WHERE nct_id = ?",
            (nct_id,),
        ).fetchone()
        return TrialPage(*row) if row is not None else None

    def page_raw_hash(self, row: TrialPage) -> str | None:
        """Where its page's bytes are kept (`raw`); None: a page of several trials, kept whole."""
        found = self._db.one(
            "SELECT raw_hash FROM source_records WHERE source = ? AND source_id = ?", (row.source, row.source_id)
        )
        return str(found) if found is not None else None

    def page_record(self, row: PageRow | TrialPage) -> TrialRecord | None:
        found = self._db.one(
            "SELECT record FROM source_records WHERE source = ? AND source_id = ?", (row.source, row.source_id)
        )
        return TrialRecord.from_dict(orjson.loads(found)) if found is not None else None

    def rewrite_page(self, row: PageRow, record: TrialRecord) -> bool:
        """Replace a page's stored record with `record`, the same page read again (inside a transaction).

        In place: no version and no event, since the registry changed nothing; the row moves to the
        address `record` names (source_url, else its trial id) when the parser now names the page
        otherwise, as an ingest of it would key it. The trial's own record, when it is this page's (a trial
        no registry of record has), is rewritten alike with its version's hash, and so becomes pending
        indexing (the schema's trigger). Returns whether it was.
        """
        if record.nct_id != row.trial_id:
            raise ValueError(f"{row.source} {row.source_id}: read again as {record.nct_id}, stored as {row.trial_id}")
        from indexer.record_hash import serialise  # not loaded by reading commands

        blob, digest = serialise(record)
        source_id = record.source_url or record.nct_id
        self._db.execute("DELETE FROM source_records WHERE source = ? AND source_id = ?", (row.source, row.source_id))
        self.ids.drop_source(row.source, row.source_id)
        self._db.execute(
            "INSERT INTO source_records VALUES (?, ?, ?, CAST(? AS TEXT), ?, ?, ?, ?)",
            (record.source, source_id, record.nct_id, blob, digest, row.raw_hash, record.fetched_at, now_iso()),
        )
        self.ids.put_source(record, source_id)
        current = self._db.execute(
            "SELECT version, record FROM records WHERE nct_id = ? AND source = ? AND content_hash = ?",
            (row.trial_id, row.source, row.content_hash),
        ).fetchone()
        if current is None:
            return False  # a registry's record is the trial's, or another page's is
        version, stored = current
        self._remember_filing(row.trial_id, orjson.loads(stored))
        self._db.execute(
            "UPDATE records SET record = CAST(? AS TEXT), content_hash = ?, source_url = ?, updated_at = ?"
            " WHERE nct_id = ?",
            (blob, digest, record.source_url, now_iso(), row.trial_id),
        )
        self._db.execute(
            "UPDATE versions SET content_hash = ?, date = ?, source_url = ? WHERE nct_id = ? AND version = ?",
            (digest, record.last_update_posted, record.source_url, row.trial_id, version),
        )
        self.ids.put_record(record)
        # Its facets, synonym links, MeSH filing and likeness are written when the transaction ends.
        self._replaced.add(row.trial_id)
        self._stored[row.trial_id] = record
        return True
