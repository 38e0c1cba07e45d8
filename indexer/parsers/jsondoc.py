"""Registry JSON documents decoded once, whatever the tool that saved them (byte-order marks, UTF-16)."""

from __future__ import annotations

import json
from typing import Any

import orjson

from indexer.parsers.errors import ParseError


def decode_json(body: bytes | str) -> Any:
    """A JSON document, decoded once: orjson, or the standard library for what orjson refuses."""
    # A byte-order mark (Windows tools write one) is not JSON, and orjson refuses it; UTF-16 (which
    # PowerShell's redirection writes) is read as Python's json reads it.
    if isinstance(body, bytes):
        if body.startswith(b"\xef\xbb\xbf"):
            body = body[3:]
        elif body.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                body = body.decode("utf-16")
            except UnicodeDecodeError as exc:
                raise ParseError(f"invalid JSON: UTF-16 text that cannot be decoded ({exc.reason})") from exc
    if isinstance(body, str) and body.startswith("\ufeff"):
        body = body[1:]
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "64-bit" not in str(exc) and "recursion" not in str(exc):
            raise ParseError(f"invalid JSON: {exc}") from exc
    # orjson refuses integers past 64 bits and deep nesting: the standard library reads the first and
    # refuses the second, so that one bad value fails its study, not the whole page.
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"invalid JSON: {str(exc)[:200]}") from exc
