"""Threads named for the operating system (writer, WAL checkpoints, index), so `top -H` can tell them apart."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_PR_SET_NAME = 15  # prctl(2): names the calling thread (15 bytes at most)


def name_native_thread(name: str) -> None:
    """Give the calling thread `name` in /proc (Linux); elsewhere, or if it fails, nothing happens.

    Python names its threads only for itself: the kernel sees every one under the program's name.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_NAME, name.encode()[:15], 0, 0, 0)
    except (OSError, AttributeError):
        return  # a name is a convenience: never a reason to fail a write
