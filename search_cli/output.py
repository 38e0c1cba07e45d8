"""Render records and rows as a table, JSON, NDJSON or CSV on stdout."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

import click

from indexer.record import TrialRecord

CSV_COLUMNS = (
    "nct_id",
    "brief_title",
    "overall_status",
    "phases",
    "study_type",
    "conditions",
    "interventions",
    "lead_sponsor",
    "enrollment",
    "min_age_years",
    "max_age_years",
    "sex",
    "healthy_volunteers",
    "start_date",
    "completion_date",
    "last_update_posted",
    "source_url",
)


def csv_row(r: TrialRecord) -> dict[str, Any]:
    e = r.eligibility
    return {
        "nct_id": r.nct_id,
        "brief_title": r.brief_title,
        "overall_status": r.overall_status,
        "phases": "|".join(r.phases),
        "study_type": r.study_type,
        "conditions": "|".join(r.conditions),
        "interventions": "|".join(i.name for i in r.interventions),
        "lead_sponsor": r.lead_sponsor,
        "enrollment": r.enrollment,
        "min_age_years": e.min_age_years,
        "max_age_years": e.max_age_years,
        "sex": e.sex,
        "healthy_volunteers": e.healthy_volunteers,
        "start_date": r.start_date,
        "completion_date": r.completion_date,
        "last_update_posted": r.last_update_posted,
        "source_url": r.source_url,
    }


# Control characters (terminal escape sequences among them) that registry text has no business sending
# to a terminal: tables and CSV drop them; JSON escapes them anyway.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text safe for a terminal: no escape sequences or other control characters, one line."""
    return _CONTROL.sub("", text).replace("\n", " ").replace("\t", " ")


class _SafeCsv(csv.DictWriter):  # type: ignore[type-arg]
    """csv.DictWriter whose text cells carry no control characters (a CSV is often read in a terminal)."""

    def writerow(self, rowdict: Any) -> Any:
        return super().writerow({k: _CONTROL.sub("", v) if isinstance(v, str) else v for k, v in rowdict.items()})


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def emit_records(
    records: Iterable[TrialRecord], fmt: str, extra: Sequence[dict[str, Any]] | None = None, out: TextIO | None = None
) -> int:
    """Write records; `extra` (same length) adds per-row fields such as score. Returns the count."""
    out = out or sys.stdout
    rows = list(records)
    extras = list(extra) if extra is not None else [{} for _ in rows]
    if fmt == "json":
        out.write(dumps([{**r.to_dict(), **x} for r, x in zip(rows, extras, strict=True)]) + "\n")
    elif fmt == "ndjson":
        for r, x in zip(rows, extras, strict=True):
            out.write(dumps({**r.to_dict(), **x}) + "\n")
    elif fmt == "csv":
        keys = list(CSV_COLUMNS) + [k for k in (extras[0] if extras else {}) if k not in CSV_COLUMNS]
        w = _SafeCsv(out, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        for r, x in zip(rows, extras, strict=True):
            w.writerow({**csv_row(r), **{k: v if not isinstance(v, list | dict) else dumps(v) for k, v in x.items()}})
    else:
        table(
            ["NCT ID", "STATUS", "PHASE", "TITLE", "CONDITIONS"],
            [
                [
                    r.nct_id,
                    (r.overall_status or "").replace("_", " ").lower(),
                    "/".join(p.replace("PHASE", "") for p in r.phases),
                    r.brief_title or "",
                    "; ".join(r.conditions),
                ]
                for r in rows
            ],
            out=out,
        )
    return len(rows)


def emit_rows(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str], out: TextIO | None = None) -> None:
    """Plain dict rows (stats, history) in any output format."""
    out = out or sys.stdout
    if fmt == "json":
        out.write(dumps(list(rows)) + "\n")
    elif fmt == "ndjson":
        for row in rows:
            out.write(dumps(row) + "\n")
    elif fmt == "csv":
        w = _SafeCsv(out, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        for row in rows:
            w.writerow({k: dumps(v) if isinstance(v, list | dict) else v for k, v in row.items()})
    else:
        table(
            [c.upper().replace("_", " ") for c in columns],
            [[_cell(row.get(c)) for c in columns] for row in rows],
            out=out,
        )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return dumps(value) if isinstance(value, list | dict) else str(value)


def table(header: list[str], rows: list[list[str]], out: TextIO | None = None) -> None:
    """Columns sized to the content; the widest text column is cut to fit the terminal."""
    out = out or sys.stdout
    if not rows:
        return
    rows = [[printable(str(cell)) for cell in r] for r in rows]
    width = shutil.get_terminal_size((120, 24)).columns
    widths = [max(len(h), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    overflow = sum(widths) + 2 * (len(widths) - 1) - width
    if overflow > 0:
        # Shrink the widest columns first, never below 12 characters.
        for i in sorted(range(len(widths)), key=lambda i: -widths[i]):
            cut = min(overflow, max(0, widths[i] - 12))
            widths[i] -= cut
            overflow -= cut
            if overflow <= 0:
                break

    def fmt_row(cells: list[str]) -> str:
        parts = []
        for cell, w in zip(cells, widths, strict=True):
            text = str(cell)
            parts.append(text if len(text) <= w else text[: max(0, w - 1)] + "…")
        return "  ".join(p.ljust(w) for p, w in zip(parts, widths, strict=True)).rstrip()

    click.echo(click.style(fmt_row(header), bold=True), file=out)  # echo drops the style when piped
    for r in rows:
        out.write(fmt_row(r) + "\n")
