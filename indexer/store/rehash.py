"""Re-serialising stored records after the normalised form changed, so content hashes compare again."""

from __future__ import annotations

import dataclasses

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


# How a criterion "Key" is stored (orjson writes no spaces): what "Key Inclusion Criteria:" left before
# schema 6 (fixed in parsers/criteria.py).
_KEY_ITEM = '{"text":"Key",'


def resplit_key_headings(db: Database) -> int:
    """Re-split the criteria of stored records that hold a criterion "Key", in place (inside a transaction).

    Their latest record and older versions get today's split, with their content hashes, and no event:
    without it, the next download of each would differ by the fix alone and be reported as a criteria
    change the registry never made. Returns how many trials changed.
    """
    from indexer.parsers.criteria import split_criteria  # the parsers load for this upgrade only

    def fixed(stored: bytes | str) -> tuple[bytes, str] | None:
        record = TrialRecord.from_dict(orjson.loads(stored))
        inclusion, exclusion = split_criteria(record.eligibility.criteria_text)
        if (inclusion, exclusion) == (record.eligibility.inclusion, record.eligibility.exclusion):
            return None
        eligibility = dataclasses.replace(record.eligibility, inclusion=inclusion, exclusion=exclusion)
        return serialise(dataclasses.replace(record, eligibility=eligibility))

    changed = 0
    rows = db.execute("SELECT nct_id, version, record FROM records WHERE instr(record, ?) > 0", (_KEY_ITEM,))
    for nct_id, version, stored in rows.fetchall():
        found = fixed(stored)
        if found is None:
            continue
        changed += 1
        blob, digest = found
        db.execute("UPDATE records SET record = ?, content_hash = ? WHERE nct_id = ?", (blob.decode(), digest, nct_id))
        db.execute("UPDATE versions SET content_hash = ? WHERE nct_id = ? AND version = ?", (digest, nct_id, version))
        older = db.execute(
            "SELECT version, record FROM versions WHERE nct_id = ? AND record IS NOT NULL", (nct_id,)
        ).fetchall()
        for old_version, packed in older:
            if (again := fixed(unpack(packed))) is not None:
                db.execute(
                    "UPDATE versions SET record = ?, content_hash = ? WHERE nct_id = ? AND version = ?",
                    (pack(again[0]), again[1], nct_id, old_version),
                )
    return changed
