"""Plain-text tables for a terminal: columns sized to the content, cut to the terminal's width."""

from __future__ import annotations

import os
import sys
from typing import TextIO

import click

from indexer.csvrow import CONTROL as _CONTROL


def printable(text: str) -> str:
    """Text safe for a terminal: no escape sequences or other control characters, one line."""
    return _CONTROL.sub("", text).replace("\n", " ").replace("\t", " ")


def terminal_columns(fallback: int = 120) -> int:
    """shutil.get_terminal_size's width (COLUMNS, else the terminal's, else `fallback`), without
    importing shutil and the compressors it brings: 3 ms of every table's start."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else fallback


def table(
    header: list[str],
    rows: list[list[str]],
    out: TextIO | None = None,
    cut: dict[int, tuple[int, int]] | None = None,
) -> None:
    """Columns sized to the content. On a terminal, text too wide is cut to fit: the columns in
    `cut` ({column: (priority, minimum width)}), lowest priority first and never below their
    minimum, then any wide column. Piped output is never cut: a script gets every character."""
    out = out or sys.stdout
    if not rows:
        return
    rows = [[printable(str(cell)) for cell in r] for r in rows]
    widths = [max(len(h), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    terminal = out.isatty() if hasattr(out, "isatty") else False
    if terminal:
        width = terminal_columns()
        overflow = sum(widths) + 2 * (len(widths) - 1) - width
        plan = cut if cut is not None else {i: (0, 12) for i in range(len(header))}
        order = sorted(plan, key=lambda i: (plan[i][0], -widths[i]))
        for i in order:
            if overflow <= 0:
                break
            shrink = min(overflow, max(0, widths[i] - max(plan[i][1], len(header[i]))))
            widths[i] -= shrink
            overflow -= shrink

    def fmt_row(cells: list[str]) -> str:
        parts = []
        for cell, w in zip(cells, widths, strict=True):
            text = str(cell)
            parts.append(text if len(text) <= w else text[: max(0, w - 1)] + "…")
        return "  ".join(p.ljust(w) for p, w in zip(parts, widths, strict=True)).rstrip()

    click.echo(click.style(fmt_row(header), bold=True), file=out)  # echo drops the style when piped
    for r in rows:
        out.write(fmt_row(r) + "\n")
