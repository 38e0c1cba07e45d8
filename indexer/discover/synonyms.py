"""Synonym groups (curated file, user file, and links the records make) and query expansion with them."""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

from indexer.index.document import SearchQuery
from indexer.store import RecordStore

log = logging.getLogger(__name__)

# Intervention names too generic to link drugs through (every trial has a placebo).
_GENERIC = {
    "placebo",
    "placebos",
    "saline",
    "standard of care",
    "standard care",
    "usual care",
    "control",
    "treatment",
    "therapy",
    "intervention",
    "healthy",
    "healthy volunteers",
    "biopsy",
    "sham",
    "vehicle",
    "no intervention",
    "observation",
    "chemotherapy",
    "surgery",
    "radiation",
    "radiotherapy",
    "best supportive care",
    "questionnaire",
    "survey",
    "drug",
    "other",
}
# A term linked to more partners than this is a hub (a lab code, a generic class): not a bridge.
_MAX_PARTNERS = 8
# Record-derived links never grow a group past this: long chains join unrelated drugs.
_MAX_DERIVED_GROUP = 16
# Other names that are not names: doses, combinations, sentences.
_NOT_A_NAME = re.compile(
    r"\d\s*(mg|ml|mcg|µg|g|iu|%)\b"
    r"|\b(plus|and|with|or|versus|vs|then|followed|no|group|arm|section|inhibitors?)\b"
    r"|[+/:;]|\.$",
    re.IGNORECASE,
)


def _name_like(term: str) -> bool:
    return len(term) <= 40 and len(term.split()) <= 5 and not _NOT_A_NAME.search(term) and term.lower() not in _GENERIC


_CACHE_VERSION = 4


_NOT_KEY = re.compile(r"[^0-9a-z]+")


@functools.lru_cache(maxsize=65_536)  # called for every term of every candidate when ranking similar trials
def key(term: str) -> str:
    """Spelling-insensitive key: "IL-2", "IL 2" and "il2" are one term."""
    return _NOT_KEY.sub("", term.lower())


def is_abbreviation(term: str) -> bool:
    return len(term) <= 6 and term.upper() == term and any(ch.isalpha() for ch in term)


class Synonyms:
    """Groups of terms that mean the same; `expand` gives a term's alternatives."""

    def __init__(self, groups: Iterable[Iterable[str]] = ()):
        self._group_of: dict[str, int] = {}
        self._groups: list[list[str]] = []
        for g in groups:
            self.add_group(g)

    def add_group(self, terms: Iterable[str], max_size: int | None = None) -> None:
        terms = [t.strip() for t in terms if t and t.strip() and key(t)]
        if len(terms) < 2:
            return
        ids = {self._group_of[key(t)] for t in terms if key(t) in self._group_of}
        if max_size is not None and sum(len(self._groups[i]) for i in ids) + len(terms) > max_size:
            return
        if ids:  # merge into the first existing group
            target = min(ids)
            for other in sorted(ids - {target}, reverse=True):
                self._groups[target].extend(self._groups[other])
                for t in self._groups[other]:
                    self._group_of[key(t)] = target
                self._groups[other] = []
        else:
            target = len(self._groups)
            self._groups.append([])
        known = {key(t) for t in self._groups[target]}
        for t in terms:
            if key(t) not in known:
                self._groups[target].append(t)
                known.add(key(t))
            self._group_of[key(t)] = target

    def expand(self, term: str) -> list[str]:
        """The term's alternatives (itself excluded), in the order they were learned."""
        gid = self._group_of.get(key(term))
        if gid is None:
            return []
        k = key(term)
        return [t for t in self._groups[gid] if key(t) != k]

    def groups(self) -> list[list[str]]:
        return [g for g in self._groups if g]

    def find_in_text(self, text: str, max_words: int = 6) -> list[tuple[str, list[str]]]:
        """Terms of any group written in `text` (longest first), with their alternatives.

        Abbreviations count only when written in capitals, so the word "all" is not leukaemia.
        """
        words = re.findall(r"[A-Za-z0-9][A-Za-z0-9'-]*", text)
        keys = [key(w) for w in words]  # a phrase's key is its words' keys joined
        found: list[tuple[str, list[str]]] = []
        used: set[int] = set()
        for size in range(max_words, 0, -1):
            for i in range(len(words) - size + 1):
                if "".join(keys[i : i + size]) not in self._group_of or used & set(range(i, i + size)):
                    continue
                phrase = " ".join(words[i : i + size])
                alternatives = self.expand(phrase)
                if not alternatives:
                    continue
                canonical = self._canonical(phrase)
                if is_abbreviation(canonical) and (phrase != phrase.upper() or (" " in phrase) != (" " in canonical)):
                    continue  # "all" is not ALL, "U S" is not US; "IL2" is IL-2
                found.append((phrase, alternatives))
                used |= set(range(i, i + size))
        return found

    def _canonical(self, term: str) -> str:
        gid = self._group_of[key(term)]
        return next(t for t in self._groups[gid] if key(t) == key(term))


def expand_query(q: SearchQuery, syn: Synonyms) -> SearchQuery:
    """The query with the alternatives of its conditions, drugs and of synonym terms in its text."""
    found: dict[str, tuple[str, ...]] = {}
    for value in (*q.conditions, *q.drugs):
        alternatives = syn.expand(value)
        if alternatives:
            found[value] = tuple(alternatives)
    if q.text:
        for phrase, alternatives in syn.find_in_text(q.text):
            found[phrase] = tuple(alternatives)
    return dataclasses.replace(q, expansions=tuple(found.items())) if found else q


def _stems(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]{4,}", text.lower())}


def _same_concept(condition: str, mesh: str) -> bool:
    """A record's lone condition and lone MeSH term name one concept only if they share a word stem
    ("Prostate Cancer", "Prostatic Neoplasms") and neither is a narrower wording of the other
    ("Pain", "Chronic Pain"). MeSH terms are assigned by an algorithm, from the whole record."""
    a, b = _stems(condition), _stems(mesh)
    return bool(a & b) and not (a <= b or b <= a)


def _parse_file(path: Path) -> list[list[str]]:
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            groups.append([t.strip() for t in line.split(";")])
    return groups


def curated() -> list[list[str]]:
    return _parse_file(Path(str(files("indexer") / "data" / "synonyms.txt")))


def from_records(store: RecordStore) -> list[list[str]]:
    """Links the registry records make: a drug and its other names; a lone condition and its MeSH term."""
    partners: dict[str, set[str]] = defaultdict(set)
    pairs: list[list[str]] = []
    for all_names in store.vocabulary.intervention_names():
        names = [n for n in all_names if _name_like(n)]
        if len(names) > 1:
            pairs.append(names)
    for condition, term in store.vocabulary.lone_condition_mesh():
        if _same_concept(condition, term):
            pairs.append([condition, term])
    for names in pairs:
        for n in names:
            partners[key(n)].update(key(m) for m in names if key(m) != key(n))
    hubs = {k for k, p in partners.items() if len(p) > _MAX_PARTNERS}
    return [[n for n in names if key(n) not in hubs] for names in pairs]


def load(store: RecordStore, data_dir: Path) -> Synonyms:
    """Curated, then user, then record-derived groups; the record part is cached per store state."""
    syn = Synonyms(curated())
    for path in (
        data_dir / "synonyms.txt",
        Path(os.environ["TRIALS_SYNONYMS"]) if "TRIALS_SYNONYMS" in os.environ else None,
    ):
        if path is not None and path.exists():
            syn_groups = _parse_file(path)
            log.info("read %d synonym groups from %s", len(syn_groups), path)
            for g in syn_groups:
                syn.add_group(g)
    state = store.vocabulary.state()
    stamp = f"{_CACHE_VERSION}:{state[0]}:{state[1]}"
    cache = data_dir / "synonyms-cache.json"
    derived: list[list[str]] | None = None
    try:
        cached = json.loads(cache.read_text())
        if cached.get("stamp") == stamp:
            derived = cached["groups"]
    except (OSError, ValueError):
        pass
    if derived is None:
        derived = from_records(store)
        if not store.readonly:  # a read-only data dir still searches, just without the cache
            try:
                partial = cache.with_suffix(f".{os.getpid()}.tmp")
                partial.write_text(json.dumps({"stamp": stamp, "groups": derived}))
                partial.replace(cache)  # atomic: a concurrent reader sees the old cache or the new one
            except OSError as exc:
                log.warning("could not cache synonyms in %s: %s", cache, exc)
    for g in derived:
        syn.add_group(g, max_size=_MAX_DERIVED_GROUP)
    return syn
