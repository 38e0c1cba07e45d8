"""Version chain of one trial: append on changed content, slot late older documents into date order."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from indexer.clock import now_iso
from indexer.history.diff import Change, diff_records
from indexer.history.events import Event, derive_events, first_seen
from indexer.record import TrialRecord
from indexer.store.blobs import pack, unpack
from indexer.store.db import Database


@dataclass(frozen=True, slots=True)
class VersionResult:
    """What storing one record did: new, updated, unchanged or historical."""

    status: str  # new | updated | unchanged | historical
    version: int
    content_hash: str
    replaced: dict[str, Any] | None = None  # "updated": the stored record it replaced, decoded for the diff


@dataclass(frozen=True, slots=True)
class Version:
    """One stored version of a trial."""

    nct_id: str
    version: int
    date: str | None
    fetched_at: str | None
    source: str
    source_url: str | None
    content_hash: str
    record: dict[str, Any]
    changes: list[Change]
    current_since: int | None = None  # the first event id it was the trial's newest version at (None: history)


# At equal registry update dates the richer format is the later version, whatever order the
# documents arrive in: API v2 JSON (ctgov) over the legacy XML (ctgov_xml), e.g. for its coordinates.
_SOURCE_RANK = {"ctgov": 2, "ctgov_xml": 1}


def _order_key(date: str | None, fetched_at: str | None, source: str | None) -> tuple[str, int, str]:
    # Registry update date first: a file's download date can be anything (a copy's mtime).
    return (date or "", _SOURCE_RANK.get(source or "", 0), fetched_at or "")


def add_version(
    db: Database,
    record: TrialRecord,
    blob: bytes,
    digest: str,
    raw_hash: str | None,
    current: str | None,
    *,
    new: bool = False,
    latest: bool = False,
) -> VersionResult:
    """Record `record` (serialised as `blob`, content hash `digest`) as a version if its content is new.

    `RecordStore.put` calls this inside its transaction, with `current` the trial's stored record
    JSON, before it replaces that row: the newest version's JSON is kept only in `records`, and
    moves into `versions` here when a newer one arrives. `new`: the trial is known to have no
    versions (were it wrong, the first version's key would collide and the transaction fail).
    `latest`: it is the newest version whatever its date (another page of the trial replaces its record).
    """
    nct_id = record.nct_id
    rows = (
        []
        if new
        else db.execute(
            "SELECT version, date, fetched_at, content_hash, source FROM versions WHERE nct_id = ? ORDER BY version",
            (nct_id,),
        ).fetchall()
    )
    key = _order_key(record.last_update_posted, record.fetched_at, record.source)
    if not rows:
        _insert(db, 1, record, None, digest, raw_hash, current=True)
        # No diff for a first version; its one event needs two fields, not the whole record decoded.
        write_events(
            db,
            nct_id,
            1,
            record.last_update_posted or record.fetched_at,
            [first_seen({"nct_id": nct_id, "overall_status": record.overall_status})],
        )
        return VersionResult("new", 1, digest)
    latest_version, latest_date, latest_fetched, latest_hash, latest_source = rows[-1]
    if latest_hash == digest:
        _seen_earlier(db, nct_id, latest_version, record.fetched_at)
        return VersionResult("unchanged", latest_version, digest)
    if latest or key >= _order_key(latest_date, latest_fetched, latest_source):
        version = latest_version + 1
        previous = current.encode("utf-8") if current is not None else _record_json(db, nct_id, latest_version)
        db.execute(
            "UPDATE versions SET record = ? WHERE nct_id = ? AND version = ?", (pack(previous), nct_id, latest_version)
        )
        _insert(db, version, record, None, digest, raw_hash, current=True)
        before = orjson.loads(previous)
        _write_diff(db, nct_id, version, before, orjson.loads(blob))
        return VersionResult("updated", version, digest, before if current is not None else None)
    # An older document than the latest version: known content is a re-ingest, the rest is history.
    if any(r[3] == digest for r in rows):
        known = next(r[0] for r in rows if r[3] == digest)
        _seen_earlier(db, nct_id, known, record.fetched_at)
        return VersionResult("unchanged", known, digest)
    position = next(r[0] for r in rows if key < _order_key(r[1], r[2], r[4]))
    for table in ("versions", "changes", "events"):
        # Two steps, so the (nct_id, version) key never collides while shifting.
        db.execute(f"UPDATE {table} SET version = -(version + 1) WHERE nct_id = ? AND version >= ?", (nct_id, position))
        db.execute(f"UPDATE {table} SET version = -version WHERE nct_id = ? AND version < 0", (nct_id,))
    # The newest version moved up one: its record says so (a page read again rewrites that version's hash).
    db.execute("UPDATE records SET version = version + 1 WHERE nct_id = ? AND version >= ?", (nct_id, position))
    # Its events, and the next version's rewritten from it, tell the past: the current state is unchanged,
    # and a watch does not report them (see `current_since` in schema.py), while `trials history` does.
    _insert(db, position, record, blob, digest, raw_hash, current=False)
    for version in (position, position + 1):
        for table in ("changes", "events"):
            db.execute(f"DELETE FROM {table} WHERE nct_id = ? AND version = ?", (nct_id, version))
        before = _record(db, nct_id, version - 1) if version > 1 else None
        _write_diff(db, nct_id, version, before, _record(db, nct_id, version))
    return VersionResult("historical", position, digest)


def _seen_earlier(db: Database, nct_id: str, version: int, fetched_at: str | None) -> None:
    """A version's fetch date is the first download that showed it, whatever order files arrive in."""
    if fetched_at:
        db.execute(
            "UPDATE versions SET fetched_at = ? WHERE nct_id = ? AND version = ?"
            " AND (fetched_at IS NULL OR fetched_at > ?)",
            (fetched_at, nct_id, version, fetched_at),
        )


def _insert(
    db: Database,
    version: int,
    record: TrialRecord,
    blob: bytes | None,
    digest: str,
    raw_hash: str | None,
    *,
    current: bool,
) -> None:
    """`current`: it becomes the trial's newest version, as of the next event id (none: it is history)."""
    # The id the next event gets (AUTOINCREMENT): the sequence's, else (no event yet) 1.
    since = "(SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) + 1)" if current else "NULL"
    db.execute(
        "INSERT INTO versions (nct_id, version, date, fetched_at, source, source_url, content_hash,"
        f" raw_hash, record, recorded_at, current_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {since})",
        (
            record.nct_id,
            version,
            record.last_update_posted,
            record.fetched_at,
            record.source,
            record.source_url,
            digest,
            raw_hash,
            pack(blob) if blob is not None else None,
            now_iso(),
        ),
    )


def _record_json(db: Database, nct_id: str, version: int) -> bytes:
    row = db.execute("SELECT record FROM versions WHERE nct_id = ? AND version = ?", (nct_id, version)).fetchone()
    if row is None:
        raise KeyError(f"{nct_id} has no version {version}")
    if row[0] is not None:
        return unpack(row[0])
    current = db.execute("SELECT record FROM records WHERE nct_id = ?", (nct_id,)).fetchone()
    return current[0].encode("utf-8")  # type: ignore[no-any-return]


def _record(db: Database, nct_id: str, version: int) -> dict[str, Any]:
    return orjson.loads(_record_json(db, nct_id, version))  # type: ignore[no-any-return]


def _write_diff(db: Database, nct_id: str, version: int, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    """Store a version's field-level changes and the events they amount to."""
    changes = diff_records(before, after)
    db.executemany(
        "INSERT INTO changes (nct_id, version, field, old, new) VALUES (?, ?, ?, ?, ?)",
        [(nct_id, version, c.field, _json(c.old), _json(c.new)) for c in changes],
    )
    found = [first_seen(after)] if before is None else derive_events(changes, before, after)
    date = after.get("last_update_posted") or after.get("fetched_at")
    write_events(db, nct_id, version, date, found)


def write_events(db: Database, nct_id: str, version: int | None, date: str | None, found: list[Event]) -> None:
    now = now_iso()
    db.executemany(
        "INSERT INTO events (nct_id, version, date, recorded_at, type, field, old, new, summary)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(nct_id, version, date, now, e.type, e.field, _json(e.old), _json(e.new), e.summary) for e in found],
    )


# json.dumps(value, ensure_ascii=False) makes an encoder per call (its options are not the defaults):
# one made once writes the same text at a tenth of the cost (2-3 values a record written).
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _json(value: Any) -> str:
    return "null" if value is None else _ENCODER.encode(value)


def history(db: Database, nct_id: str) -> list[Version]:
    """Every stored version of a trial, oldest first, each with its changes from the one before."""
    changes: dict[int, list[Change]] = {}
    for version, field, old, new in db.execute(
        "SELECT version, field, old, new FROM changes WHERE nct_id = ? ORDER BY rowid", (nct_id,)
    ):
        changes.setdefault(version, []).append(Change(field, json.loads(old), json.loads(new)))
    return [
        Version(nct_id, v, date, fetched, source, url, digest, _record(db, nct_id, v), changes.get(v, []), since)
        for v, date, fetched, source, url, digest, since in db.execute(
            "SELECT version, date, fetched_at, source, source_url, content_hash, current_since FROM versions"
            " WHERE nct_id = ? ORDER BY version",
            (nct_id,),
        ).fetchall()
    ]
