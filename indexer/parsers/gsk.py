"""GSK Clinical Study Register study pages (gsk-clinicalstudyregister.com/study/{id}) -> TrialRecord."""

from __future__ import annotations

import re

from bs4 import Tag

from indexer import normalize as n
from indexer.identifiers import register_id
from indexer.parsers.errors import NotATrial, ParseError
from indexer.parsers.html import criteria, first_nct, lines, row_pairs, soup_of, text
from indexer.record import Arm, Contact, Design, Eligibility, Intervention, Location, Outcome, TrialRecord

SOURCE = "gsk"
_TOGGLE = "Click to view inclusion/exclusion criteria"


def parse_document(
    body: bytes | str, *, source_url: str | None = None, fetched_at: str | None = None
) -> list[TrialRecord]:
    soup = soup_of(body)
    pairs = row_pairs(soup)
    values: dict[str, Tag] = {}
    dates: tuple[str, str] | None = None
    for i, (key, cell) in enumerate(pairs):
        if key == "first received" and text(cell).lower() == "last updated" and i + 1 < len(pairs):
            # The two dates sit in the next row, under their two headings.
            dates = (text(pairs[i + 1][1].find_previous_sibling()), text(pairs[i + 1][1]))
        values.setdefault(key, cell)
    sites = [_site(tr) for tr in soup.find_all("tr")]
    if "study id" not in values:
        raise NotATrial("not a GSK study page (no Study ID)")

    def v(name: str) -> str | None:
        value = text(values.get(name))
        return value if value and value.upper() not in ("N/A", "NONE") else None

    study_id = v("study id")
    nct = first_nct(v("clinicaltrials gov identifier") or "")
    if study_id is None:
        raise ParseError("GSK page without a study id")
    # The criteria sit in a collapsed block under a "Click to view" link, which is not criteria text.
    elig_cell = values.get("eligibility criteria")
    block = elig_cell.find(id="eligcrit") if elig_cell is not None else None
    elig = lines(block if isinstance(block, Tag) else elig_cell).replace(_TOGGLE, "").strip()
    inclusion, exclusion = criteria(elig)
    title = v("study title")
    generic, trade = v("generic name"), v("trade name")
    return [
        TrialRecord(
            nct_id=nct or register_id("GSK", study_id) or "",
            brief_title=title if title and title != "See Detailed Description" else v("brief summary"),
            official_title=v("detailed description") if title == "See Detailed Description" else None,
            org_study_id=study_id,
            secondary_ids=tuple(x for x in (v("clinical study id"), v("secondary ids")) if x),
            overall_status=n.status(v("study recruitment status")),
            why_stopped=v("why study stopped"),
            start_date=n.iso_date(v("study start date")),
            primary_completion_date=n.iso_date(v("primary completion date")),
            completion_date=n.iso_date(v("study completion date")),
            first_submitted=n.iso_date(dates[0]) if dates else None,
            last_update_posted=n.iso_date(dates[1]) if dates else None,
            lead_sponsor=v("sponsor"),
            collaborators=tuple(c.strip() for c in (v("collaborators") or "").split(",") if c.strip()),
            study_type=n.study_type(v("study type")),
            phases=n.phases(v("phase")),
            enrollment=int(e) if (e := v("enrollment")) and e.isdigit() else None,
            enrollment_type=n.enrollment_type(v("enrollment type")),
            design=Design(
                allocation=n.design_value(v("allocation")),
                masking=n.masking(v("masking")),
                primary_purpose=n.design_value(v("primary purpose")),
                intervention_model=n.design_value(v("study design assignment")),
            ),
            conditions=tuple(c.strip() for c in (v("study indication") or "").split(",") if c.strip()),
            keywords=_list(values.get("keywords")),
            interventions=(drugs := _interventions(values.get("interventions"), generic, _split(trade))),
            arms=_arms(values.get("arms"), drugs),
            primary_outcomes=_outcomes(values.get("primary outcomes")),
            secondary_outcomes=_outcomes(values.get("secondary outcomes")),
            overall_officials=tuple(
                Contact(
                    name=official,
                    role=n.enum_value(v("overall study official role")),
                    affiliation=v("overall study official affiliation"),
                )
                for official in (v("overall study official"),)
                if official
            ),
            brief_summary=v("brief summary"),
            detailed_description=v("detailed description"),
            eligibility=Eligibility(
                criteria_text=elig or None,
                inclusion=inclusion,
                exclusion=exclusion,
                min_age_years=n.age_years(v("minimum age")),
                max_age_years=n.age_years(v("maximum age")),
                sex=n.sex(v("gender")),
                healthy_volunteers=n.yes_no(v("healthy volunteers")),
            ),
            locations=tuple(site for site in sites if site is not None),
            central_contacts=tuple(
                Contact(name=v("central contact"), role="CONTACT", phone=v("central contact phone"), email=email)
                for email in (v("central contact email"),)
                if email or v("central contact phone")
            ),
            source=SOURCE,
            source_url=source_url,
            fetched_at=fetched_at,
        )
    ]


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(t.strip() for t in (value or "").split(",") if t.strip())


def _list(cell: Tag | None) -> tuple[str, ...]:
    """A field's list items (<li>), or its comma-separated text when it has none."""
    if cell is None:
        return ()
    items = [text(li) for li in cell.find_all("li")]
    return tuple(dict.fromkeys(k for i in items for k in _split(i))) if items else _split(text(cell))


def _entries(cell: Tag | None) -> list[tuple[str, dict[str, str]]]:
    """The list of a field such as Interventions: each item's bold name and its "Type: drug" lines."""
    out = []
    for li in cell.find_all("li") if cell is not None else []:
        bold = li.find("b")
        name = text(bold) if bold is not None else ""
        lines_ = [text(span) for span in li.find_all("span")]
        labelled = dict(
            (key.strip().lower(), value.strip()) for key, sep, value in (x.partition(":") for x in lines_) if sep
        )
        rest = [x for x in lines_ if x and x != name and ":" not in x]
        if name:
            out.append((name, {**labelled, "text": " ".join(rest)}))
    return out


def _interventions(cell: Tag | None, generic: str | None, trade: tuple[str, ...]) -> tuple[Intervention, ...]:
    """The Interventions list; the study drug's generic and trade names go with the item that names it."""
    found = []
    for name, fields in _entries(cell):
        others = (generic, *trade) if generic and generic.lower() in name.lower() else ()
        found.append(
            Intervention(
                type=(fields.get("type") or "drug").upper().replace(" ", "_"),
                name=name,
                other_names=tuple(o for o in others if o),
                description=fields.get("description") or None,
                arm_labels=tuple(a for a in (fields.get("arms"),) if a),
            )
        )
    if generic and not any(generic in i.other_names for i in found):
        found.insert(0, Intervention(type="DRUG", name=generic, other_names=trade))
    return tuple(found)


def _outcomes(cell: Tag | None) -> tuple[Outcome, ...]:
    """Each outcome item: the measure in bold, then "Time Frame: ..." on its own line."""
    out = []
    for li in cell.find_all("li") if cell is not None else []:
        bold = li.find("b")
        frame = re.search(r"Time Frame:\s*(.+)", lines(li))
        if bold is not None and text(bold):
            out.append(Outcome(text(bold), time_frame=frame.group(1).strip() if frame else None))
    return tuple(out)


def _arms(cell: Tag | None, drugs: tuple[Intervention, ...]) -> tuple[Arm, ...]:
    return tuple(
        Arm(
            label=name,
            description=fields["text"] or None,
            intervention_names=tuple(d.name for d in drugs if name in d.arm_labels),
        )
        for name, fields in _entries(cell)
    )


_SITE_STATUS = {
    "RECRUITING",
    "COMPLETED",
    "TERMINATED",
    "WITHDRAWN",
    "ACTIVE_NOT_RECRUITING",
    "NOT_YET_RECRUITING",
    "SUSPENDED",
}


def _site(tr: Tag) -> Location | None:
    """A Locations row: "GSK Investigational Site<br>United States, Alaska, Anchorage, 99508" | TERMINATED."""
    cells = tr.find_all("td", recursive=False)
    if len(cells) != 2 or "rowlabel" in (cells[0].get("class") or []) or text(cells[1]).upper() not in _SITE_STATUS:
        return None  # labelled fields ("Study Recruitment Status") are not sites
    name, _, address = lines(cells[0]).partition("\n")
    parts = [p.strip() for p in address.split(",") if p.strip()]
    country = tr.get("data-country") or (parts[0] if parts else None)
    return Location(
        facility=name.strip() or None,
        city=parts[2] if len(parts) > 2 else None,
        state=str(tr.get("data-state") or "") or (parts[1] if len(parts) > 1 else None),
        zip=parts[3] if len(parts) > 3 else None,
        country=str(country) if country else None,
        status=n.status(text(cells[1])),
    )
