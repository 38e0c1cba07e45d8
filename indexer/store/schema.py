"""The SQLite schema of the record store (one file per data directory): tables, triggers, opening."""

from __future__ import annotations

import logging

from indexer.store.db import Database, StoreError

SCHEMA_VERSION = 14  # 14: csv_rows; 13: records.version right after an older version slotted in; more indexes

# The content hash `index_pending` holds for a record deleted since it was indexed: its document goes.
GONE = ""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS raw (
    hash TEXT PRIMARY KEY,          -- sha256 of the document bytes
    body BLOB NOT NULL              -- zstd-compressed document as fetched
);
CREATE TABLE IF NOT EXISTS records (
    nct_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    source_url TEXT,
    fetched_at TEXT,
    content_hash TEXT NOT NULL,
    raw_hash TEXT,
    version INTEGER NOT NULL,
    record TEXT NOT NULL,           -- TrialRecord JSON
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_raw ON records(raw_hash);
-- Newest write first (`vocabulary.state()`): a cache's stamp without reading every row.
CREATE INDEX IF NOT EXISTS records_updated ON records(updated_at);
-- Records the index lacks or holds stale, with the content hash to index, kept by the triggers below: every
-- write of a record (an upgrade's too) makes it pending, and a writer deletes the rows it indexed, and a record
-- deleted is pending with the hash '' (GONE): its document to delete. A small row each, where marking a
-- 12 KB record row indexed rewrote the whole row. (No semicolons: SCHEMA is split on them.)
CREATE TABLE IF NOT EXISTS index_pending (
    nct_id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL
) WITHOUT ROWID;
-- The documents to delete, which every search leaves out: a look-up of the few, not a scan of every
-- pending row (500k after a stopped write).
CREATE INDEX IF NOT EXISTS index_pending_gone ON index_pending(nct_id) WHERE content_hash = '';
CREATE TABLE IF NOT EXISTS facets (     -- what `stats` counts, written with each record
    field TEXT NOT NULL,            -- status, phase, study_type, sponsor, sex, source, condition, country
    value TEXT,                     -- NULL: the record has none (not for country)
    nct_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS facets_by_value ON facets(field, value);
CREATE INDEX IF NOT EXISTS facets_by_trial ON facets(nct_id);
CREATE TABLE IF NOT EXISTS synonym_terms (  -- groups the records make, updated as they are written
    key TEXT PRIMARY KEY,           -- the term's spelling-insensitive key
    grp INTEGER NOT NULL,
    pos INTEGER NOT NULL,           -- order within the group: the order learned
    term TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS synonym_terms_by_group ON synonym_terms(grp, pos);
CREATE TABLE IF NOT EXISTS synonym_partners (  -- which keys a link joined: too many partners make a hub
    key TEXT NOT NULL,
    partner TEXT NOT NULL,
    PRIMARY KEY (key, partner)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mesh_terms (  -- condition MeSH terms the records file under or list as ancestors
    term TEXT PRIMARY KEY,
    words TEXT NOT NULL,            -- normalize.mesh_words(term): how a condition names it
    records INTEGER NOT NULL        -- records filed under it (0: known only as an ancestor)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mesh_terms_by_words ON mesh_terms(words);
CREATE TABLE IF NOT EXISTS mesh_ancestors (  -- its ancestor when the pair's count is the term's (store/mesh.py)
    term TEXT NOT NULL,
    ancestor TEXT NOT NULL,
    records INTEGER NOT NULL,       -- records filed under term that list ancestor
    PRIMARY KEY (term, ancestor)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mesh_ancestors_by_ancestor ON mesh_ancestors(ancestor);
CREATE TABLE IF NOT EXISTS likeness (   -- what `similar` compares of each record (store/likeness.py)
    nct_id TEXT PRIMARY KEY,
    fields BLOB NOT NULL            -- JSON: likeness.FIELDS of the record, in that order
) WITHOUT ROWID;                    -- one B-tree look-up a row: similar reads ~350 at random
CREATE TABLE IF NOT EXISTS likeness_words (  -- (a row of 800 bytes doubles in size WITHOUT ROWID)
    nct_id TEXT PRIMARY KEY,
    words BLOB NOT NULL             -- zstd: plain_words(record_text(record))
);
-- Each record's CSV row as `export --csv` writes it (store/csvrows.py, indexer/csvrow.py), written with the
-- record: the export reads these, where SQLite parsing 500k records' JSON for 17 fields took 25 s.
CREATE TABLE IF NOT EXISTS csv_rows (
    nct_id TEXT PRIMARY KEY,
    head TEXT NOT NULL,             -- the cells before `stale`, CSV-encoded
    tail TEXT NOT NULL,             -- the cells after it
    status TEXT,                    -- what `stale` is worked out of on the day of the export
    verified TEXT,
    updated TEXT,
    completion TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS seen_raw (
    hash TEXT PRIMARY KEY,          -- a document stored whole: its records need no parsing again
    nct_id TEXT NOT NULL,           -- its first record's trial
    records INTEGER NOT NULL DEFAULT 1  -- how many records it held
);
CREATE TABLE IF NOT EXISTS versions (
    nct_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    date TEXT,                      -- the registry's last_update_posted of this version
    fetched_at TEXT,
    source TEXT NOT NULL,
    source_url TEXT,
    content_hash TEXT NOT NULL,
    raw_hash TEXT,
    record BLOB,                    -- zstd-compressed TrialRecord JSON (NULL: the newest, in records)
    recorded_at TEXT NOT NULL,
    -- The events.id its first event got (the next id) when it became the trial's newest version: a watch
    -- whose last run saw events up to N takes the newest version with current_since <= N as what it saw.
    -- NULL: it arrived as history, older than the newest version then (it was never the current state).
    current_since INTEGER,
    PRIMARY KEY (nct_id, version)
);
CREATE TABLE IF NOT EXISTS changes (
    nct_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    field TEXT NOT NULL,
    old TEXT,                       -- JSON
    new TEXT                        -- JSON
);
CREATE INDEX IF NOT EXISTS changes_by_id ON changes(nct_id, version);
CREATE TABLE IF NOT EXISTS events (
    -- Increasing, and never given twice (AUTOINCREMENT: the events of a version rewritten when older
    -- history arrives are deleted and written again): a watch remembers the last one it saw.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    nct_id TEXT NOT NULL,
    version INTEGER,                -- NULL for an event not tied to a version ("removed")
    date TEXT,                      -- the version's registry date, or when it was detected
    recorded_at TEXT NOT NULL,
    type TEXT NOT NULL,
    field TEXT NOT NULL,
    old TEXT,                       -- JSON
    new TEXT,                       -- JSON
    summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_date ON events(date);
CREATE INDEX IF NOT EXISTS events_by_id ON events(nct_id, version);
CREATE INDEX IF NOT EXISTS events_by_type ON events(type);
-- `changes --field F` over years of events: a range of this index, where the date index was walked whole.
CREATE INDEX IF NOT EXISTS events_by_field ON events(field, date);
CREATE INDEX IF NOT EXISTS events_by_recorded ON events(recorded_at);
CREATE TABLE IF NOT EXISTS source_records (
    source TEXT NOT NULL,           -- parser slug: listing, euctr, gsk, takeda, ...
    source_id TEXT NOT NULL,        -- the page's address, or the source's own id
    trial_id TEXT NOT NULL,         -- the trial it describes (its NCT id when it names one)
    record TEXT NOT NULL,           -- TrialRecord JSON as that source gives it
    content_hash TEXT NOT NULL,
    raw_hash TEXT,
    fetched_at TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, source_id)
);
CREATE INDEX IF NOT EXISTS source_records_trial ON source_records(trial_id);
CREATE TABLE IF NOT EXISTS trial_ids (  -- the ids a trial is known by besides its NCT id (`resolve`)
    id TEXT NOT NULL,
    kind INTEGER NOT NULL,          -- which wins a clash (store/trialids.py): 0 source page, 1 sponsor's, 2 secondary
    nct_id TEXT NOT NULL,           -- the trial it names
    source TEXT,                    -- with source_id: the source_records row it comes from (NULL: records)
    source_id TEXT
);
CREATE INDEX IF NOT EXISTS trial_ids_by_id ON trial_ids(id, kind, nct_id);
CREATE INDEX IF NOT EXISTS trial_ids_by_trial ON trial_ids(nct_id) WHERE source IS NULL;
CREATE INDEX IF NOT EXISTS trial_ids_by_source ON trial_ids(source, source_id) WHERE source IS NOT NULL;
CREATE TABLE IF NOT EXISTS failures (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    source TEXT,
    location TEXT NOT NULL,         -- file path or URL
    record_id TEXT,
    error TEXT NOT NULL,
    raw_hash TEXT,                  -- the document, kept for reprocessing
    http_status INTEGER,            -- the answer's status code, for a request that failed
    resolved_at TEXT                -- when a later fetch or ingest of the same document succeeded
);
CREATE INDEX IF NOT EXISTS failures_location ON failures(location);
CREATE TABLE IF NOT EXISTS crawl_state (
    query_key TEXT PRIMARY KEY,
    spider TEXT NOT NULL,
    query TEXT NOT NULL,            -- the query's parameters, JSON
    high_water TEXT,                -- latest last_update_posted seen by a complete crawl
    last_run_at TEXT
);
CREATE TABLE IF NOT EXISTS query_members (
    query_key TEXT NOT NULL,
    nct_id TEXT NOT NULL,
    PRIMARY KEY (query_key, nct_id)
);
CREATE TABLE IF NOT EXISTS watches (
    name TEXT PRIMARY KEY,
    query TEXT NOT NULL,            -- SearchQuery fields, JSON
    created_at TEXT NOT NULL,
    last_run_at TEXT,
    last_event_id INTEGER NOT NULL DEFAULT 0,
    matched TEXT NOT NULL DEFAULT '[]'  -- trial ids that matched at the last run, JSON
);
CREATE TABLE IF NOT EXISTS watch_runs (
    watch TEXT NOT NULL,
    run INTEGER NOT NULL,           -- 1, 2, ...: part of the feed's entry ids, so they stay stable
    ran_at TEXT NOT NULL,
    new_matches INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    left_count INTEGER NOT NULL,
    PRIMARY KEY (watch, run)
);
CREATE TABLE IF NOT EXISTS watch_entries (
    watch TEXT NOT NULL,
    entry_id TEXT NOT NULL,         -- the Atom entry id
    run INTEGER NOT NULL,
    kind TEXT NOT NULL,             -- new | changed | left
    nct_id TEXT NOT NULL,
    updated TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    link TEXT,
    lines TEXT NOT NULL,            -- JSON list of detail lines (the events)
    PRIMARY KEY (watch, entry_id)
);
CREATE INDEX IF NOT EXISTS watch_entries_by_run ON watch_entries(watch, run);
"""

# Statements with ';' of their own, so not in SCHEMA (split on ';'). A REPLACE's implicit delete fires no
# DELETE trigger (recursive_triggers is off): the INSERT trigger then makes the new content pending.
TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS records_pending_new AFTER INSERT ON records BEGIN"
    " INSERT OR REPLACE INTO index_pending VALUES (new.nct_id, new.content_hash); END",
    "CREATE TRIGGER IF NOT EXISTS records_pending_changed AFTER UPDATE OF content_hash ON records"
    " WHEN new.content_hash IS NOT old.content_hash BEGIN"
    " INSERT OR REPLACE INTO index_pending VALUES (new.nct_id, new.content_hash); END",
    # A record deleted (a trial merged into another) leaves its document to delete: pending with GONE.
    "CREATE TRIGGER IF NOT EXISTS records_pending_gone AFTER DELETE ON records BEGIN"
    f" INSERT OR REPLACE INTO index_pending VALUES (old.nct_id, '{GONE}'); END",
    # ... and its CSV row goes with it, whichever write deleted it.
    "CREATE TRIGGER IF NOT EXISTS records_csv_gone AFTER DELETE ON records BEGIN"
    " DELETE FROM csv_rows WHERE nct_id = old.nct_id; END",
)


def create_tables(db: Database) -> None:
    # One statement at a time: executescript() would commit the transaction half-way.
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    for trigger in TRIGGERS:
        db.execute(trigger)


def _version(db: Database) -> int | None:
    if not db.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"):
        return None
    found = db.one("SELECT value FROM meta WHERE key = 'schema_version'")
    return int(found) if found is not None else None


def prepare(db: Database) -> None:
    """Create a new store's tables, or upgrade an older store in place (one transaction)."""
    found = _version(db)
    if found is not None and found > SCHEMA_VERSION:
        raise StoreError(f"{db.path} was written by a newer Trialscout (schema {found}); upgrade trialscout")
    if found == SCHEMA_VERSION:
        return
    if db.readonly:
        if found is None:
            raise StoreError(f"{db.path} is not a Trialscout record store")
        raise StoreError(
            f"{db.path} has schema {found} and this Trialscout needs {SCHEMA_VERSION}; the directory is "
            "read-only, so it cannot be upgraded here: run any write command on a writable copy first"
        )
    with db.transaction():
        found = _version(db)  # another process may have upgraded it while we waited
        if found == SCHEMA_VERSION:
            return
        if found is not None:
            from indexer.store.upgrades import UPGRADES  # only an older store loads the steps

            # A warning: the command the user ran waits for it (minutes on a store of 500,000 records).
            logging.getLogger(__name__).warning(
                "upgrading %s from schema %s to %s, once (a large store takes minutes)", db.path, found, SCHEMA_VERSION
            )

            for step in range(found, SCHEMA_VERSION):
                if step in UPGRADES:
                    UPGRADES[step](db)
        create_tables(db)
        db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
