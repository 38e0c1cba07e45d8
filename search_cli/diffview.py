"""`trials diff` for people: word-level diffs of text, list items as readable lines, edited items paired."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import click

from indexer.history.diff import Change
from indexer.history.pairing import pairs, words


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a shown diff and its colour."""

    text: str
    color: str | None = None

    def styled(self) -> str:
        return click.style(self.text, fg=self.color) if self.color else self.text


def _clip_left(words: list[str], width: int) -> str:
    """The end of `words`, at most about `width` characters."""
    out: list[str] = []
    size = 0
    for w in reversed(words):
        if out and size + len(w) + 1 > width:
            return "… " + " ".join(reversed(out))
        out.append(w)
        size += len(w) + 1
    return " ".join(reversed(out))


def _clip_right(words: list[str], width: int) -> str:
    out: list[str] = []
    size = 0
    for w in words:
        if out and size + len(w) + 1 > width:
            return " ".join(out) + " …"
        out.append(w)
        size += len(w) + 1
    return " ".join(out)


def word_diff(old: str, new: str, context: int) -> list[str]:
    """The changed words marked [-old-]{+new+}, each change with up to `context` characters around it.

    Changes closer than twice the context share one line."""
    a, b = words(old), words(new)
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    hunks: list[list[str]] = [[]]
    for i, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            same = a[i1:i2]
            first, last = i == 0, i == len(ops) - 1
            if first:
                hunks[-1].append(_clip_left(same, context))
            elif last:
                hunks[-1].append(_clip_right(same, context))
            elif len(" ".join(same)) <= 2 * context:
                hunks[-1].append(" ".join(same))
            else:
                hunks[-1].append(_clip_right(same, context))
                hunks.append([_clip_left(same, context)])
            continue
        if i1 < i2:
            hunks[-1].append(f"[-{' '.join(a[i1:i2])}-]")
        if j1 < j2:
            hunks[-1].append(f"{{+{' '.join(b[j1:j2])}+}}")
    return [" ".join(p for p in h if p) for h in hunks if any(p.startswith(("[-", "{+")) for p in h)]


def _colored(line: str) -> str:
    line = re.sub(r"\[-(.*?)-\]", lambda m: click.style(m.group(0), fg="red"), line)
    return re.sub(r"\{\+(.*?)\+\}", lambda m: click.style(m.group(0), fg="green"), line)


def item_text(field: str, value: Any) -> str:
    """A list item or value as a person reads it, e.g. a site as "facility, city, country (status)"."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    base = field.split("[")[0]
    if base.startswith("eligibility.") and "text" in value:
        return "\n".join(_criterion(value, 0))
    if base == "locations":
        place = ", ".join(str(value[k]) for k in ("facility", "city", "state", "country") if value.get(k))
        return place + (f" ({value['status']})" if value.get("status") else "")
    if base.endswith("outcomes"):
        return str(value.get("measure")) + (f" (time frame: {value['time_frame']})" if value.get("time_frame") else "")
    if base == "interventions":
        others = f" (also: {', '.join(value['other_names'])})" if value.get("other_names") else ""
        return f"{value.get('type') or 'intervention'}: {value.get('name')}{others}"
    if base == "arms":
        return str(value.get("label")) + (f" ({value['type']})" if value.get("type") else "")
    shown = [f"{k}: {v}" for k, v in value.items() if v not in (None, "", [], {})]
    return "; ".join(shown)


def _criterion(value: dict[str, Any], depth: int) -> Iterator[str]:
    yield "  " * depth + str(value.get("text", ""))
    for child in value.get("children") or ():
        yield from _criterion(child, depth + 1)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _one_sided(c: Change) -> bool:
    return (c.old is None) != (c.new is None)


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def render(changes: Sequence[Change], *, width: int, full: bool) -> list[Line]:
    """Lines for the changes: `width` characters of context around each change, or whole values with `full`."""
    out: list[Line] = []
    i = 0
    while i < len(changes):
        c = changes[i]
        if _one_sided(c):  # list items added or removed: take the field's whole run
            j = i
            while j < len(changes) and changes[j].field == c.field and _one_sided(changes[j]):
                j += 1
            run = changes[i:j]
            for old, new in pairs([x for x in run if x.new is None], [x for x in run if x.old is None]):
                out += _item(old, new, width, full)
            i = j
            continue
        out += _changed(c, width, full)
        i += 1
    return out


def _item(old: Change | None, new: Change | None, width: int, full: bool) -> list[Line]:
    if old and new:
        a, b = item_text(old.field, old.old), item_text(new.field, new.new)
        if full:
            return [Line(f"~ {old.field}:"), Line(_indent(a, "    - "), "red"), Line(_indent(b, "    + "), "green")]
        return [Line(f"~ {old.field}:"), *(Line("    " + _colored(h)) for h in word_diff(a, b, width))]
    if new:
        text = item_text(new.field, new.new)
        return [Line(f"+ {new.field}: " + (text if full else _short(text, 4 * width)).replace("\n", "\n    "), "green")]
    assert old is not None
    text = item_text(old.field, old.old)
    return [Line(f"- {old.field}: " + (text if full else _short(text, 4 * width)).replace("\n", "\n    "), "red")]


def _changed(c: Change, width: int, full: bool) -> list[Line]:
    old, new = c.old, c.new
    if isinstance(old, str) and isinstance(new, str) and (len(old) + len(new) > width or "\n" in old + new):
        if full:
            return [Line(f"~ {c.field}:"), Line(_indent(old, "    - "), "red"), Line(_indent(new, "    + "), "green")]
        return [Line(f"~ {c.field}:"), *(Line("    " + _colored(h)) for h in word_diff(old, new, width))]
    if isinstance(old, list) and isinstance(new, list):
        gone = [item_text(c.field, v) for v in old if v not in new]
        came = [item_text(c.field, v) for v in new if v not in old]
        if not gone and not came:
            return [Line(f"~ {c.field}: same items, new order")]
        return [
            Line(f"~ {c.field}:"),
            *(Line(f"    - {v}", "red") for v in gone),
            *(Line(f"    + {v}", "green") for v in came),
        ]
    a, b = item_text(c.field, old), item_text(c.field, new)
    return [Line(f"~ {c.field}: {a if full else _short(a, width)} -> {b if full else _short(b, width)}")]
