"""Sites and people of a legacy XML study: its locations, their contacts, central contacts and officials."""

from __future__ import annotations

from lxml import etree

from indexer import normalize as n
from indexer.parsers.ctgov_xml_tree import first_children, text
from indexer.record import Contact, Location
from indexer.record_new import new_contact, new_location


def location(loc: etree._Element) -> Location:
    # One pass over each level's children, each element kept only if it is the first of its tag (as
    # first_children keeps them), without a dict a level: a legacy XML record has 13 sites on average.
    facility = status = None
    has_people = False
    for child in loc:
        tag = child.tag
        if tag == "facility":
            if facility is None:
                facility = child
        elif tag == "status":
            if status is None:
                status = child
        elif tag in _SITE_PEOPLE:
            has_people = True
    name = address = None
    for child in () if facility is None else facility:
        tag = child.tag
        if tag == "name":
            if name is None:
                name = child
        elif tag == "address" and address is None:
            address = child
    place: dict[str, str | None] = {}  # the text of the address's first child of each tag
    for child in () if address is None else address:
        tag = child.tag
        if tag not in place:
            place[tag] = text(child)
    return new_location(
        facility=text(name),
        city=place.get("city"),
        state=place.get("state"),
        zip=place.get("zip"),
        country=place.get("country"),
        status=n.status(text(status)),
        contacts=people(loc, _SITE_PEOPLE) if has_people else (),
    )


def _person(el: etree._Element, role: str | None) -> Contact | None:
    """<overall_contact>, <contact>, <investigator>, ...: first/middle/last name and degrees make the name."""
    kids = first_children(el)
    name = " ".join(t for t in (text(kids.get(k)) for k in ("first_name", "middle_name", "last_name")) if t)
    degrees = text(kids.get("degrees"))
    if name and degrees:
        name = f"{name}, {degrees}"
    phone, email = text(kids.get("phone")), text(kids.get("email"))
    if not (name or phone or email):
        return None
    return new_contact(
        name=name or None,
        role=role or n.enum_value(text(kids.get("role"))),
        phone=phone,
        phone_ext=text(kids.get("phone_ext")),
        email=email,
        affiliation=text(kids.get("affiliation")),
    )


_SITE_PEOPLE: dict[str, str | None] = {"contact": "CONTACT", "contact_backup": "BACKUP_CONTACT", "investigator": None}
CENTRAL: dict[str, str | None] = {"overall_contact": "CONTACT", "overall_contact_backup": "BACKUP_CONTACT"}
OFFICIALS: dict[str, str | None] = {"overall_official": None}


def people(el: etree._Element, roles: dict[str, str | None]) -> tuple[Contact, ...]:
    """People under these tags, in document order; `None` as role means the element's own <role>."""
    found = (_person(child, roles[child.tag]) for child in el.iterchildren(*roles))
    return tuple(c for c in found if c is not None)
