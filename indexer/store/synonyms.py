"""Synonym groups derived from the records, kept in the store and updated as records are written."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

from indexer.discover.terms import MAX_DERIVED_GROUP, MAX_PARTNERS, Hubs, Synonyms, key, record_links
from indexer.record import TrialRecord
from indexer.store.db import Database


def links_of(record: TrialRecord) -> list[list[str]]:
    """One record's links in merge order: its drug links, then its lone condition's."""
    drugs, lone = record_links(_named(record), record.conditions, record.condition_mesh)
    return drugs + lone


def _named(record: TrialRecord) -> Iterator[tuple[str | None, tuple[str, ...]]]:
    return ((iv.name, iv.other_names) for iv in record.interventions)


class DerivedSynonyms:
    """Groups the records make (a drug and its other names, a lone condition and its MeSH term).

    `rebuild()` (reindex, schema upgrade) computes them from every record: hubs are found over all
    links first, then the links are merged in order, no group past MAX_DERIVED_GROUP. `learn()` adds
    one record's links as it is written, in the same transaction: a term that becomes a hub leaves its
    group, but groups it had already joined stay joined until the next rebuild. Links of a record's
    former version stay too. Reads look up only the keys a query uses.
    """

    def __init__(self, db: Database):
        self._db = db
        # Links this process stored (committed), and those of the open transaction: learning one of
        # them again changes nothing, and most records repeat links (a drug and its brand name).
        self._known: set[tuple[str, ...]] = set()
        self._pending: set[tuple[str, ...]] = set()

    def committed(self) -> None:
        self._known |= self._pending
        self._pending.clear()

    def forget_pending(self) -> None:
        self._pending.clear()

    # -- reads ---------------------------------------------------------------
    def lookup(self, keys: Iterable[str]) -> list[list[str]]:
        """The groups holding any of these keys, oldest group first, terms in the order learned."""
        wanted = json.dumps(sorted(set(keys)))
        rows = self._db.execute(
            "SELECT grp, term FROM synonym_terms WHERE grp IN"
            " (SELECT grp FROM synonym_terms WHERE key IN (SELECT value FROM json_each(?))) ORDER BY grp, pos",
            (wanted,),
        )
        return _grouped(rows)

    def groups(self) -> list[list[str]]:
        return _grouped(self._db.execute("SELECT grp, term FROM synonym_terms ORDER BY grp, pos"))

    def link_collector(self) -> LinkCollector:
        """Where a rebuild puts the links of the records as it reads them (`rebuild`)."""
        return LinkCollector(self._db)

    # -- writes (inside a transaction) -----------------------------------------
    def learn(self, record: TrialRecord) -> None:
        for names in links_of(record):
            link = tuple(names)
            if link not in self._known and link not in self._pending:
                self._learn(names)
                self._pending.add(link)

    def _learn(self, names: list[str]) -> None:
        keys = list(dict.fromkeys(k for k in map(key, names) if k))
        self._db.executemany(
            "INSERT OR IGNORE INTO synonym_partners (key, partner) VALUES (?, ?)",
            [(a, b) for a in keys for b in keys if a != b],
        )
        hubs = {
            k
            for k, n in self._db.execute(
                "SELECT key, count(*) FROM synonym_partners WHERE key IN (SELECT value FROM json_each(?)) GROUP BY key",
                (json.dumps(keys),),
            )
            if n > MAX_PARTNERS
        }
        for hub in hubs:
            self._drop(hub)
        self._add_group([n for n in names if key(n) not in hubs])

    def _drop(self, k: str) -> None:
        """A term became a hub: it leaves its group, which splits into the parts its own links still join."""
        grp = self._db.one("SELECT grp FROM synonym_terms WHERE key = ?", (k,))
        if grp is None:
            return
        self._db.execute("DELETE FROM synonym_terms WHERE key = ?", (k,))
        members = self._db.execute("SELECT key FROM synonym_terms WHERE grp = ? ORDER BY pos", (grp,)).fetchall()
        keys = [m for (m,) in members]
        edges = self._db.execute(
            "SELECT key, partner FROM synonym_partners WHERE key IN (SELECT value FROM json_each(?))"
            " AND partner IN (SELECT value FROM json_each(?))",
            (json.dumps(keys), json.dumps(keys)),
        ).fetchall()
        parts = _components(keys, edges)
        next_grp = int(self._db.one("SELECT coalesce(max(grp), 0) + 1 FROM synonym_terms"))
        for i, part in enumerate(parts):
            if len(part) < 2:
                self._db.execute("DELETE FROM synonym_terms WHERE key = ?", (part[0],))
            elif i > 0:  # the first part keeps the group's place in the merge order
                self._db.executemany("UPDATE synonym_terms SET grp = ? WHERE key = ?", [(next_grp, m) for m in part])
                next_grp += 1

    def _add_group(self, names: list[str]) -> None:
        """Synonyms.add_group(names, MAX_DERIVED_GROUP), on the stored groups."""
        terms = [t.strip() for t in names if t and t.strip() and key(t)]
        if len(terms) < 2:
            return
        found = dict(
            self._db.execute(
                "SELECT key, grp FROM synonym_terms WHERE key IN (SELECT value FROM json_each(?))",
                (json.dumps([key(t) for t in terms]),),
            ).fetchall()
        )
        ids = set(found.values())
        members = {
            grp: self._db.execute("SELECT key FROM synonym_terms WHERE grp = ? ORDER BY pos", (grp,)).fetchall()
            for grp in ids
        }
        if sum(len(m) for m in members.values()) + len(terms) > MAX_DERIVED_GROUP:
            return
        if ids:
            target = min(ids)
            pos = int(self._db.one("SELECT max(pos) FROM synonym_terms WHERE grp = ?", (target,)))
            for other in sorted(ids - {target}, reverse=True):
                for (k,) in members[other]:
                    pos += 1
                    self._db.execute("UPDATE synonym_terms SET grp = ?, pos = ? WHERE key = ?", (target, pos, k))
            known = {k for (k,) in members[target]} | {k for other in ids - {target} for (k,) in members[other]}
        else:
            target = int(self._db.one("SELECT coalesce(max(grp), 0) + 1 FROM synonym_terms"))
            pos, known = 0, set()
        for t in terms:
            if key(t) not in known:
                pos += 1
                self._db.execute(
                    "INSERT INTO synonym_terms (key, grp, pos, term) VALUES (?, ?, ?, ?)", (key(t), target, pos, t)
                )
                known.add(key(t))

    def rebuild(self, links: LinkCollector) -> int:
        """Every group again from the links of every record (inside a transaction); returns how many groups.

        The links are read from their spool twice, in merge order: for the partners and hubs, then to
        merge them into groups. What is held is the groups and each term's partners, not every link."""
        self._known.clear()
        self._db.execute("DELETE FROM synonym_terms")
        self._db.execute("DELETE FROM synonym_partners")
        hubs = Hubs()

        def pairs() -> Iterator[tuple[str, str]]:
            for names in links.ordered():
                hubs.add(names)
                yield from _pairs(names)

        self._db.executemany("INSERT OR IGNORE INTO synonym_partners (key, partner) VALUES (?, ?)", pairs())
        folded = Synonyms()
        for names in links.ordered():
            folded.add_group([n for n in names if key(n) not in hubs.found], max_size=MAX_DERIVED_GROUP)
        groups = folded.groups()
        self._db.executemany(
            "INSERT INTO synonym_terms (key, grp, pos, term) VALUES (?, ?, ?, ?)",
            [(key(t), g, p, t) for g, terms in enumerate(groups, 1) for p, t in enumerate(terms, 1)],
        )
        links.close()
        return len(groups)


# Links written to the spool at once, and read back at once.
_SPOOL_BATCH = 1000


class LinkCollector:
    """The links of records seen one by one (while a rebuild streams them), in merge order, spooled to a
    temporary table of this connection (a file SQLite deletes on close): held in Python lists, with
    every record's MeSH filing, they took 77 MB of a 100k store's `trials reindex`. A link seen before
    is not kept again: merging it again changes nothing (`Synonyms.add_group`), nor the partners."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._batch: list[tuple[int, str]] = []
        db.execute("DROP TABLE IF EXISTS temp.synonym_link_spool")
        db.execute(
            "CREATE TEMP TABLE synonym_link_spool (seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL,"
            " link TEXT NOT NULL, UNIQUE (kind, link))"
        )

    def add(
        self, interventions: Iterable[tuple[str | None, Iterable[str]]], conditions: Sequence[str], mesh: Sequence[str]
    ) -> None:
        drugs, lone = record_links(interventions, conditions, mesh)
        self._batch += [(0, json.dumps(link)) for link in drugs] + [(1, json.dumps(link)) for link in lone]
        if len(self._batch) >= _SPOOL_BATCH:
            self._flush()

    def add_record(self, record: TrialRecord) -> None:
        self.add(_named(record), record.conditions, record.condition_mesh)

    def _flush(self) -> None:
        self._db.executemany("INSERT OR IGNORE INTO temp.synonym_link_spool (kind, link) VALUES (?, ?)", self._batch)
        self._batch.clear()

    def ordered(self) -> Iterator[list[str]]:
        """Every drug link first, as the groups were always merged, then every lone condition's link;
        each in the order first seen."""
        self._flush()
        for kind in (0, 1):
            rows = self._db.execute("SELECT link FROM temp.synonym_link_spool WHERE kind = ? ORDER BY seq", (kind,))
            while chunk := rows.fetchmany(_SPOOL_BATCH):
                for (link,) in chunk:
                    yield json.loads(link)

    def close(self) -> None:
        self._batch.clear()
        self._db.execute("DROP TABLE IF EXISTS temp.synonym_link_spool")


def _pairs(names: list[str]) -> Iterator[tuple[str, str]]:
    keys = list(dict.fromkeys(k for k in map(key, names) if k))
    yield from ((a, b) for a in keys for b in keys if a != b)


def _components(keys: list[str], edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The keys split into the parts the edges connect, each in the keys' order, parts by first key."""
    parent = {k: k for k in keys}

    def root(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb, key=keys.index)] = min(ra, rb, key=keys.index)
    parts: dict[str, list[str]] = {}
    for k in keys:
        parts.setdefault(root(k), []).append(k)
    return list(parts.values())


def _grouped(rows: Iterable[tuple[int, str]]) -> list[list[str]]:
    out: dict[int, list[str]] = {}
    for grp, term in rows:
        out.setdefault(grp, []).append(term)
    return list(out.values())
