"""The record store: every table and every SQL statement of a data directory live in this package."""

from typing import TYPE_CHECKING, Any

from indexer.clock import now_iso
from indexer.store.db import StoreDamaged, StoreError, StoreFull, StoreReadOnly
from indexer.store.lock import StoreBusy, WriteLock
from indexer.store.rawdocs import sha256
from indexer.store.records import PutResult, RecordStore

if TYPE_CHECKING:
    from indexer.store.crawlstate import QueryState
    from indexer.store.eventlog import StoredEvent
    from indexer.store.failures import Failure
    from indexer.store.versions import Version

# Loaded when first asked for (PEP 562): a reading command never needs them, and their modules and
# dataclasses were 10% of a search's start-up.
_LAZY = {
    "QueryState": "indexer.store.crawlstate",
    "StoredEvent": "indexer.store.eventlog",
    "Failure": "indexer.store.failures",
    "Version": "indexer.store.versions",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)


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
