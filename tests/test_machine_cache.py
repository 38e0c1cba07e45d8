"""The user's cache files of compiled code: nothing left behind or trusted that should not be."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from indexer import machine_cache
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


def test_a_file_another_user_may_write_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    machine_cache.add("probe", {"kept": b"code"})
    file = Path(machine_cache.path("probe"))
    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # whatever the umask: what is kept is run
    assert machine_cache.read("probe") == {"kept": b"code"}
    # A cache others may write (a shared XDG_CACHE_HOME): what they put there would run in this user's
    # processes (dataclass_code's methods), so it is not read; the next write makes the file this user's again.
    file.chmod(0o666)
    assert machine_cache.read("probe") == {}
    machine_cache.add("probe", {"again": b"code"})
    assert stat.S_IMODE(file.stat().st_mode) == 0o600 and machine_cache.read("probe") == {"again": b"code"}


def test_a_file_damaged_on_disk_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    kept = {("pattern", 2): (32, bytes(range(200)), 1, {"n": 1}, (None, "n"))}
    machine_cache.add("probe", kept)
    file = Path(machine_cache.path("probe"))
    good = file.read_bytes()
    assert machine_cache.read("probe") == kept
    # Each byte of the entries with one bit flipped: many such files still unmarshal, to other entries.
    still_read = 0
    for i in range(len(good) // 2, len(good)):
        damaged = bytearray(good)
        damaged[i] ^= 0x04
        file.write_bytes(bytes(damaged))
        file.chmod(0o600)
        found = machine_cache.read("probe")
        assert found in ({}, kept), f"byte {i}: read {found!r}"
        still_read += found == kept
    assert still_read == 0
    file.write_bytes(good[len(good) // 2 :])  # cut short, and a file of the form before the checksum
    assert machine_cache.read("probe") == {}
    file.write_bytes(__import__("marshal").dumps(kept))
    assert machine_cache.read("probe") == {}


_READ = "from indexer import machine_cache; print(machine_cache.read('probe'))"


def test_a_fifo_or_device_in_the_files_place_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A cache directory others can write (XDG_CACHE_HOME=/tmp/...): a FIFO named as the file held every
    # process opening it for good, and a device (/dev/zero) would be read without end.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    file = Path(machine_cache.path("probe"))
    file.parent.mkdir(parents=True)
    os.mkfifo(file, 0o600)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _READ], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stdout, done.stderr) == (0, "{}\n", "")
    machine_cache.add("probe", {"kept": b"code"})  # the next write puts this user's file there
    assert stat.S_ISREG(file.lstat().st_mode) and machine_cache.read("probe") == {"kept": b"code"}
    file.unlink()
    file.symlink_to("/dev/zero")
    assert machine_cache.read("probe") == {}
