"""1,000 varied, reproducible queries drawn from the real records' own words and values."""

from __future__ import annotations

import random
import re

from indexer.index.document import SearchQuery
from indexer.record import TrialRecord

STATUSES = ["RECRUITING", "COMPLETED", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "TERMINATED", "UNKNOWN"]
PHASES = ["PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA"]
_STOP = {"a", "an", "and", "of", "the", "in", "with", "for", "to", "or", "on", "at", "by", "study", "trial"}


def make_queries(records: list[TrialRecord], n: int = 1000, seed: int = 7) -> list[SearchQuery]:
    rng = random.Random(seed)
    words = sorted(
        {w.lower() for r in records for w in re.findall(r"[A-Za-z][A-Za-z-]{3,}", r.brief_title or "")} - _STOP
    )
    conditions = sorted({c for r in records for c in r.conditions})
    drugs = sorted({i.name for r in records for i in r.interventions if i.type in ("DRUG", "BIOLOGICAL")})
    out: list[SearchQuery] = []
    for i in range(n):
        kind = i % 10
        text = " ".join(rng.sample(words, rng.randint(1, 4)))
        filters: dict[str, object] = {}
        if rng.random() < 0.4:
            filters["statuses"] = (rng.choice(STATUSES),)
        if rng.random() < 0.25:
            filters["phases"] = (rng.choice(PHASES),)
        if rng.random() < 0.3:
            filters["age"] = float(rng.randint(1, 85))
        if rng.random() < 0.2:
            filters["sex"] = rng.choice("FM")
        if kind < 3:
            q = SearchQuery(text=text)
        elif kind < 5:
            q = SearchQuery(conditions=(rng.choice(conditions),), **filters)  # type: ignore[arg-type]
        elif kind < 7:
            q = SearchQuery(drugs=(rng.choice(drugs),), **filters)  # type: ignore[arg-type]
        elif kind < 8:
            q = SearchQuery(**{"statuses": (rng.choice(STATUSES),), **filters})  # type: ignore[arg-type]
        else:
            q = SearchQuery(text=text, conditions=(rng.choice(conditions).split()[0],), **filters)  # type: ignore[arg-type]
        out.append(q)
    return out
