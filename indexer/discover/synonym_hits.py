"""Which of a page of results matched the user's terms only through a synonym ("lupus (as SLE)")."""

from __future__ import annotations

from collections.abc import Sequence

from indexer.catalog import Catalog
from indexer.index.document import SearchQuery


def synonym_hits(catalog: Catalog, query: SearchQuery, ids: Sequence[str]) -> dict[str, list[str]]:
    """For each of `ids`, the labels "term (as synonym)" of the synonyms it matches.

    One search per synonym restricted to these trials, instead of `explain` per trial: a page
    of 20 results costs a few tiny searches, on any backend. A condition's synonyms are looked for
    among conditions, a drug's among interventions, a term of the free text in both.
    """
    expanded = catalog.expand(query)
    out: dict[str, list[str]] = {}
    if not expanded.expansions or not ids:
        return out
    for term, alternatives in expanded.expansions:
        kinds = (
            ("conditions",)
            if term in query.conditions
            else ("drugs",)
            if term in query.drugs
            else ("conditions", "drugs")
        )
        for alt in alternatives:
            label = f"{term} (as {alt})"
            for kind in kinds:
                only_these = SearchQuery(ids=tuple(ids), limit=len(ids), **{kind: (alt,)})  # type: ignore[arg-type]
                for hit in catalog.index.search(only_these).hits:
                    labels = out.setdefault(hit.nct_id, [])
                    if label not in labels:
                        labels.append(label)
    return out
