"""The record store: every table and every SQL statement of a data directory live in this package."""

from indexer.store.records import PutResult, RecordStore, now_iso, sha256

__all__ = ["PutResult", "RecordStore", "now_iso", "sha256"]
