"""Every id a trial is known by besides its NCT id, indexed and kept with each write, for `resolve`."""

from __future__ import annotations

import json
from collections.abc import Iterable

from indexer.record import TrialRecord
from indexer.store.db import Database

# The kinds of id, best first: an id names the trials that give it as the best kind any gives it as
# (`find_all`); `resolve` takes the lowest NCT id of those.
SOURCE_PAGE, ORG_STUDY_ID, SECONDARY_ID, SOURCE_SECONDARY_ID = 0, 1, 2, 3
# The `source` of a row naming a trial merged into another (its own id, as a page's): no page has it.
MERGED = "merged"

# Every row, as SQLite reads the ids from the stored JSON (an upgrade fills the table with these).
_REBUILD = (
    "INSERT INTO trial_ids (id, kind, nct_id) SELECT json_extract(record, '$.org_study_id'), 1, nct_id"
    " FROM records WHERE json_extract(record, '$.org_study_id') IS NOT NULL",
    "INSERT INTO trial_ids (id, kind, nct_id) SELECT j.value, 2, nct_id"
    " FROM records, json_each(records.record, '$.secondary_ids') AS j",
    "INSERT INTO trial_ids SELECT source_id, 0, trial_id, source, source_id FROM source_records",
    "INSERT INTO trial_ids SELECT j.value, 3, trial_id, source, source_id"
    " FROM source_records, json_each(source_records.record, '$.secondary_ids') AS j",
    f"INSERT INTO trial_ids SELECT nct_id, 0, json_extract(new, '$'), '{MERGED}', nct_id FROM events"
    " WHERE type = 'merged'",
)


class TrialIds:
    """The `trial_ids` table: written in the transaction that writes the record it comes from."""

    def __init__(self, db: Database):
        self._db = db

    def find_all(self, any_id: str, limit: int = 21, *, besides: str = "") -> list[str]:
        """The trials this id names: those giving it as the best kind of id any gives it as. One trial's
        own protocol id names that trial, though others cite it; a grant number five trials list names five.
        `besides`: a trial left out, as if it were not stored (a page's own provisional trial, `link`)."""
        for candidate in self._tries(any_id):
            rows = self._db.execute(
                "SELECT nct_id FROM trial_ids WHERE id = ? AND nct_id != ? AND kind = (SELECT min(kind)"
                " FROM trial_ids WHERE id = ? AND nct_id != ?) GROUP BY nct_id ORDER BY nct_id LIMIT ?",
                (candidate, besides, candidate, besides, limit),
            ).fetchall()
            if rows:
                return [str(r[0]) for r in rows]
        return []

    @staticmethod
    def _tries(any_id: str) -> list[str]:
        # As written, then as most registries print them (upper case: "2018phb041-01"), then a WHO
        # ICTRP-style EudraCT id without its "EUCTR" prefix: index look-ups, not a scan.
        tries = dict.fromkeys((any_id, any_id.upper()))
        if any_id.upper().startswith("EUCTR") and len(any_id) > 5:
            tries[any_id[5:].lstrip("-_ ")] = None
        return list(tries)

    def provisional_giving(self, ids: Iterable[str]) -> list[str]:
        """The trials without an NCT id (known from pages only) that give any of these ids, of any kind."""
        rows = self._db.execute(
            "SELECT DISTINCT nct_id FROM trial_ids WHERE id IN (SELECT value FROM json_each(?))"
            " AND NOT (nct_id >= 'NCT' AND nct_id < 'NCU') ORDER BY nct_id",
            (json.dumps(sorted(set(ids))),),
        )
        return [str(r[0]) for r in rows]

    def put_record(self, record: TrialRecord, *, new: bool = False) -> None:
        """The record's ids, replacing its earlier ones; `new`: it had no stored record, so has none."""
        if not new:
            self.drop_record(record.nct_id)
        rows = [(i, SECONDARY_ID, record.nct_id) for i in dict.fromkeys(record.secondary_ids)]
        if record.org_study_id is not None:
            rows.append((record.org_study_id, ORG_STUDY_ID, record.nct_id))
        if rows:
            self._db.executemany("INSERT INTO trial_ids (id, kind, nct_id) VALUES (?, ?, ?)", rows)

    def drop_record(self, nct_id: str) -> None:
        self._db.execute("DELETE FROM trial_ids WHERE nct_id = ? AND source IS NULL", (nct_id,))

    def put_source(self, record: TrialRecord, source_id: str) -> None:
        """The ids of one source record (stored under `record.source`, `source_id`), replacing its earlier ones."""
        self.drop_source(record.source, source_id)
        rows = [(source_id, SOURCE_PAGE)] + [(i, SOURCE_SECONDARY_ID) for i in dict.fromkeys(record.secondary_ids)]
        self._db.executemany(
            "INSERT INTO trial_ids VALUES (?, ?, ?, ?, ?)",
            [(i, kind, record.nct_id, record.source, source_id) for i, kind in rows],
        )

    def put_merged(self, old: str, into: str) -> None:
        """A trial merged into another: its own id names that one now (as its page's address would)."""
        self.drop_source(MERGED, old)
        # Trials merged into `old` before name `into` too, as their pages do.
        self._db.execute("UPDATE trial_ids SET nct_id = ? WHERE source = ? AND nct_id = ?", (into, MERGED, old))
        self._db.execute("INSERT INTO trial_ids VALUES (?, ?, ?, ?, ?)", (old, SOURCE_PAGE, into, MERGED, old))

    def drop_source(self, source: str, source_id: str) -> None:
        self._db.execute("DELETE FROM trial_ids WHERE source = ? AND source_id = ?", (source, source_id))

    def rebuild(self) -> None:
        """Every row again from the stored records (an upgrade): SQLite reads the ids, nothing is decoded here."""
        self._db.execute("DELETE FROM trial_ids")
        for sql in _REBUILD:
            self._db.execute(sql)
