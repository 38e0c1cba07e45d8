"""Render records and rows as a table, JSON, NDJSON or CSV on stdout."""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO, TypeVar, cast

import orjson

from indexer.csvrow import CONTROL as _CONTROL
from indexer.csvrow import CSV_COLUMNS
from indexer.freshness import freshness
from indexer.geo.near import near_fields
from indexer.history.removal import removal_fields
from indexer.record import TrialRecord
from search_cli.table import table

if TYPE_CHECKING:
    from indexer.store.briefs import StoredJson, TrialSummary
    from indexer.store.removals import Removal

R = TypeVar("R")


def status_text(status: str | None) -> str:
    """A status as tables and `show` both print it: "not yet recruiting"."""
    return (status or "unknown").replace("_", " ").lower()


def phase_text(phases: Sequence[str]) -> str:
    """Phases as tables and `show` both print them: "1/2", "early 1", "n/a"."""
    return "/".join(p.replace("EARLY_PHASE", "early ").replace("PHASE", "").replace("NA", "n/a") for p in phases)


def status_cell(r: TrialRecord | TrialSummary, extra: dict[str, Any] | None = None) -> str:
    """The status, marked when the registry no longer lists the trial (`extra` from `trial_extra`)
    or else when it is probably stale (the JSON says why)."""
    gone = (extra or {}).get("removed_from_registry")
    if gone:
        return f"{status_text(r.overall_status)} (no longer listed since {gone['since'] or '?'})"
    return status_text(r.overall_status) + (" (stale?)" if freshness(r).stale else "")


def trial_extra(
    r: TrialRecord | TrialSummary | StoredJson,
    near: tuple[float, float] | None = None,
    removal: Removal | None = None,
    within_km: float | None = None,
) -> dict[str, Any]:
    """Fields every result row carries beside the record: how fresh it is, whether the registry still
    lists it (`removed_from_registry`), and with `near` the nearest counted site
    (geo.near.counted_sites) and its distance, which needs the decoded record's sites (`within_km`, the
    search's radius, only saves measuring the sites far from it)."""
    if near is not None and not isinstance(r, TrialRecord):
        raise TypeError("the nearest site is measured on a decoded record")
    return {
        "freshness": freshness(r).to_dict(),
        "removed_from_registry": removal_fields(removal),
        **(near_fields(r, near, within_km) if isinstance(r, TrialRecord) else {}),
    }


class _SafeCsv:
    """csv.DictWriter whose text cells carry no control characters (a CSV is often read in a terminal)."""

    def __init__(self, out: TextIO, fieldnames: Sequence[str]) -> None:
        import csv  # only for --csv

        self._writer = csv.DictWriter(out, fieldnames=fieldnames, extrasaction="ignore")
        self._writer.writeheader()

    def writerow(self, row: dict[str, Any]) -> None:
        self._writer.writerow({k: _CONTROL.sub("", v) if isinstance(v, str) else v for k, v in row.items()})


def dumps(obj: Any) -> str:
    # orjson, as the web API answers: the standard library's encoder was a quarter of `search --json`
    # over 20 large trials (4,960 sites) at 500k.
    return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()


def emit_records(
    records: Iterable[TrialRecord | StoredJson | TrialSummary],
    fmt: str,
    extra: Sequence[dict[str, Any]] | None = None,
    out: TextIO | None = None,
) -> int:
    """Write records; `extra` (same length) adds per-row fields such as score. Returns the count.

    A record may come decoded, or as read without decoding it: its stored JSON for JSON and NDJSON
    (`emit_json`), its summary for CSV and a table (`emit_summaries`). JSON, NDJSON and CSV are written
    record by record as `records` yields them; a table needs every row first."""
    from indexer.store.briefs import StoredJson, summary_of

    def json_of(r: TrialRecord | StoredJson | TrialSummary) -> bytes:
        if isinstance(r, StoredJson):
            return r.json
        if isinstance(r, TrialRecord):  # orjson writes a record as its to_dict(), without building the dicts
            return orjson.dumps(r)
        raise TypeError(f"{r.nct_id}: a summary is no record's JSON")

    def summary(r: TrialRecord | StoredJson | TrialSummary) -> TrialSummary:
        if isinstance(r, StoredJson):
            raise TypeError(f"{r.nct_id}: its stored JSON is read for JSON only")
        return summary_of(r) if isinstance(r, TrialRecord) else r

    if fmt in ("json", "ndjson"):
        return emit_json(map(json_of, records), fmt, extra, out)
    return emit_summaries(map(summary, records), fmt, extra, out)


def _paired(
    records: Iterable[R], extra: Sequence[dict[str, Any]] | None
) -> tuple[Iterable[tuple[R, dict[str, Any]]], list[dict[str, Any]] | None]:
    """Each record with its row of `extra` (the same length), or with no fields; and `extra` as a list."""
    extras = list(extra) if extra is not None else None
    if extras is None:
        return ((r, {}) for r in records), None
    return zip(records, extras, strict=True), extras


def emit_json(
    records: Iterable[bytes], fmt: str, extra: Sequence[dict[str, Any]] | None = None, out: TextIO | None = None
) -> int:
    """`emit_records` as JSON or NDJSON of records' JSON (their `to_dict()` encoded: the stored JSON)."""
    from indexer.store.briefs import with_fields_parts

    write = _utf8_writer(out or sys.stdout)
    pairs, _ = _paired(records, extra)
    count = 0
    if fmt == "json":  # `dumps` of the whole list, a record at a time: "[", items joined by ",", "]"
        write(b"[")
        for r, x in pairs:
            if count:
                write(b",")
            for part in with_fields_parts(r, x):
                write(part)
            count += 1
        write(b"]\n")
    elif fmt == "ndjson":
        for r, x in pairs:
            for part in with_fields_parts(r, x):
                write(part)
            write(b"\n")
            count += 1
    else:
        raise ValueError(f"emit_json writes JSON or NDJSON, not {fmt}")
    return count


def _utf8_writer(out: TextIO) -> Callable[[bytes | memoryview], object]:
    """Writes UTF-8 bytes to `out` as its text would be written: to its binary buffer when it has one that
    takes UTF-8 with no newline translated (stdout here), else decoded. The stored JSON is UTF-8 already: at
    500k, decoding the 12 MB of a search's 20 largest trials to text and encoding it again took ~25 ms."""
    buffer = getattr(out, "buffer", None)
    encoding = getattr(out, "encoding", None)
    if buffer is None or encoding is None or codecs.lookup(encoding).name != "utf-8" or os.linesep != "\n":
        return lambda data: out.write(str(data, "utf-8"))
    out.flush()  # what was written as text comes first
    return cast("Callable[[bytes | memoryview], object]", buffer.write)


def emit_summaries(
    records: Iterable[TrialSummary], fmt: str, extra: Sequence[dict[str, Any]] | None = None, out: TextIO | None = None
) -> int:
    """`emit_records` as CSV or a table (any other `fmt`), of records' summaries (store.briefs): all that
    either shows of a record."""
    from indexer.csvrow import csv_row_of

    out = out or sys.stdout
    pairs, extras = _paired(records, extra)
    count = 0
    if fmt == "csv":
        keys = list(CSV_COLUMNS) + [k for k in (extras[0] if extras else {}) if k not in CSV_COLUMNS]
        w = _SafeCsv(out, keys)
        for r, x in pairs:
            w.writerow(
                {**csv_row_of(r), **{k: v if not isinstance(v, list | dict) else dumps(v) for k, v in x.items()}}
            )
            count += 1
    else:
        rows = list(pairs)
        count = len(rows)
        near = any("nearest_site" in x for _, x in rows)
        header = [
            "NCT ID",
            "STATUS",
            "PHASE",
            "UPDATED",
            *(["KM", "NEAREST SITE"] if near else []),
            "TITLE",
            "CONDITIONS",
        ]
        cells = []
        for r, x in rows:
            site = x.get("nearest_site") or {}
            where = ", ".join(v for v in (site.get("facility"), site.get("city"), site.get("country")) if v)
            dist = [f"{site['distance_km']:.0f}" if site else "", where] if near else []
            cells.append(
                [
                    r.nct_id,
                    status_cell(r, x),
                    phase_text(r.phases or ()),
                    r.last_update_posted or "",
                    *dist,
                    r.brief_title or "",
                    "; ".join(r.conditions or ()),
                ]
            )
        # The title is cut last, then the conditions; the site's name gives way first.
        cut = {len(header) - 2: (3, 40), len(header) - 1: (2, 24)}
        if near:
            cut[5] = (1, 16)  # the nearest site's name
        table(header, cells, out=out, cut=cut)
    return count


def emit_rows(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    columns: Sequence[str],
    out: TextIO | None = None,
    cut: dict[str, tuple[int, int]] | None = None,
) -> None:
    """Plain dict rows (stats, history) in any output format; `cut` as in `table`, by column name."""
    out = out or sys.stdout
    if fmt == "json":
        out.write(dumps(list(rows)) + "\n")
    elif fmt == "ndjson":
        for row in rows:
            out.write(dumps(row) + "\n")
    elif fmt == "csv":
        w = _SafeCsv(out, list(columns))
        for row in rows:
            w.writerow({k: dumps(v) if isinstance(v, list | dict) else v for k, v in row.items()})
    else:
        table(
            [c.upper().replace("_", " ") for c in columns],
            [[_cell(row.get(c)) for c in columns] for row in rows],
            out=out,
            cut={list(columns).index(k): v for k, v in cut.items() if k in columns} if cut else None,
        )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return dumps(value) if isinstance(value, list | dict) else str(value)


# Result tables: the title is cut last, then what the result shares or notes; sites give way first.
RESULT_CUT = {"title": (3, 40), "shares": (2, 24), "note": (2, 24), "nearest_site": (1, 16)}


def result_columns(near: tuple[float, float] | None, last: str) -> list[str]:
    return ["nct_id", "score", "status", "phase", "updated", *(["km", "nearest_site"] if near else []), "title", last]


def result_row(r: TrialRecord, extra: dict[str, Any], score: float | None = None) -> dict[str, Any]:
    """The columns every result table shares, as `emit_records` prints them."""
    site = extra.get("nearest_site") or {}
    return {
        "nct_id": r.nct_id,
        "score": extra.get("score") if score is None else score,
        "status": status_cell(r, extra),
        "phase": phase_text(r.phases),
        "updated": r.last_update_posted or "",
        "km": f"{site['distance_km']:.0f}" if site else "",
        "nearest_site": ", ".join(v for v in (site.get("facility"), site.get("city"), site.get("country")) if v),
        "title": r.brief_title or "",
    }
