"""The MeSH hierarchy the records' condition terms tell, kept as counts updated with every write."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import product

from indexer.normalize import fold
from indexer.record import TrialRecord
from indexer.store.db import Database

# (condition MeSH terms, ancestors) of one record: what it adds to the counts.
Filing = tuple[Sequence[str], Sequence[str]]


def filing(record: TrialRecord) -> Filing:
    return record.condition_mesh, record.condition_mesh_ancestors


# Lay words and the word MeSH uses for them ("lung cancer" is filed as "Lung Neoplasms").
_MESH_LAY = {
    "cancer": "neoplasm",
    "cancers": "neoplasm",
    "tumor": "neoplasm",
    "tumors": "neoplasm",
    "tumour": "neoplasm",
    "tumours": "neoplasm",
    "renal": "kidney",
    "cardiac": "heart",
}


@lru_cache(maxsize=1 << 16)  # the same terms come back batch after batch
def mesh_words(term: str) -> str:
    """A condition or MeSH term as its set of words, to find the MeSH term a condition names: order, case,
    accents, possessives, plurals and a few lay words ignored ("lung cancers" -> "lung neoplasm")."""
    text = re.sub(r"'s\b", "", fold(term).lower())
    out = set()
    for w in re.findall(r"[a-z0-9]+", text):
        w = _MESH_LAY.get(w, w)
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.add(w)
    return " ".join(sorted(out))


class MeshTally:
    """What filings add to the counts (or take back), summed as they come: one count per term and per
    (term, ancestor) pair, however many records file them. A rebuild tallies the records as it reads
    them: holding each record's filing until the end (`trials reindex`) grew with the store."""

    def __init__(self) -> None:
        self.terms: Counter[str] = Counter()
        self.pairs: Counter[tuple[str, str]] = Counter()
        self.named: set[str] = set()

    def add(self, filings: Iterable[Filing]) -> None:
        self._count(Counter.update, filings)

    def take_back(self, filings: Iterable[Filing]) -> None:
        self._count(Counter.subtract, filings)

    def _count(self, count: Callable[..., None], filings: Iterable[Filing]) -> None:
        for own, ancestors in filings:
            own_set, anc = set(own), set(ancestors)
            self.named |= own_set | anc
            count(self.terms, own_set)
            count(self.pairs, product(own_set, anc))


class MeshCounts:
    """How many records file each term, and how many of those list each ancestor.

    The records do not give the tree itself, only each record's terms and the ancestors of all of them
    together. A term's own ancestors are those listed by every record filed under it, i.e. the ancestors
    whose pair count equals the term's record count. Counts can be added and subtracted exactly, so the
    tree stays right as records are written, updated and dropped, without reading the other records.
    """

    def __init__(self, db: Database):
        self._db = db

    def apply(self, removed: Iterable[Filing], added: Iterable[Filing]) -> None:
        """Take back what the old versions filed and count what the new ones file (inside a transaction)."""
        tally = MeshTally()
        tally.take_back(removed)
        tally.add(added)
        self.write(tally)

    def write(self, tally: MeshTally) -> None:
        """Add what the tally counted to the stored counts (inside a transaction)."""
        terms, pairs, named = tally.terms, tally.pairs, tally.named
        if not named:
            return
        # Only a term whose count fell, or that lost a pair as ancestor, can have become unknown.
        fell = {t for t, n in terms.items() if n < 0} | {a for (_, a), n in pairs.items() if n < 0}
        # Known or not, each named term in one statement: its count added (0 for an ancestor only).
        self._db.executemany(
            "INSERT INTO mesh_terms (term, words, records) VALUES (?, ?, ?)"
            " ON CONFLICT (term) DO UPDATE SET records = records + excluded.records WHERE excluded.records != 0",
            ((t, mesh_words(t), terms[t]) for t in named),
        )
        self._db.executemany(
            "INSERT INTO mesh_ancestors (term, ancestor, records) VALUES (?, ?, ?)"
            " ON CONFLICT (term, ancestor) DO UPDATE SET records = records + excluded.records",
            ((t, a, n) for (t, a), n in pairs.items() if n),
        )
        self._db.executemany(
            "DELETE FROM mesh_ancestors WHERE term = ? AND ancestor = ? AND records <= 0",
            ((t, a) for (t, a), n in pairs.items() if n < 0),
        )
        # A term no record files and none lists as an ancestor is no longer known.
        self._db.executemany(
            "DELETE FROM mesh_terms WHERE term = ? AND records <= 0"
            " AND NOT EXISTS (SELECT 1 FROM mesh_ancestors WHERE ancestor = ?)",
            ((t, t) for t in fell),
        )

    def rebuild(self, filings: Iterable[Filing] | MeshTally) -> None:
        """Recount from every record's filing, or from their tally (a schema upgrade, `reindex`)."""
        self._db.execute("DELETE FROM mesh_ancestors")
        self._db.execute("DELETE FROM mesh_terms")
        if isinstance(filings, MeshTally):
            self.write(filings)
        else:
            self.apply((), filings)

    def concept(self, words: str) -> str | None:
        """The term spelled with these words (`mesh_words`): one the records file under first."""
        found = self._db.one(
            "SELECT term FROM mesh_terms WHERE words = ? ORDER BY records > 0 DESC, term LIMIT 1", (words,)
        )
        return str(found) if found is not None else None

    def narrower(self, concept: str) -> list[str]:
        """The terms whose every record lists `concept` among its ancestors."""
        rows = self._db.execute(
            "SELECT a.term FROM mesh_ancestors AS a JOIN mesh_terms AS t ON t.term = a.term"
            " WHERE a.ancestor = ? AND a.records = t.records ORDER BY a.term",
            (concept,),
        )
        return [str(t) for (t,) in rows]
