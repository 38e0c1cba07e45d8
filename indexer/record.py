"""The normalised, source-independent trial record (`TrialRecord`) and its parts."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson

# Fetch metadata: describes one download, not the trial, so it never makes a new version.
FETCH_FIELDS = frozenset({"source", "source_url", "fetched_at"})
# Lists whose order means nothing: registries reorder them between downloads. A record keeps them
# sorted and without repeats, so a reordering changes neither the content hash nor the history.
UNORDERED_FIELDS = (
    "conditions",
    "keywords",
    "condition_mesh",
    "condition_mesh_ancestors",
    "intervention_mesh",
    "collaborators",
)
# Lists of parts whose order means nothing either, but which a record keeps in the registry's order
# (people read arms, sites and outcomes as the registry lists them): the content hash takes them in a
# canonical order, so a registry reordering them (or a part's inner lists, below) makes no new version.
ORDER_FREE_PARTS = (
    "interventions",
    "arms",
    "primary_outcomes",
    "secondary_outcomes",
    "locations",
    "central_contacts",
    "overall_officials",
)


@dataclass(frozen=True, slots=True)
class Criterion:
    """One eligibility criterion; `children` holds its nested sub-items in order."""

    text: str
    children: tuple[Criterion, ...] = ()


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Who may take part: the criteria text, its inclusion and exclusion items, and the age, sex and
    healthy-volunteer limits."""

    criteria_text: str | None = None
    inclusion: tuple[Criterion, ...] = ()
    exclusion: tuple[Criterion, ...] = ()
    min_age_years: float | None = None
    max_age_years: float | None = None
    sex: str | None = None  # ALL, FEMALE, MALE
    healthy_volunteers: bool | None = None
    # Where each limit came from when it was not a structured registry field,
    # e.g. {"min_age_years": "criteria"}.
    provenance: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Intervention:
    """A drug, device, procedure or other intervention, with its other names and the arms given it."""

    type: str | None
    name: str
    other_names: tuple[str, ...] = ()
    description: str | None = None
    arm_labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Arm:
    """One arm (group) of the trial, and the interventions it is given, by name."""

    label: str
    type: str | None = None
    description: str | None = None
    intervention_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """An outcome measure and when it is assessed."""

    measure: str
    time_frame: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """A person to reach, or a responsible investigator. Contact details are shown, never logged."""

    name: str | None = None
    # CONTACT, BACKUP_CONTACT, or an investigator role (PRINCIPAL_INVESTIGATOR, STUDY_CHAIR, ...).
    role: str | None = None
    phone: str | None = None
    phone_ext: str | None = None
    email: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    """A site: facility, place, its own recruitment status, coordinates and contacts."""

    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: str | None = None  # the site's own recruitment status
    lat: float | None = None
    lon: float | None = None
    # Where lat/lon came from: "registry", or "gazetteer" (geocoded offline at ingest).
    geo_source: str | None = None
    contacts: tuple[Contact, ...] = ()


@dataclass(frozen=True, slots=True)
class Design:
    """How the trial is designed: allocation, model, purpose and masking (observational: model and time)."""

    allocation: str | None = None
    intervention_model: str | None = None
    primary_purpose: str | None = None
    masking: str | None = None
    observational_model: str | None = None
    time_perspective: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TrialRecord:
    """One trial, normalised from whichever registry described it (`from_dict` reads it back from JSON).

    Every record class here has a docstring: `dataclasses` would otherwise write one from the class's
    signature at import (`inspect.signature`, 0.5 ms of every command's start for the seven)."""

    nct_id: str
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    org_study_id: str | None = None
    secondary_ids: tuple[str, ...] = ()
    nct_aliases: tuple[str, ...] = ()
    overall_status: str | None = None
    why_stopped: str | None = None
    start_date: str | None = None
    primary_completion_date: str | None = None
    completion_date: str | None = None
    first_submitted: str | None = None
    first_posted: str | None = None
    last_update_posted: str | None = None
    # When the registry last verified the status (statusVerifiedDate, <verification_date>).
    status_verified: str | None = None
    lead_sponsor: str | None = None
    collaborators: tuple[str, ...] = ()
    study_type: str | None = None
    phases: tuple[str, ...] = ()
    enrollment: int | None = None
    enrollment_type: str | None = None
    design: Design = field(default_factory=Design)
    conditions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    condition_mesh: tuple[str, ...] = ()
    condition_mesh_ancestors: tuple[str, ...] = ()
    intervention_mesh: tuple[str, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    arms: tuple[Arm, ...] = ()
    primary_outcomes: tuple[Outcome, ...] = ()
    secondary_outcomes: tuple[Outcome, ...] = ()
    brief_summary: str | None = None
    detailed_description: str | None = None
    eligibility: Eligibility = field(default_factory=Eligibility)
    locations: tuple[Location, ...] = ()
    central_contacts: tuple[Contact, ...] = ()
    overall_officials: tuple[Contact, ...] = ()
    has_results: bool = False
    # Fetch metadata last: the serialised record is then its content followed by FETCH_FIELDS.
    source: str
    source_url: str | None = None
    fetched_at: str | None = None

    def __post_init__(self) -> None:
        for name in UNORDERED_FIELDS:
            value = getattr(self, name)
            if len(value) > 1:
                canonical = _canonical(value)
                if canonical != value:
                    object.__setattr__(self, name, canonical)  # frozen: only construction may set it

    def to_json(self) -> bytes:
        """The record as UTF-8 JSON, fields in declaration order."""
        return orjson.dumps(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict using the record's field names (tuples become lists)."""
        return orjson.loads(orjson.dumps(self))  # type: ignore[no-any-return]

    def json_fields(self) -> dict[str, Any]:
        """The record's fields by name, values as they are (tuples, nested records): what orjson writes
        as `to_dict()`'s JSON, byte for byte, without building the nested dicts (a third of the CPU)."""
        return {name: getattr(self, name) for name in _FIELD_NAMES}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialRecord:
        return _from_plain(cls, data)

    def drug_names(self) -> list[str]:
        """Intervention names and their other names, without duplicates, in order."""
        seen: dict[str, None] = {}
        for iv in self.interventions:
            for name in (iv.name, *iv.other_names):
                seen.setdefault(name, None)
        return list(seen)


def _term_order(term: str) -> tuple[str, str]:
    # str(): a parser's wrong-typed value must reach validation (which names it), not fail here.
    return (str(term).casefold(), str(term))


def _canonical(terms: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The terms sorted by `_term_order`, without repeats. Text only (nearly always): sorted by the
    text, then stably by its case-folded form, which is that order with no Python call per term (a
    parsed record's lists are sorted, a stored one's checked: a key tuple a term cost twice as much)."""
    if set(map(type, terms)) == {str}:
        return tuple(sorted(sorted(set(terms)), key=str.casefold))
    return tuple(sorted(set(terms), key=_term_order))


_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(TrialRecord))
# The inner lists of ORDER_FREE_PARTS' parts whose order means nothing.
INNER_ORDER_FREE: dict[type, tuple[str, ...]] = {
    Intervention: ("other_names", "arm_labels"),
    Arm: ("intervention_names",),
    Location: ("contacts",),
}

# Which dataclass each nested field holds, so stored JSON can be turned back into records.
_NESTED: dict[tuple[type, str], type] = {
    (TrialRecord, "design"): Design,
    (TrialRecord, "eligibility"): Eligibility,
    (TrialRecord, "interventions"): Intervention,
    (TrialRecord, "arms"): Arm,
    (TrialRecord, "primary_outcomes"): Outcome,
    (TrialRecord, "secondary_outcomes"): Outcome,
    (TrialRecord, "locations"): Location,
    (TrialRecord, "central_contacts"): Contact,
    (TrialRecord, "overall_officials"): Contact,
    (Location, "contacts"): Contact,
    (Eligibility, "inclusion"): Criterion,
    (Eligibility, "exclusion"): Criterion,
    (Criterion, "children"): Criterion,
}
# The inner lists' names, for the field paths of a diff ("locations[...].contacts").
INNER_ORDER_FREE_FIELDS = frozenset(n for names in INNER_ORDER_FREE.values() for n in names)
T = TypeVar("T")


# The decoders (one straight-line function per record class) are generated into record_decoders.py
# by record_codegen.py, and imported when the first record is decoded (they import these classes).
_DECODERS: dict[type, Any] = {}


def _from_plain(cls: type[T], data: dict[str, Any]) -> T:
    decode = _DECODERS.get(cls)
    if decode is None:
        from indexer.record_decoders import DECODERS

        _DECODERS.update(DECODERS)
        decode = _DECODERS[cls]
    return decode(data)  # type: ignore[no-any-return]
