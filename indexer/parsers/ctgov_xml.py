"""Legacy ClinicalTrials.gov `<clinical_study>` XML (AllPublicXML) -> TrialRecord."""

from __future__ import annotations

import re
import textwrap

from lxml import etree

from indexer import normalize as n
from indexer.parsers.criteria import split_criteria, unwrap
from indexer.parsers.errors import NotATrial, ParseError
from indexer.record import (
    Arm,
    Contact,
    Design,
    Eligibility,
    Intervention,
    Location,
    Outcome,
    TrialRecord,
)

SOURCE = "ctgov_xml"

# No external entities, no DTD loading, no network: registry XML never needs them,
# and an entity could read local files (XXE).
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)
_DOWNLOAD_RE = re.compile(r"processed this data on (.+)$", re.I)


def parse_document(
    body: bytes | str, *, source_url: str | None = None, fetched_at: str | None = None
) -> list[TrialRecord]:
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"invalid XML: {exc}") from exc
    if root.tag != "clinical_study":
        raise NotATrial(f"root element is <{root.tag}>, not <clinical_study>")
    return [parse_study(root, source_url=source_url, fetched_at=fetched_at)]


def _t(el: etree._Element | None, path: str) -> str | None:
    if el is None:
        return None
    found = el.find(path)
    if found is None or found.text is None:
        return None
    text = found.text.strip()
    return text or None


def _children(el: etree._Element | None) -> dict[str, etree._Element]:
    """First child of each tag: one pass instead of a path search per field (sites are many)."""
    out: dict[str, etree._Element] = {}
    if el is not None:
        for child in el:
            if isinstance(child.tag, str):
                out.setdefault(child.tag, child)
    return out


def _text(el: etree._Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    return el.text.strip() or None


def _location(loc: etree._Element) -> Location:
    kids = _children(loc)
    facility = _children(kids.get("facility"))
    address = _children(facility.get("address"))
    return Location(
        facility=_text(facility.get("name")),
        city=_text(address.get("city")),
        state=_text(address.get("state")),
        zip=_text(address.get("zip")),
        country=_text(address.get("country")),
        status=n.status(_text(kids.get("status"))),
        contacts=_people(loc, (("contact", "CONTACT"), ("contact_backup", "BACKUP_CONTACT"), ("investigator", None))),
    )


def _person(el: etree._Element, role: str | None) -> Contact | None:
    """<overall_contact>, <contact>, <investigator>, ...: first/middle/last name and degrees make the name."""
    kids = _children(el)
    name = " ".join(t for t in (_text(kids.get(k)) for k in ("first_name", "middle_name", "last_name")) if t)
    degrees = _text(kids.get("degrees"))
    if name and degrees:
        name = f"{name}, {degrees}"
    contact = Contact(
        name=name or None,
        role=role or n.enum_value(_text(kids.get("role"))),
        phone=_text(kids.get("phone")),
        phone_ext=_text(kids.get("phone_ext")),
        email=_text(kids.get("email")),
        affiliation=_text(kids.get("affiliation")),
    )
    return contact if contact.name or contact.phone or contact.email else None


def _people(el: etree._Element, tags: tuple[tuple[str, str | None], ...]) -> tuple[Contact, ...]:
    """People under these tags, in document order; `None` as role means the element's own <role>."""
    roles = dict(tags)
    found = (_person(child, roles[child.tag]) for child in el if child.tag in roles)
    return tuple(c for c in found if c is not None)


def _all(el: etree._Element, path: str) -> tuple[str, ...]:
    return tuple(t.text.strip() for t in el.findall(path) if t.text and t.text.strip())


def _block(el: etree._Element, path: str) -> str | None:
    return n.clean_text(_t(el, path))


def parse_study(root: etree._Element, *, source_url: str | None = None, fetched_at: str | None = None) -> TrialRecord:
    kids = _children(root)

    def get(path: str) -> str | None:
        head, _, rest = path.partition("/")
        el = kids.get(head)
        return _text(el if not rest or el is None else el.find(rest))

    nct_id = get("id_info/nct_id")
    if not nct_id:
        raise ParseError("clinical_study has no id_info/nct_id")
    if fetched_at is None:
        download = _DOWNLOAD_RE.search(get("required_header/download_date") or "")
        fetched_at = n.iso_date(download.group(1)) if download else None
    enrollment_el = kids.get("enrollment")
    elig = kids.get("eligibility")
    return TrialRecord(
        nct_id=nct_id,
        source=SOURCE,
        brief_title=get("brief_title"),
        official_title=get("official_title"),
        acronym=get("acronym"),
        org_study_id=get("id_info/org_study_id"),
        secondary_ids=_all(root, "id_info/secondary_id"),
        nct_aliases=_all(root, "id_info/nct_alias"),
        overall_status=n.status(get("overall_status")),
        why_stopped=get("why_stopped"),
        start_date=n.iso_date(get("start_date")),
        primary_completion_date=n.iso_date(get("primary_completion_date")),
        completion_date=n.iso_date(get("completion_date")),
        # Pre-2017 records give only the date first received, which is a submission date.
        first_submitted=n.iso_date(get("study_first_submitted") or get("firstreceived_date")),
        first_posted=n.iso_date(get("study_first_posted")),
        last_update_posted=n.iso_date(get("last_update_posted") or get("lastchanged_date")),
        status_verified=n.iso_date(get("verification_date")),
        lead_sponsor=get("sponsors/lead_sponsor/agency"),
        collaborators=_all(root, "sponsors/collaborator/agency"),
        study_type=n.study_type(get("study_type")),
        phases=n.phases(get("phase")),
        enrollment=_int(enrollment_el.text if enrollment_el is not None else None),
        enrollment_type=n.enrollment_type(enrollment_el.get("type")) if enrollment_el is not None else None,
        design=_design(root),
        conditions=_all(root, "condition"),
        keywords=_all(root, "keyword"),
        condition_mesh=_all(root, "condition_browse/mesh_term"),
        intervention_mesh=_all(root, "intervention_browse/mesh_term"),
        interventions=tuple(
            Intervention(
                type=n.enum_value(_t(iv, "intervention_type")),
                name=_t(iv, "intervention_name") or "",
                other_names=_all(iv, "other_name"),
                description=_block(iv, "description"),
                arm_labels=_all(iv, "arm_group_label"),
            )
            for iv in root.findall("intervention")
        ),
        arms=tuple(
            Arm(
                label=_t(a, "arm_group_label") or "",
                type=n.enum_value(_t(a, "arm_group_type")),
                description=_block(a, "description"),
            )
            for a in root.findall("arm_group")
        ),
        primary_outcomes=_outcomes(root, "primary_outcome"),
        secondary_outcomes=_outcomes(root, "secondary_outcome"),
        brief_summary=_block(root, "brief_summary/textblock"),
        detailed_description=_block(root, "detailed_description/textblock"),
        eligibility=_eligibility(elig),
        locations=tuple(_location(loc) for loc in root.iterchildren("location")),
        central_contacts=_people(root, (("overall_contact", "CONTACT"), ("overall_contact_backup", "BACKUP_CONTACT"))),
        overall_officials=_people(root, (("overall_official", None),)),
        has_results=root.find("clinical_results") is not None,
        source_url=source_url or get("required_header/url"),
        fetched_at=fetched_at,
    )


def _int(text: str | None) -> int | None:
    try:
        return int(text.strip()) if text else None
    except ValueError:
        return None


def _outcomes(root: etree._Element, tag: str) -> tuple[Outcome, ...]:
    return tuple(
        Outcome(measure=_t(o, "measure") or "", time_frame=_t(o, "time_frame"), description=_block(o, "description"))
        for o in root.findall(tag)
    )


def _design(root: etree._Element) -> Design:
    info = root.find("study_design_info")
    if info is not None:
        return Design(
            allocation=n.design_value(_t(info, "allocation")),
            intervention_model=n.design_value(_t(info, "intervention_model")),
            primary_purpose=n.design_value(_t(info, "primary_purpose")),
            masking=n.masking(_t(info, "masking")),
            observational_model=n.design_value(_t(info, "observational_model")),
            time_perspective=n.design_value(_t(info, "time_perspective")),
        )
    # Pre-2017 records: one line, "Allocation: Randomized, Intervention Model: ..., Masking: ...".
    parts = dict(
        (k.strip().lower(), v.strip())
        for k, _, v in (p.partition(":") for p in re.split(r",\s*(?=[A-Z][A-Za-z ]+:)", _t(root, "study_design") or ""))
        if v
    )
    return Design(
        allocation=n.design_value(parts.get("allocation")),
        intervention_model=n.design_value(parts.get("intervention model")),
        primary_purpose=n.design_value(parts.get("primary purpose")),
        masking=n.masking(parts.get("masking")),
        observational_model=n.design_value(parts.get("observational model")),
        time_perspective=n.design_value(parts.get("time perspective")),
    )


def _eligibility(elig: etree._Element | None) -> Eligibility:
    if elig is None:
        return Eligibility()
    block = elig.find("criteria/textblock")
    text = _dedent(block.text if block is not None else None)
    inclusion, exclusion = split_criteria(text)
    return Eligibility(
        criteria_text=text,
        inclusion=inclusion,
        exclusion=exclusion,
        min_age_years=n.age_years(_t(elig, "minimum_age")),
        max_age_years=n.age_years(_t(elig, "maximum_age")),
        sex=n.sex(_t(elig, "gender")),
        healthy_volunteers=n.yes_no(_t(elig, "healthy_volunteers")),
    )


def _dedent(text: str | None) -> str | None:
    """The criteria block without the XML's indentation and hard wraps (structure kept for re-parsing)."""
    if not text or not text.strip():
        return None
    return unwrap(textwrap.dedent(text.expandtabs(4))).strip("\n")
