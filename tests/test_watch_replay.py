"""Replay the xml_versions downloads round by round into a store with watches, against an oracle read from the XML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser
import pytest

from tests.conftest import FIXTURES, Trials, shared

_UNITS = {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25, "hour": 1 / 8766, "minute": 1 / 525960}


@dataclass(frozen=True)
class Facts:
    """What the oracle needs from one download, read with ElementTree, not the project's parser."""

    status: str
    min_age: float | None
    max_age: float | None
    sex: str  # ALL, FEMALE, MALE
    enrollment: int | None


def _age(text: str | None) -> float | None:
    m = re.match(r"\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?", (text or "").lower())
    return float(m.group(1)) * _UNITS[m.group(2)] if m else None


def facts(path: Path) -> Facts:
    root = ET.parse(path).getroot()
    status = root.findtext("overall_status") or ""
    status = "UNKNOWN" if status == "Unknown status" else re.sub(r"[^A-Za-z]+", "_", status).strip("_").upper()
    gender = (root.findtext("eligibility/gender") or "All").upper()
    enrollment = (root.findtext("enrollment") or "").strip()
    return Facts(
        status,
        _age(root.findtext("eligibility/minimum_age")),
        _age(root.findtext("eligibility/maximum_age")),
        "ALL" if gender in ("ALL", "BOTH") else gender,
        int(enrollment) if enrollment.isdigit() else None,
    )


OPEN = {"RECRUITING", "NOT_YET_RECRUITING"}
# name -> (watch filters, statuses it admits, oracle of its other filters over one download's facts)
WATCHES = {
    "recruiting": (["--status", "recruiting"], {"RECRUITING"}, lambda f: True),
    "open": (["--status", "recruiting,not_yet_recruiting"], OPEN, lambda f: True),
    "open-70": (
        ["--status", "recruiting,not_yet_recruiting", "--age", "70"],
        OPEN,
        lambda f: (f.min_age or 0) <= 70 <= (f.max_age if f.max_age is not None else 999),
    ),
    "men": (["--status", "recruiting", "--sex", "M"], {"RECRUITING"}, lambda f: f.sex != "FEMALE"),
}


def rounds() -> list[dict[str, Path]]:
    """Round k holds the k-th download of every study that has one."""
    studies = {s.name: sorted(s.glob("*.xml")) for s in shared("ctgov", "xml_versions").iterdir() if s.is_dir()}
    depth = max(len(files) for files in studies.values())
    return [{nct: files[k] for nct, files in studies.items() if len(files) > k} for k in range(depth)]


def test_replay_rounds_against_the_xml(trials: Trials, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALS_FEED_ENTRIES", "1000")  # keep every entry, to compare the feeds with the runs
    reported: dict[str, list[tuple[str, str, str]]] = {name: [] for name in WATCHES}  # (kind, nct_id, text)
    for name, (filters, _, _) in WATCHES.items():
        trials("watch", "add", name, *filters)
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    current: dict[str, Facts] = {}
    matched: dict[str, set[str]] = {name: set() for name in WATCHES}
    seen = {"entered": 0, "left": 0, "changed": 0}
    for k, batch in enumerate(rounds()):
        previous = dict(current)
        trials("--quiet", "ingest", *map(str, batch.values()))
        current.update({nct: facts(p) for nct, p in batch.items()})
        runs = {r["watch"]: r for r in trials.json("watch", "run", "--atom", str(feeds))}
        for name, (_, statuses, admits) in WATCHES.items():
            run, before = runs[name], matched[name]
            now = {nct for nct, f in current.items() if f.status in statuses and admits(f)}
            where = f"round {k}, watch {name}"
            assert run["first_run"] == (k == 0), where
            assert {r["nct_id"] for r in run["new_matches"]} == now - before, where
            left = {t["nct_id"]: t for t in run["left"]}
            assert set(left) == before - now, where
            for nct, t in left.items():
                old, new = previous[nct], current[nct]
                if new.status not in statuses:
                    assert t["reason"].startswith(f"status {old.status} → {new.status}"), (where, t)
                    assert (t["field"], t["old"], t["new"]) == ("overall_status", old.status, new.status)
                else:  # the status still fits: an eligibility limit moved it out
                    assert re.search(r"\b(age|sex)\b", t["reason"]), (where, t)
            changed = {c["nct_id"]: c for c in run["changed"]}
            # Changes are reported for exactly the trials that matched before and got a different download.
            assert set(changed) <= {nct for nct in before if nct in batch}, where
            for nct in before:
                if nct not in batch or nct not in previous:
                    continue
                old, new = previous[nct], current[nct]
                fields = {e["field"] for e in changed.get(nct, {}).get("events", [])}
                if old.status != new.status:
                    assert "overall_status" in fields, (where, nct)
                if old.enrollment != new.enrollment:
                    assert "enrollment" in fields, (where, nct)
                for attr in ("min_age", "max_age"):
                    if getattr(old, attr) != getattr(new, attr):
                        assert f"eligibility.{attr}_years" in fields, (where, nct, attr)
                if nct in changed:
                    assert changed[nct]["still_matches"] == (nct in now), (where, nct)
            reported[name] += [("new", r["nct_id"], "") for r in run["new_matches"]]
            reported[name] += [("left", t["nct_id"], t["reason"]) for t in run["left"]]
            reported[name] += [("changed", c["nct_id"], "") for c in run["changed"] if c["still_matches"]]
            seen["entered"] += len(now - before) if k else 0
            seen["left"] += len(before - now)
            seen["changed"] += len(changed)
            matched[name] = now
        # The watches remembered this round: running again reports nothing.
        again = trials.json("watch", "run")
        assert all(not (r["new_matches"] or r["changed"] or r["left"]) for r in again), k
    # Each feed holds what the runs reported, the reason of a trial leaving in its entry's title.
    for name, items in reported.items():
        parsed = feedparser.parse((feeds / f"{name}.xml").read_bytes())
        assert not parsed.bozo and parsed.version == "atom10"
        found = [(e.tags[0].term, e.link.rsplit("/", 1)[-1], e.title) for e in parsed.entries]
        assert sorted((kind, nct) for kind, nct, _ in found) == sorted((kind, nct) for kind, nct, _ in items)
        left_titles = {(nct, title) for kind, nct, title in found if kind == "left"}
        assert left_titles == {(nct, f"Left: {nct}, {reason}") for kind, nct, reason in items if kind == "left"}
    # The data holds real entries, changes and exits; the check above is not vacuous.
    assert seen["entered"] >= 5 and seen["left"] >= 5 and seen["changed"] >= 10, seen


@pytest.fixture
def age_lowered(tmp_path: Path) -> tuple[Path, Path]:
    """A real download, and the same one as if the registry had lowered its maximum age to 65 a day later."""
    original = shared("ctgov", "xml_versions", "NCT02798588", "2018-05-11.xml")
    text = original.read_text(encoding="utf-8")
    assert "<maximum_age>75 Years</maximum_age>" in text
    changed = text.replace("<maximum_age>75 Years</maximum_age>", "<maximum_age>65 Years</maximum_age>")
    changed, count = re.subn(r"<last_update_posted( [^>]*)?>[^<]+<", r"<last_update_posted\1>June 1, 2030<", changed)
    assert count == 1
    later = tmp_path / "NCT02798588-later.xml"
    later.write_text(changed, encoding="utf-8")
    return original, later


def test_a_trial_leaving_on_an_eligibility_change_says_so(trials: Trials, age_lowered: tuple[Path, Path]) -> None:
    original, later = age_lowered
    trials("--quiet", "ingest", str(original))
    trials("watch", "add", "seventy", "--status", "recruiting", "--age", "70")
    [first] = trials.json("watch", "run")
    assert [r["nct_id"] for r in first["new_matches"]] == ["NCT02798588"]
    trials("--quiet", "ingest", str(later))
    [run] = trials.json("watch", "run")
    [left] = run["left"]
    assert left["nct_id"] == "NCT02798588"
    assert left["reason"] == "no longer matches: maximum age lowered to 65"
    assert (left["field"], left["old"], left["new"]) == ("eligibility.max_age_years", 75, 65)
    [changed] = run["changed"]
    assert not changed["still_matches"]
    assert any(e["summary"] == "max age years 75.0 -> 65.0" for e in changed["events"]), changed
    table = trials("watch", "run", "--dry-run").stdout
    assert "0 left" in table  # remembered: the exit is reported once


def test_a_trial_the_registry_no_longer_has_leaves_the_watch(trials: Trials) -> None:
    from indexer.catalog import Catalog
    from indexer.config import load

    trials("--quiet", "ingest", str(FIXTURES / "ctgov_xml" / "NCT04077684.xml"))
    trials("watch", "add", "sle", "--condition", "lupus")
    [first] = trials.json("watch", "run")
    assert [r["nct_id"] for r in first["new_matches"]] == ["NCT04077684"]
    with Catalog(load(trials.data_dir)) as c, c.writer() as w:  # as a --full crawl does on a 404
        assert w.mark_removed("NCT04077684", "the registry answered 404 for it")
    [run] = trials.json("watch", "run")
    [left] = run["left"]
    assert left["nct_id"] == "NCT04077684" and "404" in left["reason"]
    assert run["new_matches"] == [] and [c["still_matches"] for c in run["changed"]] == [False]
    # The left row says what its event says: the id that the registry no longer lists.
    [event] = run["changed"][0]["events"]
    assert (left["field"], left["old"], left["new"]) == (event["field"], event["old"], event["new"])
    assert (event["field"], event["old"], event["new"]) == ("nct_id", "NCT04077684", None)
