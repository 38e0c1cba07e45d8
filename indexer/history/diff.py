"""Field-level differences between two versions of a record (dicts in TrialRecord shape)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from indexer.record import FETCH_FIELDS, INNER_ORDER_FREE_FIELDS, ORDER_FREE_PARTS, UNORDERED_FIELDS

# Lists whose order means nothing (record.py), by field path; an inner list's path ends in its name.
_ORDER_FREE = frozenset(UNORDERED_FIELDS) | frozenset(ORDER_FREE_PARTS)


@dataclass(frozen=True, slots=True)
class Change:
    """One change: `field` is a dotted path; a list item added has old None, removed has new None."""

    field: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new}


# List items with an identity: a change inside one is reported on that item, not as removed + added.
_IDENTITY: dict[str, tuple[str, ...]] = {
    "locations": ("facility", "city", "state", "country"),
    "interventions": ("name",),
    "arms": ("label",),
    "primary_outcomes": ("measure",),
    "secondary_outcomes": ("measure",),
}


def diff_records(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Change]:
    """Changes from `old` to `new`; fetch metadata is ignored. A first version has no changes."""
    if old is None:
        return []
    out: list[Change] = []
    _diff(old, new, "", out)
    return out


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ""


def _diff(old: Any, new: Any, path: str, out: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            if not path and key in FETCH_FIELDS:
                continue
            sub = f"{path}.{key}" if path else key
            if key not in new:
                # A field the newer record no longer has is a change, not an absence of one.
                if not _empty(old[key]):
                    out.append(Change(sub, old[key], None))
            elif key not in old:
                if not _empty(new[key]):
                    out.append(Change(sub, None, new[key]))
            else:
                _diff(old[key], new[key], sub, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        if old == new:
            return
        old_keys = {_key(v) for v in old}
        new_keys = {_key(v) for v in new}
        if old_keys == new_keys:
            # The same items reordered or repeated: a change only where order means something
            # (records keep unordered lists sorted; versions stored before they did may not be).
            if not _order_free(path):
                out.append(Change(path, old, new))
            return
        identity = _IDENTITY.get(path)
        if identity:
            _diff_by_identity(old, new, path, identity, out)
            return
        out.extend(Change(path, v, None) for v in old if _key(v) not in new_keys)
        out.extend(Change(path, None, v) for v in new if _key(v) not in old_keys)
        return
    if old != new:
        out.append(Change(path, old, new))


def _order_free(path: str) -> bool:
    return path in _ORDER_FREE or ("[" in path and path.rpartition(".")[2] in INNER_ORDER_FREE_FIELDS)


def _ident(item: Any, fields: tuple[str, ...]) -> str:
    if not isinstance(item, dict):
        return _key(item)
    return ", ".join(str(item.get(f)) for f in fields if item.get(f))


def _diff_by_identity(old: list[Any], new: list[Any], path: str, fields: tuple[str, ...], out: list[Change]) -> None:
    """Items paired by identity: a changed one is diffed in place. Several items may share one (two
    sites of one sponsor in one city): those unchanged pair first, the rest in order, the surplus
    removed or added; so no item is lost behind another of the same name."""
    old_by: dict[str, list[Any]] = {}
    new_by: dict[str, list[Any]] = {}
    for item in old:
        old_by.setdefault(_ident(item, fields), []).append(item)
    for item in new:
        new_by.setdefault(_ident(item, fields), []).append(item)
    added: list[Any] = []
    for ident, items in old_by.items():
        before, after = _unmatched(items, new_by.get(ident, []))
        for a, b in zip(before, after, strict=False):
            _diff(a, b, f"{path}[{ident}]", out)
        out.extend(Change(path, item, None) for item in before[len(after) :])
        added += after[len(before) :]
    added += [item for ident, items in new_by.items() if ident not in old_by for item in items]
    out.extend(Change(path, None, item) for item in added)


def _unmatched(old: list[Any], new: list[Any]) -> tuple[list[Any], list[Any]]:
    """The items of each side left once those equal on both sides are taken out (as many times as both have them)."""
    if len(old) == 1 and len(new) == 1:  # the common case: one item of that identity on each side
        return ([], []) if old[0] == new[0] else (old, new)
    rest = list(new)
    before = []
    for item in old:
        if item in rest:
            rest.remove(item)
        else:
            before.append(item)
    return before, rest


# One encoder for every call: json.dumps with these options would make one per call.
_KEY_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


def _key(value: Any) -> str:
    return _KEY_ENCODER.encode(value)
