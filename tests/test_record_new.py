"""The parsers' fast constructors make the same records as the record classes themselves."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from indexer.record import Arm, Contact, Criterion, Design, Eligibility, Intervention, Location, Outcome, TrialRecord
from indexer.record_new import (
    fast,
    new_arm,
    new_contact,
    new_criterion,
    new_design,
    new_eligibility,
    new_intervention,
    new_location,
    new_outcome,
    new_trial_record,
)


def _same(made: object, built: object) -> None:
    assert type(made) is type(built)
    assert made == built and repr(made) == repr(built)
    for f in dataclasses.fields(built):  # type: ignore[arg-type]
        assert type(getattr(made, f.name)) is type(getattr(built, f.name)), f.name


def test_fast_constructors_equal_the_classes() -> None:
    site = dict(facility="Hôpital", city="Lyon", zip="69003", country="France", status="RECRUITING")
    person = dict(name="A B", role="CONTACT", phone="1", email="a@b")
    cases: list[tuple[Any, Any, tuple[Any, ...], dict[str, Any]]] = [
        (new_criterion, Criterion, ("x",), {}),
        (new_criterion, Criterion, ("x", (Criterion("y"),)), {}),
        (new_criterion, Criterion, (), {"text": "x", "children": ()}),
        (new_eligibility, Eligibility, (), {}),
        (new_eligibility, Eligibility, ("c",), {"sex": "ALL", "provenance": {"min_age_years": "criteria"}}),
        (new_intervention, Intervention, ("DRUG", "IL-2"), {"other_names": ("a",)}),
        (new_arm, Arm, (), {"label": "A", "type": None}),
        (new_outcome, Outcome, ("m",), {"time_frame": "1 y"}),
        (new_contact, Contact, (), person),
        (new_contact, Contact, (), {}),
        (new_location, Location, (), site),
        (new_location, Location, (), {**site, "lat": 1.5, "lon": 2.0, "contacts": (Contact(**person),)}),
        (new_design, Design, ("RANDOMIZED",), {}),
    ]
    for make, cls, args, kwargs in cases:
        _same(make(*args, **kwargs), cls(*args, **kwargs))
    # The record's own __post_init__ runs: its unordered lists sorted and without repeats.
    given = dict(nct_id="NCT00000001", source="ctgov_xml", conditions=("b", "A", "b"), keywords=("z", "y"))
    made, built = new_trial_record(**given), TrialRecord(**given)  # type: ignore[arg-type]
    _same(made, built)
    assert made.conditions == ("A", "b") and made.keywords == ("y", "z")
    _same(new_trial_record(nct_id="NCT00000001", source="x"), TrialRecord(nct_id="NCT00000001", source="x"))


def test_fast_constructors_call_each_default_factory() -> None:
    a, b = new_eligibility(), new_eligibility()
    assert a.provenance == {} and a.provenance is not b.provenance
    r, s = new_trial_record(nct_id="NCT00000001", source="x"), new_trial_record(nct_id="NCT00000002", source="x")
    assert r.design == Design() and r.eligibility == Eligibility() and r.eligibility is not s.eligibility


def test_fast_constructors_refuse_what_the_classes_refuse() -> None:
    with pytest.raises(TypeError):
        new_trial_record("NCT00000001", source="x")  # type: ignore[call-arg]  # keyword-only, as the class
    with pytest.raises(TypeError):
        new_intervention(name="x")  # type: ignore[call-arg]  # `type` has no default
    with pytest.raises(TypeError):
        new_location(town="Lyon")  # type: ignore[call-arg]
    with pytest.raises(dataclasses.FrozenInstanceError):
        new_location().city = "Lyon"  # type: ignore[misc]

    @dataclasses.dataclass(frozen=True, slots=True)
    class Hidden:
        seen: int = dataclasses.field(default=0, init=False)

    with pytest.raises(TypeError, match="outside __init__"):
        fast(Hidden)
