"""Registry pages read field by field against the page's own text (read here with lxml, not the parser)."""

from __future__ import annotations

import re

import lxml.html
import pytest

from indexer.parsers import parse
from indexer.record import Criterion, TrialRecord
from tests.conftest import FIXTURES


def record(folder: str, name: str) -> TrialRecord:
    [r] = parse((FIXTURES / folder / name).read_bytes(), source=folder)
    return r


def texts(items: tuple[Criterion, ...]) -> list[str]:
    return [c.text for c in items]


def paragraphs(html_fragment: str) -> list[str]:
    """The fragment's paragraphs (split at blank lines, <br><br>), markup and list markers removed."""
    out = []
    for part in re.split(r"<br\s*/?>\s*<br\s*/?>", html_fragment):
        words = " ".join(lxml.html.fromstring(f"<div>{part}</div>").text_content().split())
        words = re.sub(r"^(?:\d+\.|-)\s*", "", words)
        if words and not words.endswith("Criteria:"):
            out.append(words)
    return out


@pytest.mark.parametrize(
    "name",
    [
        "takedaclinicaltrials.com_browse_summary_NaltrexBuprop-4004.html",
        "takedaclinicaltrials.com_browse_summary_TAK-648_101.html",
    ],
)
def test_takeda_hard_wrapped_items_are_one_criterion_each(name: str) -> None:
    # The page wraps each numbered item at 90 columns with <br>; a wrapped line that starts with a capital
    # ("Association functional classification.") was taken for a new criterion.
    page = (FIXTURES / "takeda" / name).read_text(encoding="utf-8")
    [more] = lxml.html.fromstring(page).xpath(
        "//p[@class='eyebrowbold'][.='Eligibility criteria']/following-sibling::p[1]"
    )
    inner = lxml.html.tostring(more, encoding="unicode")
    inclusion, _, exclusion = inner.partition("Exclusion Criteria:")
    r = record("takeda", name)
    assert texts(r.eligibility.inclusion) == paragraphs(inclusion)
    # The page cuts its last exclusion item short; every whole item is one criterion.
    assert texts(r.eligibility.exclusion)[:-1] == paragraphs(exclusion)[:-1]


def test_euctr_lead_in_sentence_is_not_a_criterion() -> None:
    page = (FIXTURES / "euctr" / "EUCTR_2009-016529-32_EE.html").read_text(encoding="utf-8")
    cells = lxml.html.fromstring(page).xpath("//td[@class='first'][.='E.3' or .='E.4']/following-sibling::td[2]//td")
    # Each item is a "-" line after the <br>; the first line introduces the list.
    items = [
        [part.strip().lstrip("-") for part in re.split(r"<br\s*/?>", lxml.html.tostring(cell, encoding="unicode"))[1:]]
        for cell in cells
    ]
    items = [[" ".join(lxml.html.fromstring(f"<p>{x}</p>").text_content().split()) for x in group] for group in items]
    assert [len(x) for x in items] == [3, 9]
    r = record("euctr", "EUCTR_2009-016529-32_EE.html")
    assert texts(r.eligibility.inclusion) == items[0] and texts(r.eligibility.exclusion) == items[1]


def test_euctr_soft_hyphens_are_not_kept_inside_words() -> None:
    page = (FIXTURES / "euctr" / "clinicaltrialsregister.eu_ctr-search_trial_2015-000590-12_DE.html").read_text("utf-8")
    assert "allo&not;graft" in page  # the page's Word soft hyphen
    r = record("euctr", "clinicaltrialsregister.eu_ctr-search_trial_2015-000590-12_DE.html")
    words = " ".join(texts(r.eligibility.inclusion) + texts(r.eligibility.exclusion))
    assert "\u00ac" not in words and "allograft" in words and "immunosuppressive" in words


def test_gsk_criteria_text_is_without_the_toggle_link() -> None:
    r = record("gsk", "gsk-clinicalstudyregister.com_study_100006.html")
    assert r.eligibility.criteria_text and r.eligibility.criteria_text.startswith("Inclusion Criteria:")
