"""Takeda clinical-trial summary pages (takedaclinicaltrials.com/browse/summary/{id}) -> TrialRecord."""

from __future__ import annotations

import re

from bs4 import Tag

from indexer import normalize as n
from indexer.identifiers import register_id
from indexer.parsers.errors import NotATrial, ParseError
from indexer.parsers.html import criteria, first_nct, label, lines, soup_of, text
from indexer.record import Eligibility, Intervention, Location, TrialRecord

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
            interventions=(Intervention(type="DRUG", name=compounds[0], other_names=tuple(compounds[1:])),)
            if compounds
            else (),
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
