"""EU Clinical Trials Register protocol pages and search-result pages -> TrialRecords (sections A to P)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from indexer import normalize as n
from indexer.parsers.errors import NotATrial, ParseError
from indexer.parsers.html import criteria, first_nct, lines, soup_of, text
from indexer.record import Contact, Eligibility, Intervention, Location, TrialRecord

SOURCE = "euctr"
_EUDRACT = re.compile(r"\b(\d{4}-\d{6}-\d{2})\b")
_PROTOCOL = re.compile(r"([A-Z][A-Za-z ]+?) \(([^)]+)\)")
TRIAL_URL = "https://www.clinicaltrialsregister.eu/ctr-search/trial/{}/{}"


def trial_id(nct: str | None, eudract: str) -> str:
    """The trial's key: its NCT id when the register names one, else the EudraCT number."""
    return nct or f"EUCTR{eudract}"


def parse_document(
    body: bytes | str, *, source_url: str | None = None, fetched_at: str | None = None
) -> list[TrialRecord]:
    soup = soup_of(body)
    if soup.select("table.result"):
        return [_card(t, fetched_at) for t in soup.select("table.result")]
    rows = _rows(soup)
    if "A.2" not in rows:
        raise NotATrial("not an EU CTR protocol or search page (no A.2 EudraCT number)")
    return [_protocol(soup, rows, source_url, fetched_at)]


def _rows(soup: BeautifulSoup) -> dict[str, Tag]:
    """Section code (or, for the repeated "P." and "N." rows, code and label) -> value cell."""
    out: dict[str, Tag] = {}
    for tr in soup.find_all("tr"):
        cells = tr.find_all("td", recursive=False)
        if len(cells) >= 3:
            code, lab = text(cells[0]), text(cells[1])
            key = f"{code} {lab}" if code in ("P.", "N.") else code
            out.setdefault(key, cells[2])
            out.setdefault(lab.lower(), cells[2])
        elif len(cells) == 2 and text(cells[0]).endswith(":"):
            out.setdefault(text(cells[0]).rstrip(":").lower(), cells[1])
    return out


def _protocol(soup: BeautifulSoup, rows: dict[str, Tag], url: str | None, fetched_at: str | None) -> TrialRecord:
    def v(key: str) -> str | None:
        value = text(rows.get(key))
        return value if value and value.lower() not in ("na", "n/a", "not applicable", "none") else None

    eudract = v("A.2")
    if not eudract or not _EUDRACT.fullmatch(eudract):
        raise ParseError(f"EU CTR page without a valid EudraCT number ({eudract!r})")
    nct = first_nct(*(text(cell) for key, cell in rows.items() if "nct" in key.lower()))
    inclusion, _ = criteria(lines(rows.get("E.3")), kind="inclusion")
    _, exclusion = criteria(lines(rows.get("E.4")), kind="exclusion")
    # F.1: which age groups are included. No subjects under 18 -> 18; no elderly -> up to 64.
    low = 18.0 if (v("F.1.1") or "").lower() == "no" else None
    high = 64.0 if (v("F.1.3") or "").lower() == "no" and (v("F.1.2") or "").lower() == "yes" else None
    provenance = {
        k: f"EU CTR section {s}"
        for k, s, val in (("min_age_years", "F.1.1", low), ("max_age_years", "F.1.3", high))
        if val is not None
    }
    products = [text(c) for key, c in rows.items() if key in ("D.3.8", "D.3.1", "D.2.1.1.1")]
    drugs = list(dict.fromkeys(text(td) for tr in soup.find_all("tr") for td in _value_of(tr, ("D.3.8",))))
    trade = list(dict.fromkeys(text(td) for tr in soup.find_all("tr") for td in _value_of(tr, ("D.2.1.1.1",))))
    male, female = (v("F.2.2") or "").lower(), (v("F.2.1") or "").lower()
    return TrialRecord(
        nct_id=trial_id(nct, eudract),
        official_title=v("A.3"),
        brief_title=v("A.3.1") or v("A.3"),
        acronym=v("A.3.2"),
        org_study_id=v("A.4.1"),
        secondary_ids=tuple(x for x in (eudract, v("A.5.1"), v("A.5.3")) if x),
        overall_status=n.status(v("P. End of Trial Status") or v("trial status")),
        completion_date=n.iso_date(v("P. Date of the global end of the trial")),
        lead_sponsor=v("B.1.1"),
        phases=tuple(
            p
            for code, p in (("E.7.1", "PHASE1"), ("E.7.2", "PHASE2"), ("E.7.3", "PHASE3"), ("E.7.4", "PHASE4"))
            if (v(code) or "").lower() == "yes"
        ),
        enrollment=_int(v("F.4.2.2") or v("F.4.1")),
        conditions=tuple(x for x in (v("E.1.1"),) if x),
        keywords=tuple(x for x in (v("E.1.1.1"),) if x),
        interventions=tuple(Intervention(type="DRUG", name=d, other_names=tuple(trade)) for d in drugs)
        or tuple(Intervention(type="DRUG", name=p) for p in dict.fromkeys(products) if p),
        brief_summary=v("E.2.1"),
        eligibility=Eligibility(
            criteria_text="\n\n".join(
                x
                for x in (
                    "Inclusion Criteria:\n" + lines(rows.get("E.3")),
                    "Exclusion Criteria:\n" + lines(rows.get("E.4")),
                )
            )
            or None,
            inclusion=inclusion,
            exclusion=exclusion,
            min_age_years=low,
            max_age_years=high,
            sex="MALE"
            if male == "yes" and female == "no"
            else "FEMALE"
            if female == "yes" and male == "no"
            else "ALL"
            if male or female
            else None,
            healthy_volunteers=n.yes_no(v("F.3.1")),
            provenance=provenance,
        ),
        locations=tuple(Location(country=c) for c in _countries(v("A.1"))),
        # B.5: the contact point the sponsor designates for information on the trial.
        central_contacts=(
            (Contact(name=v("B.5.2"), role="CONTACT", phone=v("B.5.4"), email=v("B.5.6"), affiliation=v("B.5.1")),)
            if v("B.5.4") or v("B.5.6")
            else ()
        ),
        source=SOURCE,
        source_url=url,
        fetched_at=fetched_at,
    )


def _value_of(tr: Tag, codes: tuple[str, ...]) -> list[Tag]:
    cells = tr.find_all("td", recursive=False)
    return [cells[2]] if len(cells) >= 3 and text(cells[0]) in codes and text(cells[2]) else []


def _countries(member_state: str | None) -> list[str]:
    return [member_state.split(" - ")[0].strip()] if member_state else []


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _card(table: Tag, fetched_at: str | None) -> TrialRecord:
    """One result of a search page: id, sponsor, title, condition, and each country's protocol status."""
    fields: dict[str, str] = {}
    for td in table.find_all("td"):
        label, _, value = text(td).partition(":")
        if value.strip():
            fields.setdefault(label.strip().lower().rstrip(" *"), value.strip())
    eudract = _EUDRACT.search(fields.get("eudract number", ""))
    if eudract is None:
        raise ParseError("search result without an EudraCT number")
    protocols = _PROTOCOL.findall(fields.get("trial protocol", ""))
    link = table.find("a", href=re.compile(r"/ctr-search/trial/"))
    url = ("https://www.clinicaltrialsregister.eu" + str(link["href"])) if link else None
    genders = fields.get("gender", "").lower()
    return TrialRecord(
        nct_id=trial_id(None, eudract.group(1)),
        official_title=fields.get("full title"),
        brief_title=fields.get("full title"),
        org_study_id=fields.get("sponsor protocol number"),
        secondary_ids=(eudract.group(1),),
        overall_status=n.status(protocols[0][1]) if protocols else None,
        start_date=n.iso_date(fields.get("start date")),
        lead_sponsor=fields.get("sponsor name"),
        conditions=tuple(x for x in (fields.get("medical condition"),) if x),
        eligibility=Eligibility(sex="ALL" if "male" in genders and "female" in genders else None),
        locations=tuple(Location(country=code, status=n.status(status)) for code, status in protocols),
        source=SOURCE,
        source_url=url,
        fetched_at=fetched_at,
    )
