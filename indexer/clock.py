"""UTC timestamps in the one format every stored time uses (ISO 8601, seconds, Z)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_last: tuple[int, str] = (-1, "")  # (second, its text): a stored record writes two or three timestamps


def now_iso() -> str:
    global _last
    second = int(time.time())
    if _last[0] != second:
        _last = (second, datetime.fromtimestamp(second, UTC).strftime(FORMAT))
    return _last[1]


def today_iso() -> str:
    return datetime.now(UTC).date().isoformat()
