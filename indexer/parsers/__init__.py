"""Parsers: pure functions from a source document's bytes to TrialRecords, chosen by format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from indexer.identifiers import is_trial_id
from indexer.parsers import ctgov, ctgov_xml, euctr, gsk, listing, takeda
from indexer.parsers.errors import ItemFailure, NotATrial, ParseError
from indexer.parsers.validate import validate
from indexer.record import TrialRecord

Parser = Callable[..., list[TrialRecord]]

# Source slug -> parser; the slug is also the spider name and the fixture folder.
PARSERS: dict[str, Parser] = {
    ctgov.SOURCE: ctgov.parse_document,
    ctgov_xml.SOURCE: ctgov_xml.parse_document,
    listing.SOURCE: listing.parse_document,
    euctr.SOURCE: euctr.parse_document,
    gsk.SOURCE: gsk.parse_document,
    takeda.SOURCE: takeda.parse_document,
}

# The version of each page source's parser, kept in a store with its records (meta "parser:<slug>"; a
# store without it was written by version 1). Raise it when the parser reads the same page into another
# record (tests/test_reread.py tells from its fixture pages' outputs): the next writer re-reads that
# source's kept pages once (indexer/ingest/reread.py), so the change is no change of their trials.
# ClinicalTrials.gov records change by schema upgrades instead (indexer/store/upgrades.py, e.g. schema
# 11's criteria re-split), which rewrite what a fix changes.
PAGE_PARSER_VERSIONS: dict[str, int] = {listing.SOURCE: 4, euctr.SOURCE: 2, gsk.SOURCE: 2, takeda.SOURCE: 3}

# Registry pages say whose they are (most specific first: Takeda's pages link the EU register).
_MARKERS = {
    takeda.SOURCE: b"Takeda Clinical Trials",
    gsk.SOURCE: b"GSK Clinical Study Register",
    euctr.SOURCE: b"EU Clinical Trials Register",
}


def sniff(body: bytes, filename: str = "") -> str | None:
    """The source slug a document's bytes look like, or None."""
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return ctgov.SOURCE
    if head[:15].lower().startswith((b"<!doctype html", b"<html")) or filename.endswith((".html", ".htm")):
        for slug, marker in _MARKERS.items():
            if marker in body:
                return slug
        return listing.SOURCE
    if head.startswith(b"<"):
        return ctgov_xml.SOURCE
    if filename.endswith(".json"):
        return ctgov.SOURCE
    if filename.endswith(".xml"):
        return ctgov_xml.SOURCE
    return None


@dataclass(frozen=True, slots=True)
class Parsed:
    """A document's valid records, and the items of it that failed (the rest of it still counts)."""

    records: list[TrialRecord]
    failures: list[ItemFailure] = field(default_factory=list)


def parse_document(
    body: bytes,
    *,
    source: str | None = None,
    filename: str = "",
    source_url: str | None = None,
    fetched_at: str | None = None,
    data: Any = None,
) -> Parsed:
    """Parse and validate one document; raises NotATrial, or ParseError when none of it can be read.

    `data` is the document already decoded (a crawled API page), so that it is decoded only once.
    """
    slug = source or sniff(body, filename)
    if slug is None or slug not in PARSERS:
        raise NotATrial(f"unrecognised format{f' ({filename})' if filename else ''}")
    if slug == ctgov.SOURCE:  # validated study by study: one bad study does not fail its page
        records, failures = ctgov.parse_items(body, source_url=source_url, fetched_at=fetched_at, data=data)
        return Parsed(records, failures)
    try:
        records = PARSERS[slug](body, source_url=source_url, fetched_at=fetched_at)
    except (NotATrial, ParseError) as exc:
        if source is not None or slug not in _MARKERS:
            raise
        # A trial finder's page that names a register ("data from the EU Clinical Trials Register") is
        # sniffed as that register's: read as the listing page it is, else the register's error stands.
        try:
            records = listing.parse_document(body, source_url=source_url, fetched_at=fetched_at)
        except (NotATrial, ParseError):
            raise exc from None
    for record in records:
        try:
            validate(record)
        except ParseError as exc:
            error = ParseError(f"{record.nct_id!s:.40}: {exc}")
            error.record_id = record.nct_id if isinstance(record.nct_id, str) and is_trial_id(record.nct_id) else None
            raise error from exc
    return Parsed(records)


def parse(
    body: bytes,
    *,
    source: str | None = None,
    filename: str = "",
    source_url: str | None = None,
    fetched_at: str | None = None,
) -> list[TrialRecord]:
    """Every record of one document; raises NotATrial, or ParseError for the first item that fails."""
    parsed = parse_document(body, source=source, filename=filename, source_url=source_url, fetched_at=fetched_at)
    if parsed.failures:
        first = parsed.failures[0]
        raise ParseError(f"{first.record_id or first.where}: {first.error}")
    return parsed.records


__all__ = [
    "PAGE_PARSER_VERSIONS",
    "PARSERS",
    "ItemFailure",
    "NotATrial",
    "ParseError",
    "Parsed",
    "parse",
    "parse_document",
    "sniff",
]
