"""Synonym groups (curated file, user file, and links the records make) and query expansion with them."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from indexer.discover.terms import MAX_DERIVED_GROUP, Synonyms, is_abbreviation, key
from indexer.index.document import SearchQuery
from indexer.spelling import american
from indexer.store import RecordStore

__all__ = ["StoreSynonyms", "Synonyms", "curated", "expand_query", "is_abbreviation", "key", "load"]

log = logging.getLogger(__name__)


class StoreSynonyms(Synonyms):
    """The curated and user groups, plus the record-derived groups the store keeps, looked up for
    the keys a query uses only: the cost of a query does not grow with the store."""

    # Keys looked up before starting over from the curated groups: a `trials serve` that no write
    # refreshes would otherwise keep every phrase of every query it was ever asked.
    ASKED_MOST = 50_000

    def __init__(self, groups: Iterable[Iterable[str]], store: RecordStore):
        self._base = [list(g) for g in groups]
        super().__init__(self._base)
        self._store = store
        self._asked: set[str] = set()
        self._all = False

    def _prepare(self, keys: Iterable[str]) -> None:
        given = set(keys)
        wanted = given - self._asked
        if self._all or not wanted:
            return
        if len(self._asked) + len(wanted) > self.ASKED_MOST:
            Synonyms.__init__(self, self._base)
            self._asked = set()
            wanted = given  # those asked before too: their groups went with the rest
        for k in list(wanted):  # a curated group reaches the derived groups of each of its terms
            gid = self._group_of.get(k)
            if gid is not None:
                wanted.update(key(t) for t in self._groups[gid])
        wanted -= self._asked
        self._asked |= wanted
        for group in self._store.synonyms.lookup(wanted):
            self.add_group(group, max_size=MAX_DERIVED_GROUP)

    def expand(self, term: str) -> list[str]:
        self._prepare((key(term),))
        return super().expand(term)

    def groups(self) -> list[list[str]]:
        """Every group (for a cluster's mapping): the only call that reads all derived groups."""
        if not self._all:
            self._all = True
            for group in self._store.synonyms.groups():
                self.add_group(group, max_size=MAX_DERIVED_GROUP)
        return super().groups()


def expand_query(q: SearchQuery, syn: Synonyms) -> SearchQuery:
    """The query with the alternatives of its conditions, drugs and of synonym terms in its text."""
    found: dict[str, tuple[str, ...]] = {}
    for value in (*q.conditions, *q.drugs):
        # A British spelling has the synonyms of the American one ("leukaemia": those of "leukemia").
        spellings = dict.fromkeys((value, american(value)))
        alternatives = [a for a in dict.fromkeys(a for s in spellings for a in syn.expand(s)) if a not in spellings]
        if alternatives:
            found[value] = tuple(alternatives)
    if q.text:
        for text in dict.fromkeys((q.text, american(q.text))):
            for phrase, alternatives in syn.find_in_text(text):
                found.setdefault(phrase, tuple(alternatives))
    return dataclasses.replace(q, expansions=tuple(found.items())) if found else q


def _parse_file(path: Path) -> list[list[str]]:
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            groups.append([t.strip() for t in line.split(";")])
    return groups


def curated() -> list[list[str]]:
    # The package's own file (it is installed unzipped): importlib.resources would bring tempfile,
    # zipfile and the compressors, 4 ms of every search's start.
    return _parse_file(Path(__file__).parent.parent / "data" / "synonyms.txt")


def load(store: RecordStore, data_dir: Path) -> Synonyms:
    """Curated, then user groups; the record-derived groups are looked up in the store as queries need them."""
    groups = curated()
    for path in (
        data_dir / "synonyms.txt",
        Path(os.environ["TRIALS_SYNONYMS"]) if "TRIALS_SYNONYMS" in os.environ else None,
    ):
        if path is not None and path.exists():
            syn_groups = _parse_file(path)
            log.info("read %d synonym groups from %s", len(syn_groups), path)
            groups += syn_groups
    return StoreSynonyms(groups, store)
