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

    def __repr__(self) -> str:  # Scrapy logs every item; the body would flood the log
        return f"RawDocument({self.source!r}, {self.url!r}, {len(self.body)} bytes)"


@dataclass(frozen=True, slots=True)
class FailedDocument:
    """A response the spider could not even frame (bad JSON page, HTTP error); kept for reprocessing."""

    source: str
    url: str
    body: bytes
    error: str
    record_id: str | None = None

    def __repr__(self) -> str:
        return f"FailedDocument({self.source!r}, {self.url!r}, {self.error!r})"


@dataclass(frozen=True, slots=True)
class GoneDocument:
    """A trial the query used to return that the registry now answers 404 for, checked by id."""

    source: str
    url: str
    nct_id: str
