"""A trial-finder page's schema.org MedicalTrial / MedicalStudy JSON-LD, as label/value facts for the page's gaps."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup

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


def trial_facts(soup: BeautifulSoup) -> dict[str, list[str]]:
    """Field -> values from the page's first trial object in JSON-LD; {} when it has none or bad JSON."""
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.get_text())
        except ValueError:
            continue  # a site's broken JSON-LD: the page itself still says what it says
        for node in _nodes(data):
            kinds = node.get("@type")
            if not (set(kinds if isinstance(kinds, list) else [kinds]) & _TYPES):
                continue
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
    return {}
