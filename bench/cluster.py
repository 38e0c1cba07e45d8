"""Bulk loading and search latency, embedded index vs OpenSearch vs Elasticsearch, at synthesised corpus sizes.

One configuration per process (`--backend`, `--size`), so each peak-memory figure is its own;
without those options it runs them all (`--backends`) and reports them together. The clusters:
TRIALS_BENCH_OPENSEARCH (default opensearch://127.0.0.1:9200, `make opensearch-up`) and
TRIALS_BENCH_ELASTICSEARCH (default elasticsearch://127.0.0.1:9210, `make elasticsearch-up`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Timer, percentile, report
from bench.queries import make_queries
from bench.synth import real_records, synthesise
from indexer.discover.synonyms import Synonyms, curated
from indexer.index.base import SearchIndex
from indexer.index.tantivy_index import TantivyIndex

BACKENDS = ("tantivy", "opensearch", "elasticsearch")
CLUSTER_DEFAULTS = {"opensearch": "opensearch://127.0.0.1:9200", "elasticsearch": "elasticsearch://127.0.0.1:9210"}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(backend: str, size: int) -> dict[str, object]:
    base = real_records()
    queries = make_queries(base)
    before = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        index: SearchIndex
        if backend == "tantivy":
            index = TantivyIndex(Path(tmp) / "index")
        else:
            from indexer.index.cluster import ClusterIndex
            from indexer.index.engines import connect

            url = os.environ.get(f"TRIALS_BENCH_{backend.upper()}", CLUSTER_DEFAULTS[backend])
            index = ClusterIndex(connect(f"{url}/bench-{size}"), Synonyms(curated()))
        with Timer() as t:
            count = index.rebuild(synthesise(base, size))
        loaded = rss_mb()
        for q in queries[:50]:
            index.search(q)
        latencies = []
        for q in queries:
            start = time.perf_counter()
            index.search(q)
            latencies.append((time.perf_counter() - start) * 1000)
        if backend != "tantivy":
            adapter = index.adapter  # type: ignore[attr-defined]
            for name in adapter.request("GET", f"/_alias/{adapter.url.alias}"):
                adapter.request("DELETE", f"/{name}")
        return {
            "backend": backend,
            "size": size,
            "indexed": count,
            "load_s": round(t.seconds, 1),
            "docs_per_s": round(count / t.seconds),
            "rss_before_mb": round(before),
            "rss_peak_after_load_mb": round(loaded),
            "loader_growth_mb": round(loaded - before),
            "search_p50_ms": round(percentile(latencies, 50), 2),
            "search_p95_ms": round(percentile(latencies, 95), 2),
            "search_p99_ms": round(percentile(latencies, 99), 2),
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--backend", choices=BACKENDS)
    ap.add_argument("--backends", default=",".join(BACKENDS), help="for the full run, comma-separated")
    ap.add_argument("--size", type=int)
    ap.add_argument("--sizes", default="100000,500000")
    args = ap.parse_args()
    if args.backend and args.size:
        print(json.dumps(run_one(args.backend, args.size)))
        return
    runs = []
    for size in (int(s) for s in args.sizes.split(",")):
        for backend in args.backends.split(","):
            proc = subprocess.run(
                [sys.executable, "-m", "bench.cluster", "--backend", backend, "--size", str(size)],
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(runs[-1], flush=True)
    report("cluster", {"runs": runs, "queries": 1000})


if __name__ == "__main__":
    main()
