"""SQLite record store: latest records, raw documents, versions, changes and failures (the source of truth)."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from indexer.record import TrialRecord, serialise
from indexer.store import versions
from indexer.store.blobs import pack, unpack
from indexer.store.schema import SCHEMA, SCHEMA_VERSION


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class PutResult:
    nct_id: str
    status: str  # "new", "updated", "unchanged", "historical" (an older version slotted in)
    version: int


class RecordStore:
    """One SQLite file in WAL mode. Writers go through `transaction()`; records never save themselves."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        self._use_wal()
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        found = self.get_meta("schema_version")
        if found is None:
            self.set_meta("schema_version", str(SCHEMA_VERSION))
        elif int(found) > SCHEMA_VERSION:
            raise RuntimeError(f"{self.path} was written by a newer Trialscout (schema {found}); upgrade trialscout")

    def _use_wal(self) -> None:
        # WAL persists in the file, so only a new database needs the switch. The switch ignores the
        # busy timeout, and two processes may create the database at once: retry while it is locked.
        for _ in range(300):
            try:
                if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                time.sleep(0.1)
        raise RuntimeError(f"{self.path} stayed locked for 30 s; is another trials process stuck?")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- meta -------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self.db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- raw documents ------------------------------------------------------
    def put_raw(self, body: bytes, digest: str | None = None) -> str:
        digest = digest or sha256(body)
        self.db.execute("INSERT OR IGNORE INTO raw VALUES (?, ?)", (digest, pack(body)))
        return digest

    def get_raw(self, digest: str) -> bytes | None:
        row = self.db.execute("SELECT body FROM raw WHERE hash = ?", (digest,)).fetchone()
        return unpack(row[0]) if row else None

    def mark_seen(self, docs: Iterable[tuple[str, str]]) -> None:
        """Remember documents (hash, first trial id) whose records are all stored."""
        self.db.executemany("INSERT OR IGNORE INTO seen_raw VALUES (?, ?)", docs)

    def seen_raw(self, digest: str) -> str | None:
        """The trial id of a document already stored with exactly these bytes, if any."""
        row = self.db.execute("SELECT nct_id FROM seen_raw WHERE hash = ?", (digest,)).fetchone()
        return row[0] if row else None

    # -- records ------------------------------------------------------------
    def put(self, record: TrialRecord, raw: bytes | None = None, raw_hash: str | None = None) -> PutResult:
        """Store a record (inside a transaction); a new version only when its content changed."""
        blob, digest = serialise(record)
        if raw is not None:
            raw_hash = self.put_raw(raw, raw_hash)
            self.db.execute("INSERT OR IGNORE INTO seen_raw VALUES (?, ?)", (raw_hash, record.nct_id))
        result = versions.add_version(self.db, record, blob, digest, raw_hash)
        if result.status in ("new", "updated"):
            self.db.execute(
                "INSERT OR REPLACE INTO records (nct_id, source, source_url, fetched_at, content_hash,"
                " raw_hash, version, record, indexed_hash, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                " (SELECT indexed_hash FROM records WHERE nct_id = ?), ?)",
                (
                    record.nct_id,
                    record.source,
                    record.source_url,
                    record.fetched_at,
                    result.content_hash,
                    raw_hash,
                    result.version,
                    blob.decode("utf-8"),
                    record.nct_id,
                    now_iso(),
                ),
            )
        return PutResult(record.nct_id, result.status, result.version)

    def put_source(self, record: TrialRecord, raw: bytes | None = None, raw_hash: str | None = None) -> str:
        """A non-registry source's record (inside a transaction): "new", "updated" or "unchanged"."""
        blob, digest = serialise(record)
        if raw is not None:
            raw_hash = self.put_raw(raw, raw_hash)
            self.db.execute("INSERT OR IGNORE INTO seen_raw VALUES (?, ?)", (raw_hash, record.nct_id))
        source_id = record.source_url or record.nct_id
        row = self.db.execute(
            "SELECT content_hash FROM source_records WHERE source = ? AND source_id = ?", (record.source, source_id)
        ).fetchone()
        if row and row[0] == digest:
            return "unchanged"
        self.db.execute(
            "INSERT OR REPLACE INTO source_records VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.source,
                source_id,
                record.nct_id,
                blob.decode("utf-8"),
                digest,
                raw_hash,
                record.fetched_at,
                now_iso(),
            ),
        )
        return "updated" if row else "new"

    def sources_for(self, trial_id: str) -> list[TrialRecord]:
        return [
            TrialRecord.from_dict(orjson.loads(r))
            for (r,) in self.db.execute(
                "SELECT record FROM source_records WHERE trial_id = ? ORDER BY source, source_id", (trial_id,)
            )
        ]

    def drop_history(self, nct_id: str) -> None:
        """Forget a provisional trial row's versions: the registry's own record replaces it."""
        for table in ("versions", "changes", "events"):
            self.db.execute(f"DELETE FROM {table} WHERE nct_id = ?", (nct_id,))
        self.db.execute("DELETE FROM records WHERE nct_id = ?", (nct_id,))

    def current_source(self, nct_id: str) -> str | None:
        row = self.db.execute("SELECT source FROM records WHERE nct_id = ?", (nct_id,)).fetchone()
        return row[0] if row else None

    def resolve(self, any_id: str) -> str | None:
        """The trial an id names: its NCT id, a source's id or page, or a secondary or sponsor id."""
        wanted = any_id.strip()
        for sql in (
            "SELECT nct_id FROM records WHERE nct_id = upper(?)",
            "SELECT trial_id FROM source_records WHERE source_id = ?",
            "SELECT nct_id FROM records WHERE json_extract(record, '$.org_study_id') = ?",
            "SELECT records.nct_id FROM records, json_each(records.record, '$.secondary_ids') AS j WHERE j.value = ?",
            "SELECT trial_id FROM source_records, json_each(source_records.record, '$.secondary_ids') AS j"
            " WHERE j.value = ?",
        ):
            row = self.db.execute(sql, (wanted,)).fetchone()
            if row:
                return str(row[0])
        return None

    def get(self, nct_id: str) -> TrialRecord | None:
        row = self.db.execute("SELECT record FROM records WHERE nct_id = ?", (nct_id.upper(),)).fetchone()
        return TrialRecord.from_dict(orjson.loads(row[0])) if row else None

    def get_many(self, ids: Iterable[str]) -> dict[str, TrialRecord]:
        ids = list(ids)
        out: dict[str, TrialRecord] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for nct_id, rec in self.db.execute(f"SELECT nct_id, record FROM records WHERE nct_id IN ({marks})", chunk):
                out[nct_id] = TrialRecord.from_dict(orjson.loads(rec))
        return out

    def iter_records(self, ids: Iterable[str] | None = None) -> Iterator[TrialRecord]:
        if ids is not None:
            found = self.get_many(ids)
            yield from found.values()
            return
        for (rec,) in self.db.execute("SELECT record FROM records ORDER BY nct_id"):
            yield TrialRecord.from_dict(orjson.loads(rec))

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM records").fetchone()[0])

    def facet(self, json_path: str) -> list[tuple[str | None, int]]:
        """Counts of one record field's values (list fields counted per item), most first."""
        sql = (
            "SELECT j.value, count(*) FROM records, json_each(records.record, ?) AS j"
            " GROUP BY j.value ORDER BY count(*) DESC, j.value"
        )
        # json_each walks a list's items, or yields a scalar once; NULLs and [] are counted apart.
        rows = self.db.execute(sql, (json_path,)).fetchall()
        none = self.db.execute(
            "SELECT count(*) FROM records WHERE json_extract(record, ?) IS NULL"
            " OR json_extract(record, ?) = json('[]')",
            (json_path, json_path),
        ).fetchone()[0]
        out = [(v, c) for v, c in rows]
        if none:
            out.append((None, none))
        return out

    # -- index bookkeeping --------------------------------------------------
    def pending_index(self) -> list[str]:
        """Records whose indexed copy is missing or stale (e.g. after a crash between store and index)."""
        return [r[0] for r in self.db.execute("SELECT nct_id FROM records WHERE indexed_hash IS NOT content_hash")]

    def mark_indexed(self, ids: Iterable[str]) -> None:
        self.db.executemany("UPDATE records SET indexed_hash = content_hash WHERE nct_id = ?", ((i,) for i in ids))

    def mark_all_indexed(self) -> None:
        self.db.execute("UPDATE records SET indexed_hash = content_hash")

    def clear_index_marks(self) -> None:
        self.db.execute("UPDATE records SET indexed_hash = NULL")

    # -- failures -----------------------------------------------------------
    def record_failure(
        self,
        location: str,
        error: str,
        *,
        source: str | None = None,
        record_id: str | None = None,
        raw: bytes | None = None,
    ) -> int:
        raw_hash = self.put_raw(raw) if raw is not None else None
        cur = self.db.execute(
            "INSERT INTO failures (at, source, location, record_id, error, raw_hash) VALUES (?, ?, ?, ?, ?, ?)",
            (now_iso(), source, location, record_id, error, raw_hash),
        )
        return int(cur.lastrowid or 0)

    def failures(self) -> list[dict[str, Any]]:
        cur = self.db.execute("SELECT id, at, source, location, record_id, error, raw_hash FROM failures ORDER BY id")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur]
