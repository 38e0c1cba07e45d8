"""Sites and contacts on a trial-finder page: a locations table, cards or list items, and contact lines."""

from __future__ import annotations

import copy
import re

from bs4 import Tag
from bs4.element import PageElement

from indexer.parsers.listing_labels import status
from indexer.parsers.listing_layout import BLOCKS, key, text
from indexer.parsers.listing_render import render
from indexer.record import Contact, Location
from indexer.usps import US_STATE_CODES

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w@])\+?\(?\d[\d ().\-]{5,}\d(?![\w@])")
_ZIP = re.compile(r"\b(?:[A-Z]{1,2}-)?\d{4,6}(?:-\d{4})?\b|\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b")
_LABELLED = re.compile(r"^(?P<label>[A-Za-z][A-Za-z -]{1,30}?)\s*[:：]\s*(?P<value>.+)$")
# Table header words -> Location field.
_COLUMNS = {
    "facility": ("facility", "site", "site name", "institution", "hospital", "centre", "center", "location", "name"),
    "city": ("city", "town"),
    "state": ("state", "province", "region", "state province"),
    "zip": ("zip", "zip code", "postal code", "postcode"),
    "country": ("country",),
    "status": ("status", "recruitment status", "site status"),
    "contact": ("contact", "site contact", "contact name"),
    "phone": ("phone", "telephone"),
    "email": ("email", "e mail"),
}
_SUBHEADINGS = ("h2", "h3", "h4", "h5", "h6", "strong", "b")
_COLUMN = {label: name for name, labels in _COLUMNS.items() for label in labels}
_CONTACT_LABELS = {"contact", "contact name", "contact person", "site contact", "study contact", "name"}
_STATUS_LABELS = {"status", "recruitment status", "site status"}


def site_status(line: str) -> str | None:
    return status(line.strip(" ()"))


def contact_of(lines: list[str], role: str = "CONTACT") -> Contact | None:
    """Name, phone and email from an item's lines (labelled or not); details are kept, never logged."""
    name = phone = email = None
    unlabelled: list[str] = []
    for line in lines:
        m = _LABELLED.match(line)
        label, value = (key(m.group("label")), m.group("value")) if m else ("", line)
        if (found := _EMAIL.search(value)) and email is None:
            email = found.group()
            value = value.replace(found.group(), " ")
        if (found := _PHONE.search(value)) and phone is None:
            phone = " ".join(found.group().split())
            value = value.replace(found.group(), " ")
        rest = " ".join(value.split()).strip(" ,;|·•-–—")
        if label in _CONTACT_LABELS and rest and name is None:
            name = rest
        elif not label and rest and not re.search(r"\d", rest):
            unlabelled.append(rest)
    name = name or (unlabelled[0] if unlabelled else None)
    return Contact(name=name, role=role, phone=phone, email=email) if (name or phone or email) else None


def place(line: str) -> dict[str, str | None]:
    """ "City, State ZIP, Country" / "City ZIP, Country" / "City, Country" -> its parts."""
    parts = [p.strip() for p in line.split(",") if p.strip()]
    zip_code = None
    for i, part in enumerate(parts):
        if (m := _ZIP.search(part)) and m.group() != part:
            zip_code, parts[i] = m.group(), " ".join(part.replace(m.group(), " ").split())
            break
        if m:
            zip_code = m.group()
            parts.pop(i)
            break
    city = parts[0] if parts else None
    country = parts[-1] if len(parts) > 1 else None
    state = parts[1] if len(parts) > 2 else None
    if len(parts) == 2 and parts[1] in US_STATE_CODES:
        # "Boston, MA 02115", "Houston, TX": a US site with its state, as US finders write it, not Morocco
        # or Texas as a country.
        state, country = parts[1], "United States"
    return {"city": city, "state": state, "zip": zip_code, "country": country}


def _lines(nodes: list[PageElement]) -> list[str]:
    """The nodes' lines, and the addresses of their mailto: and tel: links (a link may say only "Email")."""
    lines = [ln.strip("* ").strip() for ln in render(nodes).splitlines() if ln.strip()]
    for node in nodes:
        for a in node.find_all("a", href=True) if isinstance(node, Tag) else ():
            scheme, _, address = str(a["href"]).partition(":")
            if scheme.lower() in ("mailto", "tel") and address and address not in " ".join(lines):
                lines.append(f"{'Email' if scheme.lower() == 'mailto' else 'Phone'}: {address.split('?')[0]}")
    return lines


def _site(item: PageElement) -> Location | None:
    lines = _lines([item])
    if not lines:
        return None
    status = None
    plain: list[str] = []
    contact_lines: list[str] = []
    for line in lines:
        m = _LABELLED.match(line)
        label = key(m.group("label")) if m else ""
        if label in _STATUS_LABELS and m:
            status = site_status(m.group("value"))
        elif (s := site_status(line)) is not None:
            status = s
        elif label or _EMAIL.search(line) or (_PHONE.fullmatch(line.strip()) is not None):
            contact_lines.append(line)
        else:
            plain.append(line)
    facility = plain[0] if len(plain) > 1 or (plain and "," not in plain[0]) else None
    place_line = next((p for p in plain[1:] if "," in p), None) if facility else (plain[0] if plain else None)
    parts = place(place_line) if place_line else {}
    contact = contact_of(contact_lines)
    return Location(
        facility=facility,
        city=parts.get("city"),
        state=parts.get("state"),
        zip=parts.get("zip"),
        country=parts.get("country"),
        status=status,
        contacts=(contact,) if contact else (),
    )


def _table_sites(table: Tag) -> list[Location]:
    rows = table.find_all("tr")
    if not rows:
        return []
    columns = [_COLUMN.get(key(text(c))) for c in rows[0].find_all(["th", "td"])]
    if "city" not in columns and "country" not in columns:
        return []
    out = []
    for row in rows[1:]:
        cells = {col: text(c) or None for col, c in zip(columns, row.find_all(["td", "th"]), strict=False) if col}
        contact = contact_of([f"Contact: {cells['contact']}"] if cells.get("contact") else [])
        extra = [v for v in (cells.get("phone"), cells.get("email")) if v]
        if contact is not None or extra:
            contact = contact_of([*([f"Contact: {cells['contact']}"] if cells.get("contact") else []), *extra])
        out.append(
            Location(
                facility=cells.get("facility"),
                city=cells.get("city"),
                state=cells.get("state"),
                zip=cells.get("zip"),
                country=cells.get("country"),
                status=site_status(cells.get("status") or ""),
                contacts=(contact,) if contact else (),
            )
        )
    return out


def _items(nodes: list[PageElement]) -> list[PageElement]:
    """A section's repeated parts: its list items, the parts each sub-heading starts, or its blocks (cards)."""
    tags = [x for x in nodes if isinstance(x, Tag)]
    if len(heads := [t for t in tags if t.name in _SUBHEADINGS or t.get("role") == "heading"]) > 1:
        groups: list[Tag] = []
        for t in tags:
            if any(t is h for h in heads) or not groups:
                groups.append(Tag(name="div"))
            groups[-1].append(_copy(t))
        return list(groups)
    for tag in tags:
        if tag.name in ("ul", "ol"):
            return [li for t in tags if t.name in ("ul", "ol") for li in t.find_all("li", recursive=False)]
    blocks = [t for t in tags if t.name in BLOCKS and text(t)]
    inner = [c for c in blocks[0].children if isinstance(c, Tag) and text(c)] if len(blocks) == 1 else []
    if len(inner) > 1 and all(c.name in BLOCKS and c.find(True) for c in inner):  # one wrapper of cards
        return list(inner)
    return list(blocks)


def _copy(tag: Tag) -> Tag:
    return copy.copy(tag)  # bs4 copies a tag and its subtree; the page stays as it was


def locations(nodes: list[PageElement]) -> tuple[Location, ...]:
    """The sites a locations section lists, as a table or as one item per site."""
    for node in nodes:
        tables = [node] if isinstance(node, Tag) and node.name == "table" else []
        if isinstance(node, Tag) and not tables:
            tables = node.find_all("table")
        for table in tables:
            if found := _table_sites(table):
                return tuple(found)
    sites = [s for s in (_site(item) for item in _items(nodes)) if s is not None and (s.city or s.country)]
    return tuple(sites)


def contacts(nodes: list[PageElement]) -> tuple[Contact, ...]:
    """The central contacts a contacts section lists: one per item, or one for the whole section."""
    items = _items(nodes)
    found = [c for item in items if (c := contact_of(_lines([item])))]
    # One contact per item only when each is whole; a name, a phone and an email each on its own line are one.
    if items and (len(found) <= 1 or not all(c.name and (c.phone or c.email) for c in found)):
        lines = _lines(nodes)
        whole = contact_of(lines)
        return (whole,) if whole else ()
    return tuple(found)
