"""Trials like a given one: shared conditions (MeSH-aware), interventions (with synonyms), design, text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.catalog import Catalog
from indexer.discover.synonyms import Synonyms, key
from indexer.index.document import SearchQuery
from indexer.record import TrialRecord

_GENERIC_DRUGS = {"placebo", "saline", "standard of care", "usual care", "sham", "vehicle"}
# Similarity = disease x (1 + treatment) + the rest. Multiplying makes "same disease and same
# mechanism" outrank either alone: an IL-2 trial in HIV is less like an IL-2 lupus trial than
# another IL-2-pathway lupus trial is.
DISEASE = {"condition": 1.0, "condition_family": 0.4}
NO_SHARED_DISEASE = 0.1
MINOR = {"sponsor": 0.2, "phase": 0.1, "purpose": 0.05, "ages": 0.05}
MENTION = 0.7  # the source's drug named in the other trial's text, not given in it
ABOUT_WEIGHT = 0.3


@dataclass
class SimilarTrial:
    record: TrialRecord
    score: float
    shares: dict[str, list[str]] = field(default_factory=dict)


def _keys(terms: list[str], syn: Synonyms) -> dict[str, str]:
    """Spelling-insensitive key of each term and of its synonyms -> the term as written."""
    out: dict[str, str] = {}
    for t in terms:
        for variant in (t, *syn.expand(t)):
            out.setdefault(key(variant), t)
    return out


def _words(text: str) -> str:
    return " " + " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split()) + " "


def _drugs(r: TrialRecord) -> list[str]:
    return [n for n in r.drug_names() if n.lower() not in _GENERIC_DRUGS]


def _conditions(r: TrialRecord) -> list[str]:
    return [*r.conditions, *r.condition_mesh]


@dataclass(frozen=True)
class _Source:
    """What `shared` compares against, worked out once per source trial instead of once per candidate."""

    record: TrialRecord
    conditions: dict[str, str]
    family: frozenset[str]
    drugs: dict[str, str]
    drug_names: tuple[tuple[str, str], ...]  # (name, its words) of the drugs and their synonyms, to look for in a text


def _source(a: TrialRecord, syn: Synonyms) -> _Source:
    names = tuple((t, _words(t)) for d in _drugs(a) for t in (d, *syn.expand(d)) if len(key(t)) > 2)
    return _Source(
        a,
        _keys(_conditions(a), syn),
        frozenset(key(t) for t in (*a.condition_mesh_ancestors, *a.condition_mesh)),
        _keys(_drugs(a), syn),
        names,
    )


def shared(a: TrialRecord, b: TrialRecord, syn: Synonyms) -> dict[str, list[str]]:
    """What trial `b` has in common with `a`, feature by feature, in `b`'s words."""
    return _shared(_source(a, syn), b, syn)


def _shared(src: _Source, b: TrialRecord, syn: Synonyms) -> dict[str, list[str]]:
    a = src.record
    out: dict[str, list[str]] = {}
    found = sorted({c for c in _conditions(b) if any(k in src.conditions for k in _keys([c], syn))})
    if found:
        out["condition"] = found
    family = sorted({t for t in (*b.condition_mesh_ancestors, *b.condition_mesh) if key(t) in src.family} - set(found))
    if family and not found:
        out["condition_family"] = family[:3]
    drugs = sorted({d for d in _drugs(b) if any(k in src.drugs for k in _keys([d], syn))})
    if drugs:
        out["intervention"] = drugs
    else:
        # The same agent or pathway named in the text ("targets the interleukin (IL-2) receptor").
        text = _words(" ".join(filter(None, (b.brief_title, b.brief_summary, b.detailed_description, *b.keywords))))
        named = sorted({t for t, words in src.drug_names if words in text})
        if named:
            out["mentions"] = named[:3]
    if a.phases and set(a.phases) & set(b.phases) and a.phases != ("NA",):
        out["phase"] = sorted(set(a.phases) & set(b.phases))
    if a.lead_sponsor and a.lead_sponsor == b.lead_sponsor:
        out["sponsor"] = [a.lead_sponsor]
    if a.design.primary_purpose and a.design.primary_purpose == b.design.primary_purpose:
        out["purpose"] = [a.design.primary_purpose]
    ea, eb = a.eligibility, b.eligibility
    lo = max(ea.min_age_years or 0, eb.min_age_years or 0)
    hi = min(ea.max_age_years or 999, eb.max_age_years or 999)
    if lo < hi and (ea.min_age_years, ea.max_age_years) != (None, None):
        out["ages"] = [f"{lo:g} to {hi:g}" if hi < 999 else f"{lo:g} and over"]
    return out


def _queries(
    source: TrialRecord, statuses: tuple[str, ...], limit: int, where: SearchQuery
) -> tuple[SearchQuery, SearchQuery]:
    """Two candidate searches: what the trial is about (conditions, drugs, title), and its
    distinctive words (more like this), which find trials of the same mechanism under other names."""
    words = " ".join([*_conditions(source), *_drugs(source), source.brief_title or ""])
    place = {"near": where.near, "within_km": where.within_km, "countries": where.countries, "fresh": where.fresh}
    about = SearchQuery(
        text=re.sub(r"\s+", " ", words),
        statuses=statuses,
        **place,  # type: ignore[arg-type]
        exclude_ids=(source.nct_id,),
        limit=limit,
        field_weights=(
            ("conditions", 3.0),
            ("interventions", 3.0),
            ("title", 1.5),
            ("keywords", 1.0),
            ("condition_tree", 0.5),
        ),
    )
    like = tuple(
        (f, t)
        for f, t in (
            ("title", source.brief_title),
            ("summary", source.brief_summary),
            ("description", source.detailed_description),
        )
        if t
    )
    return about, SearchQuery(
        like=like,
        statuses=statuses,
        exclude_ids=(source.nct_id,),
        limit=limit,
        **place,  # type: ignore[arg-type]
    )


def _normalised(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values(), default=0.0)
    return {k: v / top for k, v in scores.items()} if top > 0 else scores


def similar(
    catalog: Catalog,
    nct_id: str,
    *,
    statuses: tuple[str, ...] = (),
    limit: int = 10,
    candidates: int = 200,
    where: SearchQuery | None = None,
) -> list[SimilarTrial]:
    """Other trials ranked by what they share with `nct_id`, plus how alike their texts are.

    `where` restricts them by place and freshness (its near, within_km, countries and fresh)."""
    source = catalog.get(nct_id)
    if source is None:
        raise KeyError(nct_id)
    about_q, like_q = _queries(source, statuses, candidates, where or SearchQuery())
    about_score = _normalised({h.nct_id: h.score for h in catalog.search_ids(about_q).hits})
    like_score = _normalised({h.nct_id: h.score for h in catalog.search_ids(like_q).hits})
    # The two candidate lists overlap: load each record once.
    records = catalog.store.get_many(dict.fromkeys([*about_score, *like_score]))
    syn = catalog.synonyms
    src = _source(source, syn)
    out = []
    for r in records.values():
        shares = _shared(src, r, syn)
        disease = max((DISEASE[k] for k in shares if k in DISEASE), default=NO_SHARED_DISEASE)
        text = like_score.get(r.nct_id, 0.0)
        treatment = 1.0 if "intervention" in shares else MENTION if "mentions" in shares else text * 0.5
        score = (
            disease * (1 + treatment)
            + sum(MINOR[k] for k in shares if k in MINOR)
            + ABOUT_WEIGHT * about_score.get(r.nct_id, 0.0)
        )
        if text >= 0.5:
            shares["text"] = [f"{text:.0%} as alike as the closest text"]
        out.append(SimilarTrial(r, round(score, 4), shares))
    out.sort(key=lambda s: (-s.score, s.record.nct_id))
    return out[:limit]
