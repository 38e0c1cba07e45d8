"""A trial-finder page's parts as lines of text: paragraphs, nested list items as indented bullets, headings."""

from __future__ import annotations

import re
from typing import Any

from bs4 import Tag
from bs4.element import Comment, NavigableString, PageElement

from indexer.parsers.listing_layout import BLOCKS, Sections

_HEAD = re.compile(r"^\s*(?:key |main )?(?:inclusion|exclusion|eligibility)\b", re.I)  # the splitter's to read
_MARKER = re.compile(r"^\s*(?:[*\-•·▪–]|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)])\s")


def render(nodes: list[PageElement], *, marks: Sections | None = None, items: bool = False) -> str:
    """Nodes as lines of text: a block or <br> ends a line, a blank line between paragraphs, list items as
    "* " bullets indented by depth (a nested item once, under its own; an item's second paragraph goes on
    as its continuation). With `marks`, a section heading becomes a "Name:" line; with `items`, every other
    line is an item of its own too (a page may write one criterion a paragraph or a <br> line, lower case
    or not). Lines of links only are dropped ("Clear my responses", "Read more")."""
    lines: list[str] = []
    words: list[str] = []
    state: dict[str, Any] = {"text": False, "prefix": "", "in_item": 0}

    def flush(blank: bool) -> None:
        line = " ".join(" ".join(words).split())
        words.clear()
        if line and state["text"]:
            prefix = state["prefix"]
            if not prefix and items and not state["in_item"] and not _MARKER.match(line) and not _HEAD.match(line):
                prefix = "* "
            lines.append(f"{prefix}{line}")
            state["prefix"] = ""  # the item's next lines continue it
        state["text"] = False
        if blank and not state["in_item"] and lines and lines[-1] != "":
            lines.append("")

    def heading_line(node: PageElement) -> bool:
        h = marks.by_node.get(id(node)) if marks is not None else None
        if h is None or h.kind is None:
            return False
        flush(blank=True)
        lines.extend([f"{h.words.rstrip(':： ')}:", ""])
        return True

    def walk(node: PageElement, depth: int, in_link: bool) -> None:
        if isinstance(node, Comment) or heading_line(node):
            return
        if isinstance(node, NavigableString):
            if str(node).strip():
                words.append(str(node))
                state["text"] = state["text"] or not in_link
            return
        if not isinstance(node, Tag) or node.name in ("button", "input", "img", "textarea"):
            return
        if node.name == "br":
            flush(blank=True)
            return
        if node.name == "pre":  # text laid out by its lines: kept so
            flush(blank=True)
            lines.extend(line.rstrip() for line in node.get_text().splitlines())
            flush(blank=True)
            return
        if node.name == "li":
            flush(blank=False)
            state["prefix"] = "  " * depth + "* "
            state["in_item"] += 1
            for child in node.children:
                if isinstance(child, Tag) and child.name in ("ul", "ol"):
                    flush(blank=False)
                    for item in child.find_all("li", recursive=False):
                        walk(item, depth + 1, in_link)
                else:
                    walk(child, depth, in_link)
            flush(blank=False)
            state["in_item"] -= 1
            state["prefix"] = ""
            return
        block = node.name in BLOCKS
        if block:
            flush(blank=True)
        for child in node.children:
            walk(child, depth, in_link or node.name == "a")
        if block:
            flush(blank=True)

    for node in nodes:
        walk(node, 0, False)
    flush(blank=False)
    return "\n".join(lines).strip()


def paragraphs(nodes: list[PageElement]) -> str | None:
    """The paragraphs under a heading, one per block, blank-line separated."""
    paras = [" ".join(p.split()) for p in render(nodes).split("\n\n")]
    return "\n\n".join(p for p in paras if p) or None
