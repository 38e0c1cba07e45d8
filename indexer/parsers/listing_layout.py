"""How trial-finder pages lay out a trial: furniture, the main part, and section headings, however marked up."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag
from bs4.element import Comment, NavigableString, PageElement

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Never trial data: scripts, form controls (a "contact the study team" form has Name/Email labels), menus.
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "form", "nav", "footer", "iframe", "select")
# Class or id words of page furniture: cookie and consent banners, sign-up and newsletter boxes,
# notes widgets, share bars, breadcrumbs, modals, ads.
_FURNITURE = re.compile(
    r"(^|[-_ ])(cookies?|consent|gdpr|newsletter|signup|sign-up|subscribe|modal|popup|share|social|breadcrumbs?|"
    r"notes?|annotations?|advert|ads|promo)($|[-_ ])",
    re.I,
)
BLOCKS = frozenset(
    """
    p div section article main aside header ul ol li dl dt dd table thead tbody tr td th blockquote pre
    h1 h2 h3 h4 h5 h6 fieldset figure details summary address hr
    """.split()  # noqa: SIM905 (one tag a line would be 38 lines)
)
# Section names as pages print them (lower case, letters only). Only these make a line of plain or
# bold text a heading; real headings (h1-h6, role=heading) are headings whatever they say.
SECTIONS = {
    "summary": r"(brief |study |trial |plain language |lay )?(summary|overview|purpose)"
    r"( of (the |this )?(study|trial))?|about (this|the) (study|trial)|what is (this|the) (study|trial) about",
    "description": r"(detailed |study |trial |full )?description",
    "eligibility": r"(participant |patient |study )?eligibility( criteria| requirements)?|participation criteria"
    r"|who (can|may|could) (join|take part|participate|enroll|apply)( in (this|the) (study|trial))?|am i eligible",
    "inclusion": r"(key |main |major )?inclusion( criteria)?",
    "exclusion": r"(key |main |major )?exclusion( criteria)?|who (cannot|can not|can t) (join|take part|participate)",
    "locations": r"(study |trial )?(locations?|sites|centers|centres)( and contacts?)?|contacts? and locations?"
    r"|(participating|study|trial) (sites|centers|centres|locations)|where (is|are) (this|the) (study|trial).*",
    "contacts": r"(study |trial |central )?contacts?( information| details)?|contact (the )?(study|trial)( team)?",
    # Other trials' cards: their facts are not this trial's.
    "similar": r"(similar|related|other|more|recommended|nearby) (clinical )?(trials|studies)( .*)?"
    r"|you (may|might) also (like|be interested in).*|trials (near you|like this)|browse trials.*",
    "other": r"(study |trial )?details|(study |trial )?design|how to (participate|take part|join).*"
    r"|(study |trial )?results",
}
_SECTION_RE = {kind: re.compile(pattern) for kind, pattern in SECTIONS.items()}
# What a section holds besides itself: an eligibility section holds its inclusion and exclusion parts.
_PARTS = {"eligibility": ("inclusion", "exclusion")}
_PSEUDO_LEVEL = 7  # a bold line or a line of text: below every real heading
_NEVER_HEADINGS = frozenset(["td", "dd", "li", "a", "label", "ul", "ol", "table", "tbody", "tr", "input", "img", "br"])


def text(el: PageElement | None) -> str:
    if el is None:
        return ""
    if isinstance(el, NavigableString):
        return " ".join(str(el).split())
    return " ".join(el.get_text(" ").split()) if isinstance(el, Tag) else ""


@functools.lru_cache(maxsize=4096)  # labels and names recur on every page
def key(label: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", label.lower()).split())


def section_kind(words: str) -> str | None:
    k = re.sub(r"( \d+)+$", "", key(words))  # "Study locations (3)"
    if not k or len(k) > 60:
        return None
    return next((kind for kind, rx in _SECTION_RE.items() if rx.fullmatch(k)), None)


def strip_furniture(soup: BeautifulSoup) -> None:
    """Drops what is never trial data, in place: scripts, forms, menus, banners, hidden parts, comments, and
    the site's header (an article's own header, inside main or article, holds the trial's title)."""
    stack: list[tuple[Tag, bool]] = [(soup, False)]
    while stack:  # top down, and not into what goes
        el, in_main = stack.pop()
        for child in list(el.children):
            if isinstance(child, Comment):
                child.extract()
            elif isinstance(child, Tag):
                words = " ".join([*child.get_attribute_list("class"), str(child.get("id", ""))]).strip()
                if (
                    child.name in _DROP_TAGS
                    or (child.name == "header" and not in_main and not child.find(["main", "article"]))
                    or child.get("aria-hidden") == "true"
                    or child.has_attr("hidden")
                    or child.get("role") in ("dialog", "alert")
                    or (words and _FURNITURE.search(words))
                ):
                    child.decompose()
                else:
                    stack.append((child, in_main or child.name in ("main", "article")))


def content_root(soup: BeautifulSoup) -> Tag:
    """The page's main part (main, role=main, article), else its body; looked for one at a time, as
    most pages have a <main> and each look walks the page."""
    main = soup.find("main")
    if not (isinstance(main, Tag) and text(main)):
        main = soup.find(True, role="main")
    if not (isinstance(main, Tag) and text(main)):
        main = soup.find("article")
    if isinstance(main, Tag) and text(main):
        return main
    return soup.body if isinstance(soup.body, Tag) and text(soup.body) else soup


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of a listing page, its level, and the section it names."""

    node: PageElement
    level: int
    kind: str | None  # the SECTIONS name it matches, if any
    words: str


def _alone_on_its_line(el: PageElement) -> bool:
    """Nothing but whitespace beside it up to a line break or a block edge on either side."""
    for sibling_of in ("previous_sibling", "next_sibling"):
        sib = getattr(el, sibling_of)
        while sib is not None:
            if isinstance(sib, Tag):
                if sib.name == "br" or sib.name in BLOCKS:
                    break
                if text(sib):
                    return False
            elif str(sib).strip():
                return False
            sib = getattr(sib, sibling_of)
    return True


def headings(root: Tag) -> list[Heading]:
    """Every heading in document order: h1-h6, ARIA headings, and section names alone on their line."""
    found: list[Heading] = []
    inside: set[int] = set()  # a heading's descendants are no second heading
    for node in root.descendants:
        if id(node) in inside:
            continue
        if isinstance(node, Tag):
            level = _level(node)
            if level is None:
                # A name alone: a bold line, a title div, a <dt> or an accordion's button; few children.
                if len(node.contents) > 2 or node.name in _NEVER_HEADINGS:
                    continue
                words = text(node)
                kind = section_kind(words)
                if kind is None or not _alone_on_its_line(node) or not _names_only(node) or node.find(_HEADINGS):
                    continue
                level = _PSEUDO_LEVEL
            else:
                words = text(node)
                kind = section_kind(words)
            found.append(Heading(node, level, kind, words))
            inside.update(id(d) for d in node.descendants)
        elif isinstance(node, NavigableString) and not isinstance(node, Comment):
            words = text(node)
            kind = section_kind(words) if words else None
            # A line of a text block ("Inclusion Criteria:<br>..."), not the whole text of its element.
            if kind is not None and _alone_on_its_line(node) and node.parent and text(node.parent) != words:
                found.append(Heading(node, _PSEUDO_LEVEL, kind, words))
    return found


def _level(tag: Tag) -> int | None:
    if tag.name in _HEADINGS:
        return int(tag.name[1])
    if tag.get("role") == "heading":
        level = str(tag.get("aria-level", "2"))
        return int(level) if level.isdigit() else 2
    return None


def _names_only(tag: Tag) -> bool:
    """A block that is only a name (a bold line, a title div), not a label beside its value."""
    return tag.name not in ("span", "a", "label") or tag.parent is None or text(tag.parent) == text(tag)


def _after(node: PageElement, root: Tag) -> PageElement | None:
    """The next node in document order past `node`'s own subtree, within `root`."""
    cur: PageElement | None = node
    while cur is not None and cur is not root:
        if cur.next_sibling is not None:
            return cur.next_sibling
        cur = cur.parent
    return None


class Sections:
    """A page's headings and the content under each, found by name."""

    def __init__(self, root: Tag) -> None:
        self.root = root
        self.found = headings(root)
        self.by_node = {id(h.node): h for h in self.found}
        self._holders: set[int] = set()  # elements that hold a heading: walked into, never taken whole
        for h in self.found:
            parent = h.node.parent
            while parent is not None and id(parent) not in self._holders:
                self._holders.add(id(parent))
                parent = parent.parent

    def first(self, *kinds: str) -> Heading | None:
        return next((h for h in self.found if h.kind in kinds), None)

    def content(self, heading: Heading) -> list[PageElement]:
        """The nodes under a heading, up to the next heading that ends it: one of its level or above,
        or another section's name (an inclusion section ends at the exclusion heading, however marked)."""
        parts = _PARTS.get(heading.kind or "", ())
        out: list[PageElement] = []
        node = _after(heading.node, self.root)
        while node is not None:
            other = self.by_node.get(id(node))
            if other is not None and (
                (other.level <= heading.level and other.level < _PSEUDO_LEVEL)
                or (other.kind is not None and other.kind not in parts)
                or (heading.level == _PSEUDO_LEVEL and other.level < _PSEUDO_LEVEL)
            ):
                break
            if isinstance(node, Tag) and id(node) in self._holders:
                node = node.contents[0] if node.contents else _after(node, self.root)
                continue
            out.append(node)
            node = _after(node, self.root)
        return out

    def of(self, *kinds: str) -> list[PageElement]:
        h = self.first(*kinds)
        return self.content(h) if h is not None else []


def strings_after(label: PageElement) -> Iterator[PageElement]:
    """The siblings after a label up to a line break or a block."""
    sib = label.next_sibling
    while sib is not None:
        if isinstance(sib, Tag) and (sib.name == "br" or sib.name in BLOCKS):
            return
        yield sib
        sib = sib.next_sibling
