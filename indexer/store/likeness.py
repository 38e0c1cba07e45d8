"""What `similar` compares of each record, kept beside it: hundreds of candidates read without their JSON."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from indexer.record import TrialRecord
from indexer.store.blobs import pack, unpack
from indexer.store.db import Database

# `similar` reads about 350 candidates a call: their fields from the record JSON (SQLite's json_extract
# parses the whole 11 KB document) cost 10 ms at 100,000 trials, and their texts, for the drug-mention
# test, as much again. A row here is about a tenth of that to read. Written in the transaction that
# stores the record (RecordStore._write_derived), filled once from the records by the schema upgrade;
# the table is in schema.py.
FIELDS = (
    "conditions",
    "condition_mesh",
    "condition_mesh_ancestors",
    "drug_names",
    "phases",
    "lead_sponsor",
    "primary_purpose",
    "min_age_years",
    "max_age_years",
)
# Every byte but a-z and 0-9 to a space; `plain_words` reads a non-ASCII character as one "?" first.
_SPACES = bytes(c if chr(c).isascii() and (chr(c).islower() or chr(c).isdigit()) else 32 for c in range(256))
# The same, with A-Z lowered: for ASCII text, str.lower() changes only those.
_LOWER_SPACES = bytes(c + 32 if 65 <= c <= 90 else _SPACES[c] for c in range(256))
_RUNS = re.compile(b"  +")


def plain_words(text: str) -> str:
    """Its lower-case runs of a-z and 0-9, one space apart and padded: `plain_words(name) in
    plain_words(text)` finds the name's words, in order, as whole words of the text."""
    # What re.findall("[a-z0-9]+", text.lower()) gives, at a fifth of its cost (written with each record).
    if text.isascii():
        spaced = text.encode("ascii").translate(_LOWER_SPACES)
    else:  # str.lower() turns a few non-ASCII letters into ASCII ones (the Kelvin sign into k)
        spaced = text.lower().encode("ascii", "replace").translate(_SPACES)
    return " " + _RUNS.sub(b" ", spaced).strip().decode("ascii") + " "


def record_text(r: TrialRecord) -> str:
    """Title, summary, description and keywords: where another trial's drug may be named."""
    return " ".join(filter(None, (r.brief_title, r.brief_summary, r.detailed_description, *r.keywords)))


def fields(r: TrialRecord) -> list[Any]:
    e = r.eligibility
    return [
        list(r.conditions),
        list(r.condition_mesh),
        list(r.condition_mesh_ancestors),
        r.drug_names(),
        list(r.phases),
        r.lead_sponsor,
        r.design.primary_purpose,
        e.min_age_years,
        e.max_age_years,
    ]


class Likeness:
    def __init__(self, db: Database):
        self._db = db

    def put(self, records: Iterable[TrialRecord]) -> None:
        """These records' rows (inside the transaction that stores them), replacing their old ones."""
        records = list(records)
        self._db.executemany(
            "INSERT OR REPLACE INTO likeness VALUES (?, ?)", ((r.nct_id, orjson.dumps(fields(r))) for r in records)
        )
        self._db.executemany(
            "INSERT OR REPLACE INTO likeness_words VALUES (?, ?)",
            ((r.nct_id, pack(plain_words(record_text(r)).encode("utf-8"))) for r in records),
        )

    def drop(self, nct_id: str) -> None:
        for table in ("likeness", "likeness_words"):
            self._db.execute(f"DELETE FROM {table} WHERE nct_id = ?", (nct_id,))

    def rebuild(self) -> None:
        """Every record's row, from the records (the schema upgrade that adds the table)."""
        self._db.execute("DELETE FROM likeness")
        self._db.execute("DELETE FROM likeness_words")
        rows = self._db.execute("SELECT record FROM records ORDER BY rowid")
        while chunk := rows.fetchmany(1000):
            self.put(TrialRecord.from_dict(orjson.loads(r)) for (r,) in chunk)

    def fields(self, ids: Sequence[str]) -> dict[str, list[Any]]:
        """FIELDS of each of these records that is stored."""
        return {nct_id: orjson.loads(f) for nct_id, f in self.stored_fields(ids).items()}

    def stored_fields(self, ids: Sequence[str]) -> dict[str, bytes]:
        """FIELDS as stored (JSON): a reader may keep what it made of them by these bytes."""
        return dict(self._by_id("likeness", "fields", ids))

    def words(self, ids: Sequence[str]) -> dict[str, str]:
        """plain_words of each of these records' text."""
        return {nct_id: unpack(w).decode("utf-8") for nct_id, w in self._by_id("likeness_words", "words", ids)}

    def _by_id(self, table: str, column: str, ids: Sequence[str]) -> Iterable[tuple[str, Any]]:
        return self._db.by_ids(f"SELECT nct_id, {column} FROM {table}", ids)
