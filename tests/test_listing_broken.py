"""A listing crawl's trial address that answers with something no trial page is fails, kept; other pages do not."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from devtools.sitemock import StaticSite
from indexer.store import RecordStore
from tests.conftest import Trials, shared
from tests.test_listing import SITE, TRIAL_PAGE, crawl

pytestmark = pytest.mark.slow

LISTINGS = "clinical-trials/listings"


def test_a_trial_address_that_answers_with_no_trial_page_fails_and_keeps_its_bytes(
    data_dir: Path, tmp_path: Path
) -> None:
    site_dir = tmp_path / "site"
    shutil.copytree(SITE, site_dir)
    good = TRIAL_PAGE.relative_to(SITE).as_posix()
    # Real pages, broken as servers break them: gzip bytes sent as text/html without Content-Encoding,
    # the same bytes with no known type, and a registry's JSON record where the page should be.
    zipped = gzip.compress(TRIAL_PAGE.read_bytes(), mtime=0)
    study = shared("ctgov", "v2", "NCT00000410.json").read_bytes()
    broken = {
        f"{LISTINGS}/NCT02472431/zipped.html": zipped,
        f"{LISTINGS}/NCT04265963/study.bin": zipped,
        f"{LISTINGS}/NCT00000002/record.html": study,
        f"{LISTINGS}/NCT04077684/protocol.pdf": zipped,  # a file the trial links to: no page of it
    }
    for path, body in broken.items():
        (site_dir / path).parent.mkdir(parents=True, exist_ok=True)
        (site_dir / path).write_bytes(body)
    addresses = [good, *(p.removesuffix(".bin") for p in broken)]
    (site_dir / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{{ROOT}}/{a}</loc></url>" for a in addresses)
        + "</urlset>",
        encoding="utf-8",
    )
    with StaticSite(site_dir) as site:
        proc = crawl(data_dir, f"{site.url}/sitemap.xml")
        asked = {e["path"]: e["status"] for e in site.log}
    assert all(asked[f"/{a}"] == 200 for a in addresses[1:]), asked
    assert proc.returncode == 3, proc.stderr  # finished, some documents failed
    assert "`trials failures` lists what failed" in proc.stderr and "Traceback" not in proc.stderr
    failures = {f["location"].removeprefix(site.url): f for f in Trials(data_dir).json("failures")}
    mine = {k: v for k, v in failures.items() if k in {f"/{a}" for a in addresses}}
    assert sorted(mine) == [
        f"/{LISTINGS}/NCT00000002/record.html",
        f"/{LISTINGS}/NCT02472431/zipped.html",
        f"/{LISTINGS}/NCT04265963/study",
    ], failures
    assert {k: v["record_id"] for k, v in mine.items()} == {
        f"/{LISTINGS}/NCT00000002/record.html": "NCT00000002",
        f"/{LISTINGS}/NCT02472431/zipped.html": "NCT02472431",
        f"/{LISTINGS}/NCT04265963/study": "NCT04265963",
    }
    assert "not a web page (application/octet-stream)" in mine[f"/{LISTINGS}/NCT04265963/study"]["error"]
    assert "not a trial page (no title" in mine[f"/{LISTINGS}/NCT02472431/zipped.html"]["error"]
    for path in mine:
        assert f"{site.url}{path}" in proc.stderr  # logged with its address
    store = RecordStore(data_dir / "trials.sqlite", readonly=True)
    try:
        kept = {
            f.location.removeprefix(site.url): store.get_raw(f.raw_hash) for f in store.failures.list() if f.raw_hash
        }
    finally:
        store.close()
    assert kept[f"/{LISTINGS}/NCT02472431/zipped.html"] == zipped  # the bytes as received
    assert kept[f"/{LISTINGS}/NCT04265963/study"] == zipped
    assert kept[f"/{LISTINGS}/NCT00000002/record.html"] == study
    assert Trials(data_dir).json("show", "NCT04077684")["overall_status"] == "RECRUITING"  # the good page stored
