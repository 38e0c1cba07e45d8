"""derive_events, one row per event type: hand-written before/after records, the events a monitor expects."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from indexer.history.diff import Change, diff_records
from indexer.history.events import EVENT_TYPES, derive_events, first_seen, merged, removed

SITE = {
    "facility": "Peking University People's Hospital",
    "city": "Beijing",
    "country": "China",
    "status": "RECRUITING",
}
OTHER_SITE = {"facility": "Renji Hospital", "city": "Shanghai", "country": "China", "status": "NOT_YET_RECRUITING"}
BEFORE: dict[str, Any] = {
    "nct_id": "NCT01234567",
    "brief_title": "Low-dose IL-2 in systemic lupus erythematosus",
    "overall_status": "RECRUITING",
    "why_stopped": None,
    "enrollment": 40,
    "enrollment_type": "ESTIMATED",
    "start_date": "2020-01",
    "primary_completion_date": "2022-06-30",
    "completion_date": "2022-12",
    "has_results": False,
    "keywords": ["lupus", "IL-2"],
    "eligibility": {
        "min_age_years": 18,
        "max_age_years": 65,
        "sex": "ALL",
        "healthy_volunteers": False,
        "inclusion": [{"text": "SLE by the 1997 ACR criteria", "children": []}],
        "exclusion": [{"text": "Pregnancy", "children": []}],
    },
    "locations": [SITE],
    "source": "ctgov",
    "fetched_at": "2024-01-01T00:00:00Z",
}

Row = tuple[str, str, Any, Any, str]


def edit(**changes: Any) -> Callable[[dict[str, Any]], None]:
    """Set fields of the after-record, nested ones as eligibility__sex; the value DELETE removes the field."""

    def apply(record: dict[str, Any]) -> None:
        for path, value in changes.items():
            *parents, key = path.split("__")
            target = record
            for p in parents:
                target = target[p]
            if value is DELETE:
                del target[key]
            else:
                target[key] = value

    return apply


DELETE = object()

CASES: list[tuple[str, Callable[[dict[str, Any]], None], list[Row]]] = [
    (
        "status",
        edit(overall_status="ACTIVE_NOT_RECRUITING"),
        [
            (
                "status",
                "overall_status",
                "RECRUITING",
                "ACTIVE_NOT_RECRUITING",
                "status RECRUITING -> ACTIVE_NOT_RECRUITING",
            )
        ],
    ),
    (
        "status stopped, with the reason",
        edit(overall_status="TERMINATED", why_stopped="Sponsor decision"),
        [
            (
                "status",
                "overall_status",
                "RECRUITING",
                "TERMINATED",
                "status RECRUITING -> TERMINATED (why stopped: Sponsor decision)",
            )
        ],
    ),
    (
        "status completed: a reason is not shown",
        edit(overall_status="COMPLETED", why_stopped="Finished early"),
        [("status", "overall_status", "RECRUITING", "COMPLETED", "status RECRUITING -> COMPLETED")],
    ),
    (
        "enrollment count and type: one event",
        edit(enrollment=38, enrollment_type="ACTUAL"),
        [("enrollment", "enrollment", 40, 38, "enrollment 40 (estimated) -> 38 (actual)")],
    ),
    (
        "enrollment type only",
        edit(enrollment_type="ACTUAL"),
        [("enrollment", "enrollment", 40, 40, "enrollment 40 (estimated) -> 40 (actual)")],
    ),
    (
        "date moved",
        edit(start_date="2020-03-15"),
        [("dates", "start_date", "2020-01", "2020-03-15", "start date moved 2020-01 -> 2020-03-15")],
    ),
    ("date refined to the day: not moved", edit(start_date="2020-01-16"), []),
    (
        "date removed",
        edit(completion_date=DELETE),
        [("dates", "completion_date", "2022-12", None, "completion date removed")],
    ),
    (
        "two dates moved",
        edit(primary_completion_date="2023-06-30", completion_date="2023-12"),
        [
            (
                "dates",
                "primary_completion_date",
                "2022-06-30",
                "2023-06-30",
                "primary completion date moved 2022-06-30 -> 2023-06-30",
            ),
            ("dates", "completion_date", "2022-12", "2023-12", "completion date moved 2022-12 -> 2023-12"),
        ],
    ),
    (
        "age limits",
        edit(eligibility__min_age_years=12, eligibility__max_age_years=None),
        [
            ("eligibility", "eligibility.min_age_years", 18, 12, "min age years 18 -> 12"),
            ("eligibility", "eligibility.max_age_years", 65, None, "max age years 65 -> none"),
        ],
    ),
    (
        "sex and healthy volunteers",
        edit(eligibility__sex="FEMALE", eligibility__healthy_volunteers=True),
        [
            ("eligibility", "eligibility.sex", "ALL", "FEMALE", "sex ALL -> FEMALE"),
            ("eligibility", "eligibility.healthy_volunteers", False, True, "healthy volunteers False -> True"),
        ],
    ),
    (
        "criteria added and removed",
        edit(
            eligibility__inclusion=[
                {"text": "SLE by the 1997 ACR criteria", "children": []},
                {"text": "SLEDAI-2K of 6 or more", "children": []},
            ],
            eligibility__exclusion=[],
        ),
        [
            (
                "eligibility",
                "eligibility.inclusion",
                None,
                {"text": "SLEDAI-2K of 6 or more", "children": []},
                "inclusion criterion added: SLEDAI-2K of 6 or more",
            ),
            (
                "eligibility",
                "eligibility.exclusion",
                {"text": "Pregnancy", "children": []},
                None,
                "exclusion criterion removed: Pregnancy",
            ),
        ],
    ),
    (
        "a criterion reworded, one removed, one added",
        edit(
            eligibility__inclusion=[{"text": "SLE by the 2019 EULAR/ACR criteria", "children": []}],
            eligibility__exclusion=[{"text": "Active lupus nephritis", "children": []}],
        ),
        [
            (
                "eligibility",
                "eligibility.inclusion",
                {"text": "SLE by the 1997 ACR criteria", "children": []},
                {"text": "SLE by the 2019 EULAR/ACR criteria", "children": []},
                "inclusion criterion changed: SLE by the 1997 ACR criteria -> SLE by the 2019 EULAR/ACR criteria",
            ),
            (
                "eligibility",
                "eligibility.exclusion",
                {"text": "Pregnancy", "children": []},
                None,
                "exclusion criterion removed: Pregnancy",
            ),
            (
                "eligibility",
                "eligibility.exclusion",
                None,
                {"text": "Active lupus nephritis", "children": []},
                "exclusion criterion added: Active lupus nephritis",
            ),
        ],
    ),
    ("keywords reordered: no event", edit(keywords=["IL-2", "lupus"]), []),
    (
        "site added",
        edit(locations=[SITE, OTHER_SITE]),
        [("sites", "locations", None, OTHER_SITE, "site added: Renji Hospital, Shanghai, China")],
    ),
    (
        "site removed",
        edit(locations=[]),
        [("sites", "locations", SITE, None, "site removed: Peking University People's Hospital, Beijing, China")],
    ),
    (
        "site status",
        edit(locations=[{**SITE, "status": "COMPLETED"}]),
        [
            (
                "sites",
                "locations[Peking University People's Hospital, Beijing, China].status",
                "RECRUITING",
                "COMPLETED",
                "site Peking University People's Hospital, Beijing, China: RECRUITING -> COMPLETED",
            )
        ],
    ),
    ("results posted", edit(has_results=True), [("results", "has_results", False, True, "results posted")]),
    ("other fields change: no event", edit(brief_title="Low-dose interleukin-2 in SLE", keywords=["SLE"]), []),
    ("fetch metadata only: no event", edit(fetched_at="2025-01-01T00:00:00Z", source="ctgov_xml"), []),
]


def rows(events: list[Any]) -> list[Row]:
    return [(e.type, e.field, e.old, e.new, e.summary) for e in events]


@pytest.mark.parametrize(("name", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_derive_events(name: str, change: Callable[[dict[str, Any]], None], expected: list[Row]) -> None:
    after = copy.deepcopy(BEFORE)
    change(after)
    assert rows(derive_events(diff_records(BEFORE, after), BEFORE, after)) == expected


def test_results_withdrawn_is_no_results_event() -> None:
    before = {**BEFORE, "has_results": True}
    after = {**BEFORE, "has_results": False}
    assert derive_events([Change("has_results", True, False)], before, after) == []


def test_date_first_set_is_no_move() -> None:
    before = {**BEFORE, "completion_date": None}
    after = {**BEFORE, "completion_date": "2023-01"}
    assert derive_events([Change("completion_date", None, "2023-01")], before, after) == []


def test_events_follow_the_order_of_the_changes() -> None:
    after = copy.deepcopy(BEFORE)
    after.update(overall_status="COMPLETED", enrollment=41, enrollment_type="ACTUAL", has_results=True)
    types = [e.type for e in derive_events(diff_records(BEFORE, after), BEFORE, after)]
    assert types == ["status", "enrollment", "results"]


def test_new_and_removed() -> None:
    assert rows([first_seen(BEFORE)]) == [("new", "nct_id", None, "NCT01234567", "first seen, status RECRUITING")]
    assert rows([first_seen({"nct_id": "NCT07654321"})]) == [
        ("new", "nct_id", None, "NCT07654321", "first seen, status none")
    ]
    assert rows([removed("NCT01234567", "HTTP 404")]) == [
        ("removed", "nct_id", "NCT01234567", None, "no longer returned by the registry (HTTP 404)")
    ]
    assert rows([merged("TAKEDAATS-K023", "NCT00770497")]) == [
        ("merged", "nct_id", "TAKEDAATS-K023", "NCT00770497", "merged into NCT00770497")
    ]


def test_every_event_type_is_covered_here() -> None:
    covered = {row[0] for _, _, expected in CASES for row in expected} | {"new", "removed", "merged"}
    assert covered == set(EVENT_TYPES)


def test_to_dict() -> None:
    [event] = derive_events([Change("has_results", False, True)], BEFORE, {**BEFORE, "has_results": True})
    assert event.to_dict() == {
        "type": "results",
        "field": "has_results",
        "old": False,
        "new": True,
        "summary": "results posted",
    }
