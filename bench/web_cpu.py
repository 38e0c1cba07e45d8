"""Server CPU a request, route by route, with the app driven in this process (no sockets, no second
process): what `bench/web.py`'s mix costs the server, measurable on a busy machine."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

import search_cli  # noqa: F401  (the server's GC policy, set when the package is imported)
from bench.common import percentile
from bench.queries import make_queries
from bench.synth import real_records
from bench.web import requests_mix
from indexer.catalog import Catalog
from indexer.config import load as load_settings
from web.app import create_app


async def drive(data_dir: Path, plan: list[tuple[str, str, Any]], warm: list[tuple[str, str, Any]]) -> Any:
    """Each request of `plan` alone, one after the other: its process CPU (the similar thread's too)."""
    settings = load_settings(data_dir)._replace(web_cache_mb=0)
    app = create_app(settings)
    cpu: dict[str, list[float]] = defaultdict(list)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for _, path, params in warm:
            await client.get(path, params=params)
        for kind, path, params in plan:
            t0 = time.process_time()
            r = await client.get(path, params=params)
            cpu[kind].append((time.process_time() - t0) * 1000)
            if r.status_code != 200:
                raise SystemExit(f"{path} {params}: {r.status_code}")
    app.state.offload.close()
    app.state.catalog.close()
    return cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data_dir", type=Path, help="a data directory (a copy: opening may upgrade its schema)")
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--only", help="one kind of request of the mix (e.g. 'similar')")
    ap.add_argument("--profile", type=Path, help="write cProfile stats here and print the top 30")
    args = ap.parse_args()
    base = real_records()
    catalog = Catalog(load_settings(args.data_dir))
    synth = catalog.store.get("NCT90000000") is not None
    ids = [f"NCT9{i:07d}" for i in range(catalog.store.count())] if synth else [r.nct_id for r in base]
    catalog.close()
    queries = make_queries(base)
    plan = requests_mix(queries, ids, args.requests)
    warm = requests_mix(queries, ids, 200, seed=1)
    if args.only:
        plan = [p for p in plan if p[0] == args.only]
        warm = [p for p in warm if p[0] == args.only]
    prof = cProfile.Profile() if args.profile else None
    if prof:
        prof.enable()
    cpu = asyncio.run(drive(args.data_dir, plan, warm))
    if prof:
        prof.disable()
        prof.dump_stats(args.profile)
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(30)
    every = [x for v in cpu.values() for x in v]
    out = {
        k: {
            "n": len(v),
            "mean": round(sum(v) / len(v), 2),
            "p50": round(percentile(v, 50), 2),
            "p95": round(percentile(v, 95), 2),
        }
        for k, v in sorted(cpu.items())
    }
    out["all"] = {"n": len(every), "mean": round(sum(every) / len(every), 2)}
    print(json.dumps(out, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
