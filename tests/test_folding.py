"""Folding character by character gives what normalising the whole text gives, for every code point and real text."""

from __future__ import annotations

import re
import unicodedata

import orjson
import pytest

from indexer.folding import fold, fold_whole
from tests.conftest import shared

_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
CODE_POINTS = [chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c < 0xE000]


def reference(text: str) -> str:
    """The fold as first written: three normalisations of the whole text."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    return unicodedata.normalize("NFC", _MARKS.sub("", decomposed))


def test_nfkd_is_nfd_of_nfkc_for_every_code_point() -> None:
    nfkd = unicodedata.normalize
    assert [c for c in CODE_POINTS if nfkd("NFKD", c) != nfkd("NFD", nfkd("NFKC", c))] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sjögren’s syndrome ≥ 18 years", "Sjogren’s syndrome ≥ 18 years"),
        ("ＳＬＥ ﬁbrosis ½ µg", "SLE fibrosis 1⁄2 μg"),
        ("e\u0301 and Å", "e and A"),  # a combining mark in the text: normalised whole
        ("がん", "がん"),  # NFKD splits the voiced mark off, NFC joins it back
        ("한국", "한국"),
        ("ᄒ\u1161 ᄒ", "하 ᄒ"),  # Hangul letters compose with their neighbours
        ("\u0b47\u0b3e", "\u0b4b"),  # so do a few spacing marks
        ("𝐀𝟏 ≥ é", "A1 ≥ e"),  # four-byte characters beside two- and three-byte ones
        ("x\ud800é", "x\ud800e"),  # a lone surrogate stays as it is
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected == reference(text) == fold_whole(text)


def test_every_real_text_folds_as_normalised_whole() -> None:
    texts: set[str] = set()
    for path in sorted(shared("ctgov", "v2").glob("NCT*.json")):
        texts.update(t for t in _strings(orjson.loads(path.read_bytes())) if not t.isascii())
    assert len(texts) > 500
    assert [t for t in texts if fold(t) != reference(t)] == []


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.slow
def test_every_code_point_folds_alike_between_neighbours() -> None:
    # Each character after a letter, before a letter, beside itself and beside a combining mark.
    wrong = [c for c in CODE_POINTS for t in (f"a{c}b{c}{c}", f"{c}\u0301x") if fold(t) != reference(t)]
    assert wrong == []


@pytest.mark.slow
def test_every_pair_that_composes_folds_as_normalised_whole() -> None:
    pairs = [p for c in CODE_POINTS if (p := _parts(c)) is not None]
    pairs += [(chr(lead), chr(vowel)) for lead in range(0x1100, 0x1113) for vowel in range(0x1161, 0x1176)]
    pairs += [(chr(0xAC00 + 28 * i), chr(tail)) for i in range(0, 399, 7) for tail in range(0x11A8, 0x11C3)]
    assert len(pairs) > 2000
    assert [p for p in pairs if fold(f"x{p[0]}{p[1]}y") != reference(f"x{p[0]}{p[1]}y")] == []


def _parts(ch: str) -> tuple[str, str] | None:
    """The two characters NFC composes into `ch`, if it is such a composition."""
    parts = unicodedata.decomposition(ch).split()
    if len(parts) != 2 or parts[0].startswith("<"):
        return None
    return chr(int(parts[0], 16)), chr(int(parts[1], 16))
