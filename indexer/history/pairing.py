"""Removed and added free-text list items paired as edits (a criterion reworded), for diffs and events."""

from __future__ import annotations

import re
from typing import Any

from indexer.history.diff import Change

# An edited list item (a criterion reworded) counts as one edit when its old and new texts are at
# least this similar (difflib's ratio over words); otherwise as a removed and an added item.
PAIR_SIMILARITY = 0.5
# Free-text lists: sites, interventions and arms are matched by identity already (diff.py), so two of
# them that differ are two different items, not an edit.
PAIRED = ("eligibility.", "primary_outcomes", "secondary_outcomes")
_WORD = re.compile(r"\S+")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def headline(item: Any) -> str:
    """What identifies a free-text item: a criterion's own text (not its sub-items), an outcome's measure."""
    if isinstance(item, dict):
        return str(item.get("text") or item.get("measure") or "")
    return str(item)


def pairs(removed: list[Change], added: list[Change]) -> list[tuple[Change | None, Change | None]]:
    """Removed and added items of one field paired, most similar first; the rest alone, in order."""
    if not removed or not added or not removed[0].field.startswith(PAIRED):
        return [*((r, None) for r in removed), *((None, a) for a in added)]
    import difflib  # here: a search or match reads the events module (removed trials), never pairs items

    scores = sorted(
        (
            (difflib.SequenceMatcher(None, words(headline(r.old)), words(headline(a.new))).ratio(), i, j)
            for i, r in enumerate(removed)
            for j, a in enumerate(added)
        ),
        key=lambda s: -s[0],
    )
    partner: dict[int, int] = {}
    for score, i, j in scores:
        if score >= PAIR_SIMILARITY and i not in partner and j not in partner.values():
            partner[i] = j
    out: list[tuple[Change | None, Change | None]] = [
        (r, added[partner[i]] if i in partner else None) for i, r in enumerate(removed)
    ]
    return out + [(None, a) for j, a in enumerate(added) if j not in partner.values()]
