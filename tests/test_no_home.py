"""A user without a home directory (no HOME, a user id with no passwd entry): no "~" folder, a message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

# Each builds the gazetteer in a directory of its own (seconds) in a new process.
pytestmark = pytest.mark.slow

# Python's expanduser leaves "~/..." as written when there is no HOME and the user id has no passwd
# entry (a container run under an arbitrary id): that is what the child process is made to see.
_NO_HOME = """
import os.path, sys
os.path.expanduser = lambda path: path
from search_cli.main import cli
cli(sys.argv[1:], prog_name="trials")
"""


def _trials(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "TRIALS_")) and k != "HOME"}
    return subprocess.run(
        [sys.executable, "-c", _NO_HOME, *args],
        cwd=cwd,
        env={**base, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_commands_work_with_the_directories_named_and_make_no_tilde_folder(tmp_path: Path) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    data, gazetteer = str(tmp_path / "data"), str(tmp_path / "gazetteer")
    done = _trials(cwd, "ingest", str(FIXTURES / "ctgov" / "NCT00057759.json"), TRIALS_DATA=data,
                   TRIALS_GAZETTEER_DIR=gazetteer)  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = _trials(cwd, "search", "--near", "Boston", "--within", "20000", "--json", TRIALS_DATA=data,
                    TRIALS_GAZETTEER_DIR=gazetteer)  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert '"NCT00057759"' in found.stdout
    # Nothing was made relative to where the command ran (before: ./~/.cache/trialscout/...).
    assert list(cwd.iterdir()) == []


def test_without_a_data_directory_the_message_names_the_fix(tmp_path: Path) -> None:
    done = _trials(tmp_path, "stats")
    assert done.returncode == 1
    assert "no home directory" in done.stderr and "TRIALS_DATA" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_geocoding_without_a_gazetteer_directory_names_it(tmp_path: Path) -> None:
    data, gazetteer = str(tmp_path / "data"), str(tmp_path / "gazetteer")
    fixture = str(FIXTURES / "ctgov" / "NCT00057759.json")
    # An ingest places the sites, a search near a place finds the place: each needs the gazetteer.
    failed = [_trials(tmp_path, "ingest", fixture, TRIALS_DATA=data)]
    assert _trials(tmp_path, "ingest", fixture, TRIALS_DATA=data, TRIALS_GAZETTEER_DIR=gazetteer).returncode == 0
    failed.append(_trials(tmp_path, "search", "--near", "Boston", TRIALS_DATA=data))
    for done in failed:
        assert done.returncode == 1
        assert "no home directory" in done.stderr and "TRIALS_GAZETTEER_DIR" in done.stderr
        assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "gazetteer"]
