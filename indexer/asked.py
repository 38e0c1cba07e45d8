"""A query as the indexes take it: text folded, synonyms and MeSH concepts added, ids and removals applied."""

from __future__ import annotations

import dataclasses

from indexer.discover.mesh import expand_query as expand_mesh
from indexer.discover.synonyms import Synonyms, expand_query
from indexer.index.document import SearchQuery
from indexer.normalize import fold
from indexer.store import RecordStore


def expanded(query: SearchQuery, store: RecordStore, synonyms: Synonyms) -> SearchQuery:
    """Text folded (accents, full-width forms), synonyms added, and each condition's MeSH concept with
    the narrower terms under it."""
    folded = dataclasses.replace(
        query,
        text=fold(query.text) if query.text else query.text,
        conditions=tuple(fold(c) for c in query.conditions),
        drugs=tuple(fold(d) for d in query.drugs),
        sponsor=fold(query.sponsor) if query.sponsor else query.sponsor,
    )
    with_synonyms = expand_query(folded, synonyms)
    return expand_mesh(with_synonyms, store.mesh, synonyms) if with_synonyms.conditions else with_synonyms


def without_removed(query: SearchQuery, store: RecordStore) -> SearchQuery:
    """With a status asked for, the query leaves out the trials the registry no longer has: their last
    status is not theirs any more."""
    if query.statuses and (gone := store.events.removed()):
        return dataclasses.replace(query, exclude_ids=tuple(dict.fromkeys((*query.exclude_ids, *sorted(gone)))))
    return query


def without_deleted(query: SearchQuery, store: RecordStore) -> SearchQuery:
    """The query leaves out the documents of trials merged into another that the index still holds (no
    writer has run since the merge or the upgrade that made it): their records are gone, and the total
    and the pages count only trials there are."""
    if gone := store.pending_deletions():
        return dataclasses.replace(query, exclude_ids=tuple(dict.fromkeys((*query.exclude_ids, *sorted(gone)))))
    return query


def by_id(query: SearchQuery, store: RecordStore) -> SearchQuery:
    """Text that is one id a trial is known by (NCT, EudraCT, the sponsor's) asks for that trial: ids
    are not words in the index. Only a token with a digit: "LUPUS" is a word, even as someone's id."""
    text = (query.text or "").strip()
    if not text or " " in text or not any(c.isdigit() for c in text):
        return query
    found = store.resolve_all(text)
    if not found:
        return query
    ids = tuple(i for i in found if not query.ids or i in query.ids)
    return dataclasses.replace(query, text=None, ids=ids or ("",))  # ("",): none of those asked
