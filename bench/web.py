"""Web latency under load against `trials serve` in another process, on loopback: closed loop (16 clients,
each sending its next request when answered: saturation throughput) and open loop (requests sent at a
fixed offered rate whatever the answers, latency from the scheduled send time: latency at a given load)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from bench import http_client
from bench.common import ROOT, percentile, report
from bench.queries import make_queries
from bench.search import build
from bench.synth import real_records
from indexer.catalog import Catalog
from indexer.config import load as load_settings
from indexer.index.document import SearchQuery
from indexer.record import TrialRecord

CLIENTS = 16
OPEN_CONNECTIONS = 64  # open loop: connections the client may hold; more requests than that wait (and count)
OPEN_SECONDS = 15  # open loop: how long each rate is offered
# The fixed mix: what a patient's visit asks for most (search, then a trial page), plus the API.
MIX = (
    ("search page", 35),
    ("trial page", 25),
    ("similar", 10),
    ("api search", 15),
    ("api trial", 15),
)


def search_params(q: SearchQuery) -> list[tuple[str, str]]:
    """A bench query as the URL a person (or script) would use; no status given means every status here."""
    out: list[tuple[str, str]] = []
    if q.text:
        out.append(("q", q.text))
    out += [("condition", c) for c in q.conditions] + [("drug", d) for d in q.drugs]
    out += [("status", s.lower()) for s in q.statuses] or [("status", "any")]
    out += [("phase", p) for p in q.phases]
    if q.age is not None:
        out.append(("age", f"{q.age:g}"))
    if q.sex:
        out.append(("sex", q.sex))
    return out


def requests_mix(queries: list[SearchQuery], ids: list[str], n: int, seed: int = 11) -> list[tuple[str, str, Any]]:
    """`n` requests (kind, path, params) in the MIX's proportions, in a reproducible random order."""
    rng = random.Random(seed)
    kinds = [k for k, weight in MIX for _ in range(weight)]
    out: list[tuple[str, str, Any]] = []
    for i in range(n):
        kind = rng.choice(kinds)
        q, trial = queries[i % len(queries)], rng.choice(ids)
        if kind == "search page":
            out.append((kind, "/search", search_params(q)))
        elif kind == "api search":
            out.append((kind, "/api/search", search_params(q)))
        elif kind == "trial page":
            out.append((kind, f"/trials/{trial}", None))
        elif kind == "similar":
            out.append((kind, f"/trials/{trial}/similar", None))
        else:
            out.append((kind, f"/api/trials/{trial}", None))
    return out


async def load(base: str, plan: list[tuple[str, str, Any]], clients: int, client_kind: str = "lean") -> dict[str, Any]:
    """Each client takes the next request of the plan as soon as its previous one is answered."""
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    hits = 0
    queue = iter(plan)
    client = http_client.client(client_kind, base, clients)

    async def worker() -> None:
        for kind, path, params in queue:
            t0 = time.perf_counter()
            status, cache = await client.get(path, params)
            latencies[kind].append((time.perf_counter() - t0) * 1000)
            nonlocal hits
            hits += cache == "hit"
            if status != 200:
                errors[f"{kind} {status}"] += 1

    start = time.perf_counter()
    try:
        await asyncio.gather(*(worker() for _ in range(clients)))
    finally:
        await client.aclose()
    seconds = time.perf_counter() - start
    every = sum(len(v) for v in latencies.values())
    head = {"requests": every, "seconds": round(seconds, 1), "requests_per_s": round(every / seconds)}
    distinct = len({(path, str(params)) for _, path, params in plan})
    return _results({**head, "cache_hits": hits, "distinct": distinct}, latencies, errors)


async def offered(
    base: str, plan: list[tuple[str, str, Any]], rate: float, client_kind: str = "lean"
) -> dict[str, Any]:
    """Request i is sent at start + i / rate, answered or not: latency counts from that scheduled time, so
    time spent queueing (in the server, or waiting for a connection here) counts; no coordinated omission."""
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    late: list[float] = []  # how long after its scheduled time each request was handed to the client
    client = http_client.client(client_kind, base, OPEN_CONNECTIONS)
    try:
        start = time.perf_counter() + 0.05
        # Requests beyond the connections wait here, in order: httpx's pool rescanned its waiting requests
        # at every answer, and with thousands waiting (an offered rate above what the server answers)
        # the client, not the server, became the bottleneck.
        free = asyncio.Semaphore(OPEN_CONNECTIONS)

        async def one(i: int, kind: str, path: str, params: Any) -> None:
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            late.append(time.perf_counter() - due)
            try:
                async with free:
                    status, _ = await client.get(path, params)
            except http_client.TransportError as exc:  # counted, not timed: the run goes on
                errors[f"{kind} {str(exc).split(':')[0]}"] += 1
                return
            latencies[kind].append((time.perf_counter() - due) * 1000)
            if status != 200:
                errors[f"{kind} {status}"] += 1

        await asyncio.gather(*(one(i, *req) for i, req in enumerate(plan)))
        seconds = time.perf_counter() - start
    finally:
        await client.aclose()
    every = sum(len(v) for v in latencies.values())
    head = {"offered_per_s": rate, "requests": every, "answered_per_s": round(every / seconds)}
    return _results({**head, "client_late_p99_ms": round(percentile(late, 99) * 1000, 1)}, latencies, errors)


def _results(head: dict[str, Any], latencies: dict[str, list[float]], errors: dict[str, int]) -> dict[str, Any]:
    """`head`, the load average, latency percentiles of all requests and of each kind, and the errors."""
    every = [x for v in latencies.values() for x in v]
    out = {**head, "load_avg_1min": round(os.getloadavg()[0], 2), "all": _summary(every), "errors": dict(errors)}
    return out | {kind: _summary(values) for kind, values in latencies.items()}


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(tree_cpu(int(c)) for c in children)


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 50), 1),
        "p95_ms": round(percentile(values, 95), 1),
        "p99_ms": round(percentile(values, 99), 1),
    }


def serve(data_dir: Path, workers: int, cache_mb: int) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "search_cli.main", "--data-dir", str(data_dir), "serve", "--port", "0"]
    env = {**os.environ, "TRIALS_WEB_CACHE_MB": str(cache_mb)}
    proc = subprocess.Popen([*cmd, "--workers", str(workers)], cwd=ROOT, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    found = re.search(r"(http://\S+?)/ ", line)
    if not found:
        proc.kill()
        raise SystemExit(f"trials serve did not start: {line}")
    for _ in range(600):  # worker processes start after the line is printed
        try:
            if httpx.get(found.group(1) + "/static/app.js", timeout=60).status_code == 200:
                break
        except httpx.ConnectError:  # not listening yet (a slow answer is no reason to ask again)
            time.sleep(0.1)
    return proc, found.group(1)


def run(
    data_dir: Path,
    records: list[TrialRecord] | None,
    base: list[TrialRecord],
    n: int,
    total: int,
    workers: list[int],
    caches: list[int],
    rates: list[float],
    client_kind: str,
) -> Any:
    if (data_dir / "trials.sqlite").exists():  # --synth-dir: a corpus an earlier run built
        catalog, build_s = Catalog(load_settings(data_dir)), 0.0
    else:
        catalog, build_s = build(data_dir, records, base, n)
    ids = [r.nct_id for r in (records or [])] or [f"NCT9{i:07d}" for i in range(n)]
    catalog.close()
    out: dict[str, Any] = {"trials": n, "build_s": round(build_s, 1)}
    queries = make_queries(base)
    for w in workers:
        for mb in caches:
            proc, url = serve(data_dir, w, mb)
            # The warm-up's requests (another seed) are not those measured: the answer cache starts empty of them.
            try:
                asyncio.run(load(url, requests_mix(queries, ids, 400, seed=1), CLIENTS, client_kind))
                name = f"workers_{w}_cache_{mb}mb"
                server, client = tree_cpu(proc.pid), time.process_time()
                out[name] = found = asyncio.run(load(url, requests_mix(queries, ids, total), CLIENTS, client_kind))
                # What a request costs the server and this client, whatever else the machine runs.
                found["server_cpu_ms_per_request"] = round((tree_cpu(proc.pid) - server) * 1000 / total, 2)
                found["client_cpu_ms_per_request"] = round((time.process_time() - client) * 1000 / total, 2)
                print(f"{n} trials, {name}:", json.dumps(out[name]), file=sys.stderr, flush=True)
                for rate in rates:  # the same mix, offered at a fixed rate for OPEN_SECONDS
                    at = f"{name}_open_{rate:g}_per_s"
                    plan = requests_mix(queries, ids, int(rate * OPEN_SECONDS), seed=3)
                    out[at] = asyncio.run(offered(url, plan, rate, client_kind))
                    print(f"{n} trials, {at}:", json.dumps(out[at]), file=sys.stderr, flush=True)
            finally:
                proc.terminate()
                proc.wait(timeout=60)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="100000", help="comma-separated synthesised corpus sizes")
    ap.add_argument("--requests", type=int, default=6000, help="requests per corpus and server")
    ap.add_argument("--workers", default="1,2", help="comma-separated `trials serve --workers` values to measure")
    ap.add_argument("--cache-mb", default="0,64", help="comma-separated TRIALS_WEB_CACHE_MB values (0: no cache)")
    ap.add_argument("--synth-dir", type=Path, help="keep the synthesised corpus here (built when missing) and reuse it")
    ap.add_argument("--skip-real", action="store_true", help="only the synthesised sizes")
    ap.add_argument("--real-dir", type=Path, help="a data directory holding the real records (built when missing)")
    ap.add_argument(
        "--rates", default="50,100,150,200", help="open loop: comma-separated offered requests/s ('' for none)"
    )
    ap.add_argument(
        "--client",
        choices=("lean", "httpx"),
        default="lean",
        help="the load's HTTP client: lean (bench/http_client.py) or httpx (ten times its CPU a request)",
    )
    args = ap.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r]
    workers = [int(w) for w in args.workers.split(",")]
    caches = [int(c) for c in args.cache_mb.split(",")]
    base = real_records()
    results: dict[str, Any] = {"clients": CLIENTS, "client": args.client, "mix": dict(MIX)}
    loads = (args.requests, workers, caches, rates, args.client)
    if args.real_dir:
        results[f"real_{len(base)}"] = run(args.real_dir, base, base, len(base), *loads)
    elif not args.skip_real:
        with tempfile.TemporaryDirectory() as tmp:
            results[f"real_{len(base)}"] = run(Path(tmp) / "real", base, base, len(base), *loads)
    for n in (int(s) for s in args.sizes.split(",") if s):
        if args.synth_dir:
            results[f"synth_{n}"] = run(args.synth_dir / str(n), None, base, n, *loads)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            results[f"synth_{n}"] = run(Path(tmp) / "synth", None, base, n, *loads)
    report("web", results)


if __name__ == "__main__":
    main()
