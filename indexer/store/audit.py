"""A store's contents in a comparable form, for checks that two runs stored exactly the same."""

from __future__ import annotations

from dataclasses import dataclass

from indexer.store.db import Database


@dataclass(frozen=True, slots=True)
class Snapshot:
    record_ids: frozenset[str]
    versions: frozenset[tuple[str, int, str]]  # (trial, version, content hash)
    changes: int
    events: int


def snapshot(db: Database) -> Snapshot:
    return Snapshot(
        frozenset(r[0] for r in db.execute("SELECT nct_id FROM records")),
        frozenset((r[0], int(r[1]), r[2]) for r in db.execute("SELECT nct_id, version, content_hash FROM versions")),
        int(db.one("SELECT count(*) FROM changes")),
        int(db.one("SELECT count(*) FROM events")),
    )
