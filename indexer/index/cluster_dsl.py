"""Mappings, documents and queries for Elasticsearch and OpenSearch, as plain dicts both clients accept."""

from __future__ import annotations

import re
from typing import Any

from indexer.discover.synonyms import Synonyms, is_abbreviation
from indexer.freshness import OPEN_STATUSES, fresh_cutoffs
from indexer.index.document import (
    CONDITION_FIELDS,
    DRUG_FIELDS,
    KEYWORD_FIELDS,
    SPONSOR_FIELDS,
    TEXT_FIELDS,
    SearchQuery,
    explain_terms,
    index_document,
    mesh_key,
    sex_values,
)
from indexer.index.words import required_words
from indexer.record import TrialRecord
from indexer.spelling import american, with_american

# Bump when the mapping or the document shape changes: a new index is then built from the store.
MAPPING_VERSION = 4  # 4: max_age_end of an ambiguous maximum is its narrower end (agelimits.py)
MAX_TERMS = 65_536  # index.max_terms_count's default (Elasticsearch and OpenSearch)
SYNONYM_WEIGHT = 0.5
# Trialscout's own queries carry their synonyms explicitly (SearchQuery.expansions), as on the
# embedded index; the synonym filter of the search analyzer would apply them a second time. It
# serves other clients of the index (dashboards, direct queries).
QUERY_ANALYZER = "trials_text"
_DATE_FORMAT = "yyyy-MM-dd||yyyy-MM||yyyy"
_WORD = re.compile(r"\w")


def _synonym_rules(syn: Synonyms) -> list[str]:
    """Solr-format lines for the search-time synonym filter.

    Abbreviations are left to query expansion, which expands them only when written in capitals:
    after lowercasing, a filter could not tell ALL (the leukaemia) from "all".
    """
    rules = []
    for group in syn.groups():
        terms = [t for t in group if not is_abbreviation(t) and not re.search(r"[,=>#\\]", t)]
        terms = list(dict.fromkeys(t.lower() for t in terms))
        if len(terms) > 1:
            rules.append(", ".join(terms))
    return rules


def index_body(syn: Synonyms, shards: int = 1, replicas: int = 0) -> dict[str, Any]:
    """Settings and an explicit, strict mapping: English stemming, synonyms at search time, keywords for filters."""
    text = {
        "type": "text",
        "analyzer": "trials_text",
        "search_analyzer": "trials_search",
        "fields": {"raw": {"type": "keyword", "ignore_above": 512}},
    }
    properties: dict[str, Any] = {name: {"type": "keyword"} for name in KEYWORD_FIELDS}
    properties.update({name: dict(text) for name in (*TEXT_FIELDS, "condition_tree")})
    properties.update(
        {
            "min_age": {"type": "float"},
            "max_age_end": {"type": "float"},
            "enrollment": {"type": "integer"},
            "verified": {"type": "integer"},
            "completion_end": {"type": "integer"},
            # Counted sites (geo.near.counted_sites): geo_point for geo_distance, and in the same
            # order the index of each in the record's locations (kept in _source, not indexed).
            "geo": {"type": "geo_point"},
            "geo_site": {"type": "integer", "index": False, "doc_values": False},
            "last_update": {"type": "date", "format": _DATE_FORMAT},
            "start_date": {"type": "date", "format": _DATE_FORMAT},
            "completion_date": {"type": "date", "format": _DATE_FORMAT},
        }
    )
    filters: dict[str, Any] = {
        "trials_possessive": {"type": "stemmer", "language": "possessive_english"},
        "trials_stemmer": {"type": "stemmer", "language": "english"},
    }
    search_filters = ["trials_possessive", "lowercase", "asciifolding"]
    rules = _synonym_rules(syn)
    if rules:
        filters["trials_synonyms"] = {"type": "synonym_graph", "synonyms": rules, "lenient": True}
        search_filters.append("trials_synonyms")
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            "analysis": {
                "filter": filters,
                "analyzer": {
                    "trials_text": {
                        "type": "custom",
                        "tokenizer": "standard",
                        # asciifolding for other clients of the index; Trialscout folds the text
                        # itself (normalize.fold: NFKC, then accents dropped) before it gets here.
                        "filter": ["trials_possessive", "lowercase", "asciifolding", "trials_stemmer"],
                    },
                    "trials_search": {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": [*search_filters, "trials_stemmer"],
                    },
                },
            },
        },
        "mappings": {"dynamic": "strict", "_meta": {"trialscout_mapping": MAPPING_VERSION}, "properties": properties},
    }


def document(record: TrialRecord) -> dict[str, Any]:
    """The backend-neutral document, with dates as dates."""
    doc = index_document(record)
    sites = doc.pop("sites")
    doc["geo"] = [{"lat": lat, "lon": lon} for _, lat, lon in sites]
    doc["geo_site"] = [i for i, _, _ in sites]
    doc["last_update"] = record.last_update_posted
    doc["start_date"] = record.start_date
    doc["completion_date"] = record.completion_date
    return doc


def _fields(weights: dict[str, float]) -> list[str]:
    return [f"{name}^{weight:g}" for name, weight in weights.items()]


def _multi_match(query: str, weights: dict[str, float], kind: str, **options: Any) -> dict[str, Any]:
    """A British spelling counts as its American one too (as tantivy_query.QueryBuilder.text): an alternative
    word where any word may match, else the whole query in one spelling or the other."""
    any_word = options.get("operator") == "or"
    queries = [with_american(query)] if any_word else list(dict.fromkeys((query, american(query))))
    found = [
        {"multi_match": {"query": q, "type": kind, "fields": _fields(weights), "analyzer": QUERY_ANALYZER, **options}}
        for q in queries
    ]
    return found[0] if len(found) == 1 else {"bool": {"should": found, "minimum_should_match": 1}}


def _all_words(value: str, fields: tuple[str, ...], name: str | None = None) -> dict[str, Any]:
    """Every word of `value` in some field (tantivy's conjunction over default fields)."""
    options = {"_name": name} if name else {}
    return _multi_match(value, {f: TEXT_FIELDS.get(f, 1.0) for f in fields}, "cross_fields", operator="and", **options)


def _free_text(text: str, weights: dict[str, float]) -> dict[str, Any] | None:
    """Words OR-ed, each field's score added (tantivy's disjunction); compound words as phrases."""
    words = [w for w in text.split() if _WORD.search(w)]
    if not words:
        return None
    simple = [w for w in words if re.fullmatch(r"\w+", w)]
    compound = [w for w in words if not re.fullmatch(r"\w+", w)]
    should: list[dict[str, Any]] = []
    if simple:
        should.append(_multi_match(" ".join(simple), weights, "most_fields", operator="or"))
    for w in compound[:200]:  # a bound well under the default limit on boolean clauses
        # tie_breaker 1: every field's score adds up, as in tantivy, not just the best field's.
        should.append(_multi_match(w, weights, "phrase", tie_breaker=1.0))
    return {"bool": {"should": should}}


def build_query(q: SearchQuery) -> dict[str, Any]:
    """The `query` of a search request; same semantics as TantivyIndex.build_query."""
    must: list[dict[str, Any]] = []
    should: list[dict[str, Any]] = []
    filters: list[dict[str, Any]] = []
    if q.text:
        weights = q.text_weights()
        text = _free_text(q.text, weights)
        if text is not None:
            alternatives = [
                _multi_match(alt, weights, "phrase", tie_breaker=1.0, boost=SYNONYM_WEIGHT)
                for phrase, alts in q.expansions
                if phrase in f"{q.text}\n{american(q.text)}"
                for alt in alts
            ]
            feedback = [
                _multi_match(w, weights, "most_fields", operator="and", boost=x) for w, x in q.weighted_terms if x > 0
            ]
            must.append({"bool": {"should": [text, *alternatives, *feedback]}})
            for words in required_words(q):  # they filter; the clause above ranks (as the embedded index)
                options = [_all_words(a, tuple(weights)) for a in words if _WORD.search(a)]
                if options:
                    filters.append({"bool": {"should": options, "minimum_should_match": 1}})
    if q.like:
        should.append(
            {
                "more_like_this": {
                    "fields": sorted({f for f, _ in q.like}),
                    "like": [t for _, t in q.like],
                    "min_term_freq": 1,
                    "min_doc_freq": 2,
                    "max_query_terms": 30,
                }
            }
        )
    for value, fields in (
        *((c, CONDITION_FIELDS) for c in q.conditions),
        *((d, DRUG_FIELDS) for d in q.drugs),
        *(((q.sponsor, SPONSOR_FIELDS),) if q.sponsor else ()),
    ):
        options = [_all_words(v, fields) for v in (value, *q.alternatives(value)) if _WORD.search(v)]
        if fields is CONDITION_FIELDS and (terms := q.mesh_terms(value)):
            # Filed under the MeSH concept the condition names, or a narrower one (as the embedded index).
            options.append(
                {"constant_score": {"filter": {"terms": {"condition_mesh_all": [mesh_key(t) for t in terms]}}}}
            )
        must.append({"bool": {"should": options, "minimum_should_match": 1}} if options else {"match_none": {}})
    for field, values in (
        ("status", q.statuses),
        ("phase", q.phases),
        ("study_type", q.study_types),
        ("country", q.countries),
    ):
        if values:
            filters.append({"terms": {field: list(values)}})
    if q.ids:
        ids = list(q.ids)
        chunks = [{"terms": {"nct_id": ids[i : i + MAX_TERMS]}} for i in range(0, len(ids), MAX_TERMS)]
        filters.append(chunks[0] if len(chunks) == 1 else {"bool": {"should": chunks, "minimum_should_match": 1}})
    if q.sex:
        filters.append({"terms": {"sex": list(sex_values(q.sex))}})
    if q.near is not None:
        # Arc distance on the same sphere as geo.distance.km; the shared geo_point of the sites.
        lat, lon = q.near
        filters.append({"geo_distance": {"distance": f"{q.within_km}km", "geo": {"lat": lat, "lon": lon}}})
    if q.fresh:
        completion_from, verified_from = fresh_cutoffs()
        filters.append({"terms": {"status": list(OPEN_STATUSES)}})
        filters.append({"range": {"completion_end": {"gte": completion_from}}})
        filters.append({"range": {"verified": {"gte": verified_from}}})
    if q.age is not None:
        # Open bounds were stored as 0 / 999, as in the embedded index.
        age = float(q.age) + 0.0  # -0.0 as 0.0, as in the embedded index
        filters.append({"range": {"min_age": {"lte": age}}})
        filters.append({"range": {"max_age_end": {"gt": age}}})  # the end of the maximum's last unit
    body: dict[str, Any] = {"bool": {"filter": filters}}
    if must:
        body["bool"]["must"] = must
    if should:
        body["bool"]["should"] = should
        if not must:
            body["bool"]["minimum_should_match"] = 1
    if q.exclude_ids:
        ids = list(q.exclude_ids)
        # A terms query holds at most index.max_terms_count terms (65,536 by default on both engines): a
        # mirror's removed trials can outnumber it, so the ids go in clauses of that many.
        body["bool"]["must_not"] = [
            {"terms": {"nct_id": ids[i : i + MAX_TERMS]}} for i in range(0, len(ids), MAX_TERMS)
        ]
    return body


def search_body(q: SearchQuery) -> dict[str, Any]:
    body: dict[str, Any] = {
        "query": build_query(q),
        "size": q.limit,
        "from": q.offset,
        "_source": ["nct_id", "geo", "geo_site"] if q.near else ["nct_id"],
        "track_total_hits": True,
    }
    newest = [{"last_update": {"order": "desc", "missing": "_last"}}, {"nct_id": "asc"}]
    if q.sort == "distance" and q.near is not None:
        lat, lon = q.near
        # The sort distance is the nearest of the trial's points: the counted sites.
        body["sort"] = [
            {"_geo_distance": {"geo": {"lat": lat, "lon": lon}, "order": "asc", "unit": "km", "mode": "min"}},
            {"nct_id": "asc"},
        ]
    elif q.sort == "updated" or not q.has_scoring_terms:
        body["sort"] = newest
    return body


def explain_body(q: SearchQuery, nct_id: str) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """A search for one trial with a named query per (label, field): matched_queries says what matched."""
    names: dict[str, tuple[str, str]] = {}
    should = []
    for label, text, fields in explain_terms(q):
        if not _WORD.search(text):
            continue
        for field in fields:
            name = f"q{len(names)}"
            names[name] = (field, label)
            should.append(_all_words(text, (field,), name))
    body = {
        "query": {"bool": {"filter": [{"term": {"nct_id": nct_id}}], "should": should}},
        "size": 1,
        "_source": False,
    }
    return body, names
