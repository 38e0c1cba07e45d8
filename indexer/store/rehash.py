"""Re-serialising stored records after the normalised form changed, so content hashes compare again."""

from __future__ import annotations

import orjson

from indexer.record import TrialRecord, serialise
from indexer.store.blobs import pack, unpack
from indexer.store.db import Database


def rehash_records(db: Database) -> None:
    """Every record and stored version in today's normal form, with its content hash (inside a transaction).

    Without it, the next download of a trial whose stored form predates the change would differ by
    form alone, and become a version without a change.
    """
    latest = db.execute("SELECT nct_id, record FROM records").fetchall()
    for nct_id, stored in latest:
        blob, digest = serialise(TrialRecord.from_dict(orjson.loads(stored)))
        version = db.one("SELECT version FROM records WHERE nct_id = ?", (nct_id,))
        db.execute("UPDATE records SET record = ?, content_hash = ? WHERE nct_id = ?", (blob.decode(), digest, nct_id))
        db.execute("UPDATE versions SET content_hash = ? WHERE nct_id = ? AND version = ?", (digest, nct_id, version))
    older = db.execute("SELECT nct_id, version, record FROM versions WHERE record IS NOT NULL").fetchall()
    for nct_id, version, packed in older:
        blob, digest = serialise(TrialRecord.from_dict(orjson.loads(unpack(packed))))
        db.execute(
            "UPDATE versions SET record = ?, content_hash = ? WHERE nct_id = ? AND version = ?",
            (pack(blob), digest, nct_id, version),
        )
