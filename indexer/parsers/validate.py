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
        raise ParseError(f"{path} should be text, not {type(value).__name__} {_show(value, path)}")
    if len(value) > MAX_TEXT or "\x00" in value:
        nul = ", NUL" if "\x00" in value else ""
        raise ParseError(f"{path} is not registry text ({len(value)} characters{nul})")


def _bool(value: Any, path: str) -> None:
    if type(value) is not bool:
        raise ParseError(f"{path} should be true or false, not {_show(value, path)}")


def _int(value: Any, path: str) -> None:
    if type(value) is not int or abs(value) > MAX_INT:
        raise ParseError(f"{path} should be a whole number below 2**53, not {_show(value, path)}")


def _float(value: Any, path: str) -> None:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ParseError(f"{path} should be a finite number, not {_show(value, path)}")
    if abs(value) > MAX_INT:
        raise ParseError(f"{path} is out of range: {_show(value, path)}")


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


def _show(value: Any, path: str = "") -> str:
    """The wrong value for an error message, short; a contact's never (it is logged, and contact
    details are not: a phone number given as a number is still a phone number)."""
    if "contacts[" in path or path.startswith("overall_officials"):
        return "(a contact's value: not shown)"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# The fast check: one generated function per record class, straight-line tests with no paths built.
# It only answers "valid or not"; a record it refuses is checked again by `_checker`, which names
# the field. Generated code ran validation in a quarter of the walker's time (every record is checked).
_FAST_SOURCE: dict[type, str] = {}


def _fast_test(hint: Any, var: str, ns: dict[str, Any], depth: int) -> tuple[list[str], str]:
    """(statements to run first, then an expression) that is true when `var` passes `hint`'s check."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = [o for o in typing.get_args(hint) if o is not type(None)]
        pre, test = _fast_test(options[0], var, ns, depth)
        if len(options) == len(typing.get_args(hint)):
            return pre, test
        if pre:  # a list or a nested record: its statements run only for a value
            return [f"if {var} is not None:", *(f"    {line}" for line in pre)], test if test == "True" else (
                f"({var} is None or {test})"
            )
        return [], f"({var} is None or {test})"
    if origin is tuple:
        item = f"i{depth}"
        pre, test = _fast_test(typing.get_args(hint)[0], item, ns, depth + 1)
        body = [*pre, f"if not {test}: return False"]
        return [
            f"if type({var}) is not tuple: return False",
            f"for {item} in {var}:",
            *(f"    {line}" for line in body),
        ], "True"
    if origin is dict:
        return [], f"_text_map_ok({var})"
    if hint is str:
        return [], f'(type({var}) is str and len({var}) <= MAX_TEXT and "\\x00" not in {var})'
    if hint is bool:
        return [], f"type({var}) is bool"
    if hint is int:
        return [], f"(type({var}) is int and -MAX_INT <= {var} <= MAX_INT)"
    if hint is float:
        return [], f"(type({var}) in _NUMBERS and isfinite({var}) and -MAX_INT <= {var} <= MAX_INT)"
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        _fast_function(hint, ns)
        return [], f"_ok_{hint.__name__}({var})"
    raise TypeError(f"no check for {hint!r}")


def _fast_function(cls: type, ns: dict[str, Any]) -> None:
    if cls in _FAST_SOURCE:
        return
    _FAST_SOURCE[cls] = ""  # a type may hold itself (Criterion): its name is enough to call it
    lines = [f"def _ok_{cls.__name__}(value):", f"    if not isinstance(value, _{cls.__name__}): return False"]
    ns[f"_{cls.__name__}"] = cls
    for name, field_hint in _hints(cls).items():
        var = f"f_{name}"
        pre, test = _fast_test(field_hint, var, ns, 0)
        lines.append(f"    {var} = value.{name}")
        lines.extend(f"    {line}" for line in pre)
        if test != "True":
            lines.append(f"    if not {test}: return False")
    lines.append("    return True")
    _FAST_SOURCE[cls] = "\n".join(lines)


def _text_map_ok(value: Any) -> bool:
    return type(value) is dict and all(type(k) is str and type(v) is str for k, v in value.items())


@cache
def _fast(cls: type) -> Callable[[Any], bool]:
    ns: dict[str, Any] = {
        "MAX_TEXT": MAX_TEXT, "MAX_INT": MAX_INT, "isfinite": math.isfinite, "_NUMBERS": (int, float),
        "_text_map_ok": _text_map_ok,
    }  # fmt: skip
    _FAST_SOURCE.clear()
    _fast_function(cls, ns)
    exec("\n\n".join(_FAST_SOURCE.values()), ns)  # our own source, from the record's type hints
    return ns[f"_ok_{cls.__name__}"]  # type: ignore[no-any-return]


def validate(record: TrialRecord) -> TrialRecord:
    """The record itself, or ParseError naming the first field of the wrong type or out of range."""
    if not isinstance(record.nct_id, str) or not is_trial_id(record.nct_id):
        raise ParseError(f"nct_id {_show(record.nct_id)} is not a trial id (NCT, EudraCT or register id)")
    try:
        if _fast(TrialRecord)(record):
            return record
    except (OverflowError, TypeError, ValueError):
        pass  # e.g. an integer too large for a float: the full check below names it
    _checker(TrialRecord)(record, "")
    return record
