"""Reads of the record store: records by any id, some of their fields, counts, facets and versions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from indexer.record import TrialRecord
from indexer.store.audit import Snapshot, schema_text, snapshot, table_rows
from indexer.store.db import Database
from indexer.store.facets import BY_PATH, Facets
from indexer.store.removals import Removal, removals_among
from indexer.store.trialids import TrialIds

if TYPE_CHECKING:
    from indexer.store.briefs import StoredJson, TrialBrief, TrialSummary
    from indexer.store.merging import Merger
    from indexer.store.nearsites import AtSite
    from indexer.store.versions import Version


class RecordReads:
    """The read half of `RecordStore` (records.py), over its connection, facets and id table."""

    _db: Database
    facets: Facets
    ids: TrialIds

    def current_source(self, nct_id: str) -> str | None:
        found = self._db.one("SELECT source FROM records WHERE nct_id = ?", (nct_id,))
        return str(found) if found is not None else None

    def resolve(self, any_id: str) -> str | None:
        """The trial an id names: its NCT id, a source's id or page, or a sponsor's or secondary id.

        Two index look-ups, whatever the store's size (`trial_ids` holds every id but the NCT ids)."""
        found = self.resolve_all(any_id)
        return found[0] if found else None

    def resolve_all(self, any_id: str, *, besides: str = "") -> list[str]:
        """Every trial an id names: one for an NCT id, maybe several for a grant or sponsor's number.
        `besides`: a trial left out, as if it were not stored (`TrialIds.find_all`)."""
        wanted = any_id.strip()
        found = self._db.one("SELECT nct_id FROM records WHERE nct_id = upper(?)", (wanted,))
        if found is not None and found != besides:
            return [str(found)]
        return self.ids.find_all(wanted, besides=besides)

    def removals(self, ids: Sequence[str]) -> dict[str, Removal]:
        """Those of these trials the registry no longer has, with when that was found. Here, not in
        the event log: every search asks it of its results, and the event log's module is not loaded
        by a search (start-up)."""
        return removals_among(self._db, ids)

    def merged_into(self, any_id: str) -> Merger | None:
        """The trial this id's trial was merged into (its pages joined that one), and when; else None."""
        from indexer.store.merging import merged_into  # `show` and `history` of an id only

        return merged_into(self._db, any_id.strip().upper())

    def get(self, nct_id: str) -> TrialRecord | None:
        row = self._db.one("SELECT record FROM records WHERE nct_id = ?", (nct_id.upper(),))
        return TrialRecord.from_dict(orjson.loads(row)) if row is not None else None

    def _by_id(self, select: str, ids: Iterable[str], params: Sequence[Any] = ()) -> Iterator[Any]:
        """Rows of `SELECT ... FROM records` for these ids."""
        return self._db.by_ids(f"{select} FROM records", ids, params)

    def get_many(self, ids: Iterable[str]) -> dict[str, TrialRecord]:
        rows = self._by_id("SELECT nct_id, record", ids)
        return {nct_id: TrialRecord.from_dict(orjson.loads(rec)) for nct_id, rec in rows}

    def indexable(self, ids: Iterable[str]) -> list[tuple[str, str, TrialRecord]]:
        """(id, content hash, record) of these stored records, read together: what an index commit marks."""
        rows = self._by_id("SELECT nct_id, content_hash, record", ids)
        return [(nct_id, digest, TrialRecord.from_dict(orjson.loads(rec))) for nct_id, digest, rec in rows]

    def briefs(self, ids: Iterable[str]) -> dict[str, TrialBrief]:
        """Id, title, status and address of each of these records that is stored (none decoded)."""
        from indexer.store.briefs import briefs  # `watch run` only

        return briefs(self._db, ids)

    def summaries(self, ids: Iterable[str]) -> dict[str, TrialSummary]:
        """The summary (a CSV row's fields) of each of these records that is stored, none decoded: what a
        table or CSV list of search results shows."""
        from indexer.store.briefs import summaries

        return summaries(self._db, ids)

    def stored_json(self, ids: Iterable[str]) -> dict[str, StoredJson]:
        """The stored JSON of each of these records that is stored, and what its freshness is read of, none
        decoded: what a JSON list of search results writes, the record's fields spliced with the result's."""
        from indexer.store.briefs import stored_json

        return stored_json(self._db, ids)

    def at_sites(self, wanted: Sequence[tuple[str, int]], *, json: bool) -> dict[str, AtSite]:
        """Of each (trial, site index) pair a search index found (the trial's nearest site to a place), the
        site's fields and the trial's summary or (`json`) stored JSON, none decoded nor parsed in Python."""
        from indexer.store.nearsites import at_sites  # searches near a place only

        return at_sites(self._db, wanted, json=json)

    def content_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        """The content hash of each of these records that is stored (read without its JSON)."""
        return dict(self._by_id("SELECT nct_id, content_hash", ids))

    def iter_records(self, ids: Iterable[str] | None = None) -> Iterator[TrialRecord]:
        if ids is not None:
            yield from self.get_many(ids).values()
            return
        for (rec,) in self._db.execute("SELECT record FROM records ORDER BY nct_id"):
            yield TrialRecord.from_dict(orjson.loads(rec))

    def iter_json_lines(self) -> Iterator[bytes]:
        """Every record's stored JSON as one UTF-8 line (newline included), in id order, never decoded (export)."""
        # Read through a memory map (SQLite caps it at 2 GB), and let SQLite add the newline: at 500k
        # records this loop is a third of the time of joining fetchmany() chunks in Python.
        self._db.execute("PRAGMA mmap_size = 2147418112")
        for (line,) in self._db.execute("SELECT CAST(record || char(10) AS BLOB) FROM records ORDER BY nct_id"):
            yield line

    def has_record(self, nct_id: str) -> bool:
        return self._db.one("SELECT 1 FROM records WHERE nct_id = ?", (nct_id,)) is not None

    def count(self) -> int:
        return int(self._db.one("SELECT count(*) FROM records"))

    def count_versions(self) -> int:
        """Versions of the stored trials: not those a trial merged into another keeps as its history (it is
        no trial of its own any more, nor counted among the records). Merged trials are few: looked up by type."""
        return int(
            self._db.one(
                "SELECT (SELECT count(*) FROM versions) - (SELECT count(*) FROM versions WHERE nct_id IN"
                " (SELECT nct_id FROM events WHERE type = 'merged') AND nct_id NOT IN (SELECT nct_id FROM records))"
            )
        )

    def facet(self, name: str) -> list[tuple[str | None, int]]:
        """Counts of one field's values (list fields counted per item), most first, None last.

        `name` is a facet (`indexer.store.facets.FIELDS`: status, phase, ..., country) or its JSON path.
        """
        return self.facets.counts(BY_PATH.get(name, name))

    def country_facet(self) -> list[tuple[str | None, int]]:
        """Trials per country of their sites (a trial counts once per country)."""
        return self.facets.counts("country")

    def snapshot(self) -> Snapshot:
        """Every record id, version and hash, and the change and event counts (to compare two stores)."""
        return snapshot(self._db)

    def table_rows(self) -> Iterator[tuple[str, list[str], list[tuple[Any, ...]]]]:
        """Every table's name, columns and sorted rows, and then the schema: a whole store, to compare two."""
        yield from table_rows(self._db)
        yield "sqlite_master", ["type", "name", "sql"], schema_text(self._db)

    # -- versions -----------------------------------------------------------
    def history(self, nct_id: str) -> list[Version]:
        """Every stored version of a trial, oldest first, each with its changes from the one before."""
        from indexer.store.versions import history as version_history  # for `history` only

        return version_history(self._db, nct_id.upper())
