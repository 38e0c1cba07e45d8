"""`trials diff` for people: changed words in context, list items as lines, on real version history."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from search_cli.diffview import word_diff
from tests.conftest import Trials, shared

STUDY = "NCT02679963"  # its summary went from "Five hundred" to "Six hundred" patients


def _summary(path: Path) -> str:
    return " ".join((ET.parse(path).getroot().findtext("brief_summary/textblock") or "").split())


@pytest.fixture
def study(trials: Trials) -> tuple[Trials, list[Path]]:
    files = [shared("ctgov", "xml_versions", STUDY, f"{d}.xml") for d in ("2016-07-17", "2017-08-08")]
    trials("--quiet", "ingest", *map(str, files))
    return trials, files


def test_text_shows_the_changed_words_in_context(study: tuple[Trials, list[Path]]) -> None:
    trials, files = study
    old, new = (_summary(f) for f in files)
    assert "Five hundred" in old and "Six hundred" in new and old[:60] == new[:60]
    out = trials("diff", STUDY, "--from", "1", "--to", "2").stdout
    block = out.split("~ brief_summary:\n")[1].split("\n~ ")[0]
    assert "[-Five-] {+Six+} hundred patients" in block
    # Every changed word of the XML texts is shown, and the unchanged bulk is not.
    assert len(block) < len(new) / 2
    narrow = trials("diff", STUDY, "--from", "1", "--to", "2", "--width", "15").stdout
    narrow_block = narrow.split("~ brief_summary:\n")[1].split("\n~ ")[0]
    assert "[-Five-] {+Six+}" in narrow_block and len(narrow_block) < len(block)


def test_full_values_on_request(study: tuple[Trials, list[Path]]) -> None:
    trials, files = study
    out = trials("diff", STUDY, "--from", "1", "--to", "2", "--full").stdout
    block = out.split("~ brief_summary:\n")[1].split("\n~ ")[0]
    lines = block.splitlines()
    old = " ".join(line[6:] for line in lines if line.startswith("    - "))
    new = " ".join(line[6:] for line in lines if line.startswith("    + "))
    assert " ".join(old.split()) == _summary(files[0])
    assert " ".join(new.split()) == _summary(files[1])


def test_list_items_read_as_lines(study: tuple[Trials, list[Path]]) -> None:
    trials, _ = study
    out = trials("diff", STUDY, "--from", "1", "--to", "2").stdout
    assert '{"text"' not in out and '"children"' not in out  # no raw JSON
    assert "- eligibility.exclusion: Any previous treatment with a PARP inhibitor, including olaparib." in out
    # A reworded criterion shows as its changed words, not as a removed and an added item.
    assert re.search(r"Major surgery within 14 days \[-of registration-\] \{\+before to start", out)
    changes = trials.json("diff", STUDY, "--from", "1", "--to", "2")
    assert {"field": "enrollment", "old": 500, "new": 600} in changes  # --json keeps field/old/new


def test_sites_read_as_places(trials: Trials) -> None:
    files = sorted(shared("ctgov", "xml_versions", "NCT03228394").glob("*.xml"))[:2]
    trials("--quiet", "ingest", *map(str, files))
    out = trials("diff", "NCT03228394").stdout
    assert "+ locations: Marinus Research Site, Houston, Texas, United States (RECRUITING)" in out


def test_word_diff_groups_nearby_changes() -> None:
    old = "a b c d e f g h i j k l m n o p"
    assert word_diff(old, old.replace("c", "C").replace("e", "E"), 10) == ["a b [-c-] {+C+} d [-e-] {+E+} f g h i j …"]
    far = word_diff(old, old.replace("b", "B").replace("o", "O"), 4)
    assert far == ["a [-b-] {+B+} c d …", "… m n [-o-] {+O+} p"]
