"""The crawl against the network's speed: `trials crawl ctgov` and a plain GET-and-decode loop over the
same pages from a local API stand-in, side by side in one run."""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

import orjson

from bench.common import ROOT, SHARED, report
from devtools.mockserver import MockState, _Handler, _Server, load_studies

TRIALS = str(Path(sys.executable).with_name("trials"))
# Every study: the crawl is asked for those updated since 1900, so both clients ask for the same pages.
SINCE = "AREA[LastUpdatePostDate]RANGE[1900-01-01,MAX]"


class _Cached(_Handler):
    """Each page is encoded once and then served from memory: the stand-in must not be the bottleneck."""

    cache: ClassVar[dict[str, bytes]] = {}

    def _send(self, status: int, body: bytes, ctype: str = "application/json", headers: Any = None) -> None:
        if status == 200 and self.path.startswith("/api/"):
            self.cache[self.path] = body
        super()._send(status, body, ctype, headers)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if (body := self.cache.get(self.path)) is not None:
            super()._send(200, body)
            return
        super().do_GET()


def studies(n: int) -> dict[str, dict[str, Any]]:
    """n API v2 studies: the real ones, then copies of them under new ids."""
    real = list(load_studies([SHARED / "ctgov" / "v2"]).values())
    out: dict[str, dict[str, Any]] = {}
    for i in range(n):
        study = copy.deepcopy(real[i % len(real)]) if i >= len(real) else real[i]
        nct = f"NCT9{i:07d}"
        study["protocolSection"]["identificationModule"]["nctId"] = nct
        out[nct] = study
    return out


def serve(n: int, port_file: Path) -> None:
    server = _Server(("127.0.0.1", 0), _Cached)
    server.state = MockState(studies(n))
    port_file.write_text(str(server.server_address[1]))
    server.serve_forever()


def plain_loop(api: str, page_size: int) -> tuple[float, int]:
    """GET every page and decode it (orjson), following nextPageToken: the network's speed here."""
    start, count, token = time.perf_counter(), 0, None
    params = {"format": "json", "pageSize": str(page_size), "countTotal": "true", "filter.advanced": SINCE}
    while True:
        url = f"{api}/studies?{urlencode({**params, 'pageToken': token} if token else params)}"  # as the spider asks
        with urllib.request.urlopen(url) as answer:
            page = orjson.loads(answer.read())
        count += len(page["studies"])
        token = page.get("nextPageToken")
        if not token:
            return time.perf_counter() - start, count


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _thread_kind(pid: int, tid: str, name: str) -> str:
    if tid == str(pid):
        return "main (reactor: fetch, decode)"
    if name.startswith("trials-"):
        return name.removeprefix("trials-")  # named by indexer.threads
    return "tantivy indexing" if name.startswith("thrd-tantivy-in") else "other"


def _threads_cpu(pid: int, seen: dict[str, tuple[str, float]], prefix: str = "") -> None:
    """Each live thread's CPU seconds so far (user + system), by thread id, into `seen`; then the same for
    the process's children (the index process, TRIALS_INDEX_PROCESS), their threads' kinds prefixed."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return
    for child in children:
        _threads_cpu(int(child), seen, "index process: ")
    for tid in tids:
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            continue
        name, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        kind = "main" if prefix and tid == str(pid) else _thread_kind(pid, tid, name)
        seen[tid] = (prefix + kind, (int(fields[11]) + int(fields[12])) / _TICKS)


def crawl(api: str, page_size: int, index_process: bool) -> tuple[float, int, float, dict[str, float]]:
    """(wall seconds, records stored, CPU seconds of the crawl process: every thread, user and system,
    and CPU seconds by thread: the writer thread's is the crawl's critical path)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TRIALS_DATA": tmp, "TRIALS_DOWNLOAD_DELAY": "0"}
        env["TRIALS_INDEX_PROCESS"] = "1" if index_process else "0"
        cpu, start = _children_cpu(), time.perf_counter()
        argv = ["crawl", "ctgov", "--since", "1900-01-01", "--api-url", api, "--page-size", str(page_size)]
        process = subprocess.Popen([TRIALS, "-q", *argv], env=env)
        seen: dict[str, tuple[str, float]] = {}
        while process.poll() is None:  # sampled: a thread's last 0.1 s before it ends can be missed
            _threads_cpu(process.pid, seen)
            time.sleep(0.1)
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, argv)
        wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
        by_thread: dict[str, float] = {}
        for kind, seconds in seen.values():
            by_thread[kind] = by_thread.get(kind, 0.0) + seconds
        done = subprocess.run([TRIALS, "stats", "--json"], env=env, capture_output=True, text=True, check=True)
        return wall, int(json.loads(done.stdout)[0]["count"]), cpu, by_thread


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--studies", type=int, default=20000)
    ap.add_argument("--page-size", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--index-process",
        choices=("off", "on", "both"),
        default="off",
        help="TRIALS_INDEX_PROCESS for the crawls; both: each run crawls without, then with it",
    )
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # internal: run the stand-in, port to this file
    args = ap.parse_args()
    if args.serve:
        serve(args.studies, args.serve)
        return
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.crawl", "--studies", str(args.studies), "--serve", str(port_file)], cwd=ROOT
        )
        try:
            while not port_file.exists() or not port_file.read_text():
                time.sleep(0.2)
            api = f"http://127.0.0.1:{port_file.read_text()}/api/v2"
            plain_loop(api, args.page_size)  # warms the stand-in's page cache
            modes = {"off": [False], "on": [True], "both": [False, True]}[args.index_process]
            loops: list[tuple[float, int]] = []
            crawls: dict[bool, list[tuple[float, int, float, dict[str, float]]]] = {m: [] for m in modes}
            for _ in range(args.runs):  # alternated, so both see the same load
                loops.append(plain_loop(api, args.page_size))
                for mode in modes:
                    crawls[mode].append(crawl(api, args.page_size, mode))
        finally:
            server.terminate()
    for mode, runs in crawls.items():
        _report(args, loops, runs, mode)


def _report(
    args: argparse.Namespace,
    loops: list[tuple[float, int]],
    crawls: list[tuple[float, int, float, dict[str, float]]],
    index_process: bool,
) -> None:
    loop_s = statistics.median(t for t, _ in loops)
    crawl_s = statistics.median(t for t, _, _, _ in crawls)
    cpu_s = statistics.median(c for _, _, c, _ in crawls)
    kinds = sorted({k for *_, threads in crawls for k in threads})
    per_thread = {k: round(statistics.median(t.get(k, 0.0) for *_, t in crawls) / args.studies * 1e6) for k in kinds}
    report(
        "crawl-index-process" if index_process else "crawl",
        {
            "studies": args.studies,
            "index_process": index_process,
            "page_size": args.page_size,
            "stored": [c for _, c, _, _ in crawls],
            "load": os.getloadavg(),
            "plain_loop_s": [round(t, 2) for t, _ in loops],
            "crawl_s": [round(t, 2) for t, _, _, _ in crawls],
            # CPU time does not depend on what else the shared machine runs (wall time does).
            "crawl_cpu_s": [round(c, 2) for _, _, c, _ in crawls],
            "crawl_cpu_us_per_study": round(cpu_s / args.studies * 1e6),
            # Median CPU a study by thread (Linux /proc): the writer's bounds the crawl while it holds the GIL.
            "cpu_us_per_study_by_thread": per_thread,
            "plain_loop_studies_per_s": round(args.studies / loop_s),
            "crawl_studies_per_s": round(args.studies / crawl_s),
            "crawl_over_plain_loop": round(crawl_s / loop_s, 2),
        },
    )


if __name__ == "__main__":
    main()
