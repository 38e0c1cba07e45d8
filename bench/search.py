"""Search latency (p50/p95) over 1,000 varied queries at the real corpus size and at synthesised sizes."""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from bench.common import Timer, percentile, report
from bench.queries import make_queries
from bench.synth import real_records, synthesise
from indexer.catalog import Catalog
from indexer.config import load
from indexer.index.document import SearchQuery
from indexer.record import TrialRecord


def build(data_dir: Path, records: list[TrialRecord] | None, base: list[TrialRecord], n: int) -> tuple[Catalog, float]:
    catalog = Catalog(load(data_dir))
    with Timer() as t, catalog.writer() as w:
        for r in records if records is not None else synthesise(base, n):
            w.add_record(r)
    return catalog, t.seconds


def latencies(catalog: Catalog, queries: list[SearchQuery]) -> dict[str, float]:
    for q in queries[:50]:  # warm caches
        catalog.search(q)
    full, index_only = [], []
    for q in queries:
        t0 = time.perf_counter()
        catalog.index.search(q)
        t1 = time.perf_counter()
        catalog.search(q)  # index + the records shown, from SQLite
        t2 = time.perf_counter()
        index_only.append((t1 - t0) * 1000)
        full.append((t2 - t1) * 1000)
    return {
        "index_p50_ms": round(percentile(index_only, 50), 2),
        "index_p95_ms": round(percentile(index_only, 95), 2),
        "search_p50_ms": round(percentile(full, 50), 2),
        "search_p95_ms": round(percentile(full, 95), 2),
        "search_p99_ms": round(percentile(full, 99), 2),
        "search_max_ms": round(max(full), 2),
    }


def with_near(queries: list[SearchQuery], base: list[TrialRecord]) -> list[SearchQuery]:
    """The same queries, each near a real site of the corpus (cycled), within 100 km."""
    points = [(loc.lat, loc.lon) for r in base for loc in r.locations if loc.lat is not None and loc.lon is not None]
    step = max(1, len(points) // len(queries))
    return [
        dataclasses.replace(q, near=points[(i * step) % len(points)], within_km=100.0)  # type: ignore[arg-type]
        for i, q in enumerate(queries)
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="100000", help="comma-separated synthesised corpus sizes")
    args = ap.parse_args()
    base = real_records()
    queries = make_queries(base)
    results: dict[str, object] = {"queries": len(queries)}
    with tempfile.TemporaryDirectory() as tmp:
        catalog, secs = build(Path(tmp) / "real", base, base, len(base))
        results[f"real_{len(base)}"] = {"build_s": round(secs, 1), **latencies(catalog, queries)}
        results[f"real_{len(base)}_near_100km"] = latencies(catalog, with_near(queries, base))
        catalog.close()
    for n in (int(s) for s in args.sizes.split(",") if s):
        with tempfile.TemporaryDirectory() as tmp:
            catalog, secs = build(Path(tmp) / "synth", None, base, n)
            results[f"synth_{n}"] = {
                "build_s": round(secs, 1),
                "records_per_s": round(n / secs),
                **latencies(catalog, queries),
            }
            results[f"synth_{n}_near_100km"] = latencies(catalog, with_near(queries, base))
            catalog.close()
    report("search", results)


if __name__ == "__main__":
    main()
