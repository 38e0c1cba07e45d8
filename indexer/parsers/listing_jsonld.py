"""A trial-finder page's schema.org MedicalTrial / MedicalStudy JSON-LD: facts and sites for the page's gaps."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup

from indexer.parsers.country_codes import country_name
from indexer.parsers.listing_places import place
from indexer.record import Location

_TYPES = frozenset({"MedicalTrial", "MedicalStudy", "MedicalObservationalStudy", "ClinicalTrial"})


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Every object of a JSON-LD document, through @graph and nested values."""
    if isinstance(data, list):
        for item in data:
            yield from _nodes(item)
    elif isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, (list, dict)):
                yield from _nodes(value)


def _names(value: Any) -> list[str]:
    """Text values: strings, or objects' `name` (an Organization, a MedicalCondition)."""
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        name = v.get("name") if isinstance(v, dict) else v
        if isinstance(name, (str, int)) and str(name).strip():
            out.append(" ".join(str(name).split()))
    return out


def _status(value: Any) -> str | None:
    """ "https://schema.org/ActiveNotRecruiting" -> "Active Not Recruiting" (the enum's words)."""
    [raw, *_] = _names(value) or [""]
    word = raw.rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", word) or None


def trial_node(soup: BeautifulSoup) -> dict[str, Any]:
    """The page's first trial object in JSON-LD, its references ({"@id": ...}) to other objects of the
    page's JSON-LD replaced by them (a @graph names its sites and sponsor once); {} when it has none."""
    documents = []
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            documents.append(json.loads(script.get_text()))
        except ValueError:
            continue  # a site's broken JSON-LD: the page itself still says what it says
    nodes = [node for data in documents for node in _nodes(data)]
    ids = {str(n["@id"]): n for n in nodes if "@id" in n and len(n) > 1}
    for node in nodes:
        kinds = node.get("@type")
        if set(kinds if isinstance(kinds, list) else [kinds]) & _TYPES:
            return {k: _resolved(v, ids) for k, v in node.items()}
    return {}


def _resolved(value: Any, ids: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, list):
        return [_resolved(v, ids) for v in value]
    if isinstance(value, dict) and set(value) == {"@id"}:
        found = ids.get(str(value["@id"]), value)
        address = found.get("address")
        return {**found, "address": _resolved(address, ids)} if isinstance(address, (dict, list)) else found
    return value


def trial_facts(node: dict[str, Any]) -> dict[str, list[str]]:
    """Field -> values of a trial object (trial_node)."""
    found = {
        "title": _names(node.get("name")),
        "id": _names(node.get("identifier")),
        "sponsor": _names(node.get("sponsor")),
        "condition": _names(node.get("healthCondition")),
        "phase": _names(node.get("phase")),
        "summary": _names(node.get("description")),
        "status": [s] if (s := _status(node.get("status"))) else [],
    }
    return {k: v for k, v in found.items() if v}


def _one(value: Any) -> str | None:
    names = _names(value)
    return names[0] if names else None


def _written(line: str, facility: str | None = None) -> Location:
    """A site written as text: "Boston, MA 02115" as the page's own site lines, else a facility's name."""
    line = " ".join(line.split())
    if "," not in line:
        return Location(facility=facility or line)
    # "1 Main St, Boston, MA 02115": the street is no city.
    parts = place(re.sub(r"^\d[^,]*,\s*(?=[^,]+,)", "", line))
    return Location(
        facility=facility, city=parts["city"], state=parts["state"], zip=parts["zip"], country=parts["country"]
    )


def _site(value: Any) -> Location | None:
    """A Place (its name and PostalAddress), a bare PostalAddress, or a Country / AdministrativeArea."""
    if isinstance(value, str):
        return _written(value) if value.strip() else None
    if not isinstance(value, dict):
        return None
    address = value.get("address")
    address = address[0] if isinstance(address, list) and address else address
    address = address if isinstance(address, dict) else value  # a PostalAddress is its own address
    kinds = value.get("@type")
    kind = set(kinds if isinstance(kinds, list) else [kinds])
    site = Location(
        facility=None if "PostalAddress" in kind or kind & {"Country", "AdministrativeArea"} else _one(value),
        city=_one(address.get("addressLocality")),
        state=_one(address.get("addressRegion")),
        zip=_one(address.get("postalCode")),
        # schema.org allows the ISO code ("US"): named as the registry's records name the country.
        country=country_name(_one(address.get("addressCountry")) or (_one(value) if "Country" in kind else None)),
    )
    if "AdministrativeArea" in kind and not (site.city or site.country):
        return Location(state=_one(value))  # schema.org's studyLocation: "an administrative area"
    if isinstance(value.get("address"), str) and not (site.city or site.country):
        return _written(str(value["address"]), site.facility)
    return site if (site.facility or site.city or site.state or site.country) else None


def trial_sites(node: dict[str, Any]) -> tuple[Location, ...]:
    """The sites a trial object names: its `studyLocation` (schema.org's) or `location` (sites' use)."""
    for name in ("studyLocation", "location"):
        values = node.get(name)
        found = [s for v in (values if isinstance(values, list) else [values]) if (s := _site(v)) is not None]
        if found:
            return tuple(found)
    return ()
