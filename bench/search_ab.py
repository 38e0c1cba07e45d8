"""`trials search` as a user waits, this checkout against another one (a worktree of an older commit),
alternated run by run on the same stores: medians of wall and CPU time, and whether the outputs are equal."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.commands import TRIALS, compile_packages

SEARCHES = {
    "drug, JSON": ["search", "--drug", "Proleukin", "--json"],
    "drug, table": ["search", "--drug", "Proleukin"],
    "text, JSON": ["search", "low-dose", "IL-2", "--json"],
    "text, table": ["search", "low-dose", "IL-2"],
}
# --near: each trial's nearest site measured (issue 14: a patient's search near a place).
_BOSTON = ["search", "--condition", "breast cancer", "--near", "Boston", "--status", "recruiting"]
NEAR_SEARCHES = {
    "breast cancer near Boston, table": _BOSTON,
    "breast cancer near Boston, JSON": [*_BOSTON, "--json"],
    "drug near Beijing, table": ["search", "--drug", "Proleukin", "--near", "Beijing", "--within", "2000"],
}


def timed(argv: list[str], store: Path, checkout: Path | None, out: Path) -> tuple[float, float]:
    """(wall, CPU: user + system from os.wait4) of one run, as `bench.commands.run` times it, its output in
    `out`. `checkout`: the code imported instead of this one's."""
    env = {**os.environ, "TRIALS_DATA": str(store), **({"PYTHONPATH": str(checkout)} if checkout else {})}
    with out.open("wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=sink, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--old", type=Path, required=True, help="a worktree of the commit to compare with")
    parser.add_argument("--store", action="append", required=True, help="NAME=DATA_DIR (read only), repeatable")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--near", action="store_true", help="the searches near a place instead")
    args = parser.parse_args()
    compile_packages()
    for name in ("indexer", "search_cli", "web", "crawler"):  # the old checkout's bytecode too
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(args.old / name)], check=True)
    os.chdir(tempfile.gettempdir())  # the current directory would come first on the path
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.store:
            name, store = spec.split("=", 1)
            for label, search in (NEAR_SEARCHES if args.near else SEARCHES).items():
                times: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
                outs = {side: Path(tmp, side) for side in times}
                for _ in range(args.runs):
                    for side in ("old", "new"):
                        times[side].append(
                            timed([TRIALS, *search], Path(store), args.old if side == "old" else None, outs[side])
                        )
                row = {
                    "store": name,
                    "search": label,
                    "same_output": outs["old"].read_bytes() == outs["new"].read_bytes(),
                }
                for side, t in times.items():
                    row[f"{side}_wall"] = statistics.median(w for w, _ in t)
                    row[f"{side}_cpu"] = statistics.median(c for _, c in t)
                results.append(row)
                print(json.dumps(row), flush=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
