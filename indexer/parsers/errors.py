"""Errors every parser raises: a document that is not a trial, and a trial that cannot be read."""

from __future__ import annotations

from dataclasses import dataclass


class ParseError(ValueError):
    """The document claims to be a trial record but cannot be read; it is counted and kept."""

    # The trial's id when it could be read, so the failure names it (`trials failures`).
    record_id: str | None = None


class NotATrial(ParseError):
    """The document is not a trial record at all (an index file, a feed); it is skipped with a note."""


@dataclass(frozen=True, slots=True)
class ItemFailure:
    """One item of a many-record document (a study of a search page) that could not be read."""

    record_id: str | None
    error: str
    raw: bytes | None  # the item's own bytes where the document has them apart; None: the whole document
    where: str = ""  # its place in the document, e.g. "studies[3]"
