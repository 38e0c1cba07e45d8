"""Documents that could not be fetched or parsed: the error, where, and the raw bytes kept for later."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from indexer.clock import now_iso
from indexer.store.db import Database


@dataclass(frozen=True, slots=True)
class Failure:
    """A page or record that could not be read: where, why, and the hash of the body as received."""

    id: int
    at: str
    source: str | None
    location: str  # file path, zip member or URL
    record_id: str | None
    error: str
    raw_hash: str | None  # the document as received (`RecordStore.get_raw`)
    http_status: int | None
    resolved_at: str | None  # a later fetch or ingest of the same location succeeded

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_COLUMNS = "id, at, source, location, record_id, error, raw_hash, http_status, resolved_at"


def storable(text: str) -> str:
    """`text` as SQLite takes it: a file name that is not UTF-8 (Python's lone surrogates) as `\\xNN`."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a surrogate that stands for no byte (from JSON text, say)
            return text.encode("utf-8", "backslashreplace").decode("utf-8")


GONE = (404, 410)  # HTTP statuses that say the address has nothing, and will go on having nothing


class FailureLog:
    def __init__(self, db: Database, put_raw: Callable[[bytes], str]):
        self._db = db
        self._put_raw = put_raw

    def record(
        self,
        location: str,
        error: str,
        *,
        source: str | None = None,
        record_id: str | None = None,
        raw: bytes | None = None,
        http_status: int | None = None,
    ) -> bool:
        """Keep one failure (inside a transaction) with its raw bytes; False when it was open already.

        The same failure again (same place, trial, error and bytes, still open) is the same row, seen
        again: a nightly ingest of a bad file does not grow the list. An address answering 404 or 410
        again, whatever its error page says, is a dead link seen again (the site's, not this run's).
        """
        raw_hash = self._put_raw(raw) if raw is not None else None
        location, error = storable(location), storable(error)
        gone_before = http_status in GONE and self._db.one(
            "SELECT 1 FROM failures WHERE location = ? AND resolved_at IS NULL AND http_status = ?",
            (location, http_status),
        )
        same = self._db.one(
            "SELECT id FROM failures WHERE location = ? AND resolved_at IS NULL AND record_id IS ?"
            " AND error = ? AND raw_hash IS ?",
            (location, record_id, error, raw_hash),
        )
        if same is not None:
            self._db.execute("UPDATE failures SET at = ?, http_status = ? WHERE id = ?", (now_iso(), http_status, same))
            return False
        if gone_before:
            return False  # its first answer is kept, with the error page it came with
        self._db.execute(
            "INSERT INTO failures (at, source, location, record_id, error, raw_hash, http_status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (now_iso(), source, location, record_id, error, raw_hash, http_status),
        )
        return True

    def resolve(self, stored: Iterable[tuple[str, str]]) -> None:
        """Mark open failures resolved (inside a transaction) whose location, or trial, was stored since.

        `stored` holds (location, trial id) pairs of what was just stored.
        """
        # The open failures are read once, not searched once per record: record_id has no index, so
        # each record's UPDATE read the whole table (and a crawl's batch is a thousand records).
        open_ = self._db.execute("SELECT id, location, record_id FROM failures WHERE resolved_at IS NULL").fetchall()
        if not open_:
            return
        pairs = list(stored)
        locations, trials = {storable(loc) for loc, _ in pairs}, {nct_id for _, nct_id in pairs}
        now = now_iso()
        self._db.executemany(
            "UPDATE failures SET resolved_at = ? WHERE id = ?",
            ((now, i) for i, loc, rid in open_ if loc in locations or rid in trials),
        )

    def list(self, *, include_resolved: bool = False) -> list[Failure]:
        where = "" if include_resolved else " WHERE resolved_at IS NULL"
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM failures{where} ORDER BY id")
        return [Failure(*row) for row in rows]

    def count(self, *, include_resolved: bool = False) -> int:
        where = "" if include_resolved else " WHERE resolved_at IS NULL"
        return int(self._db.one(f"SELECT count(*) FROM failures{where}"))
