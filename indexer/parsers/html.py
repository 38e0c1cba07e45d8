"""Helpers shared by the registry page parsers: label/value pairs, text with its line breaks, criteria."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from indexer.identifiers import NCT_IN_TEXT
from indexer.parsers.criteria import split_criteria
from indexer.record import Criterion


def soup_of(body: bytes | str) -> BeautifulSoup:
    return BeautifulSoup(body, "lxml")


def text(el: Tag | None) -> str:
    """An element's text on one line."""
    return " ".join(el.get_text(" ").split()) if el is not None else ""


def lines(el: Tag | None) -> str:
    """An element's text keeping its line breaks (<br>, blocks), for criteria lists."""
    if el is None:
        return ""
    for br in el.find_all("br"):
        br.replace_with("\n")
    raw = el.get_text("\n")
    return "\n".join(line.rstrip() for line in raw.splitlines()).strip()


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


def criteria(block: str, kind: str | None = None) -> tuple[tuple[Criterion, ...], tuple[Criterion, ...]]:
    """Inclusion and exclusion from a block. With `kind`, the whole block is that kind (a register's
    E.3 field is inclusion, whatever headings its text repeats)."""
    inclusion, exclusion = split_criteria(block)
    if kind == "inclusion":
        return inclusion + exclusion, ()
    if kind == "exclusion":
        return (), inclusion + exclusion
    return inclusion, exclusion


def first_nct(*values: str) -> str | None:
    for value in values:
        if m := NCT_IN_TEXT.search(value or ""):
            return m.group(0)
    return None
