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


def synthesise(base: list[TrialRecord], n: int, seed: int = 42) -> Iterator[TrialRecord]:
    """`n` records cycling through `base`; ids NCT9xxxxxxx, dates moved by up to +-3 years."""
    rng = random.Random(seed)
    for i in range(n):
        r = base[i % len(base)]
        days = rng.randint(-1095, 1095)
        yield dataclasses.replace(
            r,
            nct_id=f"NCT9{i:07d}",
            start_date=_shift(r.start_date, days),
            primary_completion_date=_shift(r.primary_completion_date, days),
            completion_date=_shift(r.completion_date, days),
            first_posted=_shift(r.first_posted, days),
            last_update_posted=_shift(r.last_update_posted, days),
        )
