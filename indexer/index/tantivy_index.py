"""Embedded search index on tantivy: schema, writes, and SearchQuery -> tantivy query."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from importlib.metadata import version as pkg_version
from pathlib import Path
from typing import Any

import orjson
import tantivy
from tantivy import Occur, Query

from indexer.freshness import OPEN_STATUSES, fresh_cutoffs
from indexer.geo.near import by_latitude
from indexer.index import generations
from indexer.index.base import IndexUnavailable
from indexer.index.document import (
    CONDITION_FIELDS,
    DRUG_FIELDS,
    KEYWORD_FIELDS,
    SPONSOR_FIELDS,
    TEXT_FIELDS,
    Hit,
    SearchQuery,
    SearchResult,
    explain_terms,
    index_document,
    mesh_key,
    sex_values,
)
from indexer.index.tantivy_geo import box_query, cells, search_near
from indexer.record import TrialRecord

# Bump when the schema or the document shape changes: the index is then rebuilt from the store.
SCHEMA_VERSION = 4
SYNONYM_WEIGHT = 0.5
_LIKE_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "which",
        "with",
        "will",
        "study",
        "patients",
        "participants",
        "trial",
    ]
)
_WORD_RE = re.compile(r"\w", re.UNICODE)


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    for name in KEYWORD_FIELDS:
        b.add_text_field(name, stored=name == "nct_id", tokenizer_name="raw", index_option="basic")
    for name in (*TEXT_FIELDS, "condition_tree"):
        b.add_text_field(name, stored=False, tokenizer_name="en_stem")
    b.add_float_field("min_age", indexed=True, fast=True)
    b.add_float_field("max_age", indexed=True, fast=True)
    b.add_integer_field("last_update", stored=True, indexed=True, fast=True)
    b.add_integer_field("enrollment", indexed=True, fast=True)
    b.add_integer_field("verified", indexed=True, fast=True)
    b.add_integer_field("completion_end", indexed=True, fast=True)
    # Counted sites (geo.near.counted_sites): lat and lon for the bounding-box prefilter, and the
    # sites themselves, stored, for the exact great-circle check.
    b.add_float_field("geo_lat", indexed=True, fast=False)
    b.add_float_field("geo_lon", indexed=True, fast=False)
    b.add_bytes_field("geo_sites", stored=True, indexed=False)
    b.add_text_field("geo_cell", stored=False, tokenizer_name="raw", index_option="basic")
    return b.build()


def _document(r: TrialRecord) -> tantivy.Document:
    doc = index_document(r)
    sites = doc.pop("sites")
    doc["geo_lat"] = [lat for _, lat, _ in sites]
    doc["geo_lon"] = [lon for _, _, lon in sites]
    doc["geo_sites"] = orjson.dumps(by_latitude(sites))
    doc["geo_cell"] = cells(sites)
    return tantivy.Document(**doc)


def quote_text(text: str) -> str:
    """User text as a tantivy query that has no operators: each word a quoted phrase.

    Quoting keeps `IL-2` together as the phrase "il 2" and makes `AND`, `title:`, `*`
    or an unbalanced quote plain words instead of query syntax.
    """
    words = [w for w in text.split() if _WORD_RE.search(w)]
    return " ".join('"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"' for w in words)


class TantivyIndex:
    """The embedded index under `path`, one generation folder live at a time.

    Readers never change anything on disk: a missing, outdated or damaged index raises
    IndexUnavailable. Writers rebuild it (`needs_rebuild`) into a new generation and swap it in.
    """

    def __init__(self, path: Path):
        self.root = path
        self.schema = _schema()
        found = generations.current(path)
        self._generation = found[0] if found else None
        self.needs_rebuild = found is None or found[1] != self._marker_value()
        self._index: tantivy.Index | None = None
        self._writer: tantivy.IndexWriter | None = None

    def _marker_value(self) -> dict[str, Any]:
        # tantivy is pre-1.0: a new release may change the on-disk format, so rebuild then too.
        return {"schema": SCHEMA_VERSION, "tantivy": pkg_version("tantivy")}

    def _open(self, folder: Path) -> tantivy.Index:
        if not os.access(folder, os.W_OK):
            folder = self._shadow(folder)
        return tantivy.Index(self.schema, path=str(folder), reuse=True)

    def _shadow(self, folder: Path) -> Path:
        """A folder of links to a generation we may not write (a read-only data directory).

        tantivy takes lock files beside the index even to read it; in the shadow it can.
        """
        shadow = Path(tempfile.mkdtemp(prefix="trials-index-"))
        atexit.register(shutil.rmtree, shadow, True)
        for entry in folder.iterdir():
            if not entry.name.endswith(".lock"):
                (shadow / entry.name).symlink_to(entry.resolve())
        return shadow

    @property
    def index(self) -> tantivy.Index:
        if self._index is not None:
            return self._index
        if self.needs_rebuild or self._generation is None:
            raise IndexUnavailable("the search index is missing or was built by another version")
        try:
            self._index = self._open(self._generation)
        except (OSError, ValueError) as exc:
            # A reindex may have swapped generations since we read the pointer: follow it once.
            found = generations.current(self.root)
            if found is None or found[0] == self._generation:
                raise IndexUnavailable(f"the search index is damaged ({exc})") from exc
            self._generation = found[0]
            try:
                self._index = self._open(self._generation)
            except (OSError, ValueError) as again:
                raise IndexUnavailable(f"the search index is damaged ({again})") from again
        return self._index

    # -- writes -------------------------------------------------------------
    @property
    def writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self.index.writer(heap_size=128_000_000, num_threads=1)
        return self._writer

    def upsert(self, records: Sequence[TrialRecord]) -> None:
        w = self.writer
        for r in records:
            w.delete_documents_by_term("nct_id", r.nct_id)
            w.add_document(_document(r))

    def rebuild(self, records: Iterable[TrialRecord]) -> int:
        """A new generation from `records`, swapped in when complete: searchers see the old one until then.

        Works whatever state the live generation is in (missing, outdated, damaged): it is not read.
        """
        self.close()
        folder = generations.new_generation(self.root)
        index = self._open(folder)
        writer = index.writer(heap_size=128_000_000, num_threads=1)
        count = 0
        for r in records:
            writer.add_document(_document(r))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        generations.publish(self.root, folder, self._marker_value())
        index.reload()
        self._index, self._generation, self.needs_rebuild = index, folder, False
        return count

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self.index.reload()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None

    # -- reads --------------------------------------------------------------
    def count(self) -> int:
        try:
            self.index.reload()
            return int(self.index.searcher().num_docs)
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"the search index is damaged ({exc})") from exc

    def search(self, q: SearchQuery) -> SearchResult:
        searcher = self.index.searcher()
        query = self.build_query(q)  # a bad query value is the caller's ValueError, not damage
        try:
            return self._search(q, searcher, query)
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"the search index is damaged ({exc})") from exc

    def _search(self, q: SearchQuery, searcher: tantivy.Searcher, query: Query) -> SearchResult:
        if q.near is not None:
            return search_near(searcher, self.build_query, q)
        by_date = q.sort == "updated" or not q.has_scoring_terms
        if by_date:
            res = searcher.search(
                query,
                limit=q.limit,
                offset=q.offset,
                count=True,
                order_by_field="last_update",
                order=tantivy.Order.Desc,
            )
        else:
            res = searcher.search(query, limit=q.limit, offset=q.offset, count=True)
        hits = [Hit(searcher.doc(a)["nct_id"][0], 0.0 if by_date else float(score)) for score, a in res.hits]
        # `count` is set when count=True; the type stub does not declare it.
        return SearchResult(hits, int(getattr(res, "count", 0) or 0))

    def explain(self, q: SearchQuery, nct_id: str) -> dict[str, list[str]]:
        """Which words of the query matched which field of one trial: {"conditions": ["SLE (as lupus)"], ...}.

        Give the expanded query (Catalog.expand) to see synonyms: a match through one is shown as
        "term (as synonym)".
        """
        searcher = self.index.searcher()
        only = self._any_term("nct_id", [nct_id])
        matched: dict[str, list[str]] = {}
        for label, text, fields in explain_terms(q):
            for name in fields:
                query = self._text(text, [name], all_words=True)
                if query is None or label in matched.get(name, []):
                    continue
                both = Query.boolean_query([(Occur.Must, only), (Occur.Must, query)])
                if searcher.search(both, limit=1, count=False).hits:
                    matched.setdefault(name, []).append(label)
        return matched

    # -- query building -----------------------------------------------------
    def _text(
        self, text: str, fields: Sequence[str], *, all_words: bool, weights: dict[str, float] | None = None
    ) -> Query | None:
        quoted = quote_text(text)
        if not quoted:
            return None
        boosts = {f: (weights or TEXT_FIELDS).get(f, 1.0) for f in fields}
        return self.index.parse_query(quoted, list(fields), field_boosts=boosts, conjunction_by_default=all_words)

    def _phrase(self, text: str, weights: dict[str, float]) -> Query | None:
        """`text` as one phrase (all its words, adjacent) in any of the weighted fields."""
        words = re.findall(r"\w+", text)
        if not words:
            return None
        return self.index.parse_query('"' + " ".join(words) + '"', list(weights), field_boosts=weights)

    def _like(self, like: Sequence[tuple[str, str]]) -> Query:
        """Documents sharing the most distinctive words of these texts (tf-idf picked, as Lucene's MLT)."""
        fields: dict[str, list[str]] = {}
        for name, text in like:
            fields.setdefault(name, []).append(text)
        return Query.more_like_this_document_fields_query(
            self.schema,
            fields,
            min_doc_frequency=2,
            min_term_frequency=1,
            max_query_terms=30,
            stop_words=sorted(_LIKE_STOP_WORDS),
        )

    def _int_range(self, field: str, low: int | None, high: int | None) -> Query:
        return Query.range_query(self.schema, field, tantivy.FieldType.Integer, lower_bound=low, upper_bound=high)

    def _any_term(self, field: str, values: Sequence[str]) -> Query:
        return Query.term_set_query(self.schema, field, list(values))

    def build_query(self, q: SearchQuery) -> Query:
        must: list[tuple[Occur, Query]] = []
        if q.text:
            weights = q.text_weights()
            text = self._text(q.text, list(weights), all_words=False, weights=weights)
            if text is not None:
                should = [(Occur.Should, text)]
                for phrase, alternatives in q.expansions:
                    if phrase in q.text:
                        # A synonym counts, but less than the user's own words.
                        should += [
                            (Occur.Should, Query.boost_query(alt, SYNONYM_WEIGHT))
                            for alt in (self._phrase(a, weights) for a in alternatives)
                            if alt is not None
                        ]
                should += [
                    (Occur.Should, Query.boost_query(term, weight))
                    for term, weight in (
                        (self._text(w, list(weights), all_words=True, weights=weights), x) for w, x in q.weighted_terms
                    )
                    if term is not None and weight > 0
                ]
                must.append((Occur.Must, Query.boolean_query(should)))
        if q.like:
            must.append((Occur.Should, self._like(q.like)))
        for value, fields in (
            *((c, CONDITION_FIELDS) for c in q.conditions),
            *((d, DRUG_FIELDS) for d in q.drugs),
            *(((q.sponsor, SPONSOR_FIELDS),) if q.sponsor else ()),
        ):
            options = [
                p
                for p in (self._text(v, fields, all_words=True) for v in (value, *q.alternatives(value)))
                if p is not None
            ]
            if fields is CONDITION_FIELDS and (terms := q.mesh_terms(value)):
                # Filed under the MeSH concept the condition names, or a narrower one.
                options.append(
                    Query.const_score_query(self._any_term("condition_mesh_all", [mesh_key(t) for t in terms]), 1.0)
                )
            must.append(
                (
                    Occur.Must,
                    Query.boolean_query([(Occur.Should, p) for p in options]) if options else Query.empty_query(),
                )
            )
        if q.statuses:
            must.append((Occur.Must, self._any_term("status", q.statuses)))
        if q.phases:
            must.append((Occur.Must, self._any_term("phase", q.phases)))
        if q.study_types:
            must.append((Occur.Must, self._any_term("study_type", q.study_types)))
        if q.countries:
            must.append((Occur.Must, self._any_term("country", q.countries)))
        if q.near is not None:
            must.append((Occur.Must, box_query(self.schema, q.near, q.within_km)))
        if q.fresh:
            completion_from, verified_from = fresh_cutoffs()
            must.append((Occur.Must, self._any_term("status", OPEN_STATUSES)))
            must.append((Occur.Must, self._int_range("completion_end", completion_from, None)))
            must.append((Occur.Must, self._int_range("verified", verified_from, None)))
        if q.ids:
            must.append((Occur.Must, self._any_term("nct_id", q.ids)))
        if q.exclude_ids:
            must.append((Occur.MustNot, self._any_term("nct_id", q.exclude_ids)))
        if q.sex:
            must.append((Occur.Must, self._any_term("sex", sex_values(q.sex))))
        if q.age is not None:
            # A trial admits the age when min_age <= age <= max_age; open bounds were stored as 0 / 999.
            must.append(
                (
                    Occur.Must,
                    Query.range_query(self.schema, "min_age", tantivy.FieldType.Float, upper_bound=float(q.age)),
                )
            )
            must.append(
                (
                    Occur.Must,
                    Query.range_query(self.schema, "max_age", tantivy.FieldType.Float, lower_bound=float(q.age)),
                )
            )
        if not any(occ == Occur.Must for occ, _ in must):
            must.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(must)
