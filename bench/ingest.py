"""Ingest throughput of every real record, end to end on one core, against parse-free baselines."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from lxml import etree

import search_cli  # noqa: F401  (the CLI's GC policy, set when the package is imported: `trials ingest` runs with it)
from bench.common import SHARED, Timer, one_core, report
from indexer.catalog import Catalog
from indexer.config import load
from indexer.ingest.files import iter_documents

FOLDERS = ("v2", "xml", "xml_2021", "xml_versions", "v2_exports", "v2_pages")


def baseline(docs: list[tuple[str, bytes]]) -> tuple[float, float]:
    """Seconds to json.loads every JSON file, and to lxml-parse every XML file, of the same documents."""
    json_docs = [b for loc, b in docs if loc.endswith(".json")]
    xml_docs = [b for loc, b in docs if loc.endswith(".xml")]
    with Timer() as tj:
        for b in json_docs:
            json.loads(b)
    with Timer() as tx:
        for b in xml_docs:
            etree.fromstring(b)
    return tj.seconds, tx.seconds


def run(data_dir: Path) -> dict[str, object]:
    paths = [SHARED / "ctgov" / f for f in FOLDERS]
    docs = [
        (loc, body) for loc, body in iter_documents(paths) if isinstance(body, bytes)
    ]  # read once, so disk speed is not measured
    json_s, xml_s = baseline(docs)
    catalog = Catalog(load(data_dir))
    cpu = time.process_time()
    with Timer() as first, catalog.writer() as w:
        for loc, body in docs:
            w.add_document(body, loc)
    cpu = time.process_time() - cpu  # every thread (tantivy's too): what the shared machine's load leaves alone
    records = catalog.store.count()
    written = sum(w.stats.counts[k] for k in ("new", "updated", "historical", "unchanged"))
    stats = dict(w.stats.counts)
    with Timer() as again, catalog.writer() as w2:
        for loc, body in docs:
            w2.add_document(body, loc)
    json_only = [(loc, b) for loc, b in docs if loc.endswith(".json")]
    catalog.close()
    shutil.rmtree(data_dir)
    catalog = Catalog(load(data_dir))
    with Timer() as json_run, catalog.writer() as w3:
        for loc, body in json_only:
            w3.add_document(body, loc)
    json_records = sum(w3.stats.counts[k] for k in ("new", "updated", "historical", "unchanged"))
    catalog.close()
    return {
        "documents": len(docs),
        "records_stored": records,
        "outcomes": stats,
        "first_ingest_s": round(first.seconds, 3),
        "first_ingest_cpu_s": round(cpu, 3),
        "documents_per_s": round(len(docs) / first.seconds),
        "records_written": written,
        "records_per_s": round(written / first.seconds),
        "records_per_cpu_s": round(written / cpu),
        "load": os.getloadavg(),
        "baseline_json_loads_s": round(json_s, 3),
        "baseline_lxml_parse_s": round(xml_s, 3),
        "ratio_to_baseline": round(first.seconds / (json_s + xml_s), 1),
        "json_only_documents": len(json_only),
        "json_only_records": json_records,
        "json_only_ingest_s": round(json_run.seconds, 3),
        "json_only_ratio_to_json_loads": round(json_run.seconds / json_s, 1),
        "reingest_unchanged_s": round(again.seconds, 3),
        "reingest_speedup": round(first.seconds / again.seconds, 1),
        "reingest_outcomes": dict(w2.stats.counts),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--all-cores", action="store_true", help="do not pin to one core")
    ap.add_argument("--no-geocode", action="store_true", help="skip the gazetteer (to measure what it costs)")
    args = ap.parse_args()
    if args.no_geocode:
        from indexer.ingest import writer

        writer.geocode = lambda record: record  # type: ignore[assignment]
    else:
        from indexer.geo.gazetteer import store

        store()  # built once per machine, before timing (about 15 s the first time)
    if not args.all_cores:
        one_core()
    with tempfile.TemporaryDirectory() as tmp:
        results = run(Path(tmp) / "data")
    name = "ingest" if not args.all_cores else "ingest-all-cores"
    report(
        name + ("-no-geocode" if args.no_geocode else ""),
        {"one_core": not args.all_cores, "geocode": not args.no_geocode, **results},
    )


if __name__ == "__main__":
    main()
