"""EU CTR field readers: the F.1 age groups, the D.IMP products, the register's statuses and countries."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from indexer import normalize as n
from indexer.parsers.html import text
from indexer.record import Design, Intervention

# F.1: the age groups a protocol includes, youngest first, with the ages each spans (in years).
AGE_GROUPS = (
    ("F.1.1.1", "in utero", 0.0, 0.0),
    ("F.1.1.2", "preterm new born infants", 0.0, 0.0),
    ("F.1.1.3", "newborns", 0.0, n.age_years("27 days")),
    ("F.1.1.4", "infants and toddlers", n.age_years("28 days"), n.age_years("23 months")),
    ("F.1.1.5", "children", 2.0, 11.0),
    ("F.1.1.6", "adolescents", 12.0, 17.0),
    ("F.1.2", "adults", 18.0, 64.0),
    ("F.1.3", "elderly", 65.0, None),
)
UNDER_18 = "F.1.1"  # "Trial has subjects under 18"


def age_limits(answers: dict[str, bool | None]) -> tuple[float | None, float | None, dict[str, str]]:
    """(min, max, provenance) from each group's yes/no (None: not stated). A limit is known only when
    every group beyond it is answered no ("Trial has subjects under 18: No" answers the six child groups)."""
    if answers.get(UNDER_18) is False:
        answers = {**answers, **{code: False for code, *_ in AGE_GROUPS if code.startswith("F.1.1.")}}
    groups = [(code, low, high, answers.get(code)) for code, _, low, high in AGE_GROUPS]
    included = [i for i, g in enumerate(groups) if g[3]]
    if not included:
        return None, None, {}
    first, last = included[0], included[-1]
    low = groups[first][1] if all(g[3] is False for g in groups[:first]) else None
    high = groups[last][2] if all(g[3] is False for g in groups[last + 1 :]) else None
    provenance = {}
    if low is not None:
        provenance["min_age_years"] = f"EU CTR section {groups[first][0]}"
    if high is not None:
        provenance["max_age_years"] = f"EU CTR section {groups[last][0]}"
    return low, high, provenance


def card_age_answers(population: str) -> dict[str, bool | None]:
    """A search result's "Population Age: Adults, Elderly" as the F.1 answers (a listed group: yes;
    the others: no, since the card lists every group the protocol includes)."""
    named = {p.strip().lower() for p in population.split(",") if p.strip()}
    if not named:
        return {}
    return {code: name in named for code, name, *_ in AGE_GROUPS}


# The register's trial statuses in the vocabulary ClinicalTrials.gov uses, where one means the same.
# "Ongoing" and "Restarted" say the trial runs, not whether it recruits: they stay as the register says.
_STATUS = {
    "COMPLETED": "COMPLETED",
    "PREMATURELY_ENDED": "TERMINATED",
    "TEMPORARILY_HALTED": "SUSPENDED",
    "SUSPENDED_BY_CA": "SUSPENDED",
    "NOT_AUTHORISED": "WITHDRAWN",
    "PROHIBITED_BY_CA": "WITHDRAWN",
    # The register no longer follows the protocol (a UK one after Brexit, one moved to CTIS).
    "GB_NO_LONGER_IN_EU_EEA": "UNKNOWN",
    "TRIAL_NOW_TRANSITIONED": "UNKNOWN",
}


def status(value: str | None) -> str | None:
    """An EU CTR status ("Prematurely Ended") as a record status ("TERMINATED")."""
    code = n.enum_value(re.sub(r"[^A-Za-z ]+", " ", value)) if value else None
    return _STATUS.get(code, code) if code else None


_NO_ANSWER = ("information not present in eudract", "n/a", "na")


def products(soup: BeautifulSoup) -> tuple[Intervention, ...]:
    """One intervention per active substance (the same substance in several strengths is one), named by
    its INN, with the product's trade names and codes as other names, and its role (test, comparator)."""
    imps: list[dict[str, list[str]]] = []
    for tr in soup.find_all("tr"):
        cells = tr.find_all("td", recursive=False)
        if len(cells) == 1 and re.match(r"D\.IMP:\s*\d+", text(cells[0])):
            imps.append({})
        elif imps and len(cells) >= 3 and (value := text(cells[2])) and value.lower() not in _NO_ANSWER:
            imps[-1].setdefault(text(cells[0]), []).append(value)
    merged: dict[str, Intervention] = {}
    for imp in imps:
        substances = imp.get("D.3.8") or imp.get("D.3.9.3") or []
        product = (imp.get("D.3.1") or imp.get("D.2.1.1.1") or [""])[0]
        # A product of several substances (artemether + lumefantrine) is named as the product.
        name = substances[0] if len(substances) == 1 else product or " + ".join(substances)
        if not name:
            continue
        key = ",".join(sorted(imp.get("D.3.9.1", []))) or " ".join(name.lower().split())
        others = [
            *imp.get("D.2.1.1.1", []),
            *(substances if len(substances) > 1 else ()),
            *imp.get("D.3.9.3", []),
            *imp.get("D.3.2", []),
            *imp.get("D.3.9.2", []),
        ]
        role = next(iter(imp.get("D.1.2 and D.1.3", [])), None)
        old = merged.get(key)
        names = _distinct([*(old.other_names if old else ()), *others], exclude=(old.name if old else name))
        merged[key] = Intervention(
            type="DRUG",
            name=old.name if old else name,
            other_names=tuple(names),
            description=(old.description if old else None) or (f"IMP role: {role}" if role else None),
        )
    return tuple(merged.values())


def _distinct(values: list[str], exclude: str) -> list[str]:
    seen = {exclude.lower()}
    out = []
    for v in values:
        if v.lower() not in seen:
            seen.add(v.lower())
            out.append(v)
    return out


# The codes the register's URLs give each member state's protocol (/ctr-search/trial/{EudraCT}/{code}).
MEMBER_STATES = {
    "AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "HR": "Croatia", "CY": "Cyprus", "CZ": "Czech Republic",
    "DK": "Denmark", "EE": "Estonia", "FI": "Finland", "FR": "France", "DE": "Germany", "GR": "Greece",
    "HU": "Hungary", "IS": "Iceland", "IE": "Ireland", "IT": "Italy", "LV": "Latvia", "LI": "Liechtenstein",
    "LT": "Lithuania", "LU": "Luxembourg", "MT": "Malta", "NL": "Netherlands", "NO": "Norway", "PL": "Poland",
    "PT": "Portugal", "RO": "Romania", "SK": "Slovakia", "SI": "Slovenia", "ES": "Spain", "SE": "Sweden",
    "GB": "United Kingdom",
}  # fmt: skip
_CODES = {name.lower(): code for code, name in MEMBER_STATES.items()} | {"czechia": "CZ"}
OUTSIDE_EU = "3rd"


def protocol_code(member_state: str | None) -> str | None:
    """The URL code of a protocol ("Germany - BfArM" -> "DE"; no member state: "3rd", outside the EU/EEA)."""
    if not member_state:
        return OUTSIDE_EU
    return _CODES.get(member_state.split(" - ")[0].strip().lower())


def countries(member_state: str | None, rows: dict[str, Tag], soup: BeautifulSoup) -> list[str]:
    """The member state of this protocol and the countries outside the EEA it lists (E.8.6.3, H.4.1)."""
    out = [member_state.split(" - ")[0].strip()] if member_state else []
    for tr in soup.find_all("tr"):
        cells = tr.find_all("td", recursive=False)
        if len(cells) < 3:
            continue
        code, label = text(cells[0]), text(cells[1]).lower()
        # Older pages ask for "regions" here (free text such as "North America"): only countries count.
        if code == "E.8.6.3" and "countries" in label:
            out.extend(text(td) for td in cells[2].find_all("td") if text(td))
    if (first := rows.get("H.4.1")) is not None and text(first):
        out.append(text(first))
    return list(dict.fromkeys(out))


def design(answers: dict[str, bool | None]) -> Design:
    """E.8.1's yes/no design questions as the record's design (a question not answered says nothing)."""
    controlled, randomised = answers.get("E.8.1"), answers.get("E.8.1.1")
    masking = next(
        (m for code, m in (("E.8.1.4", "DOUBLE"), ("E.8.1.3", "SINGLE"), ("E.8.1.2", "NONE")) if answers.get(code)),
        None,
    )
    model = next((m for code, m in (("E.8.1.5", "PARALLEL"), ("E.8.1.6", "CROSSOVER")) if answers.get(code)), None)
    return Design(
        allocation="RANDOMIZED" if randomised else "NON_RANDOMIZED" if randomised is False and controlled else None,
        masking=masking,
        intervention_model=model,
    )


DESIGN_CODES = ("E.8.1", "E.8.1.1", "E.8.1.2", "E.8.1.3", "E.8.1.4", "E.8.1.5", "E.8.1.6")
