"""With every word required, the ranking clause is looked up only at the trials the rest of the query
selects (`as_lookups`) where that costs less than its union, and a search finds and ranks what the union
of the ranking's clauses did."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import pytest
from tantivy import Occur, Query

from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.discover.matching import MATCH_WEIGHTS
from indexer.index import ranking
from indexer.index.document import SearchQuery
from indexer.index.ranking import Boosted, Fields, Node, Sum, as_union
from indexer.index.tantivy_index import TantivyIndex
from indexer.index.tantivy_query import SYNONYM_WEIGHT, QueryBuilder
from indexer.index.words import required_words
from indexer.parsers import parse
from indexer.spelling import american
from tests.conftest import SHARED

XML = SHARED / "ctgov" / "xml"
REL = 1e-6  # the scores are float32 sums: the same parts added in another order may differ in the last bits


def _builder(c: Catalog) -> QueryBuilder:
    index = c.index
    assert isinstance(index, TantivyIndex)
    return QueryBuilder(index.index, index.schema)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    """The real legacy XML (523 trials), written in five parts: five segments, as an index grows."""
    records = [r for p in sorted(XML.glob("NCT*.xml")) for r in parse(p.read_bytes())]
    with Catalog(load(tmp_path_factory.mktemp("lookups"))) as c:
        for k in range(5):
            write_records(c, records[k::5])
        yield c


# The ranking clause as the builder made it before the lookups: the oracle.
def _old_phrase(b: QueryBuilder, text: str, weights: dict[str, float]) -> Query | None:
    phrases = dict.fromkeys(" ".join(re.findall(r"\w+", t)) for t in (text, american(text)))
    queries = [b.index.parse_query(f'"{p}"', list(weights), field_boosts=weights) for p in phrases if p]
    if len(queries) < 2:
        return queries[0] if queries else None
    return Query.boolean_query([(Occur.Should, q) for q in queries])


def _old_ranking(b: QueryBuilder, q: SearchQuery) -> Query:
    weights = q.text_weights()
    text = b.text(q.text or "", list(weights), all_words=False, weights=weights)
    assert text is not None
    should = [(Occur.Should, text)]
    asked = f"{q.text}\n{american(q.text or '')}"
    for phrase, alternatives in q.expansions:
        if phrase in asked:
            alts = (_old_phrase(b, a, weights) for a in alternatives)
            should += [(Occur.Should, Query.boost_query(alt, SYNONYM_WEIGHT)) for alt in alts if alt is not None]
    terms = ((b.text(w, list(weights), all_words=True, weights=weights), x) for w, x in q.weighted_terms)
    should += [(Occur.Should, Query.boost_query(t, x)) for t, x in terms if t is not None and x > 0]
    return Query.boolean_query(should)


def _old_query(b: QueryBuilder, q: SearchQuery) -> Query:
    """A search of every word of the text (and filters) as it was built before the lookups."""
    weights = q.text_weights()
    must = []
    for words in required_words(q):
        options = [p for p in (b.text(a, list(weights), all_words=True, joined=True) for a in words) if p]
        either = Query.boolean_query([(Occur.Should, p) for p in options])
        must.append((Occur.Must, Query.const_score_query(either, 0.0)))
    must.append((Occur.Should if must else Occur.Must, _old_ranking(b, q)))
    if kept := b.filters(q):
        must.append((Occur.Must, Query.const_score_query(Query.boolean_query([(Occur.Must, f) for f in kept]), 0.0)))
    return Query.boolean_query(must)


def _parts(node: Node) -> Node:
    """The tree with each union of words in fields as the parts the lookups are made of."""
    if isinstance(node, Sum):
        return Sum(tuple(_parts(p) for p in node.parts))
    if isinstance(node, Boosted):
        return Boosted(_parts(node.node), node.weight)
    return node.leaves() if isinstance(node, Fields) else node


def _texts() -> list[str]:
    """Search texts drawn from the records' titles: words, pairs of words, word-and-number compounds,
    British spellings, repeated words, and words the index has no token for."""
    titles = [
        m.group(1) for p in sorted(XML.glob("NCT*.xml")) if (m := re.search(r"<brief_title>(.*?)</", p.read_text()))
    ]
    rng = random.Random(14)
    words = sorted({w.lower() for t in titles for w in re.findall(r"[A-Za-z]{4,}", t)})
    compounds = sorted({m for t in titles for m in re.findall(r"\b[A-Za-z]+-\d+\b", t)})
    fixed = [
        "low dose interleukin-2 lupus",
        "low-dose IL-2 in lupus",
        "acute myeloid leukaemia children",
        "paediatric tumour",
        "breast cancer breast Cancer",
        "_ lupus",
        "lupus " + "x" * 45,
        'lupus "nephritis AND title:x',
    ]
    pairs = [" ".join(rng.sample(words, 2)) for _ in range(40)]
    return fixed + rng.sample(words, 40) + pairs + [f"{c} {rng.choice(words)}" for c in rng.sample(compounds, 20)]


def _queries(c: Catalog) -> list[SearchQuery]:
    queries = []
    for text in _texts():
        queries.append(SearchQuery(text=text, every_word=True, limit=50))
        queries.append(SearchQuery(text=text, every_word=True, statuses=("COMPLETED",), age=40.0, limit=20))
    return [c.expand(q) for q in queries]


def test_the_ranking_tree_is_the_query_the_parser_made(catalog: Catalog) -> None:
    """As a union, the ranking clause is the old one, and so are its parts put together (tantivy's own
    description of the query, clause for clause), for search texts, their synonyms, and patient
    matching's weights and feedback terms."""
    b = _builder(catalog)
    queries = _queries(catalog)
    queries += [
        SearchQuery(text=q.text, expansions=q.expansions, field_weights=MATCH_WEIGHTS, weighted_terms=terms)
        for q in queries[::7]
        for terms in ((("nephritis", 0.4), ("paediatric", 0.2), ("IL-2", 0.3), ("low dose", 0.1), ("_", 0.5)),)
    ]
    assert any(q.expansions for q in queries)  # the store's synonyms expand some
    for q in queries:
        ranking = b.ranking(q, q.text or "", q.text_weights())
        assert ranking is not None
        old = repr(_old_ranking(b, q))
        assert repr(as_union(ranking)) == old, q.text
        assert repr(as_union(_parts(ranking))) == old, q.text  # and made of the same parts, in the same order


def _count(result: object) -> int:
    return int(getattr(result, "count", -1))  # set with count=True; the type stub does not declare it


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= REL * max(abs(a), abs(b))


def test_lookups_find_and_rank_as_the_union_did(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    # Looked up whenever there are two requirements or more, however many trials they select; where they
    # select none, the empty query.
    monkeypatch.setattr(ranking, "COMMON", 0.0)
    monkeypatch.setattr(ranking, "RARE", 1.0)
    monkeypatch.setattr(ranking, "FEW", 1.0)
    b = _builder(catalog)
    searcher = b.index.searcher()
    found = looked_up = emptied = 0
    for q in _queries(catalog):
        built = b.build(q)
        looked_up += "AllQuery" in repr(built)  # each sum a chain from every trial
        emptied += repr(built) == "Query(EmptyQuery)"
        new = searcher.search(built, limit=q.limit, count=True)
        old = searcher.search(_old_query(b, q), limit=q.limit, count=True)
        assert _count(new) == _count(old) >= 0, q.text
        assert len(new.hits) == len(old.hits)
        found += len(new.hits)
        old_scores = {(a.segment_ord, a.doc): s for s, a in old.hits}
        for (s_new, a_new), (s_old, a_old) in zip(new.hits, old.hits, strict=True):
            assert _close(s_new, s_old), q.text
            if (a_new.segment_ord, a_new.doc) != (a_old.segment_ord, a_old.doc):
                # Only trials whose scores are within float32 rounding of each other may change places.
                other = old_scores.get((a_new.segment_ord, a_new.doc), s_old if len(old.hits) == q.limit else -1.0)
                assert _close(other, s_old), q.text
    assert found > 1000 and looked_up > 50 and emptied > 10


def _built_with_lookups(c: Catalog, text: str) -> tuple[bool, int]:
    q = c.expand(SearchQuery(text=text, every_word=True, limit=10))
    b = _builder(c)
    return "AllQuery" in repr(b.build(q)), _count(b.index.searcher().search(b.build(q), limit=1, count=True))


def test_the_ranking_is_looked_up_where_common_words_select_few_trials(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Looked up where the required words are common but select few trials together; where they select
    many, their words are rare (scanning them costs little), or there is one requirement (its trials are
    the ranking's own), a union costs less. The bounds scaled to this index of 523 trials, where
    "lupus" is in 45 (one in 12: rare at 500k is one in 20)."""
    trials = len(list(XML.glob("NCT*.xml")))
    monkeypatch.setattr(ranking, "COMMON", trials * 0.3)
    monkeypatch.setattr(ranking, "RARE", 0.1)
    monkeypatch.setattr(ranking, "FEW", 0.01)
    few = trials * ranking.FEW
    looked_up, selected = _built_with_lookups(catalog, "low-dose IL-2 lupus")
    assert looked_up and 0 < selected <= few
    looked_up, selected = _built_with_lookups(catalog, "treatment lupus")  # common, but many together
    assert not looked_up and selected > few
    looked_up, selected = _built_with_lookups(catalog, "psoriasis lupus")  # few, but rare words: cheap
    assert not looked_up and 0 < selected <= few
    # Two of the registry's files name sarcoidosis (grep): few, but one requirement.
    looked_up, selected = _built_with_lookups(catalog, "sarcoidosis")
    assert not looked_up and 0 < selected <= few
