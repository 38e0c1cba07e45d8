"""Trials known from pages only whose last page joined another trial: retired as merged into it."""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson

from indexer.history.events import merged
from indexer.identifiers import is_nct
from indexer.store.blobs import pack
from indexer.store.db import Database
from indexer.store.facets import Facets
from indexer.store.likeness import Likeness
from indexer.store.trialids import TrialIds
from indexer.store.versions import write_events


class Merger(NamedTuple):
    """The trial a merged one's id names now, and when it was merged (its own 'merged' event). `via`: the
    trials between, each merged into the next after it took this one in (A into B, B later into C: C, via B)."""

    into: str
    date: str | None
    via: tuple[str, ...] = ()

    @property
    def path(self) -> tuple[str, ...]:
        """The trials it went into, in order: the one its own event names first, the one shown last."""
        return (*self.via, self.into)


def retire(
    db: Database, ids: TrialIds, facets: Facets, likeness: Likeness, old: str, into: str, date: str
) -> dict[str, Any] | None:
    """Retire `old`, a trial known from pages only, when none of its pages is left to it (inside the
    transaction that moved the last one to `into`): its record goes (its index document with it, by the
    schema's trigger), its versions stay as its history, a 'merged' event ends it, and its id names
    `into`. The retired record's JSON, for the MeSH counts to take back; None when nothing was retired.
    """
    if old == into or is_nct(old):  # a registry's trial is never provisional: its record stays
        return None
    if db.one("SELECT 1 FROM source_records WHERE trial_id = ?", (old,)) is not None:
        return None  # another page of it is left, and is its record
    row = db.one("SELECT record FROM records WHERE nct_id = ?", (old,))
    if row is None:
        return None
    # Its newest version's JSON lived in its record row: kept with the version, as its history.
    db.execute("UPDATE versions SET record = ? WHERE nct_id = ? AND record IS NULL", (pack(row.encode()), old))
    db.execute("DELETE FROM records WHERE nct_id = ?", (old,))
    ids.drop_record(old)
    ids.put_merged(old, into)
    facets.drop(old)
    likeness.drop(old)
    write_events(db, old, None, date, [merged(old, into)])
    decoded: dict[str, Any] = orjson.loads(row)
    return decoded


def leftovers(db: Database) -> list[tuple[str, str]]:
    """(trial, the trial its page joined) of each provisional trial left without pages by a store written
    before trials were retired: its record's page is stored under the other trial now."""
    rows = db.execute(
        "SELECT r.nct_id, s.trial_id FROM records r JOIN source_records s"
        " ON s.source = r.source AND s.source_id = coalesce(r.source_url, r.nct_id)"
        " WHERE r.source NOT IN ('ctgov', 'ctgov_xml') AND s.trial_id != r.nct_id"
        " AND NOT EXISTS (SELECT 1 FROM source_records p WHERE p.trial_id = r.nct_id) ORDER BY r.nct_id"
    )
    return [(str(old), str(into)) for old, into in rows]


def merged_into(db: Database, nct_id: str) -> Merger | None:
    """The trial this one was merged into, if it was (and has no record of its own again since): followed
    to the end when that one was merged in turn, so every surface names the trial its id leads to."""
    if _has_record(db, nct_id):
        return None
    first = _merged_event(db, nct_id)
    if first is None:
        return None
    into, date = first
    via: list[str] = []
    seen = {nct_id}
    while not _has_record(db, into):
        seen.add(into)
        step = _merged_event(db, into)
        if step is None or step[0] in seen:
            break  # a trial gone otherwise, or a cycle: the last one reached is named
        via.append(into)
        into = step[0]
    return Merger(into, date, tuple(via))


def _has_record(db: Database, nct_id: str) -> bool:
    return db.one("SELECT 1 FROM records WHERE nct_id = ?", (nct_id,)) is not None


def _merged_event(db: Database, nct_id: str) -> tuple[str, str | None] | None:
    """The trial its latest 'merged' event names, and that event's date."""
    row = db.execute(
        "SELECT json_extract(new, '$'), date FROM events WHERE nct_id = ? AND type = 'merged' ORDER BY id DESC",
        (nct_id,),
    ).fetchone()
    return (str(row[0]), row[1]) if row is not None else None
