"""Split free-text eligibility criteria into inclusion and exclusion lists of nested items."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from indexer.record import Criterion
from indexer.record_new import new_criterion

# "Inclusion Criteria:", "Key Exclusion Criteria", "EXCLUSION CRITERIA:", "Inclusion:" ...
_HEADING_RE = re.compile(
    r"^[\s*#\-•]*(?:key|main|major|general|principal|additional)?\s*"
    r"(inclusion|exclusion|eligibility|non-?inclusion)"
    r"(?:\s+(?:criteria|criterion))?(?:\s+(?:for|of|at|in)\s+[^:]{1,60})?\s*[:：]?\s*(.*)$",
    re.I,
)
# The indentation is taken whole (`\s*+`): no marker starts with a blank, so giving some back never
# matches, and a line that is no item (a wrapped line's indented rest) was tried at every indent.
_BULLET_RE = re.compile(
    r"^(\s*+)(?:(?P<sym>[*\-•·▪◦‣–—+](?=\s)|[•·▪◦‣](?=\S)|-(?=[A-Z]))|(?P<num>\(?\d{1,2}[.)](?!\d))|"
    r"(?P<alpha>\(?[a-zA-Z][.)])|(?P<roman>\(?(?:ii|iii|iv|vi|vii|viii|ix)[.)]))\s*(?=\S)",
    re.I,
)
# A heading that the registry ran into the previous line: "... the study Exclusion Criteria:".
_INLINE_HEADING_RE = re.compile(r"(?<=\S)(?<!\bkey)[ \t]+(?=(?:key\s+)?(?:inclusion|exclusion) criteria\s*[:：])", re.I)
# Where such a heading can start; the expensive pattern above runs only when one follows a space or tab
# on its line (it looks at every blank of the text: a third of the splitting time when run on all).
_HEADING_WORDS_RE = re.compile(r"(?:inclusion|exclusion) criteria\s*[:：]", re.I)
_KEY_BEFORE_RE = re.compile(r"key\s+$", re.I)
_WORD_RE = re.compile(r"\w")
# A list run into one line: "Inclusion Criteria:- Males who ...- Heterosexual relationship."
_RUN_IN_BULLET_RE = re.compile(r"\s*[-*•]\s+(?=[A-Z0-9])")
# Markdown escapes that the API v2 puts in criteria text ("\\>= 18", "\\*").
_MD_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>=~|^])")


@dataclass(slots=True)
class _Node:
    """A line of a criteria block being grouped: its indent, kind and text."""

    indent: float
    kind: str
    parts: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    start: float = -1.0  # where a list item's marker starts ("9." and "10." start alike, end apart)

    def freeze(self) -> Criterion:
        text = " ".join(" ".join(self.parts).split())
        if "\\" in text:
            text = _MD_ESCAPE_RE.sub(r"\1", text)
        if not self.children:  # most items: no generator for nothing
            return new_criterion(text)
        return new_criterion(text, tuple([c.freeze() for c in self.children if c.parts]))


def split_criteria(text: str | None) -> tuple[tuple[Criterion, ...], tuple[Criterion, ...]]:
    """(inclusion, exclusion) criteria from the registry's text.

    Text before any heading counts as inclusion (older NCI records list "DISEASE
    CHARACTERISTICS:" etc. with no heading at all). Nesting follows indentation, and a
    change of bullet style at the same indent (1. then a.) nests the new style.
    """
    if not text:
        return (), ()
    return _split_cached(text) if type(text) is str else _split(text)


def _split(text: str) -> tuple[tuple[Criterion, ...], tuple[Criterion, ...]]:
    sections: dict[str, list[_Node]] = {"inclusion": [], "exclusion": []}
    current = sections["inclusion"]
    stack: list[_Node] = []
    prev_blank = True
    if _has_inline_heading(text):
        text = _INLINE_HEADING_RE.sub("\n", text)
    text = text.expandtabs(4)
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:  # blank (rstrip took any whitespace)
            prev_blank = True
            continue
        heading = _heading(line)
        if heading is not None:
            kind, rest = heading
            current = sections[kind]
            stack = []
            prev_blank = True
            if not rest:
                continue
            if rest[0] in "-*•" and len(items := _RUN_IN_BULLET_RE.split(rest)) > 2:
                current.extend(_Node(0.0, "sym", [item]) for item in items if item.strip())
                continue
            line = rest
        bullet = _BULLET_RE.match(line)
        if bullet:
            end = bullet.end()
            # The marker starts where the indentation (the pattern's first group, all of it) ends.
            node = _Node(float(end), bullet.lastgroup or "sym", [line[end:]], start=float(bullet.end(1)))
            _attach(node, stack, current)
        elif stack and not prev_blank:
            stack[-1].parts.append(line.strip())
        elif stack and line.strip()[:1].islower() and stack[-1].kind in (*_LIST_KINDS, "para"):
            # Text wrapped with blank lines between the pieces (EU CTR's pages): a paragraph that
            # starts in lower case finishes the sentence before it.
            stack[-1].parts.append(line.strip())
        elif stack and stack[-1].kind in _LIST_KINDS and _indent(line) >= stack[-1].indent:
            stack[-1].parts.append(line.strip())  # a second paragraph of the same item
        else:
            stripped = line.strip()
            indent = _indent(line)
            # "DISEASE CHARACTERISTICS:" groups what follows; a short label ("Age", "Performance
            # status") groups the bullets under it; any other paragraph is a criterion of its own.
            if stripped.endswith((":", "：")):
                node = _Node(indent - 0.5, "head", [stripped])
            elif _is_label(stripped):
                node = _Node(indent - 0.25, "head", [stripped])
            else:
                node = _Node(indent - 0.25, "para", [stripped])
            _attach(node, stack, current)
        prev_blank = False
    return (
        tuple([n.freeze() for n in sections["inclusion"] if n.parts]),
        tuple([n.freeze() for n in sections["exclusion"] if n.parts]),
    )


# A study's versions, and its copies in several snapshots, repeat its criteria word for word (a quarter
# of the real texts are repeats): each distinct text is split once. The result is immutable, so shared.
_split_cached = functools.lru_cache(maxsize=2048)(_split)


def _has_inline_heading(text: str) -> bool:
    low = text.lower()
    if len(low) != len(text):  # lower() lengthened a character: positions differ, so let the pattern look
        return True
    at = low.find("clusion criteria", 2)
    while at != -1:
        start = at - 2
        if _HEADING_WORDS_RE.match(text, start):
            if _blanks_split(text, start):
                return True
            key = _KEY_BEFORE_RE.search(text, max(0, start - 40), start)  # "... Key Inclusion Criteria:"
            if key and _blanks_split(text, key.start()):
                return True
        at = low.find("clusion criteria", at + 1)
    return False


def _blanks_split(text: str, end: int) -> bool:
    """Whether the spaces or tabs before `end` are where _INLINE_HEADING_RE would break the line: after
    a non-blank that does not end a word "key" ("Key Inclusion Criteria:" is a heading, not run in)."""
    start = end
    while start and text[start - 1] in " \t":
        start -= 1
    if start == end or not start or text[start - 1].isspace():
        return False
    word = start - 3
    return not (word >= 0 and text[word:start].lower() == "key" and not (word and _WORD_RE.match(text, word - 1)))


def _heading(line: str) -> tuple[str, str] | None:
    low = line.lower()
    if "clusion" not in low and "eligib" not in low:  # most lines: skip the regex
        return None
    m = _HEADING_RE.match(line)
    if not m:
        return None
    word = m.group(1).lower()
    head = line[: m.start(2)] if m.group(2) else line
    # "Inclusion of women ..." is a criterion, not a heading: a heading says "criteria" or ends in ":".
    if "criteri" not in head.lower() and ":" not in head and "：" not in head:
        return None
    if word == "eligibility":
        return None if m.group(2) else ("inclusion", "")
    kind = "exclusion" if word.startswith(("exclusion", "non")) else "inclusion"
    return kind, m.group(2).strip()


_LIST_KINDS = ("sym", "num", "alpha", "roman")
_LABEL_RE = re.compile(r"^[A-Z][\w/ ,&()-]{0,38}$")


def _is_label(text: str) -> bool:
    return len(text.split()) <= 4 and bool(_LABEL_RE.match(text)) and not text.endswith((".", ";", ","))


def _indent(line: str) -> float:
    return float(len(line) - len(line.lstrip()))


def _attach(node: _Node, stack: list[_Node], roots: list[_Node]) -> None:
    while stack:
        top = stack[-1]
        if top.kind == "para":  # a plain paragraph never holds sub-items
            stack.pop()
            continue
        if node.indent > top.indent and not (node.kind == top.kind and node.start == top.start >= 0):
            break
        if (
            node.indent == top.indent
            and node.kind in _LIST_KINDS
            and top.kind in _LIST_KINDS
            and node.kind != top.kind
            and not any(s.kind == node.kind and s.indent == node.indent for s in stack)
        ):
            break  # "1." then "a." at the same indent: the new style nests
        stack.pop()
    if stack:
        stack[-1].children.append(node)
    else:
        roots.append(node)
    stack.append(node)


def unwrap(text: str) -> str:
    """Join hard-wrapped continuation lines, so re-wrapping by the registry is not a change.

    The legacy XML wraps criteria at about 80 columns, and its width changed between exports.
    A line continues the one before it unless it is blank, a bullet or a heading.
    """
    out: list[str] = []
    prev_blank = True
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:  # blank (rstrip took any whitespace)
            out.append("")
            prev_blank = True
            continue
        if not prev_blank and out and not _BULLET_RE.match(line) and _heading(line) is None:
            out[-1] = f"{out[-1]} {line.lstrip()}"
        else:
            out.append(line)
        prev_blank = False
    return "\n".join(out)


def flatten(criteria: tuple[Criterion, ...]) -> list[str]:
    """Every criterion's text, sub-items included, depth first."""
    out: list[str] = []
    for c in criteria:
        out.append(c.text)
        out.extend(flatten(c.children))
    return out
