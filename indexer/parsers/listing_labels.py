"""A trial-finder page's labelled facts ("Status: Recruiting", "Ages eligible 18 Years to 75 Years"), and values."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bs4 import Tag
from bs4.element import NavigableString, PageElement

from indexer import normalize as n
from indexer.discover.criteria_ages import ages
from indexer.parsers.listing_layout import BLOCKS, key, strings_after, text

# Labels as finders print them (lower case, letters only) -> the fact they give.
_FIELDS: dict[str, tuple[str, ...]] = {
    "status": (
        "status", "recruitment status", "recruiting status", "study status", "trial status", "overall status",
        "overall recruitment status", "current status",
    ),
    "end_date": ("end date", "completion date", "study completion date", "estimated completion date", "study end date"),
    "start_date": ("start date", "study start date", "study start", "trial start date", "actual study start date"),
    "enrollment": (
        "participants needed", "enrollment", "enrolment", "target enrollment", "target enrolment",
        "estimated enrollment", "actual enrollment", "number of participants", "target number of participants",
        "sample size", "target sample size", "planned enrollment", "participants", "enrollment target",
    ),
    "sponsor": (
        "sponsor", "sponsors", "lead sponsor", "sponsor name", "sponsored by", "primary sponsor", "study sponsor",
    ),
    "condition": (
        "condition", "conditions", "condition s", "disease", "diseases", "medical condition", "conditions studied",
        "health condition s", "health conditions", "indication", "therapeutic area",
    ),
    "treatment": (
        "treatment", "treatments", "intervention", "interventions", "intervention s", "drug", "drugs", "study drug",
        "investigational product", "intervention drug",
    ),
    "id": (
        "clinical study identifier", "nct number", "nct id", "nct", "trial id", "study id", "trial identifier",
        "study identifier", "clinicaltrials gov identifier", "clinicaltrials gov id", "clinicaltrials gov number",
        "registry id", "identifier", "registration number", "trial registration",
    ),
    "org_id": ("protocol number", "protocol id", "sponsor protocol number", "sponsor study id", "other study id"),
    "eudract": ("eudract number", "eudract", "eudract no", "eu ct number"),
    "other_ids": ("secondary ids", "other ids", "other study id numbers", "secondary identifiers", "isrctn"),
    "modified": ("last modified on", "last updated", "last update posted", "last update", "updated", "updated on"),
    "phase": ("phase", "phases", "trial phase", "study phase"),
    "study_type": ("study type", "trial type", "type of study"),
    "age": (
        "age", "ages", "ages eligible", "ages eligible for study", "age range", "age group", "eligible ages",
        "age eligibility", "age limits", "age requirements", "eligible age",
    ),
    "min_age": ("minimum age", "min age", "lower age limit"),
    "max_age": ("maximum age", "max age", "upper age limit"),
    "sex": ("sex", "gender", "sexes eligible", "genders eligible", "sexes eligible for study", "eligible sex", "sexes"),
    "healthy": (
        "healthy volunteers", "accepts healthy volunteers", "healthy volunteers accepted", "accepts healthy volunteer",
    ),
    "contact": ("contact", "contact name", "contact person", "study contact", "central contact", "primary contact"),
    "phone": ("phone", "telephone", "contact phone", "tel"),
    "email": ("email", "e mail", "contact email"),
    "official": ("principal investigator", "study director", "study chair", "lead investigator"),
}  # fmt: skip
LABELS = {label: name for name, labels in _FIELDS.items() for label in labels}
_CELLS = ("dt", "dd", "th", "td")  # read as pairs above
_LONGEST = max(len(label) for label in LABELS)
# "Clinical Study IdentifierNCT04077684": a label run into its value (a lower-case end, then a capital or digit).
_RUN_IN = re.compile(r"^(?P<label>[A-Za-z][A-Za-z .()/-]{1,40}?[a-z)])(?P<value>[A-Z0-9].*)$")
_INLINE = re.compile(r"^(?P<label>[A-Za-z][A-Za-z .()/-]{1,40}?)\s*[:：]\s*(?P<value>.*)$")


@dataclass(frozen=True, slots=True)
class Fact:
    """A label's value: its text, and its items when the page lists them (a <ul>, lines)."""

    label: str
    value: str
    items: tuple[str, ...]


def _field(label: str) -> str | None:
    k = key(label)
    return LABELS.get(k) if len(k) <= _LONGEST else None


def _fact(label: str, value_nodes: list[PageElement]) -> Fact | None:
    value = " ".join(text(v) for v in value_nodes).strip()
    if not value or (_field(value) is not None and not re.search(r"\d", value)):
        return None  # the next label, not this one's value
    items: list[str] = []
    for v in value_nodes:
        chips = [c for c in v.children if isinstance(c, Tag) and text(c)] if isinstance(v, Tag) else []
        if isinstance(v, Tag) and (lis := v.find_all("li")):
            items += [t for t in (text(li) for li in lis) if t]
        elif isinstance(v, Tag) and v.find("br"):
            items += [t for t in (" ".join(s.split()) for s in v.get_text("\n").splitlines()) if t]
        elif len(chips) > 1 and all(c.name in ("a", "span") for c in chips):  # tags as links or chips
            items += [text(c) for c in chips]
    return Fact(label, value, tuple(items) or (value,))


def _label_value(node: PageElement) -> Fact | None:
    """A label in one element or text node, with its value beside it (inline, run in, or next on the line)."""
    own = text(node)
    if not own or len(own) > 400:
        return None
    bare = own.rstrip(":： ")
    if _field(bare):
        after = [s for s in strings_after(node) if text(s)]
        if after:
            return _fact(bare, after)
        if isinstance(node, Tag) and node.parent is not None and text(node.parent) == own:
            nxt = node.parent.find_next_sibling()  # <div><span>Status</span></div><div>Recruiting</div>
            return _fact(bare, [nxt]) if nxt is not None else None
        nxt = node.find_next_sibling() if isinstance(node, Tag) else None
        return _fact(bare, [nxt]) if nxt is not None and nxt.name in BLOCKS else None
    if isinstance(node, NavigableString) or (
        isinstance(node, Tag) and not any(isinstance(c, Tag) for c in node.children)
    ):
        for pattern in (_INLINE, _RUN_IN):
            if (m := pattern.match(own)) and _field(m.group("label")) and m.group("value").strip():
                return Fact(m.group("label"), m.group("value").strip(), (m.group("value").strip(),))
        return _spaced(own)
    return None


def is_fact(line: str) -> bool:
    """Whether a line is a label and its value ("Sex: All", "Ages eligible 18 Years to 75 Years")."""
    m = _INLINE.match(line)
    return bool(m and _field(m.group("label")) and m.group("value").strip()) or _spaced(line) is not None


def _spaced(line: str) -> Fact | None:
    """ "Condition Systemic Lupus Erythematosus": a label, a space, a capitalised value, on a short line
    that is no sentence ("Treatment with ..." or "Sponsor of the study is ..." are prose)."""
    if len(line) > 120 or line.endswith("."):
        return None
    words = line.split(" ")
    for i in range(1, min(len(words), 6)):
        label, value = " ".join(words[:i]), " ".join(words[i:])
        if (_field(label) and value[:1].isupper()) or (_field(label) and value[:1].isdigit()):
            return Fact(label, value, (value,))
    return None


def _skipped(el: PageElement, skip: set[int]) -> bool:
    return id(el) in skip or any(id(p) in skip for p in el.parents)


def _nodes(root: Tag, skip: set[int]) -> Iterator[PageElement]:
    """The root's nodes in document order, not into those `skip` holds (nor their insides)."""
    stack: list[PageElement] = [root]
    while stack:
        node = stack.pop()
        if id(node) in skip:
            continue
        yield node
        if isinstance(node, Tag):
            stack.extend(reversed(node.contents))


def facts(root: Tag, skip: set[int]) -> Iterator[tuple[str, Fact]]:
    """(field, fact) for each labelled value, the most explicit layouts first: dt/dd, two-cell rows,
    two-child items, then a label and its value on one line; none inside the nodes whose ids `skip` holds."""
    for dt in root.find_all("dt"):
        dd = dt.find_next_sibling("dd")
        if dd is not None and (f := _field(text(dt))) and not _skipped(dt, skip) and (fact := _fact(text(dt), [dd])):
            yield f, fact
    for tr in root.find_all("tr"):
        cells = tr.find_all(["th", "td"], recursive=False)
        f = _field(text(cells[0])) if len(cells) == 2 else None
        if f and not _skipped(tr, skip) and (fact := _fact(text(cells[0]), [cells[1]])):
            yield f, fact
    for item in root.find_all(["li", "div", "p"]):
        children = [c for c in item.children if isinstance(c, Tag)]
        f = _field(text(children[0])) if len(children) == 2 else None
        if f and not _skipped(item, skip) and (fact := _fact(text(children[0]), [children[1]])):
            yield f, fact
    for node in _nodes(root, skip):
        if isinstance(node, Tag) and (node.name in _CELLS or len(node.contents) > 3):
            continue
        fact = _label_value(node) if isinstance(node, (Tag, NavigableString)) else None
        if fact is not None and (f := _field(fact.label)):
            yield f, fact


def enrollment(value: str | None) -> int | None:
    """ "500", "1,200", "500 participants", "Target: 1 200" -> the number."""
    if not value or not (m := re.search(r"\d{1,3}(?:[,. \u00a0\u202f]\d{3})+(?!\d)|\d+", value)):
        return None
    return int(re.sub(r"\D", "", m.group()))


def age_limits(value: str | None) -> tuple[float | None, float | None]:
    """An "Age" label's value as (min, max) years: "18 Years to 75 Years", "6 Months - 18 Years", "18+",
    "18 and over", "Up to 17 years"; a maximum as registries state it ("17 Years" admits 17.99)."""
    if not value:
        return None, None
    v = re.sub(r"\(.*?\)", " ", value)  # "(Adult, Older Adult)"
    parts = re.split(r"\s+(?:to|-|–|—|and)\s+|\s*[-–—]\s*(?=\d)", v.strip(), maxsplit=1)
    if len(parts) == 2 and (lo := n.age_years(parts[0])) is not None and (hi := n.age_years(parts[1])) is not None:
        return lo, hi
    v = re.sub(r"(\d+)\s*\+", r"\1 years and older", v)
    spans = ages(f"Age: {v}") or ages(v)
    if not spans:
        return n.age_years(v), None
    low = spans[0].low
    end = spans[0].end
    return low, (end - 1 if end is not None else None)


def sex(value: str | None) -> str | None:
    """ "All", "Both", "Male and female", "Female", "Women only" -> ALL, FEMALE, MALE."""
    if not value:
        return None
    v = value.lower()
    female = bool(re.search(r"\b(female|females|women|woman|girls?)\b", v))
    male = bool(re.search(r"\b(male|males|men|man|boys?)\b", v))
    if (female and male) or re.search(r"\b(all|both|any|everyone)\b", v):
        return "ALL"
    return "FEMALE" if female else "MALE" if male else n.sex(value) if value.strip().upper() in ("F", "M") else None


# Recruitment status as finders word it, beside the registry's own wording (which n.status reads).
_STATUS_WORDS = {
    "RECRUITING": (
        "now recruiting", "recruiting now", "actively recruiting", "currently recruiting", "open", "enrolling",
        "open to enrollment", "open to enrolment", "open for enrollment", "now enrolling", "currently enrolling",
        "accepting participants", "accepting patients", "active recruiting",
    ),
    "NOT_YET_RECRUITING": ("coming soon", "opening soon", "not yet open", "not yet enrolling"),
    "ACTIVE_NOT_RECRUITING": (
        "active", "not recruiting", "closed to enrollment", "closed to enrolment", "closed to recruitment",
        "closed to accrual", "no longer recruiting", "enrollment closed", "recruitment closed",
        "recruitment complete", "enrollment complete",
    ),
    "ENROLLING_BY_INVITATION": ("by invitation only", "invitation only"),
    "COMPLETED": ("complete", "study completed"),
}  # fmt: skip
_STATUS = {words: value for value, phrases in _STATUS_WORDS.items() for words in phrases}


def status(value: str | None) -> str | None:
    """A recruitment status as the registry's enum; None for wording that is no status (never an enum of
    our own making, which no status filter would know)."""
    if not value:
        return None
    registry = n.status(value)
    if registry in n.STATUSES:
        return registry
    return _STATUS.get(key(value))


def yes_no(value: str | None) -> bool | None:
    """ "Yes", "No", "Accepts healthy volunteers", "Accepted", "Not accepted"."""
    if not value:
        return None
    k = key(value)
    if k in ("accepted", "accepts", "accepts healthy volunteers", "healthy volunteers accepted"):
        return True
    if k in ("not accepted", "no healthy volunteers", "does not accept healthy volunteers", "patients only"):
        return False
    return n.yes_no(value)


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}


def phases(value: str | None) -> tuple[str, ...]:
    """ "Phase 2", "Phase II/III", "Phase 1/2", "Not Applicable" -> registry phase enums."""
    if not value:
        return ()
    v = re.sub(r"\b(iv|iii|ii|i)\b", lambda m: _ROMAN[m.group(1).lower()], value, flags=re.I)
    v = re.sub(r"^\s*(?=\d)", "Phase ", v)  # "Phase: 2"
    v = re.sub(r"(?<=\d)\s*/\s*(?=\d)", "/phase ", v)  # "Phase 2/3": both
    if re.fullmatch(r"\s*(not applicable|n/?a|none)\s*", v, re.I):
        return ("NA",)
    return n.phases(v)


def study_type(value: str | None) -> str | None:
    return n.study_type(re.split(r"[(\[]", value)[0]) if value else None
