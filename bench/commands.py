"""Every everyday command timed as a user waits (a new `trials` process each run), at real size and at
synthesised sizes, with growth ratios, peak RSS and the data directory's size per record."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import OUT, ROOT, Timer, one_core, report
from bench.synth import real_records, synthesise
from indexer.catalog import Catalog
from indexer.config import load

TRIALS = str(Path(sys.executable).with_name("trials"))
# Real API v2 studies, written under a new id for each ingest: each is a real write of a new trial.
NEW_FILES = [ROOT / "tests" / "fixtures" / "ctgov" / f"{n}.json" for n in ("NCT00057759", "NCT00080808", "NCT00544076")]


def new_trial(path: Path, folder: Path) -> Path:
    study = json.loads(path.read_bytes())
    nct = f"NCT8{time.time_ns() % 10_000_000:07d}"
    study["protocolSection"]["identificationModule"]["nctId"] = nct
    out = folder / f"{nct}.json"
    out.write_text(json.dumps(study))
    return out


PATIENT = "I am 34, female, with SLE; my doctor mentioned low-dose IL-2"


def run(argv: list[str], data_dir: Path, stdout: Any = subprocess.DEVNULL) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds: user + system) of one process.

    On a shared machine the wall time moves with the load; the CPU time much less."""
    env = {**os.environ, "TRIALS_DATA": str(data_dir)}
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {proc.stderr.read().decode()[-500:] if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def write_job(data_dir: str, n: int, grow: bool) -> None:
    """Run in a child process: write `n` synthesised trials (0: as many as the real records), and print
    the store's count before and after and the seconds (wall, CPU) the writes took.

    `grow`: on one core, under ids the store does not hold yet (a store of `have` records grows by new
    trials); otherwise the ids from the first (a new store's build)."""
    if grow:
        one_core()
    base = real_records()
    c = Catalog(load(data_dir))
    have = c.store.count()
    start = (have if have > len(base) else len(base) + 10_000_000) if grow else 0
    t, cpu = time.perf_counter(), time.process_time()
    with c.writer() as w:
        for r in synthesise(base, n or len(base), start=start):
            w.add_record(r)
    seconds, cpu_seconds = time.perf_counter() - t, time.process_time() - cpu
    print(json.dumps({"before": have, "after": c.store.count(), "seconds": seconds, "cpu_seconds": cpu_seconds}))


def _write_in_child(data_dir: Path, n: int, grow: bool) -> tuple[dict[str, Any], float, float]:
    """`write_job` in its own process: (what it printed, wall seconds, peak RSS in MB)."""
    code = f"from bench.commands import write_job; write_job({str(data_dir)!r}, {n}, {grow})"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    assert proc.stdout is not None and os.waitstatus_to_exitcode(status) == 0
    return json.loads(proc.stdout.read()), time.perf_counter() - start, usage.ru_maxrss / 1024


def build(data_dir: Path, n: int) -> dict[str, Any]:
    """A store of n synthesised records (n = 0: the real records), built in its own process."""
    done, wall, rss = _write_in_child(data_dir, n, grow=False)
    return {
        "records": done["after"],
        "build_s": round(wall, 1),
        "write_records_per_s": round(done["after"] / done["seconds"]),
        "build_peak_rss_mb": round(rss),
    }


def grow(data_dir: Path, n: int) -> dict[str, Any]:
    """Write `n` new synthesised trials into a store on one core (the store keeps them): the write path's
    records per second as the store grows."""
    done, _, _ = _write_in_child(data_dir, n, grow=True)
    assert done["after"] - done["before"] == n, done
    return {
        "records_before": done["before"],
        "written": n,
        "records_per_s": round(n / done["seconds"]),
        "records_per_cpu_s": round(n / done["cpu_seconds"]),
    }


def _median(argv: list[str], data_dir: Path, runs: int) -> dict[str, float]:
    times, rss, cpu = zip(*(run(argv, data_dir) for _ in range(runs)), strict=True)
    return {
        "s": round(statistics.median(times), 3),
        "cpu_s": round(statistics.median(cpu), 3),
        "rss_mb": round(max(rss)),
    }


def commands(data_dir: Path, some_id: str) -> dict[str, list[str]]:
    t = [TRIALS]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "--help": [*t, "--help"],
        "search condition+status": [*t, "search", "--condition", "breast cancer", "--status", "recruiting"],
        "search text": [*t, "search", "low dose interleukin-2 lupus"],
        "search drug synonym": [*t, "search", "--drug", "Proleukin", "--json"],
        # A patient's search: the trials near a city, with each one's nearest open site and its distance.
        "search near a city": [*t, "search", "--condition", "breast cancer", "--near", "Boston", "-s", "recruiting"],
        "show": [*t, "show", some_id],
        "similar": [*t, "similar", some_id],
        "match": [*t, "match", "--text", PATIENT],
        "changes --limit 20": [*t, "changes", "--since", "2020-01-01", "--limit", "20"],
        "history": [*t, "history", some_id],
        "stats": [*t, "stats"],
        "stats --by status": [*t, "stats", "--by", "status"],
        "stats --by country": [*t, "stats", "--by", "country"],
    }


# Run in a child process: the command once (its imports), then timed in the same process: what the
# command costs without starting Python and importing (issue 14: `trials search` within 2x of
# `python -c pass` plus this).
_IN_PROCESS = """
import contextlib, io, statistics, sys, time
from search_cli.main import cli
def once():
    with contextlib.redirect_stdout(io.StringIO()):
        cli(sys.argv[2:], prog_name="trials", standalone_mode=False)
once()
times = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    once()
    times.append(time.perf_counter() - start)
print(statistics.median(times))
"""


def in_process(argv: list[str], data_dir: Path, runs: int) -> float:
    """Median seconds of the command `argv` (without `trials`) in a process that has already run it once."""
    env = {**os.environ, "TRIALS_DATA": str(data_dir)}
    child = [sys.executable, "-c", _IN_PROCESS, str(runs), *argv]
    done = subprocess.run(child, env=env, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def compile_packages() -> None:
    """Write the project's bytecode, as `pip install` does for a user. An editable install under
    PYTHONDONTWRITEBYTECODE (this machine sets it) would otherwise compile every module in every
    command: 40-70 ms of each start-up that no user pays."""
    packages = [str(ROOT / name) for name in ("indexer", "search_cli", "web", "crawler")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], check=True, stdout=subprocess.DEVNULL)


def measure(data_dir: Path, runs: int, reindex: bool) -> dict[str, Any]:
    count = int(json.loads(subprocess.run([TRIALS, "--data-dir", str(data_dir), "stats", "--json"],
                                          capture_output=True, text=True, check=True).stdout)[0]["count"])  # fmt: skip
    with Catalog(load(data_dir)) as catalog:  # the seed trial where the real records are, else a synthesised one
        some_id = "NCT04077684" if catalog.get("NCT04077684") is not None else "NCT90001234"
    out: dict[str, Any] = {"records": count}
    for name, argv in commands(data_dir, some_id).items():
        out[name] = _median(argv, data_dir, runs)
    itself = in_process(commands(data_dir, some_id)["search text"][1:], data_dir, max(runs, 7))
    goal = 2 * (out["python -c pass"]["s"] + itself)
    out["start-up"] = {
        "search text in process, s": round(itself, 4),
        "goal: 2x (python -c pass + that), s": round(goal, 3),
        "search text / goal": round(out["search text"]["s"] / goal, 2),
    }
    for name, argv in (("export", [TRIALS, "export"]), ("export --csv", [TRIALS, "export", "--csv"])):
        with open(os.devnull, "w") as sink:
            walls, _, cpus = zip(*(run(argv, data_dir, stdout=sink) for _ in range(runs)), strict=True)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        out[name] = {
            "s": round(wall, 3),
            "cpu_s": round(cpu, 3),
            "records_per_s": round(count / wall),
            "records_per_cpu_s": round(count / cpu),
        }
    ingest, after = [], []
    for path in NEW_FILES:  # a real write each time, then the first search after it
        with tempfile.TemporaryDirectory() as tmp:
            ingest.append(run([TRIALS, "ingest", str(new_trial(path, Path(tmp)))], data_dir))
        after.append(run([TRIALS, "search", "--condition", "lupus"], data_dir))
    for name, found in (("ingest one file", ingest), ("first search after a write", after)):
        out[name] = {
            "s": round(statistics.median(r[0] for r in found), 3),
            "cpu_s": round(statistics.median(r[2] for r in found), 3),
        }
    if reindex:
        with Timer() as t:
            run([TRIALS, "reindex"], data_dir)
        out["reindex"] = {"s": round(t.seconds, 1)}
    size = sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file())
    out["data_dir_mb"] = round(size / 2**20)
    out["data_dir_kb_per_record"] = round(size / 1024 / count, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="0,100000", help="comma-separated sizes; 0 = the real records")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--stores", type=Path, default=OUT / "stores", help="where the stores are built and kept")
    ap.add_argument("--reindex", action="store_true", help="also time `trials reindex` (minutes at 500k)")
    ap.add_argument(
        "--write", type=int, default=0, metavar="N", help="also write N new trials into each store, on one core"
    )
    ap.add_argument("--only-write", action="store_true", help="time only the --write figure")
    args = ap.parse_args()
    compile_packages()
    results: dict[str, Any] = {"load_before": os.getloadavg(), "bytecode": "compiled before timing"}
    for n in (int(s) for s in args.sizes.split(",")):
        data_dir = args.stores / (str(n) if n else "real")
        entry: dict[str, Any] = {}
        if not (data_dir / "trials.sqlite").exists():
            shutil.rmtree(data_dir, ignore_errors=True)
            entry["build"] = build(data_dir, n)
        if not args.only_write:
            entry.update(measure(data_dir, args.runs, args.reindex))
        if args.write:
            entry["write"] = grow(data_dir, args.write)
        entry["load"] = os.getloadavg()
        results[str(n or "real")] = entry
        print(json.dumps({n: entry}), flush=True)
    sizes = [k for k in results if k not in ("load_before", "bytecode")]
    if len(sizes) > 1:  # growth: each command's wall time at the largest size over the real size
        small, large = results[sizes[0]], results[sizes[-1]]
        results["growth"] = {
            k: {unit: round(large[k][unit] / small[k][unit], 2) for unit in ("s", "cpu_s") if small[k].get(unit)}
            for k in small
            if isinstance(small[k], dict) and "s" in small[k] and k in large
        }
    report("commands", results)


if __name__ == "__main__":
    main()
