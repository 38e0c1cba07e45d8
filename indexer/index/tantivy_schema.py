"""What the embedded index holds: its schema, its version, and each trial's document."""

from __future__ import annotations

import re
from typing import Any

import orjson
import tantivy

from indexer.geo.near import by_latitude
from indexer.index.document import KEYWORD_FIELDS, TEXT_FIELDS, index_document
from indexer.index.joined import JOINED_FIELD, joined_terms
from indexer.index.tantivy_geo import cells
from indexer.record import TrialRecord

# Bump when the schema or the document shape changes: the index is then rebuilt from the store.
SCHEMA_VERSION = 8  # 8: `joined`, a word and the number after it as one term (joined.py)
# Keyword fields of the backend-neutral document that no tantivy query reads (the cluster engines index
# them): Document.from_dict(..., schema) leaves out what the schema has no field for.
UNSEARCHED = ("ids", "healthy_volunteers", "enrollment")


def tantivy_version() -> str:
    # tantivy.__version__ is "tantivy v0.27.0, index_format v7": read without importlib.metadata's
    # search of the installed distributions (9 ms of every command's start).
    found = re.match(r"tantivy v(\S+),", getattr(tantivy, "__version__", ""))
    if found:
        return found.group(1)
    from importlib.metadata import version

    return version("tantivy")


def schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    for name in (n for n in KEYWORD_FIELDS if n not in UNSEARCHED):
        b.add_text_field(name, stored=name == "nct_id", tokenizer_name="raw", index_option="basic")
    for name in (*TEXT_FIELDS, "condition_tree"):
        b.add_text_field(name, stored=False, tokenizer_name="en_stem")
    # Ranges and the date order read these columns (Query.range_query of a fast field scans its column,
    # not its terms): an inverted index of them, and last_update stored, were written and never read.
    b.add_float_field("min_age", fast=True)
    b.add_float_field("max_age_end", fast=True)
    b.add_integer_field("last_update", fast=True)
    b.add_integer_field("verified", fast=True)
    b.add_integer_field("completion_end", fast=True)
    # Counted sites (geo.near.counted_sites): lat and lon for the bounding-box prefilter, and the
    # sites themselves, stored, for the exact great-circle check.
    b.add_float_field("geo_lat", indexed=True, fast=False)
    b.add_float_field("geo_lon", indexed=True, fast=False)
    b.add_bytes_field("geo_sites", stored=True, indexed=False)
    b.add_text_field("geo_cell", stored=False, tokenizer_name="raw", index_option="basic")
    # "il 2" for "IL-2" in any text field: a search's required "IL-2" reads this one term, not a phrase
    # over nine fields whose "2" nearly every trial has (a third of the search at 500k records).
    b.add_text_field(JOINED_FIELD, stored=False, tokenizer_name="raw", index_option="basic")
    return b.build()


def fields(r: TrialRecord) -> dict[str, Any]:
    doc = index_document(r)
    sites = doc.pop("sites")
    doc["geo_lat"] = [lat for _, lat, _ in sites]
    doc["geo_lon"] = [lon for _, _, lon in sites]
    doc["geo_sites"] = orjson.dumps(by_latitude(sites))
    doc["geo_cell"] = cells(sites)
    doc[JOINED_FIELD] = joined_terms(doc[f] for f in TEXT_FIELDS)
    return doc


def document(r: TrialRecord, schema: tantivy.Schema) -> tantivy.Document:
    # The schema gives each value's type: 40% cheaper than Document(**fields), which tries str, bool,
    # int and float in turn on every value (the same document: tests/test_index.py).
    return tantivy.Document.from_dict(fields(r), schema)
