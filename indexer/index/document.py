"""The flat, backend-neutral search document and query built from a TrialRecord and user options."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from typing import Any

from indexer.agelimits import upper_end
from indexer.freshness import as_int, parse_date
from indexer.geo.near import counted_sites
from indexer.normalize import fold
from indexer.record import TrialRecord

# Open age bounds are stored as these, so a range filter treats a missing bound as open.
MIN_AGE_OPEN = 0.0
MAX_AGE_OPEN = 999.0
# Dates as yyyymmdd integers; a missing completion date never ends, a missing verification is oldest.
NO_END = 99991231
DEFAULT_WITHIN_KM = 100.0

# Text fields and their weight in free-text ranking. Title and conditions say what a trial
# is about; criteria are long and mention many diseases only to exclude them.
TEXT_FIELDS: dict[str, float] = {
    "title": 3.0,
    "conditions": 2.5,
    "interventions": 2.0,
    "keywords": 1.5,
    "summary": 1.0,
    "description": 0.7,
    "criteria": 0.5,
    "sponsor": 0.5,
    # Where the sites are: "Beijing lupus" finds the lupus trial with a site in Beijing.
    "places": 0.5,
}
CONDITION_FIELDS = ("conditions", "keywords")
DRUG_FIELDS = ("interventions",)
SPONSOR_FIELDS = ("sponsor",)
KEYWORD_FIELDS = (
    "nct_id",
    "ids",
    "status",
    "phase",
    "study_type",
    "sex",
    "healthy_volunteers",
    "country",
    "condition_mesh_all",
)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What a user asks for; every backend must answer it the same way."""

    text: str | None = None
    conditions: tuple[str, ...] = ()
    drugs: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    sponsor: str | None = None
    age: float | None = None
    sex: str | None = None  # FEMALE or MALE; trials open to ALL match both
    study_types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()  # restrict to these trials
    exclude_ids: tuple[str, ...] = ()
    limit: int = 20
    offset: int = 0
    # "More like this": (field, text) whose distinctive words should also match (similar trials).
    like: tuple[tuple[str, str], ...] = ()
    # Free-text field weights instead of TEXT_FIELDS (patient matching weighs criteria more).
    field_weights: tuple[tuple[str, float], ...] = ()
    # (term as asked, its synonyms): filled by synonyms.expand_query, applied by every backend.
    expansions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Extra words with their own weight, scored in the text fields besides `text` (feedback terms
    # that patient matching takes from its first results). They rank; they do not filter.
    weighted_terms: tuple[tuple[str, float], ...] = ()
    # (condition as asked, MeSH terms it names, with the narrower terms known under them): filled
    # by mesh.expand_query; a trial whose condition MeSH terms include one matches the condition.
    mesh: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # A place (lat, lon) and a radius: trials with a counted site within it (geo.near.counted_sites).
    near: tuple[float, float] | None = None
    near_label: str | None = None
    within_km: float = DEFAULT_WITHIN_KM
    fresh: bool = False  # only open trials whose status is probably current (freshness.py)
    sort: str = "relevance"  # relevance, distance (with near), updated
    # False: the total of matching trials is not wanted (an engine may skip counting them; total is then 0).
    count: bool = True
    # True: a trial must have every word of `text` (or a synonym of the phrase holding it), as a search
    # box is read (words.required_words); False: any word ranks, as patient descriptions and `similar` ask.
    every_word: bool = False

    def text_weights(self) -> dict[str, float]:
        return dict(self.field_weights) if self.field_weights else dict(TEXT_FIELDS)

    def alternatives(self, term: str) -> tuple[str, ...]:
        return next((alts for t, alts in self.expansions if t == term), ())

    def mesh_terms(self, condition: str) -> tuple[str, ...]:
        return next((terms for c, terms in self.mesh if c == condition), ())

    @property
    def has_scoring_terms(self) -> bool:
        return bool(self.text or self.conditions or self.drugs or self.sponsor or self.like)


@dataclass(frozen=True, slots=True)
class Hit:
    """One trial a search found, with its score."""

    nct_id: str
    score: float
    # With SearchQuery.near: the nearest counted site (index into the record's locations) and its distance.
    site: int | None = None
    distance_km: float | None = None


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A page of hits and the number of trials matching."""

    hits: list[Hit]
    total: int
    # True when the total was estimated (--near stops measuring once a page is full).
    total_is_estimate: bool = False
    # True when no trial had every word of the text, so these are the trials with some of them.
    some_words: bool = False


def _join(*parts: Any) -> str:
    return fold("\n".join(filter(None, parts)))


# A site's words for "places", read in C (chain, map, filter): a record has 13 sites on average.
_PLACE_PARTS = attrgetter("facility", "city", "state", "country")
_COUNTRY = attrgetter("country")


def mesh_key(term: str) -> str:
    """MeSH terms as the keyword field stores them: folded, lower case."""
    return fold(term).lower()


def date_int(value: str | None, default: int, *, end: bool = False) -> int:
    d = parse_date(value, end=end)
    return as_int(d) if d else default


def index_document(r: TrialRecord) -> dict[str, Any]:
    """Flat fields for any search backend: text for ranking, keywords and numbers for filters."""
    # Here, not at the top: commands that only search would load the gazetteer and its store for nothing.
    from indexer.geo.gazetteer import country_code

    e = r.eligibility
    return {
        "nct_id": r.nct_id,
        "ids": [r.nct_id, *([r.org_study_id] if r.org_study_id else []), *r.secondary_ids, *r.nct_aliases],
        "title": _join(r.brief_title, r.official_title, r.acronym),
        "conditions": _join(*r.conditions, *r.condition_mesh),
        "condition_tree": _join(*r.condition_mesh_ancestors),
        "interventions": _join(*r.drug_names(), *r.intervention_mesh),
        "keywords": _join(*r.keywords),
        "summary": fold(r.brief_summary or ""),
        "description": fold(r.detailed_description or ""),
        "criteria": fold(e.criteria_text or ""),
        "sponsor": _join(r.lead_sponsor, *r.collaborators),
        "places": _join(*dict.fromkeys(filter(None, chain.from_iterable(map(_PLACE_PARTS, r.locations))))),
        "status": r.overall_status or "UNKNOWN",
        "phase": list(r.phases) or ["NONE"],
        "study_type": r.study_type or "UNKNOWN",
        "sex": e.sex or "ALL",
        "healthy_volunteers": {True: "yes", False: "no"}.get(e.healthy_volunteers, "unknown"),  # type: ignore[arg-type]
        "country": sorted({country_code(c) or c for c in set(filter(None, map(_COUNTRY, r.locations)))}),
        "condition_mesh_all": sorted({mesh_key(t) for t in (*r.condition_mesh, *r.condition_mesh_ancestors)}),
        "min_age": float(e.min_age_years) if e.min_age_years is not None else MIN_AGE_OPEN,
        # Where the maximum stops admitting ("17 Years": 18.0): an age matches when below it (agelimits.py).
        "max_age_end": upper_end(float(e.max_age_years)) if e.max_age_years is not None else MAX_AGE_OPEN,
        "last_update": int((r.last_update_posted or "0").replace("-", "").ljust(8, "0")[:8]),
        "enrollment": r.enrollment or 0,
        "verified": date_int(r.status_verified or r.last_update_posted, 0, end=True),
        "completion_end": date_int(r.completion_date, NO_END, end=True),
        "sites": counted_sites(r),
    }


def explain_terms(q: SearchQuery) -> list[tuple[str, str, tuple[str, ...]]]:
    """What `--explain` checks, for every backend: (label, text to match, fields to look in).

    Each synonym is checked too, labelled "term (as synonym)".
    """
    asked: list[tuple[str, str, tuple[str, ...]]] = []
    if q.text:
        asked += [(w, w, tuple(TEXT_FIELDS)) for w in q.text.split()]
        asked += [(f"{p} (as {a})", a, tuple(TEXT_FIELDS)) for p, alts in q.expansions if p in q.text for a in alts]
    filters: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
        (q.conditions, CONDITION_FIELDS),
        (q.drugs, DRUG_FIELDS),
        ((q.sponsor,) if q.sponsor else (), SPONSOR_FIELDS),
    ]
    for values, fields in filters:
        for v in values:
            asked += [(v, v, fields), *((f"{v} (as {a})", a, fields) for a in q.alternatives(v))]
    return asked


def sex_values(sex: str | None) -> tuple[str, ...]:
    """Index values a patient of `sex` (F, M, FEMALE, MALE, any case) matches: their own and ALL."""
    if not sex:
        return ()
    s = sex.strip().upper()
    if s in ("F", "FEMALE"):
        return ("FEMALE", "ALL")
    if s in ("M", "MALE"):
        return ("MALE", "ALL")
    raise ValueError(f"sex must be F, M, FEMALE or MALE, not {sex!r}")
