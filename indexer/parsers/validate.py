"""Type and range checks of a parsed record, so nothing the store, serialiser or index cannot take gets in."""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from functools import cache
from typing import Any

from indexer.identifiers import is_trial_id
from indexer.parsers.errors import ParseError
from indexer.record import TrialRecord

# JSON numbers past 2**53 lose precision in most readers, and orjson refuses integers past 64 bits.
MAX_INT = 2**53
# A field longer than this is not registry text (the longest real descriptions are about 30,000).
MAX_TEXT = 1_000_000


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _check(value: Any, hint: Any, path: str) -> None:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return
        _check(value, next(o for o in options if o is not type(None)), path)
        return
    if origin is tuple:
        if not isinstance(value, tuple):
            raise ParseError(f"{path} should be a list, not {type(value).__name__}")
        item = typing.get_args(hint)[0]
        for i, v in enumerate(value):
            _check(v, item, f"{path}[{i}]")
        return
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise ParseError(f"{path} should map text to text")
        return
    if hint is str:
        if not isinstance(value, str):
            raise ParseError(f"{path} should be text, not {type(value).__name__} {_show(value)}")
        if len(value) > MAX_TEXT or "\x00" in value:
            raise ParseError(
                f"{path} is not registry text ({len(value)} characters{', NUL' if chr(0) in value else ''})"
            )
        return
    if hint is bool:
        if not isinstance(value, bool):
            raise ParseError(f"{path} should be true or false, not {_show(value)}")
        return
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_INT:
            raise ParseError(f"{path} should be a whole number below 2**53, not {_show(value)}")
        return
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ParseError(f"{path} should be a finite number, not {_show(value)}")
        if abs(value) > MAX_INT:
            raise ParseError(f"{path} is out of range: {_show(value)}")
        return
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(value, hint):
            raise ParseError(f"{path} should be a {hint.__name__}, not {type(value).__name__}")
        for name, field_hint in _hints(hint).items():
            _check(getattr(value, name), field_hint, f"{path}.{name}")
        return
    raise TypeError(f"no check for {hint!r} at {path}")  # a new record field type: add its check here


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def validate(record: TrialRecord) -> TrialRecord:
    """The record itself, or ParseError naming the first field of the wrong type or out of range."""
    if not isinstance(record.nct_id, str) or not is_trial_id(record.nct_id):
        raise ParseError(f"nct_id {_show(record.nct_id)} is not a trial id (NCT, EudraCT or register id)")
    for name, hint in _hints(TrialRecord).items():
        _check(getattr(record, name), hint, name)
    return record
