"""Version chain of one trial: append on changed content, slot late older documents into date order."""

from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from indexer.diff import Change, diff_records
from indexer.record import content_hash


@dataclass(frozen=True, slots=True)
class VersionResult:
    status: str  # new | updated | unchanged | historical
    version: int
    content_hash: str


@dataclass(frozen=True, slots=True)
class Version:
    nct_id: str
    version: int
    date: str | None
    fetched_at: str | None
    source: str
    source_url: str | None
    content_hash: str
    record: dict[str, Any]
    changes: list[Change]


def _order_key(date: str | None, fetched_at: str | None) -> tuple[str, str]:
    # Registry update date first: a file's download date can be anything (a copy's mtime).
    return (date or "", fetched_at or "")


def add_version(db: sqlite3.Connection, data: dict[str, Any], blob: str, raw_hash: str | None) -> VersionResult:
    """Record `data` (serialised as `blob`) as a version of its trial if its content is new.

    Call inside a transaction.
    """
    nct_id = data["nct_id"]
    digest = content_hash(data)
    rows = db.execute(
        "SELECT version, date, fetched_at, content_hash FROM versions WHERE nct_id = ? ORDER BY version",
        (nct_id,),
    ).fetchall()
    key = _order_key(data.get("last_update_posted"), data.get("fetched_at"))
    if not rows:
        _insert(db, 1, data, blob, digest, raw_hash)
        return VersionResult("new", 1, digest)
    latest_version, latest_date, latest_fetched, latest_hash = rows[-1]
    if latest_hash == digest:
        _seen_earlier(db, nct_id, latest_version, data.get("fetched_at"))
        return VersionResult("unchanged", latest_version, digest)
    if key >= _order_key(latest_date, latest_fetched):
        version = latest_version + 1
        _insert(db, version, data, blob, digest, raw_hash)
        _write_changes(db, nct_id, version, diff_records(_record(db, nct_id, latest_version), data))
        return VersionResult("updated", version, digest)
    # An older document than the latest version: known content is a re-ingest, the rest is history.
    if any(r[3] == digest for r in rows):
        known = next(r[0] for r in rows if r[3] == digest)
        _seen_earlier(db, nct_id, known, data.get("fetched_at"))
        return VersionResult("unchanged", known, digest)
    position = next(r[0] for r in rows if key < _order_key(r[1], r[2]))
    for table in ("versions", "changes"):
        # Two steps, so the (nct_id, version) key never collides while shifting.
        db.execute(f"UPDATE {table} SET version = -(version + 1) WHERE nct_id = ? AND version >= ?",
                   (nct_id, position))
        db.execute(f"UPDATE {table} SET version = -version WHERE nct_id = ? AND version < 0", (nct_id,))
    _insert(db, position, data, blob, digest, raw_hash)
    for version in (position, position + 1):
        db.execute("DELETE FROM changes WHERE nct_id = ? AND version = ?", (nct_id, version))
        before = _record(db, nct_id, version - 1) if version > 1 else None
        _write_changes(db, nct_id, version, diff_records(before, _record(db, nct_id, version)))
    return VersionResult("historical", position, digest)


def _seen_earlier(db: sqlite3.Connection, nct_id: str, version: int, fetched_at: str | None) -> None:
    """A version's fetch date is the first download that showed it, whatever order files arrive in."""
    if fetched_at:
        db.execute("UPDATE versions SET fetched_at = ? WHERE nct_id = ? AND version = ?"
                   " AND (fetched_at IS NULL OR fetched_at > ?)", (fetched_at, nct_id, version, fetched_at))


def _insert(db: sqlite3.Connection, version: int, data: dict[str, Any], blob: str, digest: str,
            raw_hash: str | None) -> None:
    db.execute(
        "INSERT INTO versions (nct_id, version, date, fetched_at, source, source_url, content_hash,"
        " raw_hash, record, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (data["nct_id"], version, data.get("last_update_posted"), data.get("fetched_at"), data["source"],
         data.get("source_url"), digest, raw_hash,
         zlib.compress(blob.encode("utf-8"), 1),
         datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
    )


def _record(db: sqlite3.Connection, nct_id: str, version: int) -> dict[str, Any]:
    row = db.execute("SELECT record FROM versions WHERE nct_id = ? AND version = ?", (nct_id, version)).fetchone()
    return json.loads(zlib.decompress(row[0])) if row else {}


def _write_changes(db: sqlite3.Connection, nct_id: str, version: int, changes: list[Change]) -> None:
    db.executemany(
        "INSERT INTO changes (nct_id, version, field, old, new) VALUES (?, ?, ?, ?, ?)",
        [(nct_id, version, c.field, json.dumps(c.old, ensure_ascii=False), json.dumps(c.new, ensure_ascii=False))
         for c in changes],
    )


def history(db: sqlite3.Connection, nct_id: str) -> list[Version]:
    """Every stored version of a trial, oldest first, each with its changes from the one before."""
    changes: dict[int, list[Change]] = {}
    for version, field, old, new in db.execute(
        "SELECT version, field, old, new FROM changes WHERE nct_id = ? ORDER BY rowid", (nct_id,)
    ):
        changes.setdefault(version, []).append(Change(field, json.loads(old), json.loads(new)))
    return [
        Version(nct_id, v, date, fetched, source, url, digest, json.loads(zlib.decompress(blob)),
                changes.get(v, []))
        for v, date, fetched, source, url, digest, blob in db.execute(
            "SELECT version, date, fetched_at, source, source_url, content_hash, record FROM versions"
            " WHERE nct_id = ? ORDER BY version", (nct_id,))
    ]
