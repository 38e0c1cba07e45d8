"""Trial-finder listing pages (CenterWatch and others) -> TrialRecord, by headings and labels, not CSS paths."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

import indexer.parsers.listing_labels as lab
from indexer import normalize as n
from indexer.identifiers import EUDRACT, ISRCTN, NCT_IN_TEXT
from indexer.parsers.criteria import split_criteria
from indexer.parsers.errors import NotATrial, ParseError
from indexer.parsers.html import cut_short
from indexer.parsers.listing_conditions import conditions
from indexer.parsers.listing_jsonld import trial_facts, trial_node, trial_sites
from indexer.parsers.listing_layout import Sections, content_root, key, section_kind, strip_furniture, text
from indexer.parsers.listing_places import contact_of, contacts, locations
from indexer.parsers.listing_render import paragraphs, render
from indexer.record import Contact, Criterion, Eligibility, Intervention, TrialRecord

SOURCE = "listing"
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
# "Drug: Interleukin-2", as registries' intervention lists and finders copying them write it.
_TYPED = re.compile(r"^(drug|device|biological|procedure|radiation|behavioral|genetic|dietary supplement|"
                    r"combination product|diagnostic test|other)\s*:\s*(.+)$", re.I)  # fmt: skip
_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{2,60}$")


def derived_ages(criteria: tuple[Criterion, ...]) -> tuple[float | None, float | None, str | None]:
    """Age limits a page states only in its criteria, and the criterion they came from."""
    for c in criteria:
        if m := _AGE_RANGE.search(c.text):
            lo, hi = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            return float(lo), float(hi), c.text
        if m := _AGE_MIN.search(c.text):
            return float(m.group(1) or m.group(2)), None, c.text
    return None, None, None


def _tags(updated: Any, stop: Any) -> list[str]:
    """The keyword tags between "Updated on" and the summary: list items, or links in a block (chips)."""
    if updated is None:
        return []
    for el in updated.find_all_next(True):
        if el is stop:
            return []
        if el.name in ("ul", "ol"):
            return [t for t in (text(li) for li in el.find_all("li")) if t]
        if el.name in ("div", "p", "nav", "section") and (links := el.find_all("a", recursive=True)):
            if stop is not None and stop in el.descendants:
                return []  # a block that holds the summary too is the page, not a tag list
            return [t for t in (text(a) for a in links) if t]
    return []


# Headings that name the page, not its trial: "Clinical Trial", "Trial details", "Study information".
_GENERIC = re.compile(
    r"(the |this |a )?((clinical|research|medical) )?(trial|study|research|studies|trials)"
    r"( (details|detail|information|info|overview|summary|page|listing|profile|record|description))?"
    r"|(clinical )?trial finder|find (a )?(clinical )?(trial|study)|search results?"
)


def _site_names(soup: BeautifulSoup) -> set[str]:
    """What the site calls itself: og:site_name, application-name, and the <title>'s "| Site" suffix."""
    names = set()
    for meta in (soup.find("meta", property="og:site_name"), soup.find("meta", attrs={"name": "application-name"})):
        if isinstance(meta, Tag):
            names.add(key(str(meta.get("content", ""))))
    if soup.title and (m := _SITE_SUFFIX.search(text(soup.title))):
        names.add(key(m.group().lstrip(" |–—-")))
    return names - {""}


def _specific(title: str, sites: set[str]) -> bool:
    """Whether a heading names a trial, not the page ("Trial details", a section's name, the site's name)."""
    k = key(title)
    return bool(k) and not _GENERIC.fullmatch(k) and section_kind(title) is None and k not in sites


def _title(soup: BeautifulSoup, root: Tag, named: list[str]) -> str | None:
    """The trial's title: the h1 of the page's main part, else its JSON-LD name (`named`), else og:title or
    <title> without the site's name, else any h1 (a site's logo is often the first h1 of the page). A
    heading that names the page or the site ("Trial details", "Clinical Trial") is no title."""
    sites = _site_names(soup)
    main = root.name in ("main", "article") or root.get("role") == "main"
    if main and (h1 := root.find("h1")) and _specific(text(h1), sites):
        return text(h1)
    candidates = list(named)
    for meta in (soup.find("meta", property="og:title"), soup.find("meta", attrs={"name": "twitter:title"})):
        if isinstance(meta, Tag) and (content := str(meta.get("content", "")).strip()):
            candidates.append(_SITE_SUFFIX.sub("", " ".join(content.split())))
    if soup.title and (title := text(soup.title)):
        candidates.append(_SITE_SUFFIX.sub("", title))
    candidates += [text(h) for h in soup.find_all("h1")]
    return next((c for c in candidates if _specific(c, sites)), None) or next((c for c in candidates if c), None)


def _registry_link_nct(root: Tag) -> str | None:
    """The NCT id of the page's links to ClinicalTrials.gov, when they name one trial only."""
    found = {
        m.group()
        for a in root.find_all("a", href=True)
        if "clinicaltrials.gov" in urlsplit(str(a["href"])).netloc.lower() and (m := NCT_IN_TEXT.search(str(a["href"])))
    }
    return found.pop() if len(found) == 1 else None


def _items(fact: lab.Fact | None) -> list[str]:
    if fact is None:
        return []
    items = fact.items if len(fact.items) > 1 else tuple(re.split(r"\s*[;|]\s*", fact.value))
    return [i.strip() for i in items if i.strip()]


def _conditions(fact: lab.Fact | None) -> list[str]:
    """A list's items, or the conditions one line names (split at commas unless a MeSH heading's)."""
    if fact is None:
        return []
    return [i.strip() for i in fact.items if i.strip()] if len(fact.items) > 1 else conditions(fact.value)


def _intervention(item: str) -> Intervention:
    if m := _TYPED.match(item):
        return Intervention(type=n.enum_value(m.group(1)), name=m.group(2).strip())
    return Intervention(type=None, name=item)


def _criteria(sections: Sections) -> tuple[tuple[Criterion, ...], tuple[Criterion, ...]]:
    """Inclusion and exclusion items from the eligibility section (or the inclusion and exclusion sections),
    however written: lists (nested ones once), paragraphs, or one block of lines under "Inclusion Criteria:"."""
    heading = sections.first("eligibility")
    nodes = sections.content(heading) if heading is not None else []
    block = render(nodes, marks=sections, items=True)
    if "clusion" not in block.lower():
        parts = []
        for kind, name in (("inclusion", "Inclusion Criteria:"), ("exclusion", "Exclusion Criteria:")):
            if (h := sections.first(kind)) is not None:
                parts.append(f"{name}\n\n{render(sections.content(h), marks=sections, items=True)}")
        block = "\n\n".join(parts) if parts else block
    return split_criteria(_without_facts(block))


def _without_facts(block: str) -> str:
    """The block without the facts an eligibility section states before its criteria ("Ages eligible:
    18+", "Sex: All"): they are read as facts, and are no inclusion criteria."""
    lines = block.splitlines()
    first = next((i for i, line in enumerate(lines) if section_kind(line) in ("inclusion", "exclusion")), None)
    if first is None:
        return block
    return "\n".join([line for line in lines[:first] if not lab.is_fact(line.lstrip("* "))] + lines[first:])


def parse_document(
    body: bytes | str, *, source_url: str | None = None, fetched_at: str | None = None
) -> list[TrialRecord]:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if re.search(rb"<html", raw[:2048], re.I) and cut_short(raw):  # a fragment has no </html> to lose
        raise ParseError("truncated page: no closing </html>")
    soup = BeautifulSoup(raw, "lxml")  # honours the page's declared charset
    node = trial_node(soup)  # before the scripts go with the furniture
    linked = trial_facts(node)
    strip_furniture(soup)
    root = content_root(soup)
    title = _title(soup, root, linked.get("title", []))
    if not title:
        raise NotATrial("no title: not a trial page")
    sections = Sections(root)
    # Nodes whose labels are no facts of this trial: its criteria ("age: 18 to 75 years" is one), and
    # other trials' cards.
    not_here = ("inclusion", "exclusion", "similar")
    not_facts = {id(node) for h in sections.found if h.kind in not_here for node in sections.content(h)}
    found: dict[str, lab.Fact] = {}
    # The main part's facts first, then a sidebar's or a header's outside it (furniture is gone by now).
    outside = [s for el in (root, *root.parents) for s in (*el.previous_siblings, *el.next_siblings)]
    for part in (root, *(s for s in outside if isinstance(s, Tag))):
        for name, fact in lab.facts(part, not_facts):
            found.setdefault(name, fact)
    for name in ("id", "sponsor", "condition", "phase", "status"):  # what the page's text does not say
        if name not in found and (values := linked.get(name)):
            found[name] = lab.Fact("JSON-LD", "; ".join(values), tuple(values))

    def v(name: str) -> str | None:
        return found[name].value if name in found else None

    ids = " ".join(x for x in (v("id"), v("other_ids"), v("eudract"), v("org_id")) if x)
    nct = (
        (m.group() if (m := NCT_IN_TEXT.search(v("id") or "")) else None)
        or _registry_link_nct(root)
        or (m.group() if (m := NCT_IN_TEXT.search(source_url or "")) else None)
    )
    eudract = m.group() if (m := EUDRACT.search(v("eudract") or ids)) else None
    isrctn = m.group() if (m := ISRCTN.search(ids or text(root))) else None
    org_id = v("org_id") or (v("id") if v("id") and not NCT_IN_TEXT.search(v("id") or "") else None)
    if nct is None and eudract is None and isrctn is None:
        raise ParseError("no trial identifier on the page (truncated, or not a trial page)")
    summary = sections.first("summary")
    updated = soup.find(string=re.compile(r"^\s*Updated on\s", re.I))
    inclusion, exclusion = _criteria(sections)
    low, high, where = None, None, None
    if v("age") or v("min_age") or v("max_age"):
        low, high = lab.age_limits(v("age"))
        low = n.age_years(v("min_age")) if v("min_age") else low
        high = n.age_years(v("max_age")) if v("max_age") else high
    if low is None and high is None:
        low, high, where = derived_ages(inclusion)
    modified = v("modified") or (re.sub(r"(?i)^\s*updated on\s*", "", str(updated)) if updated else None)
    officials = tuple(Contact(name=x, role="PRINCIPAL_INVESTIGATOR") for x in _items(found.get("official")))
    central = contacts(sections.of("contacts"))
    labelled = [f"{k}: {v(k)}" for k in ("contact", "phone", "email") if v(k)]
    if not central and (found_contact := contact_of(labelled)) and (found_contact.phone or found_contact.email):
        central = (found_contact,)  # a name alone may be the page's "Primary Contact" box, not a contact
    return [
        TrialRecord(
            nct_id=nct or (f"EUCTR{eudract}" if eudract else isrctn) or "",  # one of them, checked above
            brief_title=title,
            org_study_id=org_id,
            secondary_ids=tuple(x for x in (eudract if nct else None, isrctn if nct or eudract else None) if x),
            overall_status=lab.status(v("status")),
            start_date=n.iso_date(v("start_date")),
            completion_date=n.iso_date(v("end_date")),
            last_update_posted=n.iso_date(modified.strip() if modified else None),
            lead_sponsor=v("sponsor"),
            study_type=lab.study_type(v("study_type")),
            phases=lab.phases(v("phase")),
            enrollment=lab.enrollment(v("enrollment")),
            conditions=tuple(_conditions(found.get("condition"))),
            keywords=tuple(_tags(updated, summary.node if summary else None)),
            interventions=tuple(_intervention(t) for t in _items(found.get("treatment"))),
            brief_summary=paragraphs(sections.content(summary))
            if summary
            else next(iter(linked.get("summary", [])), None),
            detailed_description=paragraphs(sections.of("description")),
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
                sex=lab.sex(v("sex")),
                healthy_volunteers=lab.yes_no(v("healthy")),
                provenance={"age": f"criteria: {where}"} if where else {},
            ),
            locations=locations(sections.of("locations")) or trial_sites(node),
            central_contacts=central,
            overall_officials=officials,
            source=SOURCE,
            source_url=source_url,
            fetched_at=fetched_at,
        )
    ]
