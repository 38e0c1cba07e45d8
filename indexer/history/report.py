"""A watch run as plain text lines: the table `watch run` prints and the body of its mail."""

from __future__ import annotations

from collections.abc import Sequence

from indexer.history.watches import WatchRun


def headline(run: WatchRun) -> str:
    first = " (first run)" if run.first_run else ""
    return f"{run.name}: {len(run.new_matches)} new matches, {len(run.changed)} changed, {len(run.left)} left{first}"


def lines(run: WatchRun) -> list[str]:
    """One line per new match and per leaving trial, then one per event of a changed trial."""
    out = [
        f"  new      {r.nct_id}  {(r.overall_status or '').lower():22}  {r.brief_title or ''}" for r in run.new_matches
    ]
    out += [f"  left     {t.nct_id}  {t.reason.text}  ({t.brief_title or ''})" for t in run.left]
    for c in run.changed:
        out += [f"  changed  {c.nct_id}  {e.date or '?'}  {e.summary}" for e in c.events]
    return out


def mail_text(runs: Sequence[WatchRun]) -> str:
    parts = []
    for run in runs:
        parts += [headline(run), *lines(run), ""]
    parts.append("-- \nSent by `trials watch run`; `trials watch list` shows the saved watches.")
    return "\n".join(parts)
