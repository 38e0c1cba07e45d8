"""MeSH-aware conditions: a condition names a MeSH concept, and trials filed under it or anything narrower match."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from indexer.discover.synonyms import Synonyms
from indexer.index.document import SearchQuery, mesh_key
from indexer.normalize import fold
from indexer.record import TrialRecord
from indexer.store import RecordStore

log = logging.getLogger(__name__)

# Lay words and the word MeSH uses for them ("lung cancer" is filed as "Lung Neoplasms").
_LAY = {
    "cancer": "neoplasm",
    "cancers": "neoplasm",
    "tumor": "neoplasm",
    "tumors": "neoplasm",
    "tumour": "neoplasm",
    "tumours": "neoplasm",
    "renal": "kidney",
    "cardiac": "heart",
}
_CACHE_VERSION = 1


def _words(term: str) -> frozenset[str]:
    """A term as a set of normalised words: order, case, accents, possessives and plurals ignored."""
    text = re.sub(r"'s\b", "", fold(term).lower())
    out = set()
    for w in re.findall(r"[a-z0-9]+", text):
        w = _LAY.get(w, w)
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.add(w)
    return frozenset(out)


@dataclass
class MeshTree:
    """What the stored records say about MeSH: each term's ancestors (as far as the records tell)."""

    ancestors: dict[str, set[str]] = field(default_factory=dict)
    by_words: dict[frozenset[str], str] = field(default_factory=dict)

    def add(self, terms: Iterable[str], ancestors: Iterable[str]) -> None:
        terms, anc = list(terms), set(ancestors)
        for t in [*terms, *anc]:
            self.by_words.setdefault(_words(t), t)
        for t in terms:
            # A record's ancestors are those of all its terms together: intersecting over every
            # record that has the term keeps the ones that are the term's own.
            known = self.ancestors.get(t)
            self.ancestors[t] = set(anc) if known is None else known & anc
        for a in anc:
            self.ancestors.setdefault(a, set())

    def concept(self, condition: str) -> str | None:
        """The MeSH term a condition names, spelled as MeSH does, if any."""
        return self.by_words.get(_words(condition))

    def narrower(self, concept: str) -> list[str]:
        return sorted(t for t, anc in self.ancestors.items() if concept in anc)

    def to_json(self) -> dict[str, list[str]]:
        return {t: sorted(a) for t, a in self.ancestors.items()}


def load(store: RecordStore, data_dir: Path) -> MeshTree:
    """The tree from the records' condition MeSH terms and ancestors, cached per store state."""
    count, newest = store.vocabulary.state()
    stamp = f"{_CACHE_VERSION}:{count}:{newest}"
    cache = data_dir / "mesh-cache.json"
    tree = MeshTree()
    try:
        cached = json.loads(cache.read_text())
        if cached.get("stamp") == stamp:
            for term, anc in cached["ancestors"].items():
                tree.ancestors[term] = set(anc)
                for t in (term, *anc):
                    tree.by_words.setdefault(_words(t), t)
            return tree
    except (OSError, ValueError, KeyError):
        pass
    for terms, ancestors in store.vocabulary.condition_mesh_trees():
        tree.add(terms, ancestors)
    if not store.readonly:  # a read-only data dir still searches, without the cache
        try:
            partial = cache.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps({"stamp": stamp, "ancestors": tree.to_json()}))
            partial.replace(cache)  # atomic: a concurrent reader sees the old cache or the new one
        except OSError as exc:
            log.warning("could not cache the MeSH tree in %s: %s", cache, exc)
    return tree


def expand_query(q: SearchQuery, tree: MeshTree, syn: Synonyms) -> SearchQuery:
    """Each condition with the MeSH concept it (or a synonym of it) names, and the narrower terms."""
    found = []
    for condition in q.conditions:
        concepts = {c for c in (tree.concept(v) for v in (condition, *syn.expand(condition))) if c}
        terms = sorted({t for c in concepts for t in (c, *tree.narrower(c))})
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
