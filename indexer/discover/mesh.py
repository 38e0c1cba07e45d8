"""MeSH-aware conditions: a condition names a MeSH concept, and trials filed under it or anything narrower match."""

from __future__ import annotations

import dataclasses

from indexer.discover.synonyms import Synonyms
from indexer.index.document import SearchQuery, mesh_key
from indexer.record import TrialRecord
from indexer.spelling import american
from indexer.store.mesh import MeshCounts, mesh_words


def expand_query(q: SearchQuery, mesh: MeshCounts, syn: Synonyms) -> SearchQuery:
    """Each condition with the MeSH concept it (or a synonym of it) names, and the narrower terms."""
    found = []
    for condition in q.conditions:
        spellings = {condition, american(condition)}  # "leukaemia" names Leukemia
        named = {mesh_words(v) for s in spellings for v in (s, *syn.expand(s))}
        concepts = {c for c in map(mesh.concept, sorted(named)) if c}
        terms = sorted({t for c in concepts for t in (c, *mesh.narrower(c))})
        if terms:
            found.append((condition, tuple(terms)))
    return dataclasses.replace(q, mesh=tuple(found)) if found else q


def explain(q: SearchQuery, record: TrialRecord) -> list[str]:
    """Which of the record's MeSH terms or ancestors made each condition match."""
    out = []
    own = {mesh_key(t): t for t in record.condition_mesh}
    ancestors = {mesh_key(t): t for t in record.condition_mesh_ancestors}
    for condition, terms in q.mesh:
        keys = {mesh_key(t) for t in terms}
        hit_own = [own[k] for k in own if k in keys]
        hit_anc = [ancestors[k] for k in ancestors if k in keys]
        if hit_own:
            out.append(f"{condition} (as MeSH term {hit_own[0]})")
        elif hit_anc:
            under = ", ".join(record.condition_mesh) or "its terms"
            out.append(f"{condition} (as MeSH ancestor {hit_anc[0]} of {under})")
    return out
