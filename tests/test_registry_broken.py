"""A registry crawl's trial address that answers with something no trial page is fails, kept; others do not."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from indexer.store import RecordStore
from tests.conftest import FIXTURES, Trials, run_trials, shared
from tests.test_offsite import _Site, sites  # noqa: F401 (the fixture)

pytestmark = pytest.mark.slow  # real crawls in subprocesses

TRIAL = (FIXTURES / "euctr" / "clinicaltrialsregister.eu_ctr-search_trial_2015-000590-12_DE.html").read_bytes()
PATH = "/ctr-search/trial/{id}"


def test_a_trial_address_that_answers_with_no_trial_page_fails_and_keeps_its_bytes(
    sites: tuple[_Site, _Site],  # noqa: F811
    data_dir: Path,
) -> None:
    home, _ = sites
    url = f"http://127.0.0.1:{home.server_address[1]}"
    # Real pages, broken as servers break them: the trial page gzipped without Content-Encoding and sent as a
    # file, the same bytes sent as HTML, and a registry's JSON record where the page should be.
    zipped = gzip.compress(TRIAL, mtime=0)
    study = shared("ctgov", "v2", "NCT00000410.json").read_bytes()
    broken = {
        "2016-000001-11/DE": (zipped, {"Content-Type": "application/octet-stream"}),
        "2016-000002-22/FR": (zipped, {}),
        "2016-000003-33/IT": (study, {}),
    }
    home.pages[PATH.format(id="2015-000590-12/DE")] = (200, TRIAL, {})
    for trial, (body, headers) in broken.items():
        home.pages[PATH.format(id=trial)] = (200, body, headers)
    links = "".join(f'<a href="{PATH.format(id=t)}">trial</a>' for t in ["2015-000590-12/DE", *broken])
    home.pages["/ctr-search/search?query=x"] = (200, f"<html><body>{links}</body></html>".encode(), {})

    proc = run_trials(data_dir, "crawl", "euctr", "--query", "x", "--base-url", url)

    assert proc.returncode == 3, proc.stderr  # finished, some documents failed
    assert "Traceback" not in proc.stderr
    assert "not read" not in proc.stderr  # a trial's address is a failure, not also a page passed over
    failures = {f["location"].removeprefix(url): f for f in Trials(data_dir).json("failures")}
    assert sorted(failures) == [PATH.format(id=t) for t in broken], failures
    assert {k: v["record_id"] for k, v in failures.items()} == {PATH.format(id=t): t for t in broken}
    assert "not a web page (application/octet-stream)" in failures[PATH.format(id="2016-000001-11/DE")]["error"]
    for path in failures:
        assert f"{url}{path}" in proc.stderr  # logged with its address
    store = RecordStore(data_dir / "trials.sqlite", readonly=True)
    try:
        kept = {f.location.removeprefix(url): store.get_raw(f.raw_hash) for f in store.failures.list() if f.raw_hash}
    finally:
        store.close()
    assert kept == {PATH.format(id=t): body for t, (body, _) in broken.items()}  # the bytes as received
    assert Trials(data_dir).json("show", "EUCTR2015-000590-12")["nct_id"]  # the good page stored
