"""Takeda clinical-trial summary pages (takedaclinicaltrials.com/browse/summary/{id}) -> TrialRecord."""

from __future__ import annotations

import re

from bs4 import Tag

from indexer import normalize as n
from indexer.identifiers import register_id
from indexer.parsers.errors import NotATrial, ParseError
from indexer.parsers.html import criteria, first_nct, label, lines, soup_of, text
from indexer.record import Arm, Eligibility, Intervention, Location, TrialRecord

SOURCE = "takeda"
_AGE = r"(\d+)\s*(years?|months?|weeks?|days?)"
# "18 years - 65 years", "20 years and up" (or "and older"), "up to 17 years".
_AGES = re.compile(rf"^{_AGE}\s*(?:-|to)\s*{_AGE}$", re.I)
_AGES_FROM = re.compile(rf"^{_AGE}\s*(?:and (?:up|older|over)|\+|or older)$", re.I)
_AGES_UP_TO = re.compile(rf"^(?:up to|under|<=?)\s*{_AGE}$", re.I)


def _ages(value: str) -> tuple[float | None, float | None]:
    value = " ".join(value.split())
    if m := _AGES.match(value):
        return n.age_years(f"{m.group(1)} {m.group(2)}"), n.age_years(f"{m.group(3)} {m.group(4)}")
    if m := _AGES_FROM.match(value):
        return n.age_years(f"{m.group(1)} {m.group(2)}"), None
    if m := _AGES_UP_TO.match(value):
        return None, n.age_years(f"{m.group(1)} {m.group(2)}")
    return None, None


def _pairs(soup: object) -> dict[str, Tag]:
    """Each `p.eyebrowbold` label and the element after it (the page's own label/value layout)."""
    out: dict[str, Tag] = {}
    for el in soup.select(".eyebrowbold"):  # type: ignore[attr-defined]
        value = el.find_next_sibling(["p", "div", "ul", "span"])
        key = label(text(el))
        if key and value is not None:
            out.setdefault(key, value)
    return out


# An arm's heading is "Type: label"; ClinicalTrials.gov's names for the types.
_ARM_TYPES = {
    "active": "ACTIVE_COMPARATOR",
    "active comparator": "ACTIVE_COMPARATOR",
    "experimental": "EXPERIMENTAL",
    "placebo": "PLACEBO_COMPARATOR",
    "placebo comparator": "PLACEBO_COMPARATOR",
    "sham": "SHAM_COMPARATOR",
    "sham comparator": "SHAM_COMPARATOR",
    "no intervention": "NO_INTERVENTION",
    "other": "OTHER",
}
_GIVEN = re.compile(r"^Intervention:\s*([^:]+):\s*(.+)$")


def _arms(listing: Tag | None) -> tuple[Arm, ...]:
    """Each item of the arms list: "Experimental: Cohort 1: TAK-648 0.05 mg", its description and the
    "Intervention: drug: TAK-648" lines under it."""
    arms = []
    for li in listing.find_all("li", recursive=False) if listing is not None and listing.name == "ul" else []:
        head = " ".join(str(x) for x in li.find_all(string=True, recursive=False)).strip()
        kind, sep, name = (" ".join(head.split())).partition(":")
        label = name.strip() if sep else kind
        notes = [text(sub) for sub in li.find_all("li")]
        given = [m.group(2).strip() for x in notes if (m := _GIVEN.match(x))]
        described = [x for x in notes if not _GIVEN.match(x)]
        arms.append(
            Arm(
                label=label or head,
                type=_ARM_TYPES.get(kind.strip().lower()) if sep else None,
                description=" ".join(described) or None,
                intervention_names=tuple(given),
            )
        )
    return tuple(a for a in arms if a.label)


def _interventions(compounds: list[str], arms: tuple[Arm, ...]) -> tuple[Intervention, ...]:
    """The compound (its first name generic, the rest brand names and codes), then each drug the arms give
    that is not one of the compound's names."""
    out: dict[str, Intervention] = {}
    if compounds:
        out[compounds[0].lower()] = Intervention(type="DRUG", name=compounds[0], other_names=tuple(compounds[1:]))
    known = {c.lower() for c in compounds}
    for arm in arms:
        for name in arm.intervention_names:
            low = name.lower()
            # "Pioglitazone/metformin hydrochloride" is the compound "pioglitazone/metformin"; its placebo is not.
            same = low in known or ("placebo" not in low and any(low.startswith(k) for k in known))
            key = compounds[0].lower() if same else low
            found = out.get(key) or Intervention(type="DRUG", name=name)
            out[key] = Intervention(
                type=found.type,
                name=found.name,
                other_names=found.other_names,
                arm_labels=tuple(dict.fromkeys((*found.arm_labels, arm.label))),
            )
    return tuple(out.values())


def parse_document(
    body: bytes | str, *, source_url: str | None = None, fetched_at: str | None = None
) -> list[TrialRecord]:
    pairs = _pairs(soup_of(body))
    if "takeda trial id" not in pairs:
        raise NotATrial("not a Takeda trial summary page (no Takeda Trial ID)")

    def v(name: str) -> str | None:
        value = text(pairs.get(name))
        return value or None

    trial_id = v("takeda trial id")
    if trial_id is None:
        raise ParseError("Takeda page with an empty trial id")
    elig = lines(pairs.get("eligibility criteria"))
    inclusion, exclusion = criteria(elig)
    low, high = _ages(v("ages") or "")
    compounds = [c.strip() for c in (v("compound") or "").split(",") if c.strip()]
    countries = [c.strip() for c in (v("locations") or "").split(",") if c.strip()]
    return [
        TrialRecord(
            nct_id=first_nct(v("nct number") or "") or register_id("TAKEDA", trial_id) or "",
            official_title=v("official title"),
            brief_title=v("official title"),
            org_study_id=trial_id,
            secondary_ids=tuple(x.strip() for x in (v("other trial ids") or "").split(",") if x.strip()),
            overall_status=n.status(v("recruitment status")),
            start_date=n.iso_date(v("start date")),
            completion_date=n.iso_date(v("completion date")),
            lead_sponsor=v("trial sponsor"),
            study_type=n.study_type(v("trial type")),
            phases=n.phases(v("trial phase")),
            enrollment=int(e) if (e := v("enrollment/number of participants")) and e.isdigit() else None,
            conditions=tuple(c.strip() for c in (v("condition") or "").split(",") if c.strip()),
            # The first compound is the generic name; the rest are its brand names and codes.
            interventions=_interventions(compounds, arms := _arms(pairs.get("trial arms/groups or cohorts"))),
            arms=arms,
            brief_summary=v("brief summary"),
            detailed_description=v("detailed description"),
            eligibility=Eligibility(
                criteria_text=elig or None,
                inclusion=inclusion,
                exclusion=exclusion,
                min_age_years=low,
                max_age_years=high,
                sex=n.sex(v("gender")),
            ),
            locations=tuple(Location(country=c) for c in countries),
            source=SOURCE,
            source_url=source_url,
            fetched_at=fetched_at,
        )
    ]
