"""Rewriting stored records in place after their form or a parser changed, so content hashes compare again."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from indexer.record import TrialRecord
from indexer.record_hash import serialise
from indexer.store.blobs import pack, unpack
from indexer.store.db import Database

# Today's form of a stored record, or None when it needs no rewrite.
Fix = Callable[[TrialRecord], TrialRecord | None]
# Rows read at once: a 500k store's records are 6 GB of JSON, and its older versions more.
CHUNK = 1000


def _in_chunks(
    db: Database, table: str, columns: str, key: tuple[str, ...], where: str = "", params: tuple[Any, ...] = ()
) -> Iterator[Any]:
    """Every row of `table` (its `columns`, the key's first; those `where` holds, with `params`), CHUNK at a
    time in key order: each chunk is read whole before its rows are rewritten, and the next starts after the
    last key read, so the rewrites never move the rows still to read and memory stays one chunk's."""
    order = ", ".join(key)
    after = f"({order}) > ({', '.join('?' * len(key))})"
    last: tuple[Any, ...] | None = None
    while True:
        conditions = " AND ".join(c for c in (where, after if last else "") if c)
        filtered = f" WHERE {conditions}" if conditions else ""
        rows = db.execute(
            f"SELECT {columns} FROM {table}{filtered} ORDER BY {order} LIMIT {CHUNK}", (*params, *(last or ()))
        ).fetchall()
        yield from rows
        if len(rows) < CHUNK:
            return
        last = tuple(rows[-1][: len(key)])


def _rewrite_latest(db: Database, rows: Iterable[tuple[str, str]], fix: Fix) -> list[str]:
    """Rewrite these (id, JSON) rows of `records` and their newest version's hash; the ids rewritten."""
    done = []
    for nct_id, stored in rows:
        fixed = fix(TrialRecord.from_dict(orjson.loads(stored)))
        if fixed is None:
            continue
        blob, digest = serialise(fixed)
        db.execute("UPDATE records SET record = ?, content_hash = ? WHERE nct_id = ?", (blob.decode(), digest, nct_id))
        # The trial's newest version, not `records.version`: an older download slotted in before it
        # (versions.py `add_version`, "historical") moved it up and left that number behind.
        db.execute(
            "UPDATE versions SET content_hash = ? WHERE nct_id = ? AND version ="
            " (SELECT max(version) FROM versions WHERE nct_id = ?)",
            (digest, nct_id, nct_id),
        )
        done.append(nct_id)
    return done


def _rewrite_older(db: Database, rows: Iterable[tuple[str, int, bytes]], fix: Fix) -> None:
    """Rewrite these (id, version, packed JSON) rows of `versions`, the older versions, with their hashes."""
    for nct_id, version, packed in rows:
        fixed = fix(TrialRecord.from_dict(orjson.loads(unpack(packed))))
        if fixed is not None:
            blob, digest = serialise(fixed)
            db.execute(
                "UPDATE versions SET record = ?, content_hash = ? WHERE nct_id = ? AND version = ?",
                (pack(blob), digest, nct_id, version),
            )


def _latest(db: Database) -> Iterator[Any]:
    """(id, JSON) of every record."""
    return _in_chunks(db, "records", "nct_id, record", ("nct_id",))


def _older(db: Database) -> Iterator[Any]:
    """(id, version, packed JSON) of every older version that keeps its record."""
    return _in_chunks(db, "versions", "nct_id, version, record", ("nct_id", "version"), "record IS NOT NULL")


def _as_is(record: TrialRecord) -> TrialRecord:
    return record  # building the record from its JSON is what puts it in today's normal form


def rehash_records(db: Database) -> None:
    """Every record and stored version in today's normal form, with its content hash (inside a transaction).

    Without it, the next download of a trial whose stored form predates the change would differ by
    form alone, and become a version without a change.
    """
    _rewrite_latest(db, _latest(db), _as_is)
    _rewrite_older(db, _older(db), _as_is)


def rehash_sources(db: Database) -> None:
    """Every source record (store/records.py `put_source`) in today's normal form, with its content hash."""
    rows = _in_chunks(db, "source_records", "source, source_id, record", ("source", "source_id"))
    for source, source_id, stored in rows:
        blob, digest = serialise(TrialRecord.from_dict(orjson.loads(stored)))
        db.execute(
            "UPDATE source_records SET record = ?, content_hash = ? WHERE source = ? AND source_id = ?",
            (blob.decode(), digest, source, source_id),
        )


def _resplit(record: TrialRecord) -> TrialRecord | None:
    """The record with its criteria text split by today's splitter, or None when that changes nothing."""
    from indexer.parsers.criteria import split_criteria  # the parsers load for the upgrades only

    inclusion, exclusion = split_criteria(record.eligibility.criteria_text)
    if (inclusion, exclusion) == (record.eligibility.inclusion, record.eligibility.exclusion):
        return None
    eligibility = dataclasses.replace(record.eligibility, inclusion=inclusion, exclusion=exclusion)
    return dataclasses.replace(record, eligibility=eligibility)


def resplit_registry_criteria(db: Database) -> int:
    """Re-split the criteria of every stored ClinicalTrials.gov record (API v2 and legacy XML) with today's
    splitter, in place, latest record and older versions alike, with no event (inside a transaction).

    For a fix of the splitter (schema 11: items 10 and on after a "9." were sub-items of it; an "ALL of
    the following" lead-in was the only criterion): without it, the next download of each trial would
    differ by the fix alone and be reported as a criteria change the registry never made. Other sources
    keep their criteria as their pages list them, not split from a text. Returns how many trials changed.
    """

    def resplit(record: TrialRecord) -> TrialRecord | None:
        if record.source not in ("ctgov", "ctgov_xml") or not record.eligibility.criteria_text:
            return None
        return _resplit(record)

    changed = _rewrite_latest(db, _latest(db), resplit)
    _rewrite_older(db, _older(db), resplit)
    return len(changed)


# How a criterion "Key" is stored (orjson writes no spaces): what "Key Inclusion Criteria:" left before
# schema 6 (fixed in parsers/criteria.py).
_KEY_ITEM = '{"text":"Key",'


def resplit_key_headings(db: Database) -> int:
    """Re-split the criteria of stored records that hold a criterion "Key", in place (inside a transaction).

    Their latest record and older versions get today's split, with their content hashes, and no event:
    without it, the next download of each would differ by the fix alone and be reported as a criteria
    change the registry never made. Returns how many trials changed.
    """
    latest = _in_chunks(db, "records", "nct_id, record", ("nct_id",), "instr(record, ?) > 0", (_KEY_ITEM,))
    changed = _rewrite_latest(db, latest, _resplit)
    for nct_id in changed:
        older = db.execute(
            "SELECT nct_id, version, record FROM versions WHERE nct_id = ? AND record IS NOT NULL", (nct_id,)
        )
        _rewrite_older(db, older.fetchall(), _resplit)
    return len(changed)
