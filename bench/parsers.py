"""The parse step alone (bytes -> validated, geocoded TrialRecords) per source, on every real document."""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import SHARED, one_core, report
from indexer.geo import gazetteer
from indexer.geo.geocode import geocode
from indexer.ingest.files import iter_documents
from indexer.parsers import NotATrial, ParseError, parse_document
from indexer.record import TrialRecord

# Folder (under the shared data) -> the group it is timed in; the groups are the parsers' inputs.
GROUPS = {
    "ctgov/v2": "v2 studies",
    "ctgov/v2_pages": "v2 pages and exports",
    "ctgov/v2_exports": "v2 pages and exports",
    "ctgov/v2_partial": "v2 pages and exports",
    "ctgov/xml": "legacy XML",
    "ctgov/xml_2021": "legacy XML",
    "ctgov/xml_versions": "legacy XML",
    "registries/euctr": "registry pages",
    "registries/gsk": "registry pages",
    "registries/takeda": "registry pages",
}


def load(root: Path) -> dict[str, list[tuple[str, bytes]]]:
    groups: dict[str, list[tuple[str, bytes]]] = {}
    for folder, group in GROUPS.items():
        for loc, body in iter_documents([root / folder]):
            if isinstance(body, bytes):
                groups.setdefault(group, []).append((loc, body))
    return groups


def parse_all(docs: list[tuple[str, bytes]]) -> list[TrialRecord]:
    out: list[TrialRecord] = []
    for loc, body in docs:
        with contextlib.suppress(NotATrial, ParseError):  # counted by the ingest, not timed here
            out.extend(parse_document(body, filename=loc).records)
    return out


def parse_count(docs: list[tuple[str, bytes]]) -> int:
    """As parse_all, keeping nothing: a growing heap would time the garbage collector, not the parse."""
    count = 0
    for loc, body in docs:
        with contextlib.suppress(NotATrial, ParseError):
            count += len(parse_document(body, filename=loc).records)
    return count


def geocode_all(records: list[TrialRecord]) -> None:
    for record in records:
        geocode(record)


def cold() -> None:
    """Every memo of the parse step emptied (dates, labels, sites): each timed run is a first ingest."""
    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "")
        # The validator's generated checks are built once per process, not per record: they stay.
        if name.startswith(("indexer.parsers", "indexer.normalize", "indexer.geo")) and not name.endswith("validate"):
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                    value.cache_clear()


def cpu(fn: Callable[[], object], repeat: int, before: Callable[[], None] = lambda: None) -> float:
    """The least CPU seconds of `repeat` runs (the machine is shared: the least is the least disturbed)."""
    best = float("inf")
    for _ in range(repeat):
        before()
        gc.collect()
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def dump(groups: dict[str, list[tuple[str, bytes]]], path: Path) -> int:
    """Every document's outcome, one line each: its records' JSON after geocoding, or its error."""
    lines = 0
    with path.open("wb") as f:
        for docs in groups.values():
            for loc, body in docs:
                f.write(loc.encode() + b"\t")
                try:
                    parsed = parse_document(body, filename=loc)
                except (NotATrial, ParseError) as exc:
                    f.write(f"{type(exc).__name__}: {exc}\n".encode())
                    continue
                for record in parsed.records:
                    f.write(geocode(record).to_json() + b"\t")
                for item in parsed.failures:
                    f.write(f"{item.record_id} {item.where} {item.error}".encode() + b"\t")
                f.write(b"\n")
                lines += 1
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5, help="runs of each measurement; the least CPU is kept")
    ap.add_argument("--group", action="append", help="only this group (repeatable): " + ", ".join(set(GROUPS.values())))
    ap.add_argument("--profile", action="store_true", help="cProfile one parse of each group instead of timing")
    ap.add_argument("--dump", type=Path, help="write each document's records (geocoded JSON) here, to compare commits")
    args = ap.parse_args()
    gazetteer.store()  # built once per machine, before timing
    one_core()
    groups = load(SHARED)
    if args.group:
        groups = {g: docs for g, docs in groups.items() if g in args.group}
    if args.dump:
        print(f"{dump(groups, args.dump)} documents written to {args.dump}")
        return
    results: dict[str, object] = {"load_before": os.getloadavg()}
    for group, docs in groups.items():
        records = parse_all(docs)
        if args.profile:
            prof = cProfile.Profile()
            cold()
            prof.runcall(parse_count, docs)
            cold()
            prof.runcall(geocode_all, records)
            print(f"== {group}: {len(docs)} documents, {len(records)} records")
            pstats.Stats(prof).sort_stats("tottime").print_stats(25)
            continue
        parse_s = cpu(lambda docs=docs: parse_count(docs), args.repeat, cold)  # type: ignore[misc]
        geo_cold = cpu(lambda records=records: geocode_all(records), args.repeat, cold)  # type: ignore[misc]
        geocode_all(records)
        geo_warm = cpu(lambda records=records: geocode_all(records), args.repeat)  # type: ignore[misc]
        results[group] = {
            "documents": len(docs),
            "records": len(records),
            "sites": sum(len(r.locations) for r in records),
            "parse_us_per_record": round(parse_s / len(records) * 1e6, 1),
            "geocode_cold_us_per_record": round(geo_cold / len(records) * 1e6, 1),
            "geocode_warm_us_per_record": round(geo_warm / len(records) * 1e6, 1),
        }
    if not args.profile:
        results["load_after"] = os.getloadavg()
        report("parsers", results)


if __name__ == "__main__":
    main()
