"""Registry pages read field by field against the page's own text (read here with lxml, not the parser)."""

from __future__ import annotations

import re

import lxml.html
import pytest

from indexer.parsers import parse
from indexer.parsers.errors import ParseError
from indexer.parsers.html import criteria
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


def test_gsk_criteria_text_is_without_the_toggle_link() -> None:
    r = record("gsk", "gsk-clinicalstudyregister.com_study_100006.html")
    assert r.eligibility.criteria_text and r.eligibility.criteria_text.startswith("Inclusion Criteria:")


@pytest.mark.parametrize("study", ["100006", "106847"])
def test_gsk_lists_are_read_item_by_item(study: str) -> None:
    name = f"gsk-clinicalstudyregister.com_study_{study}.html"
    page = lxml.html.fromstring((FIXTURES / "gsk" / name).read_bytes())

    def items(label: str) -> list[str]:
        return [" ".join(li.text_content().split()) for li in page.xpath(f"//tr[td[1]='{label}']/td[2]//li")]

    def bold(label: str) -> list[str]:
        return [" ".join(b.text_content().split()) for b in page.xpath(f"//tr[td[1]='{label}']/td[2]//li//b")]

    r = record("gsk", name)
    assert set(r.keywords) == {k.strip() for item in items("Keywords") for k in item.split(",")}
    assert [i.name for i in r.interventions] == bold("Interventions")
    assert [a.label for a in r.arms] == bold("Arms")
    generic = page.xpath("//tr[td[1]='Generic Name']/td[2]")[0].text_content().strip()
    assert [i.name for i in r.interventions if generic in i.other_names] == [
        n for n in bold("Interventions") if generic.lower() in n.lower()
    ]


def test_takeda_open_ended_age_range() -> None:
    name = "takedaclinicaltrials.com_browse_summary_AG-1749_CCT-352.html"
    page = lxml.html.fromstring((FIXTURES / "takeda" / name).read_bytes())
    [ages] = page.xpath("//p[@class='eyebrowbold'][.='Ages']/following-sibling::*[1]")
    m = re.fullmatch(r"(\d+) years and up", " ".join(ages.text_content().split()))  # "20  years and&nbsp;up"
    assert m
    r = record("takeda", name)
    assert (r.eligibility.min_age_years, r.eligibility.max_age_years) == (int(m.group(1)), None)


@pytest.mark.parametrize(
    ("folder", "name"),
    [
        ("euctr", "EUCTR_2005-002909-23_PT.html"),
        ("gsk", "gsk-clinicalstudyregister.com_study_100006.html"),
        ("takeda", "takedaclinicaltrials.com_browse_summary_073-011.html"),
    ],
)
def test_a_page_cut_short_is_an_error_not_a_partial_record(folder: str, name: str) -> None:
    # Cut after the trial's id and before its criteria: the parser used to return the record without them.
    body = (FIXTURES / folder / name).read_bytes()
    cut = body[: len(body) // 2]
    assert b"</html>" not in cut.lower()
    with pytest.raises(ParseError, match="truncated"):
        parse(cut, source=folder)


@pytest.mark.parametrize(
    "name",
    [
        "takedaclinicaltrials.com_browse_summary_AG-1749_CCT-352.html",
        "takedaclinicaltrials.com_browse_summary_NaltrexBuprop-4004.html",
        "takedaclinicaltrials.com_browse_summary_TAK-648_101.html",
    ],
)
def test_takeda_arms_and_the_drugs_they_give(name: str) -> None:
    page = lxml.html.fromstring((FIXTURES / "takeda" / name).read_bytes())
    items = page.xpath("//p[@class='eyebrowbold'][.='Trial arms/groups or cohorts']/following-sibling::ul[1]/li")
    heads = [" ".join((li.text or "").split()) for li in items]  # "Experimental: Cohort 4: TAK-648 0.7 mg"
    given = [
        [x.split(":", 2)[2].strip() for x in (" ".join(s.text_content().split()) for s in li.xpath("./ul/li"))
         if x.startswith("Intervention:")]
        for li in items
    ]  # fmt: skip
    r = record("takeda", name)
    assert [a.label for a in r.arms] == [h.split(":", 1)[1].strip() for h in heads]
    assert [a.intervention_names for a in r.arms] == [tuple(g) for g in given]
    types = {"Active": "ACTIVE_COMPARATOR", "Experimental": "EXPERIMENTAL", "Placebo": "PLACEBO_COMPARATOR"}
    assert [a.type for a in r.arms] == [types[h.split(":", 1)[0]] for h in heads]
    # Every drug an arm gives is an intervention (or one of the compound's names), labelled with that arm.
    for arm, drugs in zip(r.arms, given, strict=True):
        for drug in drugs:
            [iv] = [i for i in r.interventions if drug.lower() in (i.name.lower(), *(o.lower() for o in i.other_names))]
            assert arm.label in iv.arm_labels


@pytest.mark.parametrize("study", ["100006", "106847"])
def test_gsk_outcomes_and_official(study: str) -> None:
    name = f"gsk-clinicalstudyregister.com_study_{study}.html"
    page = lxml.html.fromstring((FIXTURES / "gsk" / name).read_bytes())

    def outcomes(label: str) -> list[tuple[str, str]]:
        found = []
        for li in page.xpath(f"//tr[td[1]='{label}']/td[2]//li"):
            frame = re.search(r"Time Frame:\s*(.+?)\s*(?:Safety Issue|$)", " ".join(li.text_content().split()))
            found.append((" ".join(li.find("b").text_content().split()), frame.group(1) if frame else ""))
        return found

    official = page.xpath("//tr[td[1]='Overall Study Official']/td[2]")[0].text_content().strip()
    r = record("gsk", name)
    assert [(o.measure, o.time_frame) for o in r.primary_outcomes] == outcomes("Primary Outcomes")
    assert [(o.measure, o.time_frame) for o in r.secondary_outcomes] == outcomes("Secondary Outcomes")
    assert [(c.name, c.role) for c in r.overall_officials] == [(official, "STUDY_DIRECTOR")]


def test_takeda_inline_roman_items_are_criteria_of_their_own() -> None:
    # "2. Patients with the following conditions (i) ... (ii) ... (vii) Elderly patients", hard-wrapped
    # with the markers inside the lines: seven sub-items of that criterion, not three run-on ones.
    name = "takedaclinicaltrials.com_browse_summary_073-011.html"
    page = lxml.html.fromstring((FIXTURES / "takeda" / name).read_bytes())
    [more] = page.xpath("//p[@class='eyebrowbold'][.='Eligibility criteria']/following-sibling::p[1]")
    item = next(p for p in paragraphs(lxml.html.tostring(more, encoding="unicode")) if "(i)" in p)
    lead, *subitems = (s.strip() for s in re.split(r"\((?:i|ii|iii|iv|v|vi|vii)\)", item))
    assert len(subitems) == 7
    [parent] = [c for c in record("takeda", name).eligibility.exclusion[0].children if c.text == lead]
    assert texts(parent.children) == subitems


@pytest.mark.parametrize(
    ("block", "items"),
    [
        # A reference to items, not a list: one criterion.
        ("Inclusion Criteria:\n\n1. Meets criteria (i) and (ii) above", ["Meets criteria (i) and (ii) above"]),
        # No lead-in: the items themselves.
        (
            "Inclusion Criteria:\n\n(i) Adults aged 18 or over (ii) Able to consent",
            ["Adults aged 18 or over", "Able to consent"],
        ),
    ],
)
def test_inline_roman_items_only_when_they_are_a_list(block: str, items: list[str]) -> None:
    inclusion, _ = criteria(block)
    assert [t for c in inclusion for t in (c.text, *(x.text for x in c.children))] == items
