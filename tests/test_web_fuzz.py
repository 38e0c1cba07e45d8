"""The JSON API fuzzed from its own OpenAPI document with schemathesis (bounded examples)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from indexer.catalog import Catalog
from indexer.config import load
from web.app import create_app

pytestmark = pytest.mark.slow  # hundreds of generated requests

pytest_plugins = ("tests.webdata",)  # the web_data fixture

# Examples per operation: enough to find unhandled input (bad types, huge numbers, odd Unicode,
# NUL bytes) in seconds per route; the whole API stays within a minute or two.
EXAMPLES = int(os.environ.get("TRIALS_FUZZ_EXAMPLES", "40"))


@pytest.fixture(scope="module")
def api_schema(web_data: Path) -> Iterator[Any]:
    # The test holds the catalog: schemathesis starts and stops the app (its lifespan) for every call.
    with Catalog(load(web_data)) as catalog:
        yield schemathesis.openapi.from_asgi("/openapi.json", create_app(load(web_data), catalog))


def operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


PATHS = [
    "/api/search",
    "/api/trials/{trial_id}",
    "/api/trials/{trial_id}/similar",
    "/api/trials/{trial_id}/history",
    "/api/trials/{trial_id}/diff",
    "/api/changes",
    "/api/match",
    "/api/stats",
]


def test_every_api_route_is_in_the_openapi_document(api_schema: Any) -> None:
    assert {op.path for op in operations(api_schema)} == set(PATHS)


@pytest.mark.parametrize("path", PATHS)
def test_api_conforms_to_its_openapi(api_schema: Any, path: str) -> None:
    """No 5xx; status codes, content types and bodies as documented; bad input refused with a 4xx."""
    [operation] = [op for op in operations(api_schema) if op.path == path]

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: Any) -> None:
        # A place or a country is checked against the gazetteer, and a date as `trials changes --since`
        # reads it ("March 2020", "yesterday", "7d"), which no schema can express: a schema-valid one
        # that is none is refused (422 naming the parameter), not accepted.
        in_code = ("near", "country", "since", "recorded_since")
        by_code = any(case.query and case.query.get(name) for name in in_code) or bool(
            isinstance(case.body, dict) and case.body.get("near")
        )
        response = case.call_and_validate(excluded_checks=[positive_data_acceptance] if by_code else None)
        if by_code and response.status_code == 422:
            assert response.json()["error"]  # said in words, never a stack trace

    check()
