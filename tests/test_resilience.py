"""A process killed mid-ingest, and two writers at once, leave the store and history consistent."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.store import RecordStore, StoreError
from indexer.store.audit import Snapshot
from tests.conftest import ROOT, run_trials, shared


def snapshot(data_dir: Path) -> Snapshot:
    store = RecordStore(data_dir / "trials.sqlite", readonly=True)
    try:
        return store.snapshot()
    finally:
        store.close()


@pytest.mark.slow  # three ingests of 1,000+ records in subprocesses, one killed
def test_killed_ingest_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    folders = [str(shared("ctgov", "xml_versions")), str(shared("ctgov", "xml"))]
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    assert run_trials(clean, "--quiet", "ingest", *folders).returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "search_cli.main", "--data-dir", str(killed), "--quiet", "ingest", *folders],
        cwd=ROOT,
        env={"TRIALS_BATCH_SIZE": "25", "PATH": "/usr/bin:/bin"},
    )
    db_file = killed / "trials.sqlite"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until some batches are committed, then kill hard
        if db_file.exists():
            try:
                if len(snapshot(killed).record_ids) >= 100:
                    break
            except StoreError:
                pass  # not created yet, or its first transaction not committed
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = len(snapshot(killed).record_ids)
    assert 0 < partial < len(snapshot(clean).record_ids), "the kill must land mid-ingest"
    assert run_trials(killed, "--quiet", "ingest", *folders).returncode == 0
    assert snapshot(killed) == snapshot(clean)
    stats = run_trials(killed, "--quiet", "stats", "--json")
    counts = {row["what"]: row["count"] for row in __import__("json").loads(stats.stdout)}
    assert counts["records"] == counts["indexed"]


@pytest.mark.slow  # two ingests in subprocesses
def test_two_ingests_at_once_wait_for_each_other(tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = str(shared("ctgov", "xml_versions"))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "search_cli.main", "--data-dir", str(data), "--quiet", "ingest", folder],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    together = snapshot(data)
    alone = tmp_path / "alone"
    assert run_trials(alone, "--quiet", "ingest", folder).returncode == 0
    assert (together.versions, together.record_ids) == (snapshot(alone).versions, snapshot(alone).record_ids)
