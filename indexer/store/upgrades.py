"""The record store's upgrades, from each older schema version to the next."""

from __future__ import annotations

from collections.abc import Callable

import orjson

from indexer.record import TrialRecord
from indexer.store.db import Database
from indexer.store.facets import Facets
from indexer.store.likeness import Likeness
from indexer.store.mesh import MeshCounts
from indexer.store.rehash import rehash_records, rehash_sources, resplit_key_headings, resplit_registry_criteria
from indexer.store.schema import create_tables
from indexer.store.synonyms import DerivedSynonyms, LinkCollector
from indexer.store.trialids import TrialIds
from indexer.store.vocabulary import Vocabulary


def _columns(db: Database, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def _v1_to_v2(db: Database) -> None:
    # Version 1 created crawl_state, query_members and watches from the modules that used them
    # (same columns as above), so CREATE IF NOT EXISTS in SCHEMA covers them. failures gains two columns,
    # seen_raw one.
    have = _columns(db, "failures")
    for column, kind in (("http_status", "INTEGER"), ("resolved_at", "TEXT")):
        if column not in have:
            db.execute(f"ALTER TABLE failures ADD COLUMN {column} {kind}")
    if "records" not in _columns(db, "seen_raw"):
        db.execute("ALTER TABLE seen_raw ADD COLUMN records INTEGER NOT NULL DEFAULT 1")
    # Records now keep unordered lists sorted, which changes their serialisation and content hash.
    rehash_records(db)


def _v2_to_v3(db: Database) -> None:
    # New: facets and the record-derived synonym groups, both filled from the records once here and
    # kept up to date by every write after; the partial index of records pending indexing.
    create_tables(db)
    _rebuild_synonyms(db, Facets(db))


def _rebuild_synonyms(db: Database, facets: Facets | None = None) -> None:
    """The record-derived synonym groups (and the facets, when given) from every record again."""
    links = LinkCollector(db)
    rows = db.execute("SELECT record FROM records ORDER BY rowid")
    while chunk := rows.fetchmany(1000):
        records = [TrialRecord.from_dict(orjson.loads(r)) for (r,) in chunk]
        if facets is not None:
            facets.put(records)
        for r in records:
            links.add_record(r)
    DerivedSynonyms(db).rebuild(links)


def _v3_to_v4(db: Database) -> None:
    # New: the MeSH hierarchy as counts (store/mesh.py), filled once here from the records' two MeSH
    # fields (SQLite reads them from the JSON: no record is decoded in Python) and kept by every write after.
    create_tables(db)
    MeshCounts(db).rebuild(Vocabulary(db).condition_mesh_trees())


def _v4_to_v5(db: Database) -> None:
    # New: the table of every id a trial is known by (`resolve` read the records' JSON for an unknown id).
    create_tables(db)
    TrialIds(db).rebuild()


def _v5_to_v6(db: Database) -> None:
    # "Key Inclusion Criteria:" at the start of a line had left a criterion "Key" (parsers/criteria.py):
    # the records holding one are re-split in place, so the fix is no change of the trials.
    resplit_key_headings(db)


def _v6_to_v7(db: Database) -> None:
    # New: what `similar` compares of each record, filled once here and kept by every write after.
    create_tables(db)
    Likeness(db).rebuild()


def _v7_to_v8(db: Database) -> None:
    # Records pending indexing move from the records' indexed_hash column (and its partial index) to the
    # index_pending table: what was pending stays pending. Steps before this one wrote through the triggers.
    # The column stays, unused (dropping it would rewrite every 12 KB row); new stores do not have it.
    create_tables(db)
    if "indexed_hash" in _columns(db, "records"):
        db.execute(
            "INSERT OR REPLACE INTO index_pending SELECT nct_id, content_hash FROM records"
            " WHERE indexed_hash IS NOT content_hash"
        )
    else:
        db.execute("INSERT OR REPLACE INTO index_pending SELECT nct_id, content_hash FROM records")
    db.execute("DROP INDEX IF EXISTS records_pending")


def _v8_to_v9(db: Database) -> None:
    # Content hashes now take sites, arms, interventions, outcomes and contacts in a canonical order
    # (record.py ORDER_FREE_PARTS): every stored hash is recomputed, or the next download of each trial
    # would differ from it by the new hash alone and become a version without a change. The content is
    # what the index holds already, so what was not pending indexing stays so (the trigger would
    # queue every record whose hash changed: a reindex at the next write).
    db.execute("CREATE TEMP TABLE was_pending AS SELECT nct_id FROM index_pending")
    rehash_records(db)
    rehash_sources(db)
    db.execute("DELETE FROM index_pending WHERE nct_id NOT IN (SELECT nct_id FROM was_pending)")
    db.execute("DROP TABLE was_pending")
    # Record-derived synonyms no longer join a regimen's or a class's members (discover/terms.py):
    # the groups learned from them go (search reads them at query time: no reindex needed).
    _rebuild_synonyms(db)


def _v9_to_v10(db: Database) -> None:
    # New: when each version became the trial's newest (versions.current_since), so that a watch reports
    # only changes after the state it saw, not history filled in later. Each existing version gets the id
    # of its first event: a version stored after a watch's last run stays news to it. (An older one that
    # arrived as history is taken for a version that was current then, as before this schema.)
    if "current_since" not in _columns(db, "versions"):
        db.execute("ALTER TABLE versions ADD COLUMN current_since INTEGER")
    db.execute(
        "UPDATE versions SET current_since = (SELECT min(e.id) FROM events e"
        " WHERE e.nct_id = versions.nct_id AND e.version = versions.version)"
    )
    # Event ids were max + 1, so deleting the newest events gave their ids again: a watch's mark could
    # move back. The table is copied into one with AUTOINCREMENT (ids kept); its indexes are made again
    # by create_tables.
    columns = "id, nct_id, version, date, recorded_at, type, field, old, new, summary"
    db.execute(
        "CREATE TABLE events_v10 (id INTEGER PRIMARY KEY AUTOINCREMENT, nct_id TEXT NOT NULL, version INTEGER,"
        " date TEXT, recorded_at TEXT NOT NULL, type TEXT NOT NULL, field TEXT NOT NULL, old TEXT, new TEXT,"
        " summary TEXT NOT NULL)"
    )
    db.execute(f"INSERT INTO events_v10 ({columns}) SELECT {columns} FROM events ORDER BY id")
    db.execute("DROP TABLE events")
    db.execute("ALTER TABLE events_v10 RENAME TO events")
    # A watch may have seen ids the reuse gave out and took back: the next ids start past every watch's
    # mark, or the news they carry would pass for seen.
    db.execute(
        "UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max(last_event_id), 0) FROM watches))"
        " WHERE name = 'events'"
    )
    db.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'events', max(last_event_id) FROM watches"
        " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events') AND"
        " (SELECT max(last_event_id) FROM watches) > 0"
    )


def _v10_to_v11(db: Database) -> None:
    # The criteria splitter's fixes (parsers/criteria.py: "10." after "9." a sibling, not its sub-item; an
    # "ALL of the following" lead-in dropped): stored registry records are re-split in place, so the fix
    # is no change of the trials. The index holds the criteria text, which is the same: what was not
    # pending indexing stays so.
    db.execute("CREATE TEMP TABLE was_pending AS SELECT nct_id FROM index_pending")
    resplit_registry_criteria(db)
    db.execute("DELETE FROM index_pending WHERE nct_id NOT IN (SELECT nct_id FROM was_pending)")
    db.execute("DROP TABLE was_pending")


def _v11_to_v12(db: Database) -> None:
    # A deleted record is now pending indexing, its document to delete (schema.GONE): the trigger anew,
    # before the trials known from pages only that lost their last page to another trial are merged into
    # it, once (their records deleted, a 'merged' event each, their ids naming the other trial).
    from indexer.clock import today_iso
    from indexer.store.merging import leftovers, retire

    db.execute("DROP TRIGGER IF EXISTS records_pending_gone")
    create_tables(db)
    ids, facets, likeness, today = TrialIds(db), Facets(db), Likeness(db), today_iso()
    for old, into in leftovers(db):
        was = retire(db, ids, facets, likeness, old, into, today)
        if was is not None:
            MeshCounts(db).apply([(was.get("condition_mesh") or (), was.get("condition_mesh_ancestors") or ())], [])


def _v12_to_v13(db: Database) -> None:
    # An older version slotted in before the newest moved the newest up one, and its record kept the old
    # number: set it again. And the indexes of the documents to delete and of events by field and by
    # when they were recorded (schema.py).
    create_tables(db)
    db.execute(
        "UPDATE records SET version = (SELECT max(version) FROM versions v WHERE v.nct_id = records.nct_id)"
        " WHERE version < (SELECT max(version) FROM versions v WHERE v.nct_id = records.nct_id)"
    )


def _v13_to_v14(db: Database) -> None:
    # New: each record's CSV row (store/csvrows.py), filled once here from the records' JSON and kept by
    # every write after.
    from indexer.store.csvrows import CsvRows

    create_tables(db)
    CsvRows(db).rebuild()


# From version N to N + 1; each runs in the upgrade's one transaction.
UPGRADES: dict[int, Callable[[Database], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5,
    5: _v5_to_v6,
    6: _v6_to_v7,
    7: _v7_to_v8,
    8: _v8_to_v9,
    9: _v9_to_v10,
    10: _v10_to_v11,
    11: _v11_to_v12,
    12: _v12_to_v13,
    13: _v13_to_v14,
}
