"""The record store: every table and every SQL statement of a data directory live in this package."""

from indexer.clock import now_iso
from indexer.store.crawlstate import QueryState
from indexer.store.db import StoreDamaged, StoreError, StoreFull, StoreReadOnly
from indexer.store.eventlog import StoredEvent
from indexer.store.failures import Failure
from indexer.store.lock import StoreBusy, WriteLock
from indexer.store.records import PutResult, RecordStore, sha256
from indexer.store.versions import Version

__all__ = [
    "Failure",
    "PutResult",
    "QueryState",
    "RecordStore",
    "StoreBusy",
    "StoreDamaged",
    "StoreError",
    "StoreFull",
    "StoreReadOnly",
    "StoredEvent",
    "Version",
    "WriteLock",
    "now_iso",
    "sha256",
]
