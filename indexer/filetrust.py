"""Whether a file in a directory others may share (a cache under /tmp) is safe to read as one's own."""

from __future__ import annotations

import os


def trusted(stat: os.stat_result) -> bool:
    """Owned by this user (or root) and writable by no one else, as ssh asks of its files: a file another
    user wrote or may write (a cache directory others can write, XDG_CACHE_HOME=/tmp) could hold what they
    chose. Checked on the file that is read (its open descriptor's stat where it is opened)."""
    geteuid = getattr(os, "geteuid", None)  # none on Windows, whose user directories are the user's
    return geteuid is None or (stat.st_uid in (geteuid(), 0) and not stat.st_mode & 0o022)
