"""A record's stored JSON and its content hash, which a reordering of its order-free lists leaves alone."""

from __future__ import annotations

import orjson

from indexer.canonical import in_canonical_order, order_free
from indexer.record import _NESTED, INNER_ORDER_FREE, ORDER_FREE_PARTS, TrialRecord
from indexer.record_decoders import encode

# Sites and contacts come after the summary and the criteria text, the longest part of a record's JSON.
_NEAR_END = frozenset({"locations", "central_contacts", "overall_officials"})
_ORDER_FREE_LAYOUT = order_free(TrialRecord, ORDER_FREE_PARTS, _NESTED, INNER_ORDER_FREE, _NEAR_END)


def serialise(record: TrialRecord) -> tuple[bytes, str]:
    """(record JSON, content hash) from one serialisation: the hash covers all but the fetch fields."""
    # The JSON of orjson.dumps(record), from the generated encoder's dicts (record_decoders.py: why there).
    blob = orjson.dumps(encode(record))
    tail = orjson.dumps({"source": record.source, "source_url": record.source_url, "fetched_at": record.fetched_at})
    cut = len(blob) - len(tail)  # blob = content + ',' + tail without its '{'
    if blob[cut : cut + 1] != b"," or not blob.endswith(tail[1:]):
        raise AssertionError("TrialRecord's fetch fields must be its last fields")
    import hashlib  # here: loading OpenSSL is 3 ms of start-up, and reading commands never hash

    return blob, hashlib.sha256(in_canonical_order(record, blob[:cut], _ORDER_FREE_LAYOUT)).hexdigest()


def content_hash(record: TrialRecord) -> str:
    """Hash of the trial's content; fetch metadata (FETCH_FIELDS) does not count."""
    return serialise(record)[1]
