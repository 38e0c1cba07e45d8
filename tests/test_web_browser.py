"""End to end in Debian's Chromium driven by Playwright: a patient finds the seed's trial and reads it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.webdata import LISTING_URL, served

pytest_plugins = ("tests.webdata",)  # the web_data fixture
pytestmark = [pytest.mark.browser, pytest.mark.slow]

SEED = "NCT04077684"
# As root, Chromium needs --no-sandbox; without the background-networking flags it opens connections
# of its own (updates, sync) that the test machine refuses many at a time.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
REGISTRY_STUB = "<html><body><h1>registry page (stub: the test never goes online)</h1></body></html>"


def chromium_path() -> str:
    """Debian's chromium, installed by scripts/chromium.sh when missing; skip with its reason when it cannot be."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    r = subprocess.run(["bash", str(ROOT / "scripts" / "chromium.sh")], capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        pytest.skip(f"Chromium is not installed and could not be: {r.stderr.strip().splitlines()[-1:]}")
    return r.stdout.strip()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    path = chromium_path()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def base_url(web_data: Path) -> Iterator[str]:
    with served(web_data) as url:
        yield url


def patient_finds_the_trial(browser: Any, base_url: str, viewport: dict[str, int], shots: Path) -> dict[str, Any]:
    """The whole visit; returns what the test checks afterwards (requests made, CSP complaints)."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    requests: list[str] = []
    console: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append(m.text))

    # Registries are never contacted: their pages are answered by a stub inside the browser.
    def registry(route: Any) -> None:
        route.fulfill(status=200, content_type="text/html", body=REGISTRY_STUB)

    context.route("https://clinicaltrials.gov/**", registry)
    context.route("http://listing.test/**", registry)

    # Search: lupus, low-dose IL-2, near Beijing (the nearest site and its distance show in the result).
    page.goto(base_url + "/")
    page.fill("input[name=condition]", "lupus")
    page.fill("input[name=q]", "IL-2")
    page.fill("input[name=near]", "Beijing, China")
    page.fill("input[name=within]", "50")
    page.click("form.search button[type=submit]")
    page.wait_for_url("**/search?**")
    assert "condition=lupus" in page.url and "near=Beijing" in page.url
    # Its link carries the place, so that the trial page lists the nearest sites first.
    result = page.locator(f"li.result:has(a[href^='/trials/{SEED}?near='])")
    assert result.count() == 1
    text = result.inner_text()
    assert "Looking for participants" in text and "Beijing" in text and "km away" in text
    page.screenshot(path=str(shots / "search.png"), full_page=True)

    # The trial page.
    result.locator(f"a[href^='/trials/{SEED}?near=']").click()
    page.wait_for_url(f"**/trials/{SEED}?near=*")
    assert "Efficacy and Safety of Low-dose IL-2" in page.locator("h1").inner_text()
    take_part = page.locator("section.take-part").inner_text()
    assert "nearest Beijing" in take_part and "km away" in take_part and "Contacts" in take_part

    # Answer the checklist: only the page changes, nothing is sent.
    before = len(requests)
    inc = page.locator("[data-criterion^='inc-']")
    exc = page.locator("[data-criterion^='exc-']")
    inc.nth(0).locator("input[value=yes]").check()
    inc.nth(1).locator("input[value=unsure]").check()
    exc.nth(0).locator("input[value=no]").check()
    exc.nth(1).locator("input[value=yes]").check()
    tally = page.locator(".tally")
    assert tally.is_visible()
    text = tally.inner_text()
    assert "You should: 1 yes, 0 no, 1 not sure" in text and "You should not: 1 yes, 1 no" in text
    assert "may not be for you" in text and "not a medical decision" in text
    assert len(requests) == before, requests[before:]

    # Similar trials arrive after the page, with what each shares.
    similar = page.locator("section.similar .similar-list")
    similar.wait_for(timeout=30_000)
    assert similar.locator("li").count() >= 1 and "Same condition" in similar.inner_text()
    page.screenshot(path=str(shots / "trial.png"), full_page=True)

    # The answers survive a reload of the tab, and "Clear my responses" forgets them.
    page.reload()
    assert page.locator("[data-criterion='inc-1'] input[value=yes]").is_checked()
    page.click("button.clear")
    assert not page.locator("[data-criterion='inc-1'] input[value=yes]").is_checked()
    assert "You should: 0 yes" in page.locator(".tally").inner_text()

    # Print: navigation and search forms go, the criteria stay.
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible() and page.locator(".checklist").is_visible()
    page.emulate_media(media="screen")

    # Follow a source link: the listing page the tags came from.
    page.click(f"section.sources a[href='{LISTING_URL}']")
    page.wait_for_url(LISTING_URL)
    assert "registry page" in page.inner_text("h1")
    width = viewport["width"]
    page.go_back()
    overflow = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    return {"requests": requests, "console": console, "overflow": overflow, "width": width}


def _checks(seen: dict[str, Any], base_url: str) -> None:
    outside = [u for u in seen["requests"] if not u.startswith(base_url) and not u.startswith(LISTING_URL)]
    assert outside == [], outside  # no CDN, no font, nothing from the internet
    assert not [m for m in seen["console"] if "Content Security Policy" in m], seen["console"]


def test_patient_on_a_desktop(browser: Any, base_url: str, tmp_path: Path) -> None:
    seen = patient_finds_the_trial(browser, base_url, DESKTOP, tmp_path)
    _checks(seen, base_url)
    # `TRIALS_SCREENSHOTS=docs pytest tests/test_web_browser.py` refreshes the README's screenshot.
    if os.environ.get("TRIALS_SCREENSHOTS") == "docs":
        shutil.copy(tmp_path / "trial.png", ROOT / "docs" / "trial-page.png")


def test_patient_on_a_phone(browser: Any, base_url: str, tmp_path: Path) -> None:
    seen = patient_finds_the_trial(browser, base_url, PHONE, tmp_path)
    _checks(seen, base_url)
    assert seen["overflow"] <= PHONE["width"], "the page scrolls sideways on a phone"
    assert (tmp_path / "trial.png").stat().st_size > 10_000


def test_match_page_in_the_browser(browser: Any, base_url: str) -> None:
    page = browser.new_page()
    page.goto(base_url + "/match")
    page.fill("textarea[name=text]", "I am 34, female, with systemic lupus erythematosus")
    page.click("form.match button[type=submit]")
    page.wait_for_selector(".understood")
    assert "age 34" in page.inner_text(".understood") and "female" in page.inner_text(".understood")
    assert page.input_value("input[name=age]") == "34"
    assert page.locator("li.result").count() >= 1
    assert page.url.removeprefix(base_url) == "/match"  # the description is not in the URL
    page.close()
