"""The user's cache files of compiled code: nothing left behind or trusted that should not be."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

# A disk that fills while the file is written: the process may write no more than 4 KB a file (the write
# fails with EFBIG, as with ENOSPC on a full disk; SIGXFSZ ignored, as Python's own writes see the error).
_FULL = """
import resource, signal
from indexer import machine_cache
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
machine_cache.add("probe", {"big": b"x" * 100_000})
"""


def test_a_write_a_full_disk_stops_leaves_no_file_behind(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    for _ in range(2):  # each process has its own temporary file: none may stay
        done = subprocess.run([sys.executable, "-c", _FULL], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0 and done.stderr == ""
    assert sorted(p.name for p in (tmp_path / "trialscout").iterdir()) == []
