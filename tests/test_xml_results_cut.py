"""The legacy XML's results cut: where and whether <clinical_results> is cut is decided as the rule says."""

from __future__ import annotations

import random

from indexer.parsers.ctgov_xml_tree import _RESULTS, _RESULTS_END, _results_span
from tests.conftest import shared


def _rule(body: bytes) -> tuple[int, int] | None:
    """The rule, one search per condition (the code it replaced): the section from its start tag to its
    first end tag, unless none, a second start tag before that end, a CDATA section or a DOCTYPE anywhere,
    a comment inside it, or its start tag inside an unclosed comment or processing instruction."""
    start = body.find(_RESULTS)
    if start == -1 or b"<![CDATA[" in body or b"<!DOCTYPE" in body:
        return None
    end = body.find(_RESULTS_END, start)
    if end == -1 or b"<!--" in body[start:end] or body.find(_RESULTS, start + 1, end) != -1:
        return None
    comment, instruction = body.rfind(b"<!--", 0, start), body.rfind(b"<?", 0, start)
    if comment != -1 and body.find(b"-->", comment, start) == -1:
        return None
    if instruction != -1 and body.find(b"?>", instruction, start) == -1:
        return None
    return start, end + len(_RESULTS_END)


_PIECES = [
    b"<!--", b"-->", b"<!-- x -->", b"<![CDATA[", b"]]>", b"<!DOCTYPE x>", b"<?pi", b"?>", b"<?pi x ?>", b"<!",
    b"<clinical_results>", b"</clinical_results>", b"<clinical_results/>", b"/clinical_results>",
    b"xclinical_results>", b"clinical_results>", b"<", b"-", b"!",
]  # fmt: skip


def test_results_span_follows_the_rule_on_real_and_altered_documents() -> None:
    bodies = [p.read_bytes() for p in sorted(shared("ctgov", "xml").glob("*.xml"))]
    with_results = [b for b in bodies if _RESULTS in b]
    assert len(with_results) > 50
    for body in bodies:
        assert _results_span(body) == _rule(body)
    rng = random.Random(14)
    small = (
        b'<?xml version="1.0"?><clinical_study><a/><clinical_results><x>1</x></clinical_results><b/></clinical_study>'
    )
    kept = cut = 0
    for i in range(20_000):
        body = small if i % 4 else rng.choice(with_results)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(body) + 1)
            body = body[:at] + rng.choice(_PIECES) + body[at:]
        expected = _rule(body)
        assert _results_span(body) == expected, body if len(body) < 300 else body[:100]
        kept, cut = kept + (expected is None), cut + (expected is not None)
    assert kept > 2_000 and cut > 2_000  # both outcomes are exercised
