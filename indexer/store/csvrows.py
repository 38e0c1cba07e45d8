"""Each record's CSV row, kept beside the record as `export --csv` writes it: the export parses no JSON."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from indexer.csvrow import KeptRow, kept_row
from indexer.record import TrialRecord
from indexer.store.briefs import SUMMARY_PATHS, summary_from, summary_of
from indexer.store.db import Database

_PUT = "INSERT OR REPLACE INTO csv_rows VALUES (?, ?, ?, ?, ?, ?, ?)"


class CsvRows:
    """The `csv_rows` table: written with each record (and deleted with it, by the schema's trigger)."""

    def __init__(self, db: Database):
        self._db = db

    def put(self, records: Iterable[TrialRecord]) -> None:
        """These records' rows (inside the transaction that stores them), replacing their old ones."""
        self._db.executemany(_PUT, (kept_row(summary_of(r)) for r in records))

    def rebuild(self) -> None:
        """Every record's row, from its stored JSON (the schema upgrade that adds the table): SQLite reads
        each summary's fields out of the JSON, a chunk of records at a time, none decoded."""
        from indexer.store.rehash import CHUNK, _in_chunks  # the upgrades' reading in chunks

        self._db.execute("DELETE FROM csv_rows")
        rows = _in_chunks(self._db, "records", f"nct_id, json_extract(record, {SUMMARY_PATHS})", ("nct_id",))
        chunk: list[KeptRow] = []
        for nct_id, fields in rows:
            chunk.append(kept_row(summary_from(nct_id, fields)))
            if len(chunk) == CHUNK:
                self._db.executemany(_PUT, chunk)
                chunk.clear()
        self._db.executemany(_PUT, chunk)

    def __iter__(self) -> Iterator[KeptRow]:
        """Every row in id order (`export --csv`)."""
        rows = self._db.execute("SELECT * FROM csv_rows ORDER BY nct_id")
        while chunk := rows.fetchmany(1000):
            yield from map(KeptRow._make, chunk)
