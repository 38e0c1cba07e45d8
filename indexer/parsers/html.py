"""Helpers shared by the registry page parsers: label/value pairs, text with its line breaks, criteria."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag
from bs4.element import Comment, NavigableString

from indexer.identifiers import NCT_IN_TEXT
from indexer.parsers.criteria import split_criteria
from indexer.parsers.errors import ParseError
from indexer.record import Criterion

_END_RE = re.compile(rb"</html\s*>", re.I)


def soup_of(body: bytes | str) -> BeautifulSoup:
    """The parsed page. A page cut short in transfer is an error, not a record with whatever came before
    the cut (the registers' pages all end in </html>; the criteria come late on each)."""
    if cut_short(body.encode("utf-8", "replace") if isinstance(body, str) else body):
        raise ParseError("truncated page: no closing </html>")
    return BeautifulSoup(body, "lxml")


def cut_short(raw: bytes) -> bool:
    """Whether the page ends before its closing </html> (looked for in its last 4 KB)."""
    return _END_RE.search(raw, max(0, len(raw) - 4096)) is None


def text(el: Tag | None) -> str:
    """An element's text on one line."""
    return " ".join(el.get_text(" ").split()) if el is not None else ""


# Elements that start a line of their own; any other element's text runs on in the line it is in.
_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd"})
# Word's "not sign" used as a soft hyphen inside words ("immuno¬sup¬pres¬sive"), as EU CTR pages carry it.
_BLANK_LINES_RE = re.compile(r"\n{3,}")
_SOFT_HYPHEN_RE = re.compile(r"(?<=\w)[\u00ac\u00ad](?=\w)")


def lines(el: Tag | None) -> str:
    """An element's text keeping its line breaks (<br>, blocks), for criteria lists.

    One <br> is one line break: a hard-wrapped item stays one paragraph, so the splitter can tell a
    wrapped line from a new item (separating each text node by a newline put blank lines between).
    """
    if el is None:
        return ""
    parts: list[str] = []
    _text_of(el, parts)
    raw = _SOFT_HYPHEN_RE.sub("", "".join(parts).replace("\xa0", " "))
    # Blank lines separate paragraphs; how many the markup made of it says nothing.
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(line.rstrip() for line in raw.splitlines())).strip()


def _text_of(el: Tag, parts: list[str]) -> None:
    for node in el.children:
        if isinstance(node, Comment):
            continue
        if isinstance(node, NavigableString):
            parts.append(str(node))
        elif isinstance(node, Tag):
            if node.name == "br":
                parts.append("\n")
            elif node.name in ("script", "style"):
                continue
            elif node.name in _BLOCKS:
                parts.append("\n")
                _text_of(node, parts)
                parts.append("\n")
            else:
                _text_of(node, parts)


def label(value: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9/ ]+", " ", value.lower()).split())


def row_pairs(soup: BeautifulSoup) -> list[tuple[str, Tag]]:
    """(label, value cell) of two-cell table rows."""
    out = []
    for tr in soup.find_all("tr"):
        cells = tr.find_all(["td", "th"], recursive=False)
        if len(cells) == 2:
            out.append((label(text(cells[0])), cells[1]))
    return out


# A sentence that introduces the whole list ("patients must fulfil ALL of the following criteria:", "may not
# enter the study if ANY of the following apply:"): page furniture, not a criterion. "One of the following"
# is a criterion (its items are alternatives) and stays.
_LEAD_IN_RE = re.compile(
    r"\b(?:all|any|each|every)\b[^:]*\bfollowing\b[^:]*[:：]$|\bfollowing (?:criteria|apply|applies)\b[^:]*[:：]$", re.I
)


def criteria(block: str, kind: str | None = None) -> tuple[tuple[Criterion, ...], tuple[Criterion, ...]]:
    """Inclusion and exclusion from a block. With `kind`, the whole block is that kind (a register's
    E.3 field is inclusion, whatever headings its text repeats)."""
    inclusion, exclusion = (_without_lead_in(c) for c in split_criteria(_run_in_items_apart(block)))
    if kind == "inclusion":
        return inclusion + exclusion, ()
    if kind == "exclusion":
        return (), inclusion + exclusion
    return inclusion, exclusion


# A list typed into one line: "Pre-operative: 1. Is less than 18 years of age. 2. Requires ..." or
# "- Born at ... - Informed consent ...". A number counts as an item's only in the sequence 1, 2, 3, ...
_NUMBER_RE = re.compile(r"(?:(?<=\s)|^)(\d{1,2})[.)]\s+(?=[A-Z(])")
_DASH_RE = re.compile(r"(?:(?<=\s)|^)[-•]\s+(?![IVX]+\b)(?=[A-Z0-9])")  # not "stage I - IV"


def _run_in_items_apart(block: str) -> str:
    paragraphs = re.split(r"(\n[ \t]*\n)", block)  # the blank lines kept, as the splitter reads them
    return "".join(p if i % 2 else _roman_apart(p) for i, p in enumerate(paragraphs))


# An inline sub-list: "2. Patients with the following conditions (i) ... (ii) ... (iii) ...", hard-wrapped.
_ROMAN_RE = re.compile(r"(?:(?<=\s)|^)\(([ivx]{1,4})\)\s+(?=\S)", re.I)
_ROMANS = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
_ITEM_START_RE = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|[-*•])\s")
_LEAD_MARK_RE = re.compile(r"^(?:\(?\d{1,2}[.)]|\(?[a-zA-Z][.)]|[-*•])\s*")


def _roman_apart(paragraph: str) -> str:
    """A paragraph whose items (i), (ii), (iii) ... run on inside its lines, as a lead-in line and one
    line per item under it; any other paragraph line by line (_line_apart)."""
    lines = paragraph.splitlines()
    joined = " ".join(line.strip() for line in lines)
    cuts: list[re.Match[str]] = []
    for m in _ROMAN_RE.finditer(joined):
        if len(cuts) < len(_ROMANS) and m.group(1).lower() == _ROMANS[len(cuts)]:
            cuts.append(m)
    ends = [m.start() for m in cuts[1:]] + [len(joined)]
    items = [joined[m.end() : end].strip() for m, end in zip(cuts, ends[: len(cuts)], strict=True)]
    inline = any(m.start() > 0 for line in lines for m in _ROMAN_RE.finditer(line.strip()))
    if (
        len(cuts) < 2
        or not inline  # one item a line already: the splitter reads them
        or any(_ITEM_START_RE.match(line) for line in lines[1:])  # other items in it: not one item's lines
        or any(len(item.split()) < 2 for item in items)  # "criteria (i) and (ii) above": a reference
    ):
        return "\n".join(_line_apart(line) for line in lines)
    indent = lines[0][: len(lines[0]) - len(lines[0].lstrip())]
    lead = joined[: cuts[0].start()].strip()
    # The items nest under the lead-in: indented past its own list marker ("2. ").
    mark = _LEAD_MARK_RE.match(lead)
    under = indent + " " * ((len(mark.group()) if mark else 0) + 2) if lead else indent
    return "\n".join([*([indent + lead] if lead else []), *(f"{under}- {item}" for item in items)])


def _line_apart(line: str) -> str:
    cuts: list[int] = []
    expected = 1
    for m in _NUMBER_RE.finditer(line):
        if int(m.group(1)) == expected:
            cuts.append(m.start())
            expected += 1
    if len(cuts) < 2:
        # Dashes make a list only when the line opens with one, or with a heading ("Part A: - ..."): a dash
        # inside a sentence ("stage I - IV") is punctuation.
        cuts = [m.start() for m in _DASH_RE.finditer(line)]
        if cuts and line[: cuts[0]].strip() and not line[: cuts[0]].rstrip().endswith(":"):
            cuts = []
    if len(cuts) < 2:
        return line
    indent = line[: len(line) - len(line.lstrip())]
    parts = [line[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(line)], strict=True)]
    return "\n".join(indent + p for p in parts if p)


def _without_lead_in(items: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
    """The list with each lead-in sentence replaced by the items it introduces."""
    if not any(c.children and _LEAD_IN_RE.search(c.text) for c in items):
        return items
    return tuple(x for c in items for x in (c.children if c.children and _LEAD_IN_RE.search(c.text) else (c,)))


def first_nct(*values: str) -> str | None:
    for value in values:
        if m := NCT_IN_TEXT.search(value or ""):
            return m.group(0)
    return None
