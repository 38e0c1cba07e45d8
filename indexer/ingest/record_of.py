"""Which stored document is a trial's record: the registry of record's, else one of its pages, whatever the order."""

from __future__ import annotations

import dataclasses
from collections.abc import Container, Iterable, Mapping, Sequence

from indexer.identifiers import is_nct
from indexer.parsers import euctr
from indexer.parsers.ctgov import PARTIAL_SOURCE
from indexer.record import TrialRecord
from indexer.store import RecordStore
from indexer.store.pages import TrialPage
from indexer.store.records import PutResult

# The registry of record: its record is the trial's; other sources (listing pages, other
# registries' pages) are kept beside it and shown with their differences.
REGISTRY_SOURCES = ("ctgov", "ctgov_xml")

# A search result's card: the EU CTR's address of one (a search for the trial's EudraCT number).
_EUCTR_CARD = euctr.SEARCH_URL.split("{", 1)[0]


def summary(page: TrialPage) -> bool:
    """A page that gives part of what another page of the trial may give in full: a search result's card,
    a ClinicalTrials.gov study downloaded with a `fields=` selection."""
    return page.source == PARTIAL_SOURCE or (page.source == euctr.SOURCE and page.source_id.startswith(_EUCTR_CARD))


def chosen(pages: Sequence[TrialPage]) -> TrialPage:
    """The page that is the trial's record: a whole page before a summary (a protocol page before a search
    result's card); then the latest by the register's update date, as a trial's versions are ordered (the
    newest is its record, whatever order the documents arrive in: versions._order_key); at equal dates, the
    first in the order `trials show` lists the sources and fills from them (source, then address).

    Not the fetch time, which breaks ties in the versions' order: with two pages, it is the order they were
    fetched in, and made two undated pages of one trial take turns as its record at every crawl.
    """
    whole = [page for page in pages if not summary(page)] or pages
    newest = max(page.date or "" for page in whole)
    return min((page for page in whole if (page.date or "") == newest), key=lambda page: (page.source, page.source_id))


def key_of(record: TrialRecord) -> tuple[str, str]:
    """A page record's key as `put_source` stores it: its source, and its address else its trial id."""
    return (record.source, record.source_url or record.nct_id)


def settle(store: RecordStore, trial_id: str, given: Mapping[tuple[str, str], TrialRecord]) -> PutResult | None:
    """Make the trial's chosen page its record (inside a transaction, after its pages' `put_source`).

    None when there is nothing to write: a registry of record's record is the trial's, or the chosen page's
    content is its record already. `given`: page records at hand by `key_of` (not read back from the store).
    Another page's record than the chosen one is replaced once, as its newest version whatever the dates.
    """
    current = store.record_page(trial_id)
    if current is not None and current.source in REGISTRY_SOURCES:
        return None
    pages = store.pages_of(trial_id)
    if not pages:
        return None
    best = chosen(pages)
    same_page = current is not None and (current.source, current.source_id) == (best.source, best.source_id)
    if same_page and current is not None and current.content_hash == best.content_hash:
        return None
    record = given.get((best.source, best.source_id)) or store.page_record(best)
    if record is None:
        return None
    # The same page keeps its versions' date order (an older copy is history); another page replaces the record.
    return store.put(record, latest=current is not None and not same_page)


def link(store: RecordStore, record: TrialRecord, pending: Container[str] = ()) -> TrialRecord:
    """A record without an NCT id joins the trial that shares one of its ids (EudraCT, sponsor's).

    `pending`: trials whose pages the batch stored and whose records it settles at its end, so that the
    store does not know them by their own ids yet."""
    if is_nct(record.nct_id):
        return record
    for candidate in (*record.secondary_ids, record.org_study_id):
        if not candidate:
            continue
        wanted = candidate.strip()
        # Its own provisional trial (a page of it stored before) is left out: the page joins the trial its
        # ids name as if it came first, so the order pages and records arrive in makes no difference.
        found = store.resolve_all(candidate, besides=record.nct_id)
        trial = next((t for t in (wanted, wanted.upper()) if t in pending), None) or (found[0] if found else None)
        if trial and trial != record.nct_id:
            return dataclasses.replace(record, nct_id=trial)
    return record


def adopt(store: RecordStore, named: Iterable[str], pending: Container[str]) -> list[tuple[TrialRecord, str | None]]:
    """The pages of trials known from pages only that give one of these ids (of trials with NCT ids that
    a batch stored), read again by `link`: those that now join another trial, each with where its bytes
    are kept. A page that came before the trial it names joins it as one that came after would."""
    moved = []
    for trial in store.ids.provisional_giving(named):
        for page in store.pages_of(trial):
            record = store.page_record(page)
            linked = link(store, record, pending) if record is not None else None
            if linked is not None and linked.nct_id != trial:
                moved.append((linked, store.page_raw_hash(page)))
    return moved
