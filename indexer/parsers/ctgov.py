"""ClinicalTrials.gov API v2 study JSON -> TrialRecord (single study, search page, export array)."""

from __future__ import annotations

import json
from typing import Any

import orjson

from indexer import normalize as n
from indexer.identifiers import is_nct
from indexer.parsers.criteria import split_criteria
from indexer.parsers.errors import ItemFailure, NotATrial, ParseError
from indexer.parsers.jsondoc import decode_json
from indexer.parsers.validate import validate
from indexer.record import (
    Contact,
    Eligibility,
    Location,
    Outcome,
    TrialRecord,
)
from indexer.record_new import (
    new_arm,
    new_contact,
    new_design,
    new_eligibility,
    new_intervention,
    new_location,
    new_outcome,
    new_trial_record,
)

SOURCE = "ctgov"
# A study fetched with a `fields=` selection (search tools' pages, e.g. identification and sites only)
# lacks modules that every whole study has. Kept as a source record of its own: it never replaces the
# registry's whole record (nor adds a version of it), and the whole record replaces it when it comes.
PARTIAL_SOURCE = "ctgov_partial"
# In every whole study the API returns (derivedSection carries its version holder) and in every one of
# the 1,225 single studies and 560 exported studies in the test data; absent from every `fields=` page.
_WHOLE_STUDY_MODULES = ("statusModule", "sponsorCollaboratorsModule", "conditionsModule", "designModule")
STUDY_URL = "https://clinicaltrials.gov/study/{}"


def parse_document(
    body: bytes | str, *, source_url: str | None = None, fetched_at: str | None = None
) -> list[TrialRecord]:
    """Every study in an API v2 JSON document; ParseError for the first that cannot be read."""
    records, failures = parse_items(body, source_url=source_url, fetched_at=fetched_at)
    if failures:
        raise ParseError(f"{failures[0].record_id or failures[0].where}: {failures[0].error}")
    return records


def _study_id(study: Any) -> str | None:
    ident = study.get("protocolSection") if isinstance(study, dict) else None
    ident = ident.get("identificationModule") if isinstance(ident, dict) else None
    nct_id = ident.get("nctId") if isinstance(ident, dict) else None
    # Only a well-formed id names the study in a failure; anything else is data, kept in the raw bytes.
    return nct_id if isinstance(nct_id, str) and is_nct(nct_id) else None


def _study_bytes(study: Any) -> bytes:
    try:
        return orjson.dumps(study)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(study, ensure_ascii=False, default=repr).encode("utf-8", "replace")


def parse_items(
    body: bytes | str, *, source_url: str | None = None, fetched_at: str | None = None, data: Any = None
) -> tuple[list[TrialRecord], list[ItemFailure]]:
    """The studies of an API v2 JSON document that can be read, and one failure per study that cannot.

    A single study fails as a whole (ParseError); in a search page or an export, each study fails
    alone and the others are kept. `data` is the decoded document when the caller has it already.
    """
    doc = decode_json(body) if data is None else data
    if isinstance(doc, dict) and "protocolSection" in doc:
        try:
            return [validate(parse_study(doc, source_url=source_url, fetched_at=fetched_at))], []
        except ParseError as exc:
            exc.record_id = exc.record_id or _study_id(doc)
            raise
    if isinstance(doc, dict) and "studies" in doc:
        studies = doc["studies"]
        if not isinstance(studies, list):
            raise ParseError(f"search page whose studies is {type(studies).__name__}, not a list")
        # A search page's address is not a study's: each study gets its own address at the API.
        base = source_url.split("?")[0].rstrip("/") if source_url else None
    elif isinstance(doc, list):
        if doc and not any(isinstance(item, dict) and "protocolSection" in item for item in doc):
            raise NotATrial("a JSON array with no API v2 study in it")
        studies, base = doc, None
    else:
        raise NotATrial("not a ClinicalTrials.gov API v2 study, search page or export")
    records, failures = [], []
    for i, study in enumerate(studies):
        nct_id = _study_id(study)
        try:
            if not isinstance(study, dict) or "protocolSection" not in study:
                raise ParseError(f"element is {type(study).__name__}, not an API v2 study")
            url = f"{base}/{nct_id}" if base and nct_id else None
            records.append(validate(parse_study(study, source_url=url, fetched_at=fetched_at)))
        except ParseError as exc:
            failures.append(ItemFailure(nct_id, str(exc), _study_bytes(study), f"studies[{i}]"))
    return records, failures


def parse_study(study: dict[str, Any], *, source_url: str | None = None, fetched_at: str | None = None) -> TrialRecord:
    """One API v2 study object (as in `studies[]` or `/studies/{nctId}`)."""
    try:
        return _parse_study(study, source_url, fetched_at)
    except (AttributeError, TypeError, KeyError, ValueError, RecursionError) as exc:
        if isinstance(exc, ParseError):
            raise
        # A module of an unexpected shape: report it against the study, do not guess.
        raise ParseError(f"{_study_id(study) or 'study'}: unexpected structure ({str(exc)[:200]})") from exc


def _parse_study(study: dict[str, Any], source_url: str | None, fetched_at: str | None) -> TrialRecord:
    p = study.get("protocolSection")
    if not isinstance(p, dict):
        raise NotATrial("study has no protocolSection")
    ident = p.get("identificationModule") or {}
    nct_id = ident.get("nctId")
    if not isinstance(nct_id, str) or not nct_id:
        raise ParseError("study has no identificationModule.nctId")
    status = p.get("statusModule") or {}
    sponsors = p.get("sponsorCollaboratorsModule") or {}
    desc = p.get("descriptionModule") or {}
    conds = p.get("conditionsModule") or {}
    design = p.get("designModule") or {}
    design_info = design.get("designInfo") or {}
    enrollment = design.get("enrollmentInfo") or {}
    arms_mod = p.get("armsInterventionsModule") or {}
    outcomes = p.get("outcomesModule") or {}
    derived = study.get("derivedSection") or {}
    contacts = p.get("contactsLocationsModule") or {}
    partial = "derivedSection" not in study or any(m not in p for m in _WHOLE_STUDY_MODULES)
    try:
        return new_trial_record(
            nct_id=nct_id,
            source=PARTIAL_SOURCE if partial else SOURCE,
            brief_title=ident.get("briefTitle"),
            official_title=ident.get("officialTitle"),
            acronym=ident.get("acronym"),
            org_study_id=(ident.get("orgStudyIdInfo") or {}).get("id"),
            secondary_ids=tuple(s["id"] for s in ident.get("secondaryIdInfos") or () if s.get("id")),
            nct_aliases=_list(ident.get("nctIdAliases"), "nctIdAliases"),
            overall_status=status.get("overallStatus"),
            why_stopped=status.get("whyStopped"),
            start_date=_date(status, "startDateStruct"),
            primary_completion_date=_date(status, "primaryCompletionDateStruct"),
            completion_date=_date(status, "completionDateStruct"),
            first_submitted=n.iso_date(status.get("studyFirstSubmitDate")),
            first_posted=_date(status, "studyFirstPostDateStruct"),
            last_update_posted=_date(status, "lastUpdatePostDateStruct"),
            status_verified=n.iso_date(status.get("statusVerifiedDate")),
            lead_sponsor=(sponsors.get("leadSponsor") or {}).get("name"),
            collaborators=tuple(c["name"] for c in sponsors.get("collaborators") or () if c.get("name")),
            study_type=design.get("studyType"),
            phases=_list(design.get("phases"), "phases"),
            enrollment=_int(enrollment.get("count")),
            enrollment_type=enrollment.get("type"),
            design=new_design(
                allocation=design_info.get("allocation"),
                intervention_model=design_info.get("interventionModel"),
                primary_purpose=design_info.get("primaryPurpose"),
                masking=(design_info.get("maskingInfo") or {}).get("masking"),
                observational_model=design_info.get("observationalModel"),
                time_perspective=design_info.get("timePerspective"),
            ),
            conditions=_list(conds.get("conditions"), "conditions"),
            keywords=_list(conds.get("keywords"), "keywords"),
            condition_mesh=_mesh(derived, "conditionBrowseModule", "meshes"),
            condition_mesh_ancestors=_mesh(derived, "conditionBrowseModule", "ancestors"),
            intervention_mesh=_mesh(derived, "interventionBrowseModule", "meshes"),
            interventions=tuple(
                new_intervention(
                    type=iv.get("type"),
                    name=iv.get("name") or "",
                    other_names=_list(iv.get("otherNames"), "otherNames"),
                    description=iv.get("description"),
                    arm_labels=_list(iv.get("armGroupLabels"), "armGroupLabels"),
                )
                for iv in arms_mod.get("interventions") or ()
            ),
            arms=tuple(
                new_arm(
                    label=a.get("label") or "",
                    type=a.get("type"),
                    description=a.get("description"),
                    intervention_names=_list(a.get("interventionNames"), "interventionNames"),
                )
                for a in arms_mod.get("armGroups") or ()
            ),
            primary_outcomes=_outcomes(outcomes.get("primaryOutcomes")),
            secondary_outcomes=_outcomes(outcomes.get("secondaryOutcomes")),
            brief_summary=desc.get("briefSummary"),
            detailed_description=desc.get("detailedDescription"),
            eligibility=_eligibility(p.get("eligibilityModule") or {}),
            locations=tuple(_location(loc) for loc in contacts.get("locations") or ()),
            central_contacts=_contacts(contacts.get("centralContacts")),
            overall_officials=_contacts(contacts.get("overallOfficials")),
            has_results=bool(study.get("hasResults") or "resultsSection" in study),
            source_url=source_url or STUDY_URL.format(nct_id),
            fetched_at=fetched_at,
        )
    except (AttributeError, TypeError, KeyError) as exc:
        # A module of an unexpected shape: report it against the study, do not guess.
        raise ParseError(f"{nct_id}: unexpected structure ({exc})") from exc


def _location(loc: dict[str, Any]) -> Location:
    geo = loc.get("geoPoint") or {}
    lat, lon = geo.get("lat"), geo.get("lon")
    return new_location(
        facility=loc.get("facility"),
        city=loc.get("city"),
        state=loc.get("state"),
        zip=loc.get("zip"),
        country=loc.get("country"),
        status=loc.get("status"),
        lat=lat,
        lon=lon,
        geo_source="registry" if lat is not None and lon is not None else None,
        contacts=_contacts(loc.get("contacts")),
    )


def _contacts(items: list[dict[str, Any]] | None) -> tuple[Contact, ...]:
    if not items:  # most sites: no generator for nothing
        return ()
    return tuple(
        new_contact(
            name=c.get("name"),
            role=c.get("role"),
            phone=c.get("phone"),
            phone_ext=c.get("phoneExt"),
            email=c.get("email"),
            affiliation=c.get("affiliation"),
        )
        for c in items
        if c.get("name") or c.get("phone") or c.get("email")  # no generator per contact (tens of thousands a page)
    )


def _date(status: dict[str, Any], key: str) -> str | None:
    return n.iso_date((status.get(key) or {}).get("date"))


def _list(value: Any, name: str) -> tuple[Any, ...]:
    """A JSON list as a tuple; a string or an object where a list belongs is refused, not split into letters."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ParseError(f"{name} should be a list, not {type(value).__name__}")
    return tuple(value)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _mesh(derived: dict[str, Any], module: str, key: str) -> tuple[str, ...]:
    return tuple(m["term"] for m in (derived.get(module) or {}).get(key) or () if m.get("term"))


def _outcomes(items: list[dict[str, Any]] | None) -> tuple[Outcome, ...]:
    return tuple(
        new_outcome(measure=o.get("measure") or "", time_frame=o.get("timeFrame"), description=o.get("description"))
        for o in items or ()
    )


def _eligibility(elig: dict[str, Any]) -> Eligibility:
    text = elig.get("eligibilityCriteria")
    inclusion, exclusion = split_criteria(text)
    hv = elig.get("healthyVolunteers")
    return new_eligibility(
        criteria_text=text,
        inclusion=inclusion,
        exclusion=exclusion,
        min_age_years=n.age_years(elig.get("minimumAge")),
        max_age_years=n.age_years(elig.get("maximumAge")),
        sex=n.sex(elig.get("sex")),
        healthy_volunteers=hv if isinstance(hv, bool) else n.yes_no(hv),
    )
