"""Stored source pages read again from their kept bytes, once, when their source's parser is newer than the store's."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from indexer.geo.geocode import geocode
from indexer.ingest.record_of import link
from indexer.parsers import PAGE_PARSER_VERSIONS, NotATrial, ParseError, parse_document
from indexer.record import TrialRecord
from indexer.record_hash import content_hash
from indexer.store import RecordStore
from indexer.store.pages import PageRow

log = logging.getLogger(__name__)

# Rows rewritten per transaction: a store of 100,000 listing pages is not one transaction of them all.
BATCH = 500
# Pages from which the wait is said first: each is parsed again (25 ms of CPU a registry page, bench/parsers.py).
LARGE = 1000


def _meta_key(source: str) -> str:
    return f"parser:{source}"


@dataclass
class Reread:
    """What one re-read did: records rewritten, read alike, and kept as they were (with why)."""

    rewritten: Counter[str] = field(default_factory=Counter)  # by source
    alike: int = 0
    kept: list[tuple[str, str, str]] = field(default_factory=list)  # (source, source id, why)

    @property
    def read(self) -> int:
        return sum(self.rewritten.values()) + self.alike


def outdated(store: RecordStore) -> list[str]:
    """The page sources whose records the store's parser version predates (a few meta reads)."""
    return [
        source
        for source, version in PAGE_PARSER_VERSIONS.items()
        if int(store.get_meta(_meta_key(source)) or 1) < version
    ]


def reread_pages(store: RecordStore) -> Reread:
    """Read every stored page of each outdated source again with today's parser (the caller holds the
    write lock), and rewrite its records in place with no change event: without it, the next fetch of a
    page whose bytes changed would record what the parser now reads as an update the registry never made.

    A page whose bytes are not kept, or that no longer reads as one record of the same trial, keeps its
    record as it is, counted and logged. The trials' own records rewritten become pending indexing.
    """
    done = Reread()
    sources = outdated(store)
    pages = {source: store.page_rows(source) for source in sources}
    if (count := sum(map(len, pages.values()))) >= LARGE:  # the command the user ran waits for it
        log.warning(
            "reading %d stored pages again with this Trialscout's parsers, once (a large store takes minutes)", count
        )
    for rows in pages.values():
        # The addresses taken: a page now named otherwise moves to its new address, once no other page is there.
        taken = {row.source_id for row in rows}
        waiting: list[tuple[PageRow, TrialRecord]] = []  # their new address is taken by a page not read yet
        for start in range(0, len(rows), BATCH):
            with store.transaction():
                for row in rows[start : start + BATCH]:
                    if (record := _reread(store, row, done)) is not None:
                        _rewrite(store, row, record, taken, done, waiting)
        if waiting:
            with store.transaction():  # what the pages read after them left free
                for row, record in waiting:
                    _rewrite(store, row, record, taken, done, None)
    if sources:  # stopped before this, the next writer reads them again: those rewritten now read alike
        with store.transaction():
            for source in sources:
                store.set_meta(_meta_key(source), str(PAGE_PARSER_VERSIONS[source]))
    for source, source_id, why in done.kept:
        log.warning("kept the stored record of %s page %s as it was: %s", source, source_id, why)
    if done.read or done.kept:
        by_source = ", ".join(f"{s} {n}" for s, n in sorted(done.rewritten.items())) or "none"
        log.warning(
            "read %d stored pages again with this Trialscout's parsers, once: %d records rewritten in place as no"
            " change of their trials (%s), %d read alike, %d kept as they were",
            done.read + len(done.kept),
            sum(done.rewritten.values()),
            by_source,
            done.alike,
            len(done.kept),
        )
    return done


def _reread(store: RecordStore, row: PageRow, done: Reread) -> TrialRecord | None:
    """Today's record of a stored page when it differs from the stored one (counted either way)."""
    stored = store.page_record(row)
    if stored is None:
        return None  # gone since the rows were listed
    record, why = _read_again(store, row, stored)
    if record is None:
        done.kept.append((row.source, row.source_id, why))
        return None
    if (record.source_url or record.nct_id) == row.source_id and content_hash(record) == row.content_hash:
        done.alike += 1
        return None
    return record


def _rewrite(
    store: RecordStore,
    row: PageRow,
    record: TrialRecord,
    taken: set[str],
    done: Reread,
    waiting: list[tuple[PageRow, TrialRecord]] | None,
) -> None:
    address = record.source_url or record.nct_id
    if address != row.source_id and address in taken:
        if waiting is not None:
            waiting.append((row, record))
        else:
            done.kept.append((row.source, row.source_id, f"it now reads as page {address}, another page's record"))
        return
    store.rewrite_page(row, record)
    taken.discard(row.source_id)
    taken.add(address)
    done.rewritten[row.source] += 1


def _read_again(store: RecordStore, row: PageRow, stored: TrialRecord) -> tuple[TrialRecord | None, str]:
    """Today's record of a stored page, as an ingest of its bytes would store it, or None and why not."""
    if row.raw_hash is None:
        return None, "its page held several trials, and is not kept by trial"
    body = store.get_raw(row.raw_hash)
    if body is None:
        return None, "its page's bytes are not kept"
    try:
        # The address and fetch time it was read with: a parser gives them back as they were given.
        parsed = parse_document(body, source=row.source, source_url=stored.source_url, fetched_at=stored.fetched_at)
    except (NotATrial, ParseError) as exc:
        return None, f"its page no longer reads ({exc})"
    except Exception as exc:  # a parser's bug on one old page must not stop every write
        log.debug("parser error re-reading %s %s", row.source, row.source_id, exc_info=True)
        return None, f"its page no longer reads (parser error {type(exc).__name__}: {str(exc)[:200]})"
    if len(parsed.records) != 1 or parsed.failures:
        return None, f"its page now reads as {len(parsed.records)} records"
    # As the writer stores a page's record: sites geocoded, a trial without an NCT id joined to its trial.
    record = link(store, geocode(parsed.records[0]))
    if record.nct_id != row.trial_id:
        return None, f"its page now reads as trial {record.nct_id}, not {row.trial_id}"
    return record, ""
