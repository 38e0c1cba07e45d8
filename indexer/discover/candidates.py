"""The fields of candidate trials that `similar` compares: read from the stored JSON, kept by content hash."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from indexer.record import TrialRecord
from indexer.store import RecordStore

GENERIC_DRUGS = {"placebo", "saline", "standard of care", "usual care", "sham", "vehicle"}
# The same trials are candidates for many others (in a served store, after a hundred trials' similar
# sections, 96% of the next ones' candidates had been read before): their fields are kept, by content
# hash so that a changed record is read again, in every process. Not their texts: those take the room.
KEPT = 20_000
TEXT_BATCH = 64  # texts read at once when the drug-mention test needs them


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


def record_text(r: TrialRecord) -> str:
    """Title, summary, description and keywords: where another trial's drug may be named."""
    return " ".join(filter(None, (r.brief_title, r.brief_summary, r.detailed_description, *r.keywords)))


# What a Candidate and its text are made of (JSON paths), read by SQLite without decoding whole records.
TEXT_PATHS = ("$.brief_title", "$.brief_summary", "$.detailed_description", "$.keywords")
PATHS = (
    "$.conditions",
    "$.condition_mesh",
    "$.condition_mesh_ancestors",
    "$.interventions",
    "$.phases",
    "$.lead_sponsor",
    "$.design.primary_purpose",
    "$.eligibility.min_age_years",
    "$.eligibility.max_age_years",
    *TEXT_PATHS,
)


def from_json(nct_id: str, values: list[Any]) -> tuple[Candidate, str]:
    cond, mesh, ancestors, ivs, phases, sponsor, purpose, lo, hi, *text = values
    every = (n for iv in ivs or () for n in (iv.get("name"), *(iv.get("other_names") or ())))
    names = dict.fromkeys(n for n in every if n is not None)  # TrialRecord.drug_names(), from the JSON
    found = Candidate(
        nct_id,
        [*(cond or ()), *(mesh or ())],
        [*(ancestors or ()), *(mesh or ())],
        [n for n in names if n.lower() not in GENERIC_DRUGS],
        phases or [],
        sponsor,
        purpose,
        lo,
        hi,
    )
    return found, _text(text)


def _text(values: list[Any]) -> str:
    title, summary, description, keywords = values
    return " ".join(filter(None, (title, summary, description, *(keywords or ()))))


_kept: OrderedDict[tuple[str, str], Candidate] = OrderedDict()
_lock = threading.Lock()


class Reader:
    """One `similar` call's candidates: kept ones from memory, the others (with their texts) from the store."""

    def __init__(self, store: RecordStore):
        self.store = store
        self.texts: dict[str, str] = {}

    def read(self, ids: Iterable[str]) -> list[Candidate]:
        hashes = self.store.content_hashes(ids)
        out, missing = [], []
        with _lock:
            for nct_id, digest in hashes.items():
                found = _kept.get((nct_id, digest))
                if found is None:
                    missing.append(nct_id)
                else:
                    _kept.move_to_end((nct_id, digest))
                    out.append(found)
        read = [from_json(nct_id, values) for nct_id, values in self.store.json_values(missing, PATHS).items()]
        with _lock:
            for c, text in read:
                self.texts[c.nct_id] = text
                _kept[(c.nct_id, hashes[c.nct_id])] = c
                out.append(c)
            while len(_kept) > KEPT:
                _kept.popitem(last=False)
        return out

    def text(self, order: Sequence[str], at: int) -> str:
        """The text of candidate `order[at]`; when it must be read, those of the next ones in `order` too."""
        nct_id = order[at]
        if nct_id not in self.texts:
            wanted = [i for i in order[at : at + TEXT_BATCH] if i not in self.texts]
            for i, values in self.store.json_values(wanted, TEXT_PATHS).items():
                self.texts[i] = _text(values)
        return self.texts.get(nct_id, "")
