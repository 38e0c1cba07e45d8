"""The fields of candidate trials that `similar` compares, from the store's likeness rows (no record JSON read)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from indexer.record import TrialRecord
from indexer.store import RecordStore
from indexer.store.likeness import plain_words, record_text

__all__ = ["Candidate", "Reader", "drugs", "from_fields", "plain_words", "record_text"]

GENERIC_DRUGS = {"placebo", "saline", "standard of care", "usual care", "sham", "vehicle"}
TEXT_BATCH = 64  # texts read at once when the drug-mention test needs them
# The same trials are candidates for many others (in a served store, after a hundred trials' similar
# sections, 96% of the next ones' candidates had been read before): each process keeps the candidates
# it made, by their stored bytes (a changed record's are other bytes), and reads only those bytes again.
KEPT = 20_000
_made: OrderedDict[tuple[str, bytes], Candidate] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Candidate:
    """What similarity compares of a trial, besides its text."""

    nct_id: str
    conditions: list[str]
    family: list[str]  # its MeSH terms and their ancestors
    drugs: list[str]
    phases: list[str]
    lead_sponsor: str | None
    primary_purpose: str | None
    min_age: float | None
    max_age: float | None

    @classmethod
    def of(cls, r: TrialRecord) -> Candidate:
        return cls(
            r.nct_id,
            [*r.conditions, *r.condition_mesh],
            [*r.condition_mesh_ancestors, *r.condition_mesh],
            drugs(r),
            list(r.phases),
            r.lead_sponsor,
            r.design.primary_purpose,
            r.eligibility.min_age_years,
            r.eligibility.max_age_years,
        )


def drugs(r: TrialRecord) -> list[str]:
    return [n for n in r.drug_names() if n.lower() not in GENERIC_DRUGS]


def from_fields(nct_id: str, values: list[Any]) -> Candidate:
    """The candidate from its store row (`store.likeness.FIELDS`)."""
    cond, mesh, ancestors, names, phases, sponsor, purpose, lo, hi = values
    found = [n for n in names if n.lower() not in GENERIC_DRUGS]
    return Candidate(nct_id, [*cond, *mesh], [*ancestors, *mesh], found, phases, sponsor, purpose, lo, hi)


class Reader:
    """One `similar` call's candidates, and their texts' words (`plain_words`) when asked."""

    def __init__(self, store: RecordStore):
        self.store = store
        self.words: dict[str, str] = {}

    def read(self, ids: Iterable[str]) -> list[Candidate]:
        out = []
        stored = self.store.likeness.stored_fields(list(ids))
        with _lock:
            for row in stored.items():
                found = _made.get(row)
                if found is None:
                    found = _made[row] = from_fields(row[0], orjson.loads(row[1]))
                else:
                    _made.move_to_end(row)
                out.append(found)
            while len(_made) > KEPT:
                _made.popitem(last=False)
        return out

    def text(self, order: Sequence[str], at: int) -> str:
        """The words of candidate `order[at]`; when they must be read, those of the next ones in `order` too."""
        nct_id = order[at]
        if nct_id not in self.words:
            wanted = [i for i in order[at : at + TEXT_BATCH] if i not in self.words]
            self.words.update(self.store.likeness.words(wanted))
        return self.words.get(nct_id, " ")
