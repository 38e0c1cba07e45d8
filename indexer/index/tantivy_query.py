"""SearchQuery -> tantivy query: user text quoted, synonyms and MeSH terms as alternatives, filters as terms."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence

import tantivy
from tantivy import Occur, Query

from indexer.freshness import OPEN_STATUSES, fresh_cutoffs
from indexer.index.document import (
    CONDITION_FIELDS,
    DRUG_FIELDS,
    SPONSOR_FIELDS,
    TEXT_FIELDS,
    SearchQuery,
    mesh_key,
    sex_values,
)
from indexer.index.joined import as_joined
from indexer.index.ranking import Boosted, Fields, Node, Sum, as_lookups, as_union, lookups_pay
from indexer.index.tantivy_geo import box_query
from indexer.index.words import required_words
from indexer.spelling import american, with_american

SYNONYM_WEIGHT = 0.5
_LIKE_MAX_TERMS = 30
_LIKE_MIN_DOC_FREQ = 2  # a word in no other trial finds nothing
_LIKE_STOP_WORDS = frozenset(
    """
    a an and are as at be by for from has have in is it of on or that the their this to was were which with will
    study patients participants trial
    """.split()  # noqa: SIM905 (a list literal of 32 words is 32 lines)
)
_WORD_RE = re.compile(r"\w", re.UNICODE)


def quote_text(text: str, *, joined: bool = False) -> str:
    """User text as a tantivy query that has no operators: each word a quoted phrase.

    Quoting keeps `IL-2` together as the phrase "il 2" and makes `AND`, `title:`, `*`
    or an unbalanced quote plain words instead of query syntax. `joined`: a word that is a word and a
    number ("IL-2") is its term of the `joined` field instead, which holds the pairs of every text field.
    """
    return " ".join((joined and as_joined(w)) or q for w, q in zip(_words(text), quoted_words(text), strict=True))


def quoted_words(text: str) -> list[str]:
    """Each word of the text (split at spaces, with a letter or digit) as a quoted phrase."""
    return ['"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"' for w in _words(text)]


def _words(text: str) -> list[str]:
    return [w for w in text.split() if _WORD_RE.search(w)]


@functools.cache
def stem_analyzer() -> tantivy.TextAnalyzer:
    """What "en_stem" makes of text: simple tokens, long ones dropped, lower case, English Snowball stems."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def _either_node(nodes: Sequence[Node | None]) -> Node | None:
    kept = [n for n in nodes if n is not None]
    return kept[0] if len(kept) == 1 else Sum(tuple(kept)) if kept else None


def _either(queries: list[Query]) -> Query | None:
    if len(queries) < 2:
        return queries[0] if queries else None
    return Query.boolean_query([(Occur.Should, q) for q in queries])


class QueryBuilder:
    """Builds queries against one open index (its tokenizers parse the text) and its schema."""

    def __init__(self, index: tantivy.Index, schema: tantivy.Schema):
        self.index = index
        self.schema = schema

    def text(
        self,
        text: str,
        fields: Sequence[str],
        *,
        all_words: bool,
        weights: dict[str, float] | None = None,
        joined: bool = False,
    ) -> Query | None:
        """The words in these fields, any of them or (`all_words`) all. A British spelling counts as
        its American one too: as an alternative word, or all words in one spelling or the other.

        `joined` (only where the query filters, and `fields` are all the text fields): a word that is a
        word and a number matches as its one `joined` term, which finds the same trials as its phrase."""
        boosts = {f: (weights or TEXT_FIELDS).get(f, 1.0) for f in fields}
        options = (text, american(text)) if all_words else (with_american(text),)
        joined = joined and set(fields) == set(TEXT_FIELDS)
        queries = [
            self.index.parse_query(quoted, list(fields), field_boosts=boosts, conjunction_by_default=all_words)
            for quoted in dict.fromkeys(quote_text(o, joined=joined) for o in options)
            if quoted
        ]
        return _either(queries)

    def ranking(self, q: SearchQuery, text: str, weights: dict[str, float]) -> Node | None:
        """What ranks a text search: its words in any of the weighted fields, a synonym of a phrase of
        it for half as much, the weighted terms for their weight; None when the text has no word."""
        words = self.words(quoted_words(with_american(text)), weights)
        if words is None:
            return None
        parts = [words]
        asked = f"{text}\n{american(text)}"  # a synonym of a British word found in its American form
        for phrase, alternatives in q.expansions:
            if phrase in asked:
                # A synonym counts, but less than the user's own words.
                parts += [
                    Boosted(alt, SYNONYM_WEIGHT)
                    for alt in (self.phrase(a, weights) for a in alternatives)
                    if alt is not None
                ]
        for word, weight in q.weighted_terms:
            if weight > 0 and (term := self.term(word, weights)) is not None:
                parts.append(Boosted(term, weight))
        return Sum(tuple(parts))

    def words(self, quoted: list[str], weights: dict[str, float]) -> Node | None:
        """Any of the quoted words in any of the weighted fields; None without a word."""
        return Fields(self.index, stem_analyzer(), tuple(quoted), tuple(weights.items())) if quoted else None

    def phrase(self, text: str, weights: dict[str, float]) -> Node | None:
        """`text` as one phrase (all its words, adjacent) in any of the weighted fields, in either spelling."""
        phrases = dict.fromkeys(" ".join(re.findall(r"\w+", t)) for t in (text, american(text)))
        return _either_node([self.words([f'"{p}"'], weights) for p in phrases if p])

    def term(self, text: str, weights: dict[str, float]) -> Node | None:
        """All the words of `text`, in either spelling, in any of the weighted fields (a term of feedback)."""
        options: list[Node | None] = []
        for spelling in dict.fromkeys((text, american(text))):
            quoted = quoted_words(spelling)
            if len(quoted) > 1:  # all of several words: one leaf of the tree, as the parser makes it
                options.append(
                    self.index.parse_query(
                        " ".join(quoted), list(weights), field_boosts=weights, conjunction_by_default=True
                    )
                )
            else:
                options.append(self.words(quoted, weights))
        return _either_node(options)

    def like(self, like: Sequence[tuple[str, str]]) -> Query:
        """Documents sharing the most distinctive words of these texts (`like_terms`)."""
        return Query.boolean_query(
            [
                (Occur.Should, Query.boost_query(Query.term_query(self.schema, name, token), boost))
                for name, token, boost in self.like_terms(like)
            ]
        )

    def like_terms(self, like: Sequence[tuple[str, str]]) -> list[tuple[str, str, float]]:
        """(field, word, boost) of the texts' most distinctive words, picked by term frequency x idf as
        tantivy's and Lucene's more-like-this do, each boosted by its share of the best word's score.

        Picked here, not by tantivy's MoreLikeThis: it breaks ties between equally scored words in hash
        order, so a trial's similar trials changed from one call to the next. Ties go by field and word.
        """
        counts: dict[tuple[str, str], int] = {}
        for name, text in like:
            for token in stem_analyzer().analyze(text):
                if token not in _LIKE_STOP_WORDS:  # compared after analysis, as tantivy's stop words
                    counts[name, token] = counts.get((name, token), 0) + 1
        searcher = self.index.searcher()
        docs = int(searcher.num_docs)
        scored = []
        for (name, token), tf in counts.items():
            df = int(searcher.doc_freq(name, token))
            if df >= _LIKE_MIN_DOC_FREQ:
                idf = math.log(1 + (docs - df + 0.5) / (df + 0.5))  # BM25's idf, as tantivy's MoreLikeThis
                scored.append((-tf * idf, name, token))
        best = sorted(scored)[:_LIKE_MAX_TERMS]
        return [(name, token, score / best[0][0]) for score, name, token in best]

    def int_range(self, field: str, low: int | None, high: int | None) -> Query:
        return Query.range_query(self.schema, field, tantivy.FieldType.Integer, lower_bound=low, upper_bound=high)

    def any_term(self, field: str, values: Sequence[str]) -> Query:
        return Query.term_set_query(self.schema, field, list(values))

    def build(self, q: SearchQuery) -> Query:
        must: list[tuple[Occur, Query]] = []
        if q.text:
            weights = q.text_weights()
            ranking = self.ranking(q, q.text, weights)
            if ranking is not None:
                required = []
                asked = []
                for words in required_words(q):  # they filter; `ranking` ranks
                    options = [
                        p for p in (self.text(a, list(weights), all_words=True, joined=True) for a in words) if p
                    ]
                    if options:
                        either = Query.boolean_query([(Occur.Should, p) for p in options])
                        required.append((Occur.Must, Query.const_score_query(either, 0.0)))
                        asked.append(words)
                must += required
                # With every word required, a trial that has them has one of the ranking's words too:
                # the ranking only scores.
                pays = (
                    bool(required) and not q.like and lookups_pay(self.index, stem_analyzer(), required, asked, weights)
                )
                if pays is None:
                    return Query.empty_query()  # counted: the required words select no trial
                if not required:
                    must.append((Occur.Must, as_union(ranking)))
                else:  # (with `like`, the two rank as one union)
                    must.append((Occur.Should, as_lookups(ranking) if pays else as_union(ranking)))
        if q.like:
            must.append((Occur.Should, self.like(q.like)))
        for value, fields in (
            *((c, CONDITION_FIELDS) for c in q.conditions),
            *((d, DRUG_FIELDS) for d in q.drugs),
            *(((q.sponsor, SPONSOR_FIELDS),) if q.sponsor else ()),
        ):
            options = [
                p
                for p in (self.text(v, fields, all_words=True) for v in (value, *q.alternatives(value)))
                if p is not None
            ]
            if fields is CONDITION_FIELDS and (terms := q.mesh_terms(value)):
                # Filed under the MeSH concept the condition names, or a narrower one.
                options.append(
                    Query.const_score_query(self.any_term("condition_mesh_all", [mesh_key(t) for t in terms]), 1.0)
                )
            must.append(
                (
                    Occur.Must,
                    Query.boolean_query([(Occur.Should, p) for p in options]) if options else Query.empty_query(),
                )
            )
        if q.exclude_ids:
            must.append((Occur.MustNot, self.any_term("nct_id", q.exclude_ids)))
        if kept := self.filters(q):
            # Filters select and never score: tantivy scores a range or term-set clause 1.0, except where
            # it drops the clause from a segment that passes it whole, so a trial's score (and its rank)
            # depended on how the index's segments fell. Only the text, conditions and drugs rank.
            must.append(
                (Occur.Must, Query.const_score_query(Query.boolean_query([(Occur.Must, f) for f in kept]), 0.0))
            )
        if not any(occ == Occur.Must for occ, _ in must):
            # Every trial, scoring nothing as the filters: `like` scores alike with a filter or without.
            must.append((Occur.Must, Query.const_score_query(Query.all_query(), 0.0)))
        return Query.boolean_query(must)

    def filters(self, q: SearchQuery) -> list[Query]:
        """The clauses a trial must pass whatever it says: status, phase, type, place, freshness, ids, sex, age."""
        kept: list[Query] = []
        if q.statuses:
            kept.append(self.any_term("status", q.statuses))
        if q.phases:
            kept.append(self.any_term("phase", q.phases))
        if q.study_types:
            kept.append(self.any_term("study_type", q.study_types))
        if q.countries:
            kept.append(self.any_term("country", q.countries))
        if q.near is not None:
            kept.append(box_query(self.schema, q.near, q.within_km))
        if q.fresh:
            completion_from, verified_from = fresh_cutoffs()
            kept.append(self.any_term("status", OPEN_STATUSES))
            kept.append(self.int_range("completion_end", completion_from, None))
            kept.append(self.int_range("verified", verified_from, None))
        if q.ids:
            kept.append(self.any_term("nct_id", q.ids))
        if q.sex:
            kept.append(self.any_term("sex", sex_values(q.sex)))
        if q.age is not None:
            # A trial admits the age when min_age <= age < max_age_end, the end of the maximum's last unit
            # (agelimits.py: "17 Years" admits 17.5); open bounds were stored as 0 / 999.
            # `+ 0.0` makes -0.0 (a user's "-0") 0.0: tantivy orders -0.0 below the stored 0.0.
            age = float(q.age) + 0.0
            kept.append(Query.range_query(self.schema, "min_age", tantivy.FieldType.Float, upper_bound=age))
            kept.append(
                Query.range_query(
                    self.schema, "max_age_end", tantivy.FieldType.Float, lower_bound=age, include_lower=False
                )
            )
        return kept
