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
_RESULTS_NAME = b"clinical_results>"  # the end of both tags


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
    span = _results_span(body)
    if span is None:
        return None
    start, end = span
    declaration = body[: body.find(b"?>") + 2] if body.startswith(b"<?xml") else b""  # its encoding
    try:
        etree.fromstring(declaration + body[start:end], _CHECKER)
        return etree.fromstring(body[:start] + _NO_RESULTS + body[end:], _PARSER)
    except etree.XMLSyntaxError:
        return None


def _results_span(body: bytes) -> tuple[int, int] | None:
    """Where <clinical_results> starts and its first end tag ends, or None when the cut is not plainly
    safe: no such section, a second start tag before its end, a CDATA section or a DTD anywhere, a
    comment inside it, or its start tag inside a comment or a processing instruction.

    Four searches, two of them memchr's, where a search for each condition took seven and a copy
    (about 1 million instructions for a real document with results, a third of what lxml then costs).
    """
    start = body.find(_RESULTS)
    if start == -1:
        return None
    # The section's first end tag, unless another start tag comes first: both end in the same 17 bytes.
    at = body.find(_RESULTS_NAME, start + len(_RESULTS))
    while at != -1:
        if body[at - 2 : at] == b"</":
            break
        if body[at - 1] == 0x3C:  # "<": a second <clinical_results> before the section ends
            return None
        at = body.find(_RESULTS_NAME, at + 1)
    if at == -1:
        return None
    end = at - 2
    # Every "<!" (comments, CDATA sections, a DOCTYPE) found from its "!" (a one-byte search, memchr's,
    # and nearly every "!" of the real documents is one): the last comment before the section must be
    # closed before it, and none may open inside it.
    comment = -1
    bang = body.find(b"!", 1)
    while bang != -1:
        if body[bang - 1] == 0x3C:  # "<"
            if body.startswith(b"--", bang + 1):
                if bang > start:
                    if bang <= end:
                        return None
                else:
                    comment = bang - 1
            elif body.startswith(b"[CDATA[", bang + 1) or body.startswith(b"DOCTYPE", bang + 1):
                return None
        bang = body.find(b"!", bang + 1)
    if comment != -1 and body.find(b"-->", comment, start) == -1:
        return None  # the start tag is inside a comment
    # The last "<?" before the section, from its "?" (memrchr's search again).
    mark = body.rfind(b"?", 0, start)
    while mark > 0 and body[mark - 1] != 0x3C:
        mark = body.rfind(b"?", 0, mark)
    if mark > 0 and body.find(b"?>", mark - 1, start) == -1:
        return None  # ... inside a processing instruction
    return start, end + len(_RESULTS_END)


def by_tag(el: etree._Element) -> dict[str, list[etree._Element]]:
    """Children by tag, in document order: one pass instead of an ElementPath search per field (3-7 us each)."""
    out: dict[str, list[etree._Element]] = {}
    for child in el.iterchildren(tag=etree.Element):
        tag = child.tag  # read once: lxml makes a new string at every read
        found = out.get(tag)
        if found is None:
            out[tag] = [child]
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
