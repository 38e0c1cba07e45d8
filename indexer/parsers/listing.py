"""Trial-finder listing pages (CenterWatch-style) -> TrialRecord, found by headings and labels, not CSS paths."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup, Tag

from indexer import normalize as n
from indexer.identifiers import NCT_IN_TEXT
from indexer.parsers.errors import NotATrial, ParseError
from indexer.record import Criterion, Eligibility, Intervention, TrialRecord

SOURCE = "listing"
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Labels as such sites print them, normalised to lower case without punctuation.
_LABELS = {
    "status": "status",
    "recruitment status": "status",
    "end date": "end_date",
    "participants needed": "enrollment",
    "sponsor": "sponsor",
    "condition": "condition",
    "conditions": "condition",
    "treatment": "treatment",
    "treatments": "treatment",
    "clinical study identifier": "id",
    "last modified on": "modified",
    "phase": "phase",
    "gender": "sex",
    "sex": "sex",
    "age": "age",
}
# "age:18 to 75 years", "aged 18-65 years", "18 to 75 years of age"
_AGE_RANGE = re.compile(
    r"\bage[sd]?\s*[:=]?\s*(\d{1,3})\s*(?:to|-|–|and)\s*(\d{1,3})\s*(?:years?|yrs?)?|"
    r"\b(\d{1,3})\s*(?:to|-|–)\s*(\d{1,3})\s*years?\s*(?:of age|old)",
    re.I,
)
_AGE_MIN = re.compile(
    r"\b(?:age[sd]?\s*(?:>=|≥|of at least|at least)\s*(\d{1,3})|(\d{1,3})\s*years?\s*(?:of age\s*)?"
    r"(?:or older|and older|and over|or above))",
    re.I,
)


def _text(el: Tag | None) -> str:
    return " ".join(el.get_text(" ").split()) if el is not None else ""


def _key(label: str) -> str:
    return " ".join(re.sub(r"[^a-z ]+", " ", label.lower()).split())


def _pairs(soup: BeautifulSoup) -> Iterator[tuple[str, str]]:
    """Label/value pairs however the page lays them out: dt/dd, th/td, or two children of one item."""
    for dt in soup.find_all("dt"):
        dd = dt.find_next_sibling("dd")
        yield _key(_text(dt)), _text(dd)
    for tr in soup.find_all("tr"):
        cells = tr.find_all(["th", "td"], recursive=False)
        if len(cells) == 2:
            yield _key(_text(cells[0])), _text(cells[1])
    for item in soup.find_all(["li", "div", "p"]):
        children = [c for c in item.children if isinstance(c, Tag)]
        if len(children) == 2 and _key(_text(children[0])) in _LABELS:
            yield _key(_text(children[0])), _text(children[1])


def _section(soup: BeautifulSoup, pattern: str) -> tuple[Tag | None, list[Tag]]:
    """The heading matching `pattern` and the elements after it, up to the next heading of its level or above."""
    regex = re.compile(pattern, re.I)
    heading = next((h for h in soup.find_all(_HEADINGS) if regex.fullmatch(_text(h))), None)
    if heading is None:
        return None, []
    level = int(heading.name[1])
    out = []
    for el in heading.find_all_next():
        if el.name in _HEADINGS and int(el.name[1]) <= level:
            break
        if el.name in _HEADINGS:
            continue
        out.append(el)
    return heading, out


def _paragraphs(elements: list[Tag]) -> str | None:
    paras = [_text(p) for p in elements if p.name == "p"]
    return "\n\n".join(p for p in paras if p) or None


def _items(elements: list[Tag]) -> tuple[Criterion, ...]:
    """List items (or paragraphs, when a page does without lists), one criterion each."""
    items = [_text(li) for li in elements if li.name == "li"] or [_text(p) for p in elements if p.name == "p"]
    return tuple(Criterion(t) for t in items if t)


def derived_ages(criteria: tuple[Criterion, ...]) -> tuple[float | None, float | None, str | None]:
    """Age limits a page states only in its criteria, and the criterion they came from."""
    for c in criteria:
        if m := _AGE_RANGE.search(c.text):
            lo, hi = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            return float(lo), float(hi), c.text
        if m := _AGE_MIN.search(c.text):
            return float(m.group(1) or m.group(2)), None, c.text
    return None, None, None


def _tags(updated: Any, stop: Tag | None) -> list[str]:
    """The keyword tags between "Updated on" and the summary: list items, or links in a block (chips)."""
    if updated is None:
        return []
    for el in updated.find_all_next(True):
        if el is stop:
            return []
        if el.name in ("ul", "ol"):
            return [t for t in (_text(li) for li in el.find_all("li")) if t]
        if el.name in ("div", "p", "nav", "section") and (links := el.find_all("a", recursive=True)):
            if stop is not None and stop in el.descendants:
                return []  # a block that holds the summary too is the page, not a tag list
            return [t for t in (_text(a) for a in links) if t]
    return []


def parse_document(
    body: bytes | str, *, source_url: str | None = None, fetched_at: str | None = None
) -> list[TrialRecord]:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if re.search(rb"<html", raw[:2048], re.I) and not re.search(rb"</html\s*>", raw[-4096:], re.I):
        raise ParseError("truncated page: no closing </html>")
    soup = BeautifulSoup(raw, "lxml")  # honours the page's declared charset
    title_el = soup.find("h1")
    if title_el is None:
        raise NotATrial("no title heading: not a trial page")
    pairs: dict[str, str] = {}
    for label, value in _pairs(soup):
        if label in _LABELS and value:
            pairs.setdefault(_LABELS[label], value)
    nct = NCT_IN_TEXT.search(pairs.get("id", "")) or NCT_IN_TEXT.search(source_url or "")
    if nct is None:
        raise ParseError("no trial identifier on the page (truncated, or not a trial page)")
    updated = soup.find(string=re.compile(r"^\s*Updated on\s", re.I))
    summary_heading, _ = _section(soup, r"summary")
    tags = _tags(updated, summary_heading)
    _, summary = _section(soup, r"(brief )?summary")
    _, description = _section(soup, r"(detailed )?description")
    _, inclusion_els = _section(soup, r"(key )?inclusion criteria:?")
    _, exclusion_els = _section(soup, r"(key )?exclusion criteria:?")
    inclusion, exclusion = _items(inclusion_els), _items(exclusion_els)
    low, high, where = derived_ages(inclusion)
    modified = pairs.get("modified") or (re.sub(r"(?i)^\s*updated on\s*", "", str(updated)) if updated else None)
    return [
        TrialRecord(
            nct_id=nct.group(0),
            brief_title=_text(title_el) or None,
            overall_status=n.status(pairs.get("status")),
            completion_date=n.iso_date(pairs.get("end_date")),
            last_update_posted=n.iso_date(modified.strip() if modified else None),
            lead_sponsor=pairs.get("sponsor"),
            phases=n.phases(pairs.get("phase")),
            enrollment=int(pairs["enrollment"]) if pairs.get("enrollment", "").isdigit() else None,
            conditions=tuple(c.strip() for c in re.split(r"[;|]", pairs.get("condition", "")) if c.strip()),
            keywords=tuple(tags),
            interventions=tuple(
                Intervention(type=None, name=t.strip())
                for t in re.split(r"[;|]", pairs.get("treatment", ""))
                if t.strip()
            ),
            brief_summary=_paragraphs(summary),
            detailed_description=_paragraphs(description),
            eligibility=Eligibility(
                criteria_text="\n".join(
                    [
                        "Inclusion Criteria:",
                        *(f"* {c.text}" for c in inclusion),
                        "",
                        "Exclusion Criteria:",
                        *(f"* {c.text}" for c in exclusion),
                    ]
                )
                if inclusion or exclusion
                else None,
                inclusion=inclusion,
                exclusion=exclusion,
                min_age_years=low,
                max_age_years=high,
                provenance={"age": f"criteria: {where}"} if where else {},
            ),
            source=SOURCE,
            source_url=source_url,
            fetched_at=fetched_at,
        )
    ]
