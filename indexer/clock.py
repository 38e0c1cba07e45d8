"""UTC timestamps in the one format every stored time uses (ISO 8601, seconds, Z)."""

from __future__ import annotations

from datetime import UTC, datetime

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def now_iso() -> str:
    return datetime.now(UTC).strftime(FORMAT)


def today_iso() -> str:
    return datetime.now(UTC).date().isoformat()
