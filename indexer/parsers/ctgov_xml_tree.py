"""The legacy XML's tree, parsed safely (its <clinical_results> section checked but not built), and read by tag."""

from __future__ import annotations

from lxml import etree

from indexer.parsers.errors import ParseError

# No external entities, no DTD loading, no network: registry XML never needs them,
# and an entity could read local files (XXE). The indentation between elements is not kept (nothing
# reads it: a field is a leaf's stripped text), which takes a quarter off lxml's parse.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
    remove_blank_text=True,
)  # fmt: skip


class _NoTree:
    """A parser target that keeps nothing: libxml2 checks the bytes are well-formed, and no tree is built."""

    def close(self) -> None:
        return None


# The same checks as _PARSER, without the tree (building it is two thirds of lxml's time here).
_CHECKER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False, target=_NoTree()
)  # fmt: skip
_RESULTS, _RESULTS_END, _NO_RESULTS = b"<clinical_results>", b"</clinical_results>", b"<clinical_results/>"


def tree(body: bytes) -> etree._Element:
    """The document's tree (its results section empty when that could be cut safely); ParseError if the
    bytes are not well-formed XML."""
    root = _without_results(body)
    if root is not None:
        return root
    try:
        return etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"invalid XML: {exc}") from exc


def _without_results(body: bytes) -> etree._Element | None:
    """The tree with <clinical_results> left empty, or None to parse the whole document instead.

    Results are 58% of the real legacy XML's bytes and nothing reads them but their presence
    (`has_results`): this takes lxml from 300 to 110 us a document. The section's bytes are still
    checked as _PARSER checks them (well-formed, same limits), so a document fails exactly when it
    did; anything unusual (a CDATA section, a DTD, a comment near the cut, any error) takes the
    whole-document path, whose result or error is the one that counts.
    """
    start = body.find(_RESULTS)
    if start == -1 or b"<![CDATA[" in body or b"<!DOCTYPE" in body:
        return None
    end = body.find(_RESULTS_END, start)
    comment, instruction = body.rfind(b"<!--", 0, start), body.rfind(b"<?", 0, start)
    if (
        end == -1
        or b"<!--" in body[start:end]
        or body.find(_RESULTS, start + 1, end) != -1
        or (comment != -1 and body.find(b"-->", comment, start) == -1)  # the tag is inside a comment
        or (instruction != -1 and body.find(b"?>", instruction, start) == -1)  # ... a processing instruction
    ):
        return None
    end += len(_RESULTS_END)
    declaration = body[: body.find(b"?>") + 2] if body.startswith(b"<?xml") else b""  # its encoding
    try:
        etree.fromstring(declaration + body[start:end], _CHECKER)
        return etree.fromstring(body[:start] + _NO_RESULTS + body[end:], _PARSER)
    except etree.XMLSyntaxError:
        return None


def by_tag(el: etree._Element) -> dict[str, list[etree._Element]]:
    """Children by tag, in document order: one pass instead of an ElementPath search per field (3-7 us each)."""
    out: dict[str, list[etree._Element]] = {}
    for child in el.iterchildren(tag=etree.Element):
        found = out.get(child.tag)
        if found is None:
            out[child.tag] = [child]
        else:
            found.append(child)
    return out


def first_children(el: etree._Element | None) -> dict[str, etree._Element]:
    """First child of each tag (reversed: the first of a tag is written last, so it stays)."""
    return {} if el is None else {child.tag: child for child in reversed(el)}


def text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    value = el.text  # read once: lxml makes a new string from the tree at every read
    return (value.strip() or None) if value is not None else None


def first(els: list[etree._Element] | None, tag: str) -> etree._Element | None:
    """`find("a/tag")` given the `a` elements: the first `tag` child of any of them, in order."""
    for el in els or ():
        for found in el.iterchildren(tag):
            return found
    return None


def texts(els: list[etree._Element] | None, tag: str | None = None) -> tuple[str, ...]:
    """The stripped, non-empty texts of these elements, or of their `tag` children (`findall("a/tag")`)."""
    if tag is not None:
        els = [found for el in els or () for found in el.iterchildren(tag)]
    return tuple(value for el in els or () if (value := text(el)))
