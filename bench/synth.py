"""Synthesise a large corpus from the real records: new ids, shifted dates, everything else real."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from datetime import date, timedelta

from bench.common import SHARED
from indexer.ingest.files import iter_documents
from indexer.parsers import NotATrial, ParseError, parse
from indexer.record import TrialRecord

FOLDERS = ("v2", "xml", "xml_2021")


def real_records() -> list[TrialRecord]:
    seen: dict[str, TrialRecord] = {}
    for loc, body in iter_documents([SHARED / "ctgov" / f for f in FOLDERS]):
        if not isinstance(body, bytes):
            continue
        try:
            for r in parse(body, filename=loc):
                seen[r.nct_id] = r
        except (NotATrial, ParseError):
            continue
    return list(seen.values())


def _shift(value: str | None, days: int) -> str | None:
    if not value:
        return value
    parts = value.split("-")
    d = date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    shifted = d + timedelta(days=days)
    return shifted.isoformat()[: len(value)]


# Qualifiers real condition names carry ("Recurrent Glioblastoma", "Pediatric Crohn Disease").
QUALIFIERS = (
    "Recurrent",
    "Refractory",
    "Advanced",
    "Early",
    "Chronic",
    "Acute",
    "Pediatric",
    "Adult",
    "Severe",
    "Mild",
)
# Affiliates real sponsors appear as ("Pfizer Japan", "Novartis Pharmaceuticals Korea").
AFFILIATES = tuple(
    [
        "Japan",
        "China",
        "Korea",
        "Germany",
        "France",
        "Italy",
        "Spain",
        "Canada",
        "Brazil",
        "India",
        "Australia",
        "Netherlands",
        "Poland",
        "Mexico",
        "Sweden",
        "Belgium",
        "Israel",
        "Turkey",
        "Egypt",
        "Iran",
    ]
)


def _vary(r: TrialRecord, cycle: int, rng: random.Random) -> dict[str, object]:
    """New names for a copy, so vocabularies grow with the corpus as on the registry, not stop at the base's.

    Half the copies name their drugs (and other names) by a code of their own ("aldesleukin SX-17"):
    each becomes a new synonym group when it has other names. A third qualify their conditions, and
    half give the sponsor an affiliate. The first cycle is the real records unchanged.
    """
    if cycle == 0:
        return {}
    out: dict[str, object] = {}
    if r.interventions and rng.random() < 0.5:
        tag = f"SX-{cycle}"
        out["interventions"] = tuple(
            dataclasses.replace(iv, name=f"{iv.name} {tag}", other_names=tuple(f"{o} {tag}" for o in iv.other_names))
            for iv in r.interventions
        )
    if r.conditions and rng.random() < 0.33:
        out["conditions"] = tuple(
            f"{QUALIFIERS[(cycle + i) % len(QUALIFIERS)]} {c}" for i, c in enumerate(r.conditions)
        )
    if r.lead_sponsor and rng.random() < 0.5:
        out["lead_sponsor"] = f"{r.lead_sponsor} {AFFILIATES[cycle % len(AFFILIATES)]}"
    return out


def synthesise(base: list[TrialRecord], n: int, seed: int = 42, start: int = 0) -> Iterator[TrialRecord]:
    """`n` records cycling through `base`; ids NCT9xxxxxxx (from number `start`: a store of `start` records
    grows by new trials), dates moved by up to +-3 years, and from the second cycle on, drugs, conditions
    and sponsors renamed in part (`_vary`)."""
    rng = random.Random(seed + start)
    for i in range(start, start + n):
        r = base[i % len(base)]
        days = rng.randint(-1095, 1095)
        yield dataclasses.replace(
            r,
            **_vary(r, i // len(base), rng),  # type: ignore[arg-type]
            nct_id=f"NCT9{i:07d}",
            start_date=_shift(r.start_date, days),
            primary_completion_date=_shift(r.primary_completion_date, days),
            completion_date=_shift(r.completion_date, days),
            first_posted=_shift(r.first_posted, days),
            last_update_posted=_shift(r.last_update_posted, days),
        )
