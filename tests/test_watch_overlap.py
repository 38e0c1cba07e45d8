"""Two `trials watch run` of one watch at once (cron jobs overlapping): what is new is delivered once.

Real processes against a store of real downloads; the webhook holds the first run's delivery open until
the second run has been seen waiting for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from indexer.catalog import Catalog
from indexer.config import load
from indexer.history.watches import Watches
from tests.conftest import ROOT, Trials, shared

STUDY = "NCT02798588"  # not yet recruiting, then recruiting with new sites, then enrollment 20 -> 27
WAITING = "waiting for another trials process"
ATOM = "{http://www.w3.org/2005/Atom}"


class GatedHook:
    """A webhook that records each POST and answers it only once `release` is set."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []
        self.received = threading.Event()
        self.release = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                hook.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                hook.received.set()
                hook.release.wait(60)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class Run:
    """`trials watch run` in a process of its own, its stderr read as it comes."""

    def __init__(self, data_dir: Path, hook: GatedHook, *extra: str, **env: str):
        settings = {"TRIALS_WEBHOOK_TIMEOUT": "60", "TRIALS_WEBHOOK_RETRIES": "0", **env}
        command = ["watch", "run", "coma", "--json", "--webhook", hook.url, *extra]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "search_cli.main", "--data-dir", str(data_dir), *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, **settings},
        )
        self.stderr: list[str] = []
        self.waiting = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)
            if WAITING in line:
                self.waiting.set()

    def finish(self) -> tuple[int, list[Any] | None, str]:
        """Exit code, the JSON it printed (None if it printed none) and its stderr."""
        assert self.process.stdout is not None
        out = self.process.stdout.read()
        code = self.process.wait(120)
        self._reader.join(10)
        return code, json.loads(out) if out.strip() else None, "".join(self.stderr)


@pytest.fixture
def changed(trials: Trials) -> Iterator[tuple[Trials, GatedHook]]:
    """The watch ran once on the study's first downloads; its later downloads, with real changes, are in."""
    files = sorted(shared("ctgov", "xml_versions", STUDY).glob("*.xml"))
    trials("--quiet", "ingest", *map(str, files[:2]))
    trials("watch", "add", "coma", "--condition", "coma")
    trials("watch", "run", "coma")
    trials("--quiet", "ingest", *map(str, files[2:]))
    hook = GatedHook()
    try:
        yield trials, hook
    finally:
        hook.close()


def runs_of(data_dir: Path) -> int:
    with Catalog(load(data_dir)) as catalog:
        watch = Watches(catalog).get("coma")
        assert watch is not None
        return watch.runs


def test_a_run_that_overlaps_another_waits_and_finds_nothing_new(changed: tuple[Trials, GatedHook]) -> None:
    trials, hook = changed
    first = Run(trials.data_dir, hook)
    assert hook.received.wait(60), "the first run never delivered"
    second = Run(trials.data_dir, hook)  # the first holds its delivery open meanwhile
    assert second.waiting.wait(30), "the second run did not wait for the first"
    hook.release.set()
    code, out, err = first.finish()
    assert code == 0, err
    assert out is not None and [c["nct_id"] for c in out[0]["changed"]] == [STUDY]
    code, out, err = second.finish()
    assert code == 0, err
    # It started from the baseline the first one moved: nothing new, so nothing delivered.
    assert out is not None and (out[0]["new_matches"], out[0]["changed"], out[0]["left"]) == ([], [], [])
    assert len(hook.bodies) == 1 and [c["nct_id"] for c in hook.bodies[0]["runs"][0]["changed"]] == [STUDY]
    assert runs_of(trials.data_dir) == 3


def test_a_run_that_cannot_wait_long_enough_says_another_is_in_progress(changed: tuple[Trials, GatedHook]) -> None:
    trials, hook = changed
    first = Run(trials.data_dir, hook)
    assert hook.received.wait(60), "the first run never delivered"
    code, out, err = Run(trials.data_dir, hook, TRIALS_LOCK_TIMEOUT="1").finish()
    assert code == 1 and out is None and "Traceback" not in err
    assert "another run of watch 'coma' is in progress" in err.strip().splitlines()[-1], err
    hook.release.set()
    code, out, err = first.finish()
    assert code == 0, err
    assert out is not None and [c["nct_id"] for c in out[0]["changed"]] == [STUDY]
    assert len(hook.bodies) == 1 and runs_of(trials.data_dir) == 2


def test_a_run_killed_while_it_delivers_is_delivered_again_and_nothing_doubles(
    changed: tuple[Trials, GatedHook], tmp_path: Path
) -> None:
    trials, hook = changed
    feed = tmp_path / "coma.xml"
    first = Run(trials.data_dir, hook, "--atom", str(feed))
    assert hook.received.wait(60), "the run never delivered"
    first.process.kill()  # SIGKILL while the webhook holds its answer: the feed is written already
    first.process.wait(30)
    written = ET.parse(feed).getroot().findall(f"{ATOM}entry")
    hook.release.set()
    [again] = trials.json("watch", "run", "coma", "--atom", str(feed), "--webhook", hook.url)
    [killed] = hook.bodies[0]["runs"]
    assert (again["run"], again["changed"]) == (killed["run"], killed["changed"]) and again["changed"]
    assert [b["runs"][0]["run"] for b in hook.bodies] == [killed["run"]] * 2
    ids = [e.findtext(f"{ATOM}id") for e in ET.parse(feed).getroot().findall(f"{ATOM}entry")]
    assert len(ids) == len(set(ids)) == len(written)  # the same entries, none twice
    [last] = trials.json("watch", "run", "coma")
    assert (last["new_matches"], last["changed"], last["left"]) == ([], [], [])


def test_a_lock_this_user_may_not_open_is_one_line_naming_the_fix(
    trials: Trials, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = sorted(shared("ctgov", "xml_versions", STUDY).glob("*.xml"))
    trials("--quiet", "ingest", str(files[0]))
    trials("--quiet", "watch", "add", "coma", "--condition", "coma")
    locks = trials.data_dir / "watch-locks"
    real_open = os.open

    def as_another_users(path: Any, flags: int, *args: Any) -> int:
        # The folder made by `sudo trials watch run`: this user may not open its files (root may, so
        # the refusal is given here rather than by chmod).
        if Path(path).parent == locks:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", as_another_users)
    refused = trials("watch", "run", ok=False)
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "Error: cannot take the lock" in refused.stderr
    assert f"make {locks} and its files writable" in refused.stderr
    monkeypatch.setattr(os, "open", real_open)
    # Nothing was remembered: the run once the folder is mended reports the first run.
    [run] = trials.json("watch", "run")
    assert run["first_run"] and [m["nct_id"] for m in run["new_matches"]] == [STUDY]
