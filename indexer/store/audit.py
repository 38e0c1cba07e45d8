"""A store's contents in a comparable form, for checks that two runs stored exactly the same."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from indexer.store.db import Database


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The store's record ids, versions, changes and events at one moment (a crash test compares two)."""

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


def table_rows(db: Database) -> Iterator[tuple[str, list[str], list[tuple[Any, ...]]]]:
    """Every table's name, column names and rows (sorted), for comparing two stores whole."""
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for table in tables:
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        rows = db.execute(f"SELECT * FROM {table}").fetchall()
        yield table, columns, sorted(rows, key=repr)


def schema_text(db: Database) -> list[tuple[str, str, str]]:
    """(type, name, SQL) of every table, index and trigger."""
    return [tuple(r) for r in db.execute("SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name")]
