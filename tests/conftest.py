"""Shared test fixtures: paths to real data, a temporary data directory, a CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from search_cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = Path(os.environ.get("TRIALS_SHARED_DATA", ROOT.parent / "shared" / "data"))
CTGOV = SHARED / "ctgov"


def shared(*parts: str) -> Path:
    """A path in ../shared/data; tests that need it fail loudly if the checkout lacks it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.fail(
            f"{path} is missing: the shared real data must sit beside the repository (or set TRIALS_SHARED_DATA)"
        )
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


class Trials:
    """Runs `trials` in-process against one data directory."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True) -> Result:
        result = self.runner.invoke(cli, ["--data-dir", str(self.data_dir), *args], catch_exceptions=False)
        if ok and result.exit_code != 0:
            raise AssertionError(f"trials {' '.join(args)} exited {result.exit_code}:\n{result.output}")
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self("--quiet", *args, "--json").stdout)


@pytest.fixture
def trials(data_dir: Path) -> Trials:
    return Trials(data_dir)


def run_trials(
    data_dir: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`trials` in a subprocess: needed for crawls, since Twisted's reactor runs once per process."""
    return subprocess.run(
        [sys.executable, "-m", "search_cli.main", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        env={**os.environ, "TRIALS_DOWNLOAD_DELAY": "0", **(env or {})},
    )
