"""The source documents a store keeps: each one's bytes (compressed), and which were stored whole."""

from __future__ import annotations

from collections.abc import Iterable

from indexer.store.blobs import pack, unpack
from indexer.store.db import Database


def sha256(data: bytes) -> str:
    import hashlib  # here: loading OpenSSL is 3 ms of start-up, and reading commands never hash

    return hashlib.sha256(data).hexdigest()


class RawDocuments:
    """The raw-document half of `RecordStore` (records.py), over its connection."""

    _db: Database

    def put_raw(self, body: bytes, digest: str | None = None, packed: bytes | None = None) -> str:
        """Keep a source document; `packed` is its compressed form when the caller made it already."""
        digest = digest or sha256(body)
        self._db.execute("INSERT OR IGNORE INTO raw VALUES (?, ?)", (digest, pack(body) if packed is None else packed))
        return digest

    def get_raw(self, digest: str) -> bytes | None:
        body = self._db.one("SELECT body FROM raw WHERE hash = ?", (digest,))
        return unpack(body) if body is not None else None

    def mark_seen(self, docs: Iterable[tuple[str, str, int]]) -> None:
        """Remember documents (hash, first trial id, how many records) whose records are all stored."""
        self._db.executemany("INSERT OR IGNORE INTO seen_raw (hash, nct_id, records) VALUES (?, ?, ?)", docs)

    def seen_raw(self, digest: str) -> tuple[str, int] | None:
        """(first trial id, record count) of a document already stored with exactly these bytes, if any."""
        row = self._db.execute("SELECT nct_id, records FROM seen_raw WHERE hash = ?", (digest,)).fetchone()
        return (str(row[0]), int(row[1])) if row else None

    def last_update_of_raw(self, digest: str) -> str | None:
        """The registry update date of the record stored from this document, if it is one record's."""
        found = self._db.one(
            "SELECT json_extract(record, '$.last_update_posted') FROM records WHERE raw_hash = ?", (digest,)
        )
        return str(found) if found is not None else None
