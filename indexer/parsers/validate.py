"""Type and range checks of a parsed record, so nothing the store, serialiser or index cannot take gets in."""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any

from indexer.identifiers import is_trial_id
from indexer.parsers.errors import ParseError
from indexer.record import TrialRecord

# JSON numbers past 2**53 lose precision in most readers, and orjson refuses integers past 64 bits.
MAX_INT = 2**53
# A field longer than this is not registry text (the longest real descriptions are about 30,000).
MAX_TEXT = 1_000_000


Check = Callable[[Any, str], None]  # (value, its path in the record) -> None, or ParseError


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _text(value: Any, path: str) -> None:
    if type(value) is not str:
        raise ParseError(f"{path} should be text, not {type(value).__name__} {_show(value)}")
    if len(value) > MAX_TEXT or "\x00" in value:
        nul = ", NUL" if "\x00" in value else ""
        raise ParseError(f"{path} is not registry text ({len(value)} characters{nul})")


def _bool(value: Any, path: str) -> None:
    if type(value) is not bool:
        raise ParseError(f"{path} should be true or false, not {_show(value)}")


def _int(value: Any, path: str) -> None:
    if type(value) is not int or abs(value) > MAX_INT:
        raise ParseError(f"{path} should be a whole number below 2**53, not {_show(value)}")


def _float(value: Any, path: str) -> None:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ParseError(f"{path} should be a finite number, not {_show(value)}")
    if abs(value) > MAX_INT:
        raise ParseError(f"{path} is out of range: {_show(value)}")


def _text_map(value: Any, path: str) -> None:
    if type(value) is not dict or not all(type(k) is str and type(v) is str for k, v in value.items()):
        raise ParseError(f"{path} should map text to text")


@cache
def _checker(hint: Any) -> Check:
    """The check of one declared type, built once per type: validation runs for every record ingested."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = [o for o in typing.get_args(hint) if o is not type(None)]
        inner, optional = _checker(options[0]), len(options) < len(typing.get_args(hint))

        def union(value: Any, path: str) -> None:
            if value is None and optional:
                return
            inner(value, path)

        return union
    if origin is tuple:
        item = _checker(typing.get_args(hint)[0])

        def sequence(value: Any, path: str) -> None:
            if type(value) is not tuple:
                raise ParseError(f"{path} should be a list, not {type(value).__name__}")
            for i, v in enumerate(value):
                item(v, f"{path}[{i}]")

        return sequence
    if origin is dict:
        return _text_map
    simple: dict[Any, Check] = {str: _text, bool: _bool, int: _int, float: _float}
    if hint in simple:
        return simple[hint]
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        cls = hint
        fields: list[tuple[str, Check]] = []  # filled on first use: a type may hold itself (Criterion)

        def record(value: Any, path: str) -> None:
            if not isinstance(value, cls):
                raise ParseError(f"{path} should be a {cls.__name__}, not {type(value).__name__}")
            if not fields:
                fields.extend((name, _checker(field_hint)) for name, field_hint in _hints(cls).items())
            for name, check in fields:
                check(getattr(value, name), f"{path}.{name}" if path else name)

        return record
    raise TypeError(f"no check for {hint!r}")  # a new record field type: add its check here


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def validate(record: TrialRecord) -> TrialRecord:
    """The record itself, or ParseError naming the first field of the wrong type or out of range."""
    if not isinstance(record.nct_id, str) or not is_trial_id(record.nct_id):
        raise ParseError(f"nct_id {_show(record.nct_id)} is not a trial id (NCT, EudraCT or register id)")
    _checker(TrialRecord)(record, "")
    return record
