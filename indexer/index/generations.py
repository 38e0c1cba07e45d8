"""Generations of the embedded index on disk: built beside the live one, swapped in by renaming a pointer."""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

# The pointer file: {"generation": "gen-…", "marker": {...}}. Replaced atomically (rename), so a
# reader sees the old generation or the new one, never half a pointer.
POINTER = "CURRENT"
_PREFIX = "gen-"


def current(root: Path) -> tuple[Path, dict[str, Any]] | None:
    """The live generation's folder and its build marker, or None if there is none (or it is unreadable)."""
    try:
        found = json.loads((root / POINTER).read_text(encoding="utf-8"))
        folder = root / str(found["generation"])
        marker = found["marker"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(marker, dict) or not folder.name.startswith(_PREFIX) or not folder.is_dir():
        return None
    return folder, marker


def new_generation(root: Path) -> Path:
    if root.exists() and not root.is_dir():
        root.unlink()  # a file where the index belongs (a bad copy): a rebuild mends whatever is there
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"{_PREFIX}{time.time_ns()}-{os.getpid()}"
    folder.mkdir()
    return folder


def publish(root: Path, folder: Path, marker: dict[str, Any]) -> None:
    """Make `folder` the live generation, then remove what no reader can still be opening."""
    previous = current(root)
    partial = root / f".{POINTER}.{os.getpid()}.tmp"
    try:
        partial.write_text(json.dumps({"generation": folder.name, "marker": marker}), encoding="utf-8")
        with open(partial, "rb") as f:
            os.fsync(f.fileno())
        partial.replace(root / POINTER)
    except BaseException:
        partial.unlink(missing_ok=True)  # the old pointer stands (a full disk): nothing half-written stays
        raise
    # The generation just replaced stays: a reader may have read the old pointer a moment ago.
    keep = {folder.name, POINTER} | ({previous[0].name} if previous else set())
    with contextlib.suppress(OSError):  # older folders left behind cost disk space only: the next rebuild
        _prune(root, keep)  # removes them, and the new generation is live already


# How long a replaced generation stays: a reader that read the old pointer opens it within moments,
# and a long-lived reader (`trials serve`) reopens the live one at its next request after the swap.
SUPERSEDED_FOR = 600.0


def prune_superseded(root: Path, writing: Path, now: float | None = None) -> None:
    """Remove the generations a swap replaced over `SUPERSEDED_FOR` seconds ago. A writer of the live
    generation `writing` calls it: `publish` keeps the one it replaces, which would otherwise hold a
    whole index's disk (731 MB of a 500,000-trial mirror) until the next rebuild."""
    found = current(root)
    if found is None or found[0].name != writing.name:  # a writer of a replaced generation: nothing to do
        return
    try:
        swapped = (root / POINTER).stat().st_mtime
    except OSError:
        return
    if (time.time() if now is None else now) - swapped < SUPERSEDED_FOR:
        return
    with contextlib.suppress(OSError):  # left behind, they cost disk space only; the next write tries again
        _prune(root, {found[0].name, POINTER})


def is_live(root: Path, folder: Path) -> bool:
    """Whether the pointer names `folder` (a rebuild that failed after its swap must not remove it)."""
    found = current(root)
    return found is not None and found[0].name == folder.name


def discard(folder: Path) -> None:
    """Remove a generation that was never published (its build failed)."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def _prune(root: Path, keep: set[str]) -> None:
    """Remove older generations and the files of the single-folder layout that preceded them."""
    import shutil  # here: 2 ms of every command's start, used only after a rebuild

    for entry in root.iterdir():
        if entry.name in keep or entry.name.startswith("."):
            continue
        if entry.is_dir() and entry.name.startswith(_PREFIX):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_file():
            entry.unlink(missing_ok=True)  # a version-1 index kept its files here, beside no pointer
