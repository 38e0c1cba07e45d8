"""Accent and compatibility folding of text ("Sjögren" -> "Sjogren"), character by character where it can be."""

from __future__ import annotations

import functools
import re
import unicodedata

# Combining diacritical marks (and their supplements, and half marks): what NFD splits off accented
# letters. A regular expression drops them at C speed; criteria texts run to thousands of characters.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
# Deleted from a text's UTF-8 to leave its non-ASCII characters: every other byte of UTF-8 is >= 0x80,
# so what remains is whole characters. Half the instructions of a regular expression's scan of each
# character (the real records' non-ASCII texts, 2,250 characters on average: 54,000 instead of 117,000).
_ASCII_BYTES = bytes(range(128))
# Hangul letters compose with their neighbours under NFC although they are not marks.
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF), (0xD7B0, 0xD7FF), (0xFFA0, 0xFFDC))


def fold_whole(text: str) -> str:
    """The definition of `fold`: NFKC maps full-width and other compatibility characters to their plain
    forms, NFD splits accented letters so their combining marks can be dropped, NFC puts the rest back.
    NFD(NFKC(x)) is NFKD(x), one pass fewer (tests/test_normalize.py checks every code point)."""
    return unicodedata.normalize("NFC", _COMBINING.sub("", unicodedata.normalize("NFKD", text)))


def _alone(ch: str) -> bool:
    """A character that can neither join a neighbour nor be reordered with one under normalisation:
    no mark, no combining class, no Hangul letter (the only other letters NFC composes)."""
    code = ord(ch)
    return (
        unicodedata.combining(ch) == 0
        and not unicodedata.category(ch).startswith("M")
        and not any(lo <= code <= hi for lo, hi in _HANGUL)
    )


@functools.lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str | None:
    """What `fold` makes of this character wherever it stands, or None when its neighbours matter."""
    plain = _COMBINING.sub("", unicodedata.normalize("NFKD", ch))
    if not _alone(ch) or not all(map(_alone, plain)) or unicodedata.normalize("NFC", plain) != plain:
        return None
    return plain


def fold(text: str) -> str:
    """Compatibility forms and accents folded away: "Sjögren" -> "Sjogren", "ＳＬＥ" -> "SLE".

    Case is kept (the analyzers lowercase). Equal to `fold_whole(text)`: a text whose every non-ASCII
    character folds the same wherever it stands (nearly all of them: the registry's texts are English
    with a few symbols) has those characters replaced, at a quarter of the cost of normalising it whole.
    """
    if text.isascii():
        return text
    out = text
    others = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")
    for ch in set(others):
        plain = _fold_char(ch)
        if plain is None:
            return fold_whole(text)
        if plain != ch:
            # `plain` is made of characters that fold to themselves, so a later replace leaves it be.
            out = out.replace(ch, plain)
    return out
