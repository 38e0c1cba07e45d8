"""A record's JSON with its order-free lists in a canonical order: what its content hash is taken over."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class OrderFree:
    """Where one order-free list sits in the JSON orjson writes for its owner (fields in declaration order).

    The list is the bytes between `start` and `end`: its own key and the next field's key, or (`end`
    None) the close of its owner when it is the owner's last field and the JSON is the owner's. Its items
    are split at `sep`: a comma and the key every item of that class starts with. None of these can
    occur inside a JSON string (a quote there is written `\\"`), nor span one (a string's closing quote
    is followed by `,:]}`), nor occur inside an item (no part holds a part of its own class). A list of
    strings is written again from its values: `","` is itself a string."""

    name: str
    start: bytes
    end: bytes | None
    sep: bytes
    inner: tuple[OrderFree, ...]
    get: Callable[[Any], Any]  # the list from its owner
    from_end: bool = False  # the list lies nearer the end of its owner's JSON than the start

    def canonical(self, owner: Any, json: bytes) -> bytes:
        """`json` (the owner's JSON, or a prefix of it holding the whole list) with the list's items
        sorted by their JSON, each item's own order-free lists first; `json` itself when already so."""
        return in_canonical_order(owner, json, (self,))

    def _reordered(self, owner: Any, json: bytes, lo: int, hi: int) -> tuple[int, int, bytes] | None:
        """(begin, end, items in canonical order) of the list, which starts in `json[lo:hi]`, or None
        when it is in that order already."""
        items = self.get(owner)
        if not items:
            return None
        inner = []
        for i in self.inner:
            if max(map(len, map(i.get, items))) > 1:
                inner.append(i)
        if len(items) < 2 and not inner:
            return None
        # Searched from the end when the list is near it (sites, contacts: the criteria text lies before).
        at = json.rindex(self.start, lo, hi) if self.from_end else json.index(self.start, lo, hi)
        begin = at + len(self.start)
        stop = json.index(self.end, begin) if self.end is not None else len(json) - len(b"]}")
        if self.sep == _STRINGS:  # `","` can be a whole string: each is written again instead
            parts, sep = [orjson.dumps(v) for v in items], b","
            if sep.join(parts) != json[begin:stop]:
                raise AssertionError(f"{self.name}: the strings are not the JSON's")
        else:  # objects: all start with the same key, so they are compared (and split) after it
            begin += len(self.sep) - 1
            parts, sep = json[begin:stop].split(self.sep), self.sep
        if len(parts) != len(items):
            raise AssertionError(f"{self.name}: {len(parts)} items in the JSON for {len(items)}")
        canonical = parts
        for i in inner:
            # An item whose list has fewer than two entries (and no lists of its own) is in order already:
            # most sites have one contact or none, and the call cost more than the rest of the hash.
            canonical = [
                i.canonical(item, part) if i.inner or len(i.get(item)) > 1 else part
                for item, part in zip(items, canonical, strict=True)
            ]
        canonical = sorted(canonical)
        return None if canonical == parts else (begin, stop, sep.join(canonical))


def in_canonical_order(owner: Any, json: bytes, layouts: tuple[OrderFree, ...]) -> bytes:
    """`json` with each of the owner's lists `layouts` (in field order) in canonical order, in one copy."""
    found = []
    lo, hi = 0, len(json)
    for layout in layouts:  # those searched from the start, in field order
        if not layout.from_end and (got := layout._reordered(owner, json, lo, hi)) is not None:
            found.append(got)
            lo = got[1]
    for layout in reversed(layouts):  # then those searched from the end, backwards
        if layout.from_end and (got := layout._reordered(owner, json, lo, hi)) is not None:
            found.append(got)
            hi = got[0]
    if not found:
        return json
    pieces: list[bytes] = []
    at = 0
    for begin, stop, items in sorted(found):
        pieces += (json[at:begin], items)
        at = stop
    pieces.append(json[at:])
    return b"".join(pieces)


_STRINGS = b'","'  # the separator of a list of strings


def order_free(
    owner: type,
    names: tuple[str, ...],
    item_class: dict[tuple[type, str], type],
    inner: dict[type, tuple[str, ...]],
    near_end: frozenset[str] = frozenset(),
) -> tuple[OrderFree, ...]:
    """The layouts of `owner`'s lists `names`; `item_class` gives a list's item class (strings otherwise),
    `inner` the order-free lists of an item class; `near_end`, the lists to look for from the end."""
    fields = [f.name for f in dataclasses.fields(owner)]
    out = []
    for name in names:
        at = fields.index(name)
        end = f'],"{fields[at + 1]}":'.encode() if at + 1 < len(fields) else None
        cls = item_class.get((owner, name))
        nested: tuple[OrderFree, ...] = ()
        if cls is None:
            sep = _STRINGS
        else:
            sep = f',{{"{dataclasses.fields(cls)[0].name}":'.encode()
            nested = order_free(cls, inner.get(cls, ()), item_class, inner)
        out.append(OrderFree(name, f'"{name}":['.encode(), end, sep, nested, attrgetter(name), name in near_end))
    return tuple(out)
