"""Parsers: pure functions from a source document's bytes to TrialRecords, chosen by format."""

from __future__ import annotations

from collections.abc import Callable

from indexer.parsers import ctgov, ctgov_xml, euctr, gsk, listing, takeda
from indexer.parsers.errors import NotATrial, ParseError
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


def sniff(body: bytes, filename: str = "") -> str | None:
    """The source slug a document's bytes look like, or None."""
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return ctgov.SOURCE
    if head[:15].lower().startswith((b"<!doctype html", b"<html")) or filename.endswith((".html", ".htm")):
        # Registry pages say whose they are (most specific first: Takeda's pages link the EU register).
        for slug, marker in (
            (takeda.SOURCE, b"Takeda Clinical Trials"),
            (gsk.SOURCE, b"GSK Clinical Study Register"),
            (euctr.SOURCE, b"EU Clinical Trials Register"),
        ):
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


def parse(
    body: bytes,
    *,
    source: str | None = None,
    filename: str = "",
    source_url: str | None = None,
    fetched_at: str | None = None,
) -> list[TrialRecord]:
    """Parse one document; raises NotATrial or ParseError."""
    slug = source or sniff(body, filename)
    if slug is None or slug not in PARSERS:
        raise NotATrial(f"unrecognised format{f' ({filename})' if filename else ''}")
    return PARSERS[slug](body, source_url=source_url, fetched_at=fetched_at)


__all__ = ["PARSERS", "NotATrial", "ParseError", "parse", "sniff"]
