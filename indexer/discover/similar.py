"""Trials like a given one: shared conditions (MeSH-aware), interventions (with synonyms), design, text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.catalog import Catalog
from indexer.discover.candidates import Candidate, Reader, drugs, plain_words, record_text
from indexer.discover.synonyms import Synonyms, key
from indexer.index.document import SearchQuery
from indexer.record import TrialRecord

# Similarity = disease x (1 + treatment) + the rest. Multiplying makes "same disease and same
# mechanism" outrank either alone: an IL-2 trial in HIV is less like an IL-2 lupus trial than
# another IL-2-pathway lupus trial is.
DISEASE = {"condition": 1.0, "condition_family": 0.4}
NO_SHARED_DISEASE = 0.1
MINOR = {"sponsor": 0.2, "phase": 0.1, "purpose": 0.05, "ages": 0.05}
MENTION = 0.7  # the source's drug named in the other trial's text, not given in it
ABOUT_WEIGHT = 0.3
# A trial is "similar" only if it shares the disease or the treatment: a sponsor, phase or a merely
# alike text alone would offer a lupus patient a spine-surgery trial when few lupus trials are open.
RELATED = frozenset({"condition", "condition_family", "intervention", "mentions"})
# The order a trial's shared features are listed in.
_SHARES = ("condition", "condition_family", "intervention", "mentions", "phase", "sponsor", "purpose", "ages", "text")


@dataclass
class SimilarTrial:
    """A trial like the one asked about, with what the two share."""

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


def _conditions(r: TrialRecord) -> list[str]:
    return [*r.conditions, *r.condition_mesh]


@dataclass(frozen=True)
class _Source:
    """What `shared` compares against, worked out once per source trial instead of once per candidate."""

    record: TrialRecord
    conditions: dict[str, str]
    family: frozenset[str]
    drugs: dict[str, str]
    # (name, its plain_words) of the drugs and their synonyms: found in a text's plain_words by a
    # substring test (the store keeps every record's text as plain_words).
    drug_names: tuple[tuple[str, str], ...]


def _source(a: TrialRecord, syn: Synonyms) -> _Source:
    names = tuple((t, plain_words(t)) for d in drugs(a) for t in (d, *syn.expand(d)) if len(key(t)) > 2)
    return _Source(
        a,
        _keys(_conditions(a), syn),
        frozenset(key(t) for t in (*a.condition_mesh_ancestors, *a.condition_mesh)),
        _keys(drugs(a), syn),
        names,
    )


def shared(a: TrialRecord, b: TrialRecord, syn: Synonyms) -> dict[str, list[str]]:
    """What trial `b` has in common with `a`, feature by feature, in `b`'s words."""
    return _shared(_source(a, syn), Candidate.of(b), syn, words=plain_words(record_text(b)))


def _mentions(src: _Source, words: str) -> list[str]:
    """The source's drugs (and their synonyms) named in a text, given as its plain_words."""
    return sorted({name for name, name_words in src.drug_names if name_words in words})


def _shared(src: _Source, b: Candidate, syn: Synonyms, *, words: str | None = None) -> dict[str, list[str]]:
    """Without `words` (b's text's), leaves out the one costly comparison: the source's drugs named in it."""
    a = src.record
    out: dict[str, list[str]] = {}
    found = sorted({c for c in b.conditions if not syn.keys(c).isdisjoint(src.conditions)})
    if found:
        out["condition"] = found
    family = sorted({t for t in b.family if key(t) in src.family} - set(found))
    if family and not found:
        out["condition_family"] = family[:3]
    given = sorted({d for d in b.drugs if not syn.keys(d).isdisjoint(src.drugs)})
    if given:
        out["intervention"] = given
    elif words is not None and (named := _mentions(src, words)):
        # The same agent or pathway named in the text ("targets the interleukin (IL-2) receptor").
        out["mentions"] = named[:3]
    if a.phases and set(a.phases) & set(b.phases) and a.phases != ("NA",):
        out["phase"] = sorted(set(a.phases) & set(b.phases))
    if a.lead_sponsor and a.lead_sponsor == b.lead_sponsor:
        out["sponsor"] = [a.lead_sponsor]
    if a.design.primary_purpose and a.design.primary_purpose == b.primary_purpose:
        out["purpose"] = [a.design.primary_purpose]
    ea = a.eligibility
    lo = max(ea.min_age_years or 0, b.min_age or 0)
    hi = min(ea.max_age_years or 999, b.max_age or 999)
    if lo < hi and (ea.min_age_years, ea.max_age_years) != (None, None):
        out["ages"] = [f"{lo:g} to {hi:g}" if hi < 999 else f"{lo:g} and over"]
    return out


def _queries(
    source: TrialRecord, statuses: tuple[str, ...], limit: int, where: SearchQuery
) -> tuple[SearchQuery, SearchQuery]:
    """Two candidate searches: what the trial is about (conditions, drugs, title), and its
    distinctive words (more like this), which find trials of the same mechanism under other names.

    Each asks for one trial more than `limit`, not for all but the source: a query that excludes a
    trial costs tantivy a fifth more (24-30% at 100,000 trials), and so does counting the matches."""
    words = " ".join([*_conditions(source), *drugs(source), source.brief_title or ""])
    place = {"near": where.near, "within_km": where.within_km, "countries": where.countries, "fresh": where.fresh}
    about = SearchQuery(
        text=re.sub(r"\s+", " ", words),
        statuses=statuses,
        **place,  # type: ignore[arg-type]
        limit=limit + 1,
        count=False,
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
        limit=limit + 1,
        count=False,
        **place,  # type: ignore[arg-type]
    )


def _others(catalog: Catalog, q: SearchQuery, nct_id: str, limit: int) -> dict[str, float]:
    """The scores of the query's first `limit` hits other than `nct_id`."""
    hits = [h for h in catalog.search_ids(q).hits if h.nct_id != nct_id][:limit]
    return {h.nct_id: h.score for h in hits}


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
    about_score = _normalised(_others(catalog, about_q, nct_id, candidates))
    like_score = _normalised(_others(catalog, like_q, nct_id, candidates))
    # The two candidate lists overlap: read each once, and only the fields compared (not whole records).
    reader = Reader(catalog.store)
    pool = reader.read(dict.fromkeys([*about_score, *like_score]))
    syn = catalog.synonyms
    src = _source(source, syn)
    syn.prepare(t for c in pool for t in (*c.conditions, *c.drugs))  # their synonym groups: one look-up

    def score(c: Candidate, shares: dict[str, list[str]]) -> float:
        disease = max((DISEASE[k] for k in shares if k in DISEASE), default=NO_SHARED_DISEASE)
        text = like_score.get(c.nct_id, 0.0)
        treatment = 1.0 if "intervention" in shares else MENTION if "mentions" in shares else text * 0.5
        minor = sum(MINOR[k] for k in shares if k in MINOR)
        return round(disease * (1 + treatment) + minor + ABOUT_WEIGHT * about_score.get(c.nct_id, 0.0), 4)

    # Looking for the source's drugs in a candidate's text costs more than all else: do it only for
    # candidates that could still make the list with it, best bound first (the same list as doing it for all).
    bounded = []
    for c in pool:
        shares = _shared(src, c, syn)
        settled = "intervention" in shares or not src.drug_names
        bounded.append((score(c, shares if settled else {**shares, "mentions": []}), c, shares, settled))
    bounded.sort(key=lambda b: (-b[0], b[1].nct_id))
    unsettled = [c.nct_id for _, c, _, settled in bounded if not settled]  # texts needed, in this order
    at = {nct_id: i for i, nct_id in enumerate(unsettled)}
    best: list[tuple[float, str, dict[str, list[str]]]] = []
    for bound, c, shares, settled in bounded:
        if len(best) >= limit and bound < best[-1][0]:
            break
        if not settled and (named := _mentions(src, reader.text(unsettled, at[c.nct_id]))):
            shares["mentions"] = named[:3]
        if not RELATED & shares.keys():
            continue
        text = like_score.get(c.nct_id, 0.0)
        if text >= 0.5:
            shares["text"] = [f"{text:.0%} as alike as the closest text"]
        best.append((score(c, shares), c.nct_id, {k: shares[k] for k in _SHARES if k in shares}))
        best.sort(key=lambda s: (-s[0], s[1]))
        del best[limit:]
    records = catalog.store.get_many(nct_id for _, nct_id, _ in best)
    return [SimilarTrial(records[nct_id], s, shares) for s, nct_id, shares in best]
