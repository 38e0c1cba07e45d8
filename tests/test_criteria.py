"""The eligibility splitter on the layouts the registry really uses."""

from __future__ import annotations

import json
import re

from indexer.parsers.criteria import flatten, split_criteria
from tests.conftest import FIXTURES


def texts(items):  # type: ignore[no-untyped-def]
    return [c.text for c in items]


def test_markdown_with_nested_items() -> None:
    inc, exc = split_criteria(
        "Inclusion Criteria:\n\n* Adults\n* One of:\n\n  * diabetes\n  * obesity\n\n"
        "Exclusion Criteria:\n\n* Pregnant \\>= 12 weeks\n"
    )
    assert texts(inc) == ["Adults", "One of:"]
    assert texts(inc[1].children) == ["diabetes", "obesity"]
    assert texts(exc) == ["Pregnant >= 12 weeks"]  # markdown escape removed


def test_legacy_xml_hard_wrapped_numbered_items() -> None:
    text = (
        "Inclusion Criteria:\n\n  1. Meet the criteria of the\n     American College\n\n"
        "  9. nine\n\n 10. ten\n\nExclusion Criteria:\n\n  -  allergic to IL-2\n"
    )
    inc, exc = split_criteria(text)
    assert texts(inc) == ["Meet the criteria of the American College", "nine", "ten"]
    assert texts(exc) == ["allergic to IL-2"]


def test_alpha_sub_items_at_the_same_indent_nest() -> None:
    inc, _ = split_criteria("Inclusion Criteria:\n1. Disease\na. stage II\nb. stage III\n2. Age")
    assert texts(inc) == ["Disease", "Age"]
    assert texts(inc[0].children) == ["stage II", "stage III"]


def test_heading_run_into_the_previous_line() -> None:
    inc, exc = split_criteria("Inclusion Criteria:\n* Men over 18 Exclusion Criteria:\n* Nitrates")
    assert texts(inc) == ["Men over 18"]
    assert texts(exc) == ["Nitrates"]
    inc, exc = split_criteria("Inclusion Criteria:\n* Men over 18\tKey exclusion criteria:\n* Nitrates")
    assert texts(exc) == ["Nitrates"]
    inc, exc = split_criteria("Inclusion Criteria:\n* Men (see exclusion criteria) over 18\n* Nitrates")
    assert (texts(inc), texts(exc)) == (["Men (see exclusion criteria) over 18", "Nitrates"], [])


def test_a_key_heading_at_the_start_of_its_line_is_one_heading() -> None:
    # ClinicalTrials.gov legacy XML (shared/data/ctgov/xml_2021/NCT00448292.xml): "Key" was left as an item.
    text = "Key Inclusion Criteria:\n\n  -  Diagnosis of major depressive disorder\n\n"
    text += "Key Exclusion Criteria:\n\n  -  Bipolar"
    inc, exc = split_criteria(text)
    assert (texts(inc), texts(exc)) == (["Diagnosis of major depressive disorder"], ["Bipolar"])
    inc, exc = split_criteria("Inclusion Criteria:\n* Men over 18 Key Exclusion Criteria:\n* Nitrates")
    assert (texts(inc), texts(exc)) == (["Men over 18"], ["Nitrates"])


def test_list_run_into_one_line() -> None:
    inc, exc = split_criteria(
        "Inclusion Criteria:- Males with ED- Heterosexual relationship. "
        "Exclusion Criteria:- Primary hypoactive sexual desire."
    )
    assert texts(inc) == ["Males with ED", "Heterosexual relationship."]
    assert texts(exc) == ["Primary hypoactive sexual desire."]


def test_no_headings_counts_as_inclusion_and_labels_group() -> None:
    inc, exc = split_criteria(
        "DISEASE CHARACTERISTICS:\n\n* Prostate cancer\n\nPATIENT CHARACTERISTICS:\n\n"
        "Age\n\n* 18 and over\n\nPerformance status\n\n* Zubrod 0-2\n"
    )
    assert texts(inc) == ["DISEASE CHARACTERISTICS:", "PATIENT CHARACTERISTICS:"]
    assert texts(inc[1].children) == ["Age", "Performance status"]
    assert texts(inc[1].children[0].children) == ["18 and over"]
    assert exc == ()
    assert flatten(inc)[:2] == ["DISEASE CHARACTERISTICS:", "Prostate cancer"]


def test_paragraph_criteria_and_non_heading_words() -> None:
    inc, exc = split_criteria(
        "Inclusion Criteria:\n\nAdults with asthma.\n\nExclusion of smokers is required.\n"
        "\nExclusion Criteria:\n\nSmokers."
    )
    assert texts(inc) == ["Adults with asthma.", "Exclusion of smokers is required."]
    assert texts(exc) == ["Smokers."]


def test_empty() -> None:
    assert split_criteria(None) == ((), ())
    assert split_criteria("Inclusion Criteria:\n\nExclusion Criteria:") == ((), ())


def test_inline_heading_precheck_never_misses_what_the_pattern_breaks() -> None:
    """The cheap pre-check decides whether the costly pattern runs: it may say yes for nothing, never no
    for a text the pattern changes. Every text of up to four pieces from tricky ones, against the pattern."""
    import itertools

    from indexer.parsers.criteria import _INLINE_HEADING_RE, _has_inline_heading

    pieces = [
        "a",
        "*",
        "key",
        "Key",
        "monkey",
        " ",
        "  ",
        "\t",
        "\n",
        "_",
        "Inclusion criteria:",
        "EXCLUSION Criteria :",
    ]
    missed = [
        text
        for n in range(1, 5)
        for combo in itertools.product(pieces, repeat=n)
        if _INLINE_HEADING_RE.search(text := "".join(combo)) and not _has_inline_heading(text)
    ]
    assert missed == []
    assert _has_inline_heading("to the study Exclusion Criteria:")
    assert _has_inline_heading("to the study KEY Exclusion Criteria:")
    assert not _has_inline_heading("Key Inclusion Criteria:\n\n* Adults\n\nKey Exclusion Criteria:\n\n* None")


def test_a_criteria_text_is_split_once_and_its_result_shared() -> None:
    text = "Inclusion Criteria:\n\n* Adults\n\nExclusion Criteria:\n\n* Pregnancy"
    first = split_criteria(text)
    assert split_criteria("".join(text)) is first  # an equal text, not only the same object
    assert [c.text for c in first[1]] == ["Pregnancy"]


def test_items_ten_and_on_are_siblings_of_item_nine() -> None:
    # "10." ends one column later than "9.", so its text starts further in: that is no sub-item.
    study = json.loads((FIXTURES / "ctgov" / "partial_fields.json").read_text(encoding="utf-8"))
    text = study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    inclusion_text, _, exclusion_text = text.partition("Exclusion Criteria:")
    numbered = [len(re.findall(r"(?m)^\s*\d+\.\s", part)) for part in (inclusion_text, exclusion_text)]
    assert numbered == [13, 12]
    inclusion, exclusion = split_criteria(text)
    assert [len(inclusion), len(exclusion)] == numbered
    # Only the two bulleted sub-lists ("the following laboratory values:", "specifically:") nest.
    nested = len(re.findall(r"(?m)^\s*\d+\..*\n\n(?=\s+\* )", text))
    assert sum(bool(c.children) for c in inclusion + exclusion) == nested == 2


def test_bullet_pattern_takes_the_indentation_whole_and_matches_as_with_backtracking() -> None:
    """`\\s*+` (no giving back) matches each line exactly as `\\s*` did: every line of the real legacy XML
    text blocks, and lines of blanks and markers of every kind (Unicode blanks included)."""
    import itertools

    from indexer.parsers.criteria import _BULLET_RE
    from tests.conftest import shared

    backtracking = re.compile(_BULLET_RE.pattern.replace(r"^(\s*+)", r"^(\s*)", 1), _BULLET_RE.flags)
    assert backtracking.pattern != _BULLET_RE.pattern
    lines = [
        line
        for path in sorted(shared("ctgov", "xml").glob("*.xml"))
        for line in re.findall(r"(?s)<textblock>(.*?)</textblock>", path.read_text(encoding="utf-8"))
        for line in line.splitlines()
    ]
    pieces = [" ", "\t", "\u00a0", "\u2003", "-", "*", "•", "1.", "(a)", "ii.", "iv)", "A", "x", "(", "10"]
    lines += ["".join(combo) for n in range(1, 5) for combo in itertools.product(pieces, repeat=n)]
    assert len(lines) > 50_000
    for line in lines:
        new, old = _BULLET_RE.match(line), backtracking.match(line)
        assert (new and (new.span(), new.groups(), new.lastgroup)) == (
            old and (old.span(), old.groups(), old.lastgroup)
        )
