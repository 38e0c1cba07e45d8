"""Stored JSON turns back into the same TrialRecord: the generated decoder against a plain walk over the fields."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import orjson
import pytest

from indexer.catalog import Catalog
from indexer.config import load
from indexer.ingest.files import iter_documents
from indexer.parsers import NotATrial, ParseError, parse_document
from indexer.record import _NESTED, UNORDERED_FIELDS, Criterion, Location, TrialRecord
from indexer.record_hash import serialise
from tests.conftest import FIXTURES, shared

pytest_plugins = ("tests.webdata",)


def oracle(cls: Any, data: dict[str, Any]) -> Any:
    """The decoder before it was generated: field by field, through the class's own constructor."""
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value, nested = data[f.name], _NESTED.get((cls, f.name))
        if type(value) is list:
            value = tuple(oracle(nested, v) for v in value) if nested is not None else tuple(value)
        elif nested is not None and value is not None:
            value = oracle(nested, value)
        if f.name in UNORDERED_FIELDS and cls is TrialRecord:  # the sort as written before the one-pass check
            value = tuple(sorted(set(value), key=lambda t: (str(t).casefold(), str(t))))
        kwargs[f.name] = value
    return cls(**kwargs)


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (a tuple is not a list, a Location not a dict)."""
    if type(a) is not type(b):
        return False
    if dataclasses.is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def check_plain(plain: dict[str, Any]) -> TrialRecord:
    decoded = TrialRecord.from_dict(plain)
    assert same(decoded, oracle(TrialRecord, plain)), plain["nct_id"]
    return decoded


def check(record: TrialRecord) -> None:
    assert same(check_plain(orjson.loads(serialise(record)[0])), record), record.nct_id


def test_every_stored_record_and_version_of_the_web_store(web_data: Path) -> None:
    with Catalog(load(web_data)) as c:
        records = list(c.store.iter_records())
        versions = [v.record for r in records for v in c.store.history(r.nct_id)]
    assert len(records) > 500 and {r.source for r in records} == {"ctgov_xml", "euctr"}
    assert len(versions) > len(records) + 50  # the dated versions of xml_versions
    for r in records:
        check(r)
    for plain in versions:
        check_plain(plain)


@pytest.mark.slow
def test_every_record_of_the_shared_data() -> None:
    """Every document of every source in ../shared/data that a parser reads (ctgov and the other registries)."""
    count, sources = 0, set()
    for loc, body in iter_documents([shared("ctgov"), shared("registries")]):
        if not isinstance(body, bytes):
            continue
        try:
            found = parse_document(body, filename=loc).records
        except (NotATrial, ParseError):
            continue
        for r in found:
            check(r)
            count += 1
            sources.add(r.source)
    assert count > 3500 and sources >= {"ctgov", "ctgov_xml", "euctr", "gsk", "takeda"}, (count, sources)


def test_missing_keys_take_defaults_and_unknown_keys_are_ignored() -> None:
    plain = {"nct_id": "NCT00000001", "source": "ctgov", "later_field": 1, "design": None}
    assert same(TrialRecord.from_dict(plain), oracle(TrialRecord, plain))
    assert TrialRecord.from_dict({"nct_id": "NCT00000001", "source": "ctgov"}) == TrialRecord(
        nct_id="NCT00000001", source="ctgov"
    )
    with pytest.raises(TypeError):
        TrialRecord.from_dict({"nct_id": "NCT00000001"})
    nested = {"text": "a", "children": [{"text": "b", "children": [{"text": "c"}]}]}
    eligibility = {"nct_id": "N", "source": "s", "eligibility": {"inclusion": [nested]}}
    assert same(oracle(Criterion, nested), TrialRecord.from_dict(eligibility).eligibility.inclusion[0])
    site = {"city": "Paris", "contacts": [{"name": "A"}], "lat": 1.5}
    assert same(
        oracle(Location, site), TrialRecord.from_dict({"nct_id": "N", "source": "s", "locations": [site]}).locations[0]
    )


@pytest.mark.parametrize("field", UNORDERED_FIELDS)
def test_unordered_lists_are_sorted_and_deduplicated_when_not_canonical(field: str) -> None:
    """A stored record is canonical and loads without a sort; any other order is still put right."""
    for given in (["b", "A", "a", "b"], ["a", "A"], ["A", "a"], ["x", "x"], ["B", "a"], ["a", "B", "c"]):
        plain = {"nct_id": "NCT00000001", "source": "ctgov", field: given}
        decoded = TrialRecord.from_dict(plain)
        assert getattr(decoded, field) == tuple(sorted(set(given), key=lambda t: (t.casefold(), t)))
        assert same(decoded, oracle(TrialRecord, plain))


def test_json_fields_write_the_same_json_as_to_dict(web_data: Path) -> None:
    with Catalog(load(web_data)) as c:
        records = list(c.store.iter_records())
    for r in records:
        assert orjson.dumps(r.json_fields()) == orjson.dumps(r.to_dict()), r.nct_id
    assert list(records[0].json_fields()) == [f.name for f in dataclasses.fields(TrialRecord)]


def test_the_generated_decoders_are_the_generators_output() -> None:
    """record_decoders.py is committed generated code: a record class's change must regenerate it."""
    from indexer.record_codegen import TARGET, source

    assert TARGET.read_text(encoding="utf-8") == source(), "indexer/record_decoders.py is stale: run `make decoders`"


def test_the_generated_encoder_writes_what_orjson_writes_of_the_record() -> None:
    """serialise's JSON comes from the generated encoder's dicts: the bytes orjson writes of the record
    itself, for real records of every kind (sites, contacts, nested criteria), and for odd values."""
    from indexer.parsers import parse
    from indexer.record_decoders import encode

    paths = [p for f in ("ctgov", "ctgov_xml") for p in (FIXTURES / f).iterdir() if p.suffix in (".json", ".xml")]
    paths = [p for p in paths if not p.name.endswith(".expected.json")]
    paths += sorted(shared("ctgov", "v2").glob("*.json"))[:150]
    records = [r for p in paths for r in parse(p.read_bytes())]
    assert len(records) > 150 and any(r.locations and r.locations[0].contacts for r in records)
    assert any(c.children for r in records for c in r.eligibility.inclusion)
    for r in records:
        assert orjson.dumps(encode(r)) == orjson.dumps(r), r.nct_id
        assert serialise(r)[0] == orjson.dumps(r), r.nct_id
    # Values a record should not hold are written as orjson writes them too.
    site = Location(city="Lyon")
    odd = TrialRecord(nct_id="NCT00000001", source="ctgov", locations=(site, "not a site"), design=None)  # type: ignore[arg-type]
    assert orjson.dumps(encode(odd)) == orjson.dumps(odd)
