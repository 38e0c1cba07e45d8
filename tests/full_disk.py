"""A disk that fills up, for the tests of what `trials` does then (tests/test_full_disk.py).

Two ways, the same to a test:
- "tmpfs": a small tmpfs mounted where the data goes; exact, but mounting needs root with
  CAP_SYS_ADMIN (a developer's machine, a privileged container);
- "preload": the shim tests/full_disk.c, built here with the C compiler and LD_PRELOAD'ed into the
  `trials` process: writes that grow files under the folder fail with ENOSPC once the budget is
  spent. It works in an unprivileged CI container, wherever there is gcc or cc.

SQLite (as the store uses it), tantivy (Rust's std) and Python itself all see ENOSPC either way: each
mechanism is checked on all three before a test uses it, and a test skips, saying why, only when
its mechanism cannot work here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

KINDS = ("tmpfs", "preload")
SHIM_SOURCE = Path(__file__).with_name("full_disk.c")
ROOM = 256 * 2**20  # a disk with room: the tmpfs's size, the shim's budget once space is freed
FILLER = ".filler"  # a dot file: index pruning and the tests' listings leave it alone

# Writes 2 MB with Python, SQLite (through the store) and tantivy into the folder given, each in its own
# try, and prints what each said: a mechanism is used only if all three see the disk fill up.
_PROBE = """
import os, sys, tantivy
from indexer.store import RecordStore, StoreFull
folder = sys.argv[1]
said = []
try:
    with open(os.path.join(folder, "python.bin"), "wb") as f:
        f.write(b"x" * 2_000_000)
    said.append("python: wrote")
except OSError as exc:
    said.append(f"python: {exc}")
try:
    store = RecordStore(os.path.join(folder, "probe.sqlite"))
    with store.transaction():
        for _ in range(2000):
            store.put_raw(os.urandom(1000))
    said.append("sqlite: wrote")
except StoreFull as exc:
    said.append(f"sqlite: {exc}")
try:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("t", stored=True)
    os.mkdir(os.path.join(folder, "index"))
    index = tantivy.Index(builder.build(), path=os.path.join(folder, "index"))
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    for _ in range(5000):
        writer.add_document(tantivy.Document(t=os.urandom(200).hex()))
    writer.commit()
    said.append("tantivy: wrote")
except (OSError, ValueError) as exc:
    said.append(f"tantivy: {exc}")
print("\\n".join(said))
"""


class FullDisk:
    """The folder `at` on a disk of its own: room until `fill(left)`, room again after `free()`.

    `env` is what a `trials` process writing there needs (the shim's settings; nothing for a tmpfs).
    """

    def __init__(self, kind: str, at: Path, shim: Path | None = None):
        self.kind, self.at, self.shim = kind, at.resolve(), shim
        self.env: dict[str, str] = {}

    def __enter__(self) -> FullDisk:
        self.at.mkdir(parents=True, exist_ok=True)
        if self.kind == "tmpfs":
            _mount(self.at)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.kind == "tmpfs":
            subprocess.run(["umount", "-l", str(self.at)], capture_output=True, check=False)

    def fill(self, left: int) -> None:
        """From now on the disk has `left` bytes free (for the next `trials` process, with the shim)."""
        if self.kind == "tmpfs":
            free = os.statvfs(self.at).f_bavail * os.statvfs(self.at).f_frsize
            fd = os.open(self.at / FILLER, os.O_CREAT | os.O_WRONLY, 0o600)
            try:
                os.posix_fallocate(fd, 0, max(1, free - left))
            finally:
                os.close(fd)
        else:
            assert self.shim is not None
            self.env = {
                "LD_PRELOAD": str(self.shim),
                "TRIALS_TEST_FULL_DIR": str(self.at),
                "TRIALS_TEST_FULL_BYTES": str(left),
            }

    def free(self) -> None:
        """Space was freed: the disk has room again."""
        if self.kind == "tmpfs":
            (self.at / FILLER).unlink(missing_ok=True)
        self.env = {}


def _mount(at: Path) -> None:
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={ROOM}", "tmpfs", str(at)], capture_output=True, text=True, check=True
    )


def available(kind: str, scratch: Path) -> tuple[Path | None, str | None]:
    """(the shim, for "preload"; None) if `kind` makes Python, SQLite and tantivy see a full disk here,
    else (None, why not)."""
    shim: Path | None = None
    folder = scratch / "probe"
    folder.mkdir(parents=True)
    env: dict[str, str] = {}
    if kind == "tmpfs":
        if shutil.which("mount") is None:
            return None, "no `mount` command here to mount a small tmpfs"
        try:
            mount = ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)]
            subprocess.run(mount, capture_output=True, text=True, check=True)
        except subprocess.CalledProcessError as exc:
            return None, f"cannot mount a tmpfs here ({exc.stderr.strip()}): it needs root with CAP_SYS_ADMIN"
    else:
        compiler = shutil.which("gcc") or shutil.which("cc")
        if compiler is None:
            return None, "no C compiler (gcc or cc) to build the LD_PRELOAD shim tests/full_disk.c"
        shim = scratch / "full_disk.so"
        built = subprocess.run(
            [compiler, "-shared", "-fPIC", "-O2", "-o", str(shim), str(SHIM_SOURCE), "-ldl"],
            capture_output=True,
            text=True,
        )
        if built.returncode != 0:
            return None, f"the LD_PRELOAD shim tests/full_disk.c does not build here: {built.stderr.strip()[:300]}"
        env = {
            "LD_PRELOAD": str(shim),
            "TRIALS_TEST_FULL_DIR": str(folder.resolve()),
            "TRIALS_TEST_FULL_BYTES": "1000000",
        }
    try:
        said = subprocess.run(
            [sys.executable, "-c", _PROBE, str(folder)],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=120,
        ).stdout
    finally:
        if kind == "tmpfs":
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)
    lines = said.splitlines()
    expected = ["python: [Errno 28] No space left on device", "sqlite: no space left on device writing", "tantivy: "]
    seen = len(lines) == 3 and all(line.startswith(e) for line, e in zip(lines, expected, strict=True))
    if not seen or any("wrote" in line for line in lines):
        return None, f"{kind} did not make Python, SQLite and tantivy all see a full disk here: {said.strip()!r}"
    return shim, None


@pytest.fixture(scope="session", params=KINDS)
def disk_kind(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path | None]:
    """Each way of filling a disk that works here: (kind, the shim for "preload")."""
    kind: str = request.param
    shim, why_not = available(kind, tmp_path_factory.mktemp(f"full-disk-{kind}"))
    if why_not is not None:
        pytest.skip(why_not)
    return kind, shim
