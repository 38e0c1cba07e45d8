"""The SQLite schema of the record store (one file per data directory)."""

SCHEMA_VERSION = 1

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
    indexed_hash TEXT,              -- content_hash the search index holds; differs = pending
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_raw ON records(raw_hash);
CREATE TABLE IF NOT EXISTS seen_raw (hash TEXT PRIMARY KEY, nct_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
    nct_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    date TEXT,                      -- the registry's last_update_posted of this version
    fetched_at TEXT,
    source TEXT NOT NULL,
    source_url TEXT,
    content_hash TEXT NOT NULL,
    raw_hash TEXT,
    record BLOB,                    -- zstd-compressed TrialRecord JSON; NULL: the newest, in records
    recorded_at TEXT NOT NULL,
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
    id INTEGER PRIMARY KEY,         -- increasing: a watch remembers the last one it reported
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
CREATE TABLE IF NOT EXISTS failures (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    source TEXT,
    location TEXT NOT NULL,         -- file path or URL
    record_id TEXT,
    error TEXT NOT NULL,
    raw_hash TEXT                   -- the document, kept for reprocessing
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
