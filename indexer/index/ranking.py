"""The ranking clause of a text search as a tree of sums: one tantivy union, or scored only where asked."""

from __future__ import annotations

from dataclasses import dataclass

import tantivy
from tantivy import Occur, Query

# When the ranking is looked up at the trials the required words select rather than scanned as a union
# (measured at 500k, docs/benchmarks.md): when their words are common (the estimates of the trials with
# each add up to COMMON or more: the union takes ~10 ms or more to scan, the lookups ~2 ms to build),
# one of them is rare (in at most RARE of the trials: counting those they select is cheap) and they
# select at most FEW of the trials.
COMMON = 100_000
RARE = 0.05
FEW = 0.01


@dataclass(frozen=True)
class Sum:
    """The sum of the scores of the parts a trial matches (tantivy's union of should-clauses)."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Boosted:
    """A part whose score counts `weight` times (a synonym half, a feedback term its weight)."""

    node: Node
    weight: float


@dataclass(frozen=True)
class Fields:
    """Any of the quoted words in any of the weighted fields: as tantivy's query parser reads them,
    or (`leaves`) as their parts, parsed only when the sum is to be looked up."""

    index: tantivy.Index
    analyzer: tantivy.TextAnalyzer  # the fields' own, as en_stem
    quoted: tuple[str, ...]
    weights: tuple[tuple[str, float], ...]

    def union(self) -> Query:
        return self.index.parse_query(
            " ".join(self.quoted), [f for f, _ in self.weights], field_boosts=dict(self.weights)
        )

    def leaves(self) -> Node:
        """`union`'s clauses, each the parser's own for one word in one field: it makes one flat union
        of each distinct word in each field, in that order, and leaves out the words the analyzer makes
        nothing of ("_", a word over 40 letters); one word in one field is that leaf alone."""
        words = list(dict.fromkeys(self.quoted))
        boosts = dict(self.weights)
        leaves = [
            self.index.parse_query(w, [f], field_boosts=boosts)
            for w in words
            if self.analyzer.analyze(w)
            for f in boosts
        ]
        if len(words) == 1 and len(leaves) == 1:
            return leaves[0]
        return Sum(tuple(leaves)) if leaves else Query.empty_query()


# A leaf: a term or a phrase in one field, with its field's boost, whose scorer moves to a trial
# without reading ahead; or any other query, looked up as it is (a feedback term of several words).
Node = Query | Sum | Boosted | Fields


def as_union(node: Node) -> Query:
    """The tree as nested unions: tantivy fills windows of 4,096 trials from every clause of a union,
    scoring each clause for every trial it has, wherever the rest of the query matched."""
    if isinstance(node, Sum):
        return Query.boolean_query([(Occur.Should, as_union(p)) for p in node.parts])
    if isinstance(node, Boosted):
        return Query.boost_query(as_union(node.node), node.weight)
    if isinstance(node, Fields):
        return node.union()
    return node


def as_lookups(node: Node) -> Query:
    """The tree as an optional clause that scores a trial only when asked for it: each sum a chain of
    (required: every trial with score 0 and the sum so far, optional: the next part). It matches every
    trial, so it belongs where other clauses select (Occur.Should beside Musts); each leaf then moves
    straight to the trials they select, instead of scoring all of its own.

    A trial's score is the same sum of the same parts as `as_union`'s, added in the same order (tantivy's
    union may reorder its clauses as they run out; over the benchmark's queries no score differed). Each
    link's required pair starts with the every-trial clause: a link asks its required part which trial
    it is at, and a chain of links asked down its length cost ~n^2/2 calls a trial (a text of 22 words,
    198 parts: 80 -> 48 ms at 500k)."""
    if isinstance(node, Sum):
        chain = _everything()
        for part in node.parts:
            chain = Query.boolean_query(
                [(Occur.Must, _everything()), (Occur.Must, chain), (Occur.Should, as_lookups(part))]
            )
        return chain
    if isinstance(node, Boosted):
        return Query.boost_query(as_lookups(node.node), node.weight)
    if isinstance(node, Fields):
        return as_lookups(node.leaves())
    return node


def _everything() -> Query:
    return Query.const_score_query(Query.all_query(), 0.0)


def lookups_pay(
    index: tantivy.Index,
    analyzer: tantivy.TextAnalyzer,
    required: list[tuple[Occur, Query]],
    asked: list[tuple[str, ...]],
    weights: dict[str, float],
) -> bool | None:
    """Whether the ranking costs less looked up at the trials the `required` clauses select (~150 ns a
    trial and clause at 500k, and ~20 us a clause to build) than as a union, which scores every trial
    with any of its words wherever they are; None when they were counted and select no trial. With one
    requirement they are the ranking's own trials: nothing to skip. With several (`asked`: each one's
    alternatives), see COMMON, RARE and FEW."""
    if len(required) < 2:
        return False
    try:
        searcher = index.searcher()
        docs = int(searcher.num_docs)
        if docs * len(asked) < COMMON:
            return False  # a small index: however common the words, the union is quick to scan
        estimates = [_estimate(searcher, analyzer, words, weights) for words in asked]
        if sum(estimates) < COMMON or min(estimates) > docs * RARE:
            return False
        found = searcher.search(Query.boolean_query(required), limit=1, count=True)
    except (OSError, ValueError):
        return False  # the search proper says what is wrong with the index
    selected = int(getattr(found, "count", docs))
    return selected <= docs * FEW if selected else None


def _estimate(
    searcher: tantivy.Searcher, analyzer: tantivy.TextAnalyzer, words: tuple[str, ...], weights: dict[str, float]
) -> int:
    """About how many trials have one of these alternatives: each one's count in the field that has it
    most (its rarest word's there), summed."""
    found = 0
    for alternative in words:
        if tokens := analyzer.analyze(alternative):
            found += max(min(int(searcher.doc_freq(f, t)) for t in tokens) for f in weights)
    return found
