"""EU Clinical Trials Register protocol pages and search-result pages -> TrialRecords (sections A to P)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

import indexer.parsers.euctr_fields as fields
from indexer import normalize as n
from indexer.parsers.errors import NotATrial, ParseError
from indexer.parsers.html import criteria, first_nct, lines, soup_of, text
from indexer.record import Contact, Eligibility, Location, Outcome, TrialRecord

SOURCE = "euctr"
_RESULTS_LINK = re.compile(r"(?:^|/)results/?$")
_EUDRACT = re.compile(r"\b(\d{4}-\d{6}-\d{2})\b")
TRIAL_URL = "https://www.clinicaltrialsregister.eu/ctr-search/trial/{}/{}"
SEARCH_URL = "https://www.clinicaltrialsregister.eu/ctr-search/search?query=eudract_number:{}"


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
    codes = (fields.UNDER_18, *(code for code, *_ in fields.AGE_GROUPS))
    low, high, provenance = fields.age_limits({code: n.yes_no(v(code)) for code in codes})
    male, female = (v("F.2.2") or "").lower(), (v("F.2.1") or "").lower()
    return TrialRecord(
        nct_id=trial_id(nct, eudract),
        official_title=v("A.3"),
        brief_title=v("A.3.1") or v("A.3"),
        acronym=v("A.3.2"),
        org_study_id=v("A.4.1"),
        secondary_ids=tuple(x for x in (eudract, _isrctn(v("A.5.1")), v("A.5.3")) if x),
        overall_status=fields.status(v("P. End of Trial Status") or v("trial status")),
        completion_date=n.iso_date(v("P. Date of the global end of the trial")),
        lead_sponsor=v("B.1.1"),
        # Further sponsors (B.Sponsor: 2, ...) and the organisations giving money or material (B.4.1).
        collaborators=tuple(c for c in dict.fromkeys(_values(soup, ("B.1.1", "B.4.1"))) if c != v("B.1.1")),
        first_submitted=n.iso_date(v("date on which this record was first entered in the eudract database")),
        design=fields.design({code: n.yes_no(v(code)) for code in fields.DESIGN_CODES}),
        # "Trial results: View results" links to the results page; "Removed from public view" shows none.
        has_results=soup.find("a", href=_RESULTS_LINK) is not None,
        phases=tuple(
            p
            for code, p in (("E.7.1", "PHASE1"), ("E.7.2", "PHASE2"), ("E.7.3", "PHASE3"), ("E.7.4", "PHASE4"))
            if (v(code) or "").lower() == "yes"
        ),
        enrollment=_int(v("F.4.2.2") or v("F.4.1")),
        conditions=tuple(x for x in (v("E.1.1"),) if x),
        # The condition in lay words, and its MedDRA terms.
        keywords=tuple(dict.fromkeys(x for x in (v("E.1.1.1"), *_terms(soup)) if x)),
        interventions=fields.products(soup),
        brief_summary=v("E.2.1"),
        # E.5: the end points, each with when it is evaluated.
        primary_outcomes=tuple(Outcome(m, time_frame=v("E.5.1.1")) for m in (v("E.5.1"),) if m),
        secondary_outcomes=tuple(Outcome(m, time_frame=v("E.5.2.1")) for m in (v("E.5.2"),) if m),
        eligibility=Eligibility(
            # A section the page leaves out (no E.4 row) gets no heading of its own.
            criteria_text="\n\n".join(
                f"{heading}\n{block}"
                for heading, code in (("Inclusion Criteria:", "E.3"), ("Exclusion Criteria:", "E.4"))
                if (block := lines(rows.get(code)))
            )
            or None,
            inclusion=inclusion,
            exclusion=exclusion,
            min_age_years=low,
            max_age_years=high,
            sex=_sex(female=female == "yes", male=male == "yes") if male or female else None,
            healthy_volunteers=n.yes_no(v("F.3.1")),
            provenance=provenance,
        ),
        locations=tuple(Location(country=c) for c in fields.countries(v("A.1"), rows, soup)),
        # B.5: the contact point the sponsor designates for information on the trial.
        central_contacts=(
            (Contact(name=v("B.5.2"), role="CONTACT", phone=v("B.5.4"), email=v("B.5.6"), affiliation=v("B.5.1")),)
            if v("B.5.4") or v("B.5.6")
            else ()
        ),
        source=SOURCE,
        # Read from a file, a page still names its own address: each member state's protocol is a page of its own.
        source_url=url or ((code := fields.protocol_code(v("A.1"))) and TRIAL_URL.format(eudract, code)),
        fetched_at=fetched_at,
    )


def _values(soup: BeautifulSoup, codes: tuple[str, ...]) -> list[str]:
    """Every value of rows with these section codes, in page order (a code repeats in each B.Sponsor block)."""
    found = []
    for tr in soup.find_all("tr"):
        cells = tr.find_all("td", recursive=False)
        if len(cells) >= 3 and text(cells[0]) in codes and (value := text(cells[2])):
            found.append(value)
    return found


def _terms(soup: BeautifulSoup) -> list[str]:
    return [text(tr.find_all("td")[2]) for tr in soup.find_all("tr") if _is_row(tr, "E.1.2", "Term")]


def _is_row(tr: Tag, code: str, label: str) -> bool:
    cells = tr.find_all("td", recursive=False)
    return len(cells) >= 3 and text(cells[0]) == code and text(cells[1]) == label


def _isrctn(value: str | None) -> str | None:
    return f"ISRCTN{value}" if value and value.isdigit() else value


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _card(table: Tag, fetched_at: str | None) -> TrialRecord:
    """One result of a search page: id, sponsor, title, condition, ages, and each country's protocol status."""
    values: dict[str, str] = {}
    for td in table.find_all("td"):
        label, _, value = text(td).partition(":")
        if value.strip():
            values.setdefault(label.strip().lower().rstrip(" *"), value.strip())
    eudract = _EUDRACT.search(values.get("eudract number", ""))
    if eudract is None:
        raise ParseError("search result without an EudraCT number")
    # Each protocol is a link to /ctr-search/trial/{EudraCT}/{country code or 3rd}, its status beside it.
    links = table.find_all("a", href=re.compile(r"/ctr-search/trial/[^/]+/[A-Za-z0-9]+/?$"))
    protocols = [(str(a["href"]).rstrip("/").rsplit("/", 1)[1], _status_after(a)) for a in links]
    genders = {g.strip().lower() for g in values.get("gender", "").split(",")}
    low, high, provenance = fields.age_limits(fields.card_age_answers(values.get("population age", "")))
    statuses = [fields.status(s) for _, s in protocols if s]
    # A trial running in one country and ended in another is still running.
    running = [s for s in statuses if s in ("ONGOING", "RESTARTED")]
    # MedDRA rows: version, SOC, code, term, level (the heading row's cells are labels).
    meddra = [text(tds[3]) for tr in table.select("table.meddra tr") if len(tds := tr.find_all("td")) == 5]
    return TrialRecord(
        nct_id=trial_id(None, eudract.group(1)),
        official_title=values.get("full title"),
        brief_title=values.get("full title"),
        org_study_id=values.get("sponsor protocol number"),
        secondary_ids=(eudract.group(1),),
        overall_status=(running or statuses or [None])[0],
        start_date=n.iso_date(values.get("start date")),
        lead_sponsor=values.get("sponsor name"),
        conditions=tuple(x for x in (values.get("medical condition"),) if x),
        keywords=tuple(dict.fromkeys(t for t in meddra if t)),
        eligibility=Eligibility(
            sex=_sex(female="female" in genders, male="male" in genders),
            min_age_years=low,
            max_age_years=high,
            provenance={k: v.replace("section", "search result, Population Age, as") for k, v in provenance.items()},
        ),
        # A protocol outside the EU/EEA ("3rd") names no country on the card.
        locations=tuple(
            Location(country=fields.MEMBER_STATES.get(code.upper(), code), status=fields.status(st))
            for code, st in protocols
            if code != fields.OUTSIDE_EU
        ),
        source=SOURCE,
        # The card's own address: a search for its EudraCT number. Its protocol links are other pages, whose
        # records a card must not replace (a store keeps one record per source and address).
        source_url=SEARCH_URL.format(eudract.group(1)),
        fetched_at=fetched_at,
    )


def _sex(*, female: bool, male: bool) -> str | None:
    return "ALL" if female and male else "FEMALE" if female else "MALE" if male else None


def _status_after(link: Tag) -> str | None:
    """The "(Completed)" after a protocol's link, if the next element is a status."""
    nxt = link.find_next_sibling()
    return text(nxt).strip("() ") or None if isinstance(nxt, Tag) and "status" in (nxt.get("class") or []) else None
