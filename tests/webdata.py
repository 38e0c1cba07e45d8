"""A data directory for the web tests: real registry records, version history, a listing page and a watch."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.parsers import euctr, parse, takeda
from indexer.record import TrialRecord
from tests.conftest import FIXTURES, ROOT, Trials, shared

LISTING_PAGE = (
    FIXTURES
    / "listing/site/clinical-trials/listings/NCT04077684/efficacy-and-safety-of-low-dose-il-2-in-patients-with-sle.html"
)
LISTING_URL = (
    "http://listing.test/clinical-trials/listings/NCT04077684/efficacy-and-safety-of-low-dose-il-2-in-patients-with-sle"
)
EUDRACT = "2006-004028-35"  # the EudraCT number the Takeda page lists for NCT00770497


def one_trial_two_registers() -> tuple[TrialRecord, TrialRecord]:
    """NCT00770497 from Takeda's page, and an EU CTR record linked to it by the EudraCT number that page lists."""
    tk = takeda.parse_document(
        (FIXTURES / "takeda" / "takedaclinicaltrials.com_browse_summary_ATS_20K023.html").read_bytes(),
        source_url="https://www.takedaclinicaltrials.com/browse/summary/ATS%20K023",
    )[0]
    # Constructed: a real EU CTR record given the EudraCT number that the Takeda page lists.
    eu = euctr.parse_document(
        (FIXTURES / "euctr" / "EUCTR_2005-002909-23_PT.html").read_bytes(),
        source_url=f"https://www.clinicaltrialsregister.eu/ctr-search/trial/{EUDRACT}/DE",
    )[0]
    return tk, dataclasses.replace(eu, nct_id=f"EUCTR{EUDRACT}", secondary_ids=(EUDRACT,))


def build(data_dir: Path) -> Path:
    """Ingest the real legacy XML (523 trials, the seed's NCT04077684 among them) and dated versions."""
    trials = Trials(data_dir)
    trials("--quiet", "ingest", str(shared("ctgov", "xml")), str(shared("ctgov", "xml_versions")))
    listing = parse(LISTING_PAGE.read_bytes(), source="listing", source_url=LISTING_URL)
    tk, eu = one_trial_two_registers()
    with Catalog(load(data_dir)) as c:
        for record in (*listing, tk, eu):
            write_records(c, [record])
    trials("--quiet", "watch", "add", "lupus-il2", "--condition", "SLE", "--drug", "IL-2")
    return data_dir


@pytest.fixture(scope="session")
def web_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per test session; the web app only reads it."""
    return build(tmp_path_factory.mktemp("web") / "data")


@contextmanager
def served(data_dir: Path, *args: str) -> Iterator[str]:
    """`trials serve --port 0` in a subprocess; yields its base URL (from the line it prints), then stops it."""
    with serving(data_dir, *args) as (base, _):
        yield base


@contextmanager
def serving(data_dir: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """As `served`, with the process too."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "search_cli.main", "--data-dir", str(data_dir), "serve", "--port", "0", *args],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        found = re.search(r"(http://\S+?)/ ", line)
        assert found, f"trials serve printed {line!r}"
        for _ in range(600):  # with --workers, the worker processes start after the line
            try:
                httpx.get(found.group(1) + "/static/app.js", timeout=60)
                break
            except httpx.ConnectError:  # not listening yet (a slow answer is no reason to ask again)
                time.sleep(0.1)
        yield found.group(1), proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
