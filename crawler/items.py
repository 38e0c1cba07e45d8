"""Source-shaped items: a registry document exactly as fetched, before any parsing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One fetched document; `source` names the parser (= spider name = fixture folder)."""

    source: str
    url: str
    body: bytes
    fetched_at: str


@dataclass(frozen=True, slots=True)
class FailedDocument:
    """A response the spider could not even frame (bad JSON page, HTTP error); kept for reprocessing."""

    source: str
    url: str
    body: bytes
    error: str
    record_id: str | None = None
