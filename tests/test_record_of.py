"""A trial known only from pages has one of them as its record, the same whatever order they came in."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.parsers import parse_document
from indexer.record import TrialRecord
from tests.conftest import FIXTURES, Trials

TRIAL = "EUCTR2015-000590-12"
# The EU Clinical Trials Register's two real pages of it (../shared/data/registries/euctr): its German
# protocol page and a search result's card, which gives part of it (no criteria, no enrollment).
PROTOCOL = FIXTURES / "euctr" / "clinicaltrialsregister.eu_ctr-search_trial_2015-000590-12_DE.html"
CARD = FIXTURES / "euctr" / "clinicaltrialsregister.eu_ctr-search_search_query_2015-000590-12.html"
ORDERS = {"card first": (CARD, PROTOCOL), "protocol first": (PROTOCOL, CARD)}


def _read(path: Path) -> TrialRecord:
    """The oracle: the parser on the page file itself, as `trials ingest` reads it."""
    (record,) = parse_document(path.read_bytes(), filename=str(path)).records
    return record


def _copy(page: Path, into: Path, body: bytes | None = None) -> Path:
    """The page in other bytes (a byte-identical file is skipped unread), as the next download brings it."""
    into.mkdir(parents=True, exist_ok=True)
    path = into / page.name
    path.write_bytes((body if body is not None else page.read_bytes()) + f"\n<!-- {into.name} -->\n".encode())
    return path


def _state(data: Path) -> tuple[TrialRecord | None, list[tuple[str, str]], int]:
    """The trial's record, its change events (type and field) and how many versions it has."""
    with Catalog(load(data)) as c:
        events = [(e.type, e.field) for e in c.store.events.for_trial(TRIAL)]
        return c.store.get(TRIAL), events, len(c.store.history(TRIAL))


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("one_run", [True, False], ids=["one ingest", "an ingest each"])
def test_the_protocol_page_is_the_record_whatever_the_order(tmp_path: Path, order: str, one_run: bool) -> None:
    data = tmp_path / "data"
    pages = ORDERS[order]
    for run in [pages] if one_run else [(page,) for page in pages]:
        Trials(data)("ingest", *map(str, run))
    record, events, versions = _state(data)
    assert record == _read(PROTOCOL)
    if one_run:  # the card was never the record: the trial's first version is the protocol page's
        assert (events, versions) == ([("new", "nct_id")], 1)
    # Fetched again, in either order and in other bytes: read, and no change.
    for again, run in enumerate(ORDERS.values()):
        said = Trials(data)("ingest", *(str(_copy(page, tmp_path / f"again{again}")) for page in run)).output
        assert "0 new, 0 updated, 0 older versions, 2 unchanged" in said, said
        assert _state(data) == (record, events, versions)


@pytest.mark.parametrize("order", ORDERS)
def test_a_changed_protocol_page_records_the_events_of_its_change_only(tmp_path: Path, order: str) -> None:
    data = tmp_path / "data"
    Trials(data)("ingest", *map(str, ORDERS[order]))
    _, before, versions = _state(data)
    # The register's enrollment in the member state (F.4.1), 744 on the real page, now 750.
    body = PROTOCOL.read_bytes()
    assert body.count(b">744<") == 1
    changed = _copy(PROTOCOL, tmp_path / "changed", body.replace(b">744<", b">750<"))
    old, new = _read(PROTOCOL).to_dict(), _read(changed).to_dict()
    fields = {k for k in new if new[k] != old[k] and k != "source_url"}
    assert fields == {"enrollment"} and (old["enrollment"], new["enrollment"]) == (744, 750)
    for page in (changed, _copy(CARD, tmp_path / "card")):  # the card, fetched after it, changes nothing
        Trials(data)("ingest", str(page))
    record, events, now = _state(data)
    assert record == _read(changed)
    assert now == versions + 1
    assert events[: len(before)] == before and {field for _, field in events[len(before) :]} == fields


def test_a_store_whose_record_is_the_card_settles_on_the_protocol_page_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    protocol, card = _read(PROTOCOL), _read(CARD)
    with Catalog(load(data)) as c, c.store.transaction():
        # As an ingest of the protocol page then the card left it before: the card the trial's record.
        c.store.put_source(protocol)
        c.store.put_source(card)
        c.store.put(card)
    assert _state(data)[0] == card
    Trials(data)("ingest", str(_copy(CARD, tmp_path / "card")))  # the next write of one of its pages
    record, events, versions = _state(data)
    assert record == protocol and versions == 2
    for again, page in enumerate((PROTOCOL, CARD, PROTOCOL)):  # once: no page takes the record back
        Trials(data)("ingest", str(_copy(page, tmp_path / f"again{again}")))
        assert _state(data) == (record, events, versions)


GSK = FIXTURES / "gsk" / "gsk-clinicalstudyregister.com_study_106847.html"  # NCT01435902
LISTING = next((FIXTURES / "listing" / "site" / "clinical-trials" / "listings" / "NCT04077684").glob("*.html"))


def _pages_of_two_sources() -> tuple[TrialRecord, TrialRecord]:
    """GSK's page of NCT01435902, and a trial finder's page said to be of it (the real listing page's record,
    its trial id made NCT01435902's): two full pages of one trial from two sources."""
    gsk = _read(GSK)
    (listing,) = parse_document(LISTING.read_bytes(), source="listing", source_url="https://finder.example/t").records
    return gsk, dataclasses.replace(listing, nct_id=gsk.nct_id)


def _record_in_either_order(tmp_path: Path, pages: tuple[TrialRecord, TrialRecord], one_batch: bool) -> TrialRecord:
    """The trial's record after writing the two pages in each order (into fresh stores), the same both times;
    and writing them again in the other order changes nothing."""
    found = []
    for n, order in enumerate((pages, pages[::-1])):
        with Catalog(load(tmp_path / str(n))) as c:
            for batch in [order] if one_batch else [(p,) for p in order]:
                write_records(c, batch)
            trial = order[0].nct_id
            events = list(c.store.events.for_trial(trial))
            write_records(c, list(order[::-1]))
            assert list(c.store.events.for_trial(trial)) == events
            found.append(c.store.get(trial))
    assert found[0] == found[1]
    assert found[0] is not None
    return found[0]


@pytest.mark.parametrize("one_batch", [True, False], ids=["one batch", "a batch each"])
def test_between_sources_the_record_is_the_latest_by_the_registers_date(tmp_path: Path, one_batch: bool) -> None:
    gsk, listing = _pages_of_two_sources()
    assert (gsk.last_update_posted, listing.last_update_posted) == ("2014-06-19", "2022-03-02")
    assert _record_in_either_order(tmp_path / "dated", (gsk, listing), one_batch) == listing
    # At equal dates, the first source in `trials show`'s order (source, then address): GSK's before a listing's.
    same_day = dataclasses.replace(listing, last_update_posted=gsk.last_update_posted)
    assert _record_in_either_order(tmp_path / "same day", (gsk, same_day), one_batch) == gsk


def test_a_page_naming_a_trial_known_from_a_page_of_the_same_batch_joins_it(tmp_path: Path) -> None:
    gsk = _read(GSK)
    protocol = _read(PROTOCOL)
    names_it = dataclasses.replace(protocol, secondary_ids=(*protocol.secondary_ids, gsk.nct_id))
    with Catalog(load(tmp_path / "data")) as c:
        write_records(c, [gsk, names_it])  # one batch: the GSK trial has no record yet when the EU page links
        assert {(s.source, s.nct_id) for s in c.store.sources_for(gsk.nct_id)} == {
            ("euctr", gsk.nct_id),
            ("gsk", gsk.nct_id),
        }
        assert c.store.get(TRIAL) is None
        assert c.store.get(gsk.nct_id) == gsk  # dated, the EU page is not
