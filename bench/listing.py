"""Listing pages: parse rate of the seed's page, and a whole crawl of a synthetic 1,000-page listing site."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, SHARED, Timer, report
from devtools.sitemock import StaticSite
from indexer.parsers import listing
from tests.fixtures.listing.make_site import browse, trial_page

PAGES = 1000
PER_BROWSE_PAGE = 20


def parse_rate(page: bytes, seconds: float = 5.0) -> float:
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        listing.parse_document(page, source_url="https://listing.example/clinical-trials/listings/NCT04077684/x")
        count += 1
    return count / (time.perf_counter() - start)


def build_site(root: Path, seed: str) -> None:
    """1,000 trial pages (the seed's text under new ids) and the browse pages that list them."""
    trials = [f"clinical-trials/listings/NCT9{i:07d}/trial.html" for i in range(PAGES)]
    for i, path in enumerate(trials):
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(trial_page(seed, nct=f"NCT9{i:07d}"), encoding="utf-8")
    (root / "browse").mkdir()
    pages = [trials[i : i + PER_BROWSE_PAGE] for i in range(0, PAGES, PER_BROWSE_PAGE)]
    for n, chunk in enumerate(pages):
        nxt = f"browse/{n + 1}.html" if n + 1 < len(pages) else None
        (root / "browse" / f"{n}.html").write_text(browse([(p, p) for p in chunk], nxt), encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")


def main() -> None:
    seed = (SHARED / "seed" / "000_11a1eb4b2c3c5646.txt").read_text(encoding="utf-8")
    page = trial_page(seed).encode("utf-8")
    rate = parse_rate(page)
    with tempfile.TemporaryDirectory() as tmp:
        site_dir = Path(tmp) / "site"
        build_site(site_dir, seed)
        with StaticSite(site_dir) as site:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            with Timer() as t:
                proc = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "search_cli.main",
                        "--data-dir",
                        str(Path(tmp) / "data"),
                        "crawl",
                        "listing",
                        f"{site.url}/browse/0.html",
                    ],
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                    env={**os.environ, "TRIALS_DOWNLOAD_DELAY": "0"},
                )
            # 3: finished with failures, the site's one dead similar-trial link by design.
            if proc.returncode not in (0, 3):
                raise SystemExit(f"the crawl failed ({proc.returncode}): {proc.stderr[-2000:]}")
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            fetched = sum(1 for e in site.log if e["status"] == 200)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    report(
        "listing",
        {
            "page_bytes": len(page),
            "pages_parsed_per_s": round(rate),
            "site_trial_pages": PAGES,
            "site_pages_fetched": fetched,
            "crawl_s": round(t.seconds, 1),
            "crawl_pages_per_s": round(fetched / t.seconds, 1),
            "crawler_cpu_ms_per_page": round(1000 * cpu / fetched, 1),
            "summary": next(line for line in proc.stderr.splitlines() if line.startswith("crawled")),
        },
    )


if __name__ == "__main__":
    main()
