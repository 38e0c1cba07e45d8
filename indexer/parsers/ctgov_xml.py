"""Legacy ClinicalTrials.gov `<clinical_study>` XML (AllPublicXML) -> TrialRecord."""

from __future__ import annotations

import re

from lxml import etree

from indexer import normalize as n
from indexer.parsers.criteria import split_criteria, unwrap
from indexer.parsers.ctgov_xml_places import CENTRAL, OFFICIALS, location, people
from indexer.parsers.ctgov_xml_tree import by_tag, first, first_children, text, texts, tree
from indexer.parsers.errors import NotATrial, ParseError
from indexer.record import Arm, Design, Eligibility, Intervention, Outcome, TrialRecord
from indexer.record_new import new_arm, new_design, new_eligibility, new_intervention, new_outcome, new_trial_record

SOURCE = "ctgov_xml"

_DOWNLOAD_RE = re.compile(r"processed this data on (.+)$", re.I)


_DESIGN_SPLIT_RE = re.compile(r",\s*(?=[A-Z][A-Za-z ]+:)")


def parse_document(
    body: bytes | str, *, source_url: str | None = None, fetched_at: str | None = None
) -> list[TrialRecord]:
    if isinstance(body, str):
        body = body.encode("utf-8")
    root = tree(body)
    if root.tag != "clinical_study":
        raise NotATrial(f"root element is <{root.tag}>, not <clinical_study>")
    return [parse_study(root, source_url=source_url, fetched_at=fetched_at)]


def _block(el: etree._Element | None) -> str | None:
    return n.clean_text(text(el))


def parse_study(root: etree._Element, *, source_url: str | None = None, fetched_at: str | None = None) -> TrialRecord:
    kids = by_tag(root)

    def get(head: str, tag: str | None = None) -> str | None:
        els = kids.get(head)
        if not els:
            return None
        return text(els[0] if tag is None else next(els[0].iterchildren(tag), None))

    nct_id = get("id_info", "nct_id")
    if not nct_id:
        raise ParseError("clinical_study has no id_info/nct_id")
    if fetched_at is None:
        download = _DOWNLOAD_RE.search(get("required_header", "download_date") or "")
        fetched_at = n.iso_date(download.group(1)) if download else None
    enrollment_el = kids["enrollment"][0] if "enrollment" in kids else None
    sponsors = kids["sponsors"][0] if "sponsors" in kids else None
    return new_trial_record(
        nct_id=nct_id,
        source=SOURCE,
        brief_title=get("brief_title"),
        official_title=get("official_title"),
        acronym=get("acronym"),
        org_study_id=get("id_info", "org_study_id"),
        secondary_ids=texts(kids.get("id_info"), "secondary_id"),
        nct_aliases=texts(kids.get("id_info"), "nct_alias"),
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
        lead_sponsor=text(first(list(sponsors.iterchildren("lead_sponsor")), "agency"))
        if sponsors is not None
        else None,
        collaborators=texts([c for s in kids.get("sponsors", ()) for c in s.iterchildren("collaborator")], "agency"),
        study_type=n.study_type(get("study_type")),
        phases=n.phases(get("phase")),
        enrollment=_int(enrollment_el.text if enrollment_el is not None else None),
        enrollment_type=n.enrollment_type(enrollment_el.get("type")) if enrollment_el is not None else None,
        design=_design(kids),
        conditions=texts(kids.get("condition")),
        keywords=texts(kids.get("keyword")),
        condition_mesh=texts(kids.get("condition_browse"), "mesh_term"),
        intervention_mesh=texts(kids.get("intervention_browse"), "mesh_term"),
        interventions=tuple(_intervention(iv) for iv in kids.get("intervention", ())),
        arms=tuple(_arm(a) for a in kids.get("arm_group", ())),
        primary_outcomes=tuple(_outcome(o) for o in kids.get("primary_outcome", ())),
        secondary_outcomes=tuple(_outcome(o) for o in kids.get("secondary_outcome", ())),
        brief_summary=_block(first(kids.get("brief_summary"), "textblock")),
        detailed_description=_block(first(kids.get("detailed_description"), "textblock")),
        eligibility=_eligibility(kids["eligibility"][0] if "eligibility" in kids else None),
        locations=tuple(location(loc) for loc in kids.get("location", ())),
        central_contacts=people(root, CENTRAL),
        overall_officials=people(root, OFFICIALS),
        has_results="clinical_results" in kids,
        source_url=source_url or get("required_header", "url"),
        fetched_at=fetched_at,
    )


def _intervention(iv: etree._Element) -> Intervention:
    kids = by_tag(iv)
    return new_intervention(
        type=n.enum_value(text(kids["intervention_type"][0]) if "intervention_type" in kids else None),
        name=(text(kids["intervention_name"][0]) if "intervention_name" in kids else None) or "",
        other_names=texts(kids.get("other_name")),
        description=_block(kids["description"][0]) if "description" in kids else None,
        arm_labels=texts(kids.get("arm_group_label")),
    )


def _arm(a: etree._Element) -> Arm:
    kids = first_children(a)
    return new_arm(
        label=text(kids.get("arm_group_label")) or "",
        type=n.enum_value(text(kids.get("arm_group_type"))),
        description=_block(kids.get("description")),
    )


def _outcome(o: etree._Element) -> Outcome:
    kids = first_children(o)
    return new_outcome(
        measure=text(kids.get("measure")) or "",
        time_frame=text(kids.get("time_frame")),
        description=_block(kids.get("description")),
    )


def _int(text: str | None) -> int | None:
    try:
        return int(text.strip()) if text else None
    except ValueError:
        return None


def _design(kids: dict[str, list[etree._Element]]) -> Design:
    if "study_design_info" in kids:
        info = first_children(kids["study_design_info"][0])
        return new_design(
            allocation=n.design_value(text(info.get("allocation"))),
            intervention_model=n.design_value(text(info.get("intervention_model"))),
            primary_purpose=n.design_value(text(info.get("primary_purpose"))),
            masking=n.masking(text(info.get("masking"))),
            observational_model=n.design_value(text(info.get("observational_model"))),
            time_perspective=n.design_value(text(info.get("time_perspective"))),
        )
    # Pre-2017 records: one line, "Allocation: Randomized, Intervention Model: ..., Masking: ...".
    parts = dict(
        (k.strip().lower(), v.strip())
        for k, _, v in (
            p.partition(":")
            for p in _DESIGN_SPLIT_RE.split((text(kids["study_design"][0]) if "study_design" in kids else None) or "")
        )
        if v
    )
    return new_design(
        allocation=n.design_value(parts.get("allocation")),
        intervention_model=n.design_value(parts.get("intervention model")),
        primary_purpose=n.design_value(parts.get("primary purpose")),
        masking=n.masking(parts.get("masking")),
        observational_model=n.design_value(parts.get("observational model")),
        time_perspective=n.design_value(parts.get("time perspective")),
    )


def _eligibility(elig: etree._Element | None) -> Eligibility:
    if elig is None:
        return new_eligibility()
    kids = by_tag(elig)
    block = first(kids.get("criteria"), "textblock")
    criteria = _dedent(block.text if block is not None else None)
    inclusion, exclusion = split_criteria(criteria)
    leaf = {tag: text(els[0]) for tag, els in kids.items()}
    return new_eligibility(
        criteria_text=criteria,
        inclusion=inclusion,
        exclusion=exclusion,
        min_age_years=n.age_years(leaf.get("minimum_age")),
        max_age_years=n.age_years(leaf.get("maximum_age")),
        sex=n.sex(leaf.get("gender")),
        healthy_volunteers=n.yes_no(leaf.get("healthy_volunteers")),
    )


def _dedent(text: str | None) -> str | None:
    """The criteria block without the XML's indentation and hard wraps (structure kept for re-parsing)."""
    if not text or not text.strip():
        return None
    # textwrap.dedent for text without tabs, in one pass (dedent's regular expressions took half the time):
    # lines of spaces only become empty, the others lose the indentation they all share.
    lines = text.expandtabs(4).split("\n")
    rests = [line.lstrip(" ") for line in lines]  # each line's text, stripped once
    margin = min((len(line) - len(rest) for line, rest in zip(lines, rests, strict=True) if rest), default=0)
    dedented = "\n".join([line[margin:] if rest else "" for line, rest in zip(lines, rests, strict=True)])
    return unwrap(dedented).strip("\n")
