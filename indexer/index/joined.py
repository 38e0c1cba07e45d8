"""A word followed by a number ("interleukin-2", "IL 2", "COVID-19") as one term of the `joined` field."""

from __future__ import annotations

import codecs
import functools
import re
from collections.abc import Iterable
from itertools import compress

import tantivy

JOINED_FIELD = "joined"
# What en_stem's RemoveLongFilter drops: a token of this many bytes or more (as split, before lower case).
_LONG = 40


@functools.cache
def _tokens() -> tantivy.TextAnalyzer:
    """The tokens of en_stem as split, before its filters: a token's place in the list is its position."""
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).build()


@functools.lru_cache(maxsize=1 << 16)
def _stem(token: str) -> str:
    """One token as en_stem indexes it (lower case, English stem): the filters work token by token."""
    return _stem_analyzer().analyze(token)[0]


@functools.cache
def _stem_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def _kept(token: str) -> bool:
    return len(token.encode()) < _LONG


def _number(token: str) -> bool:
    return token.isascii() and token.isdigit() and len(token) < _LONG


# The pattern reads each character as its class in the simple tokenizer: "0" an ASCII digit, "a" any other
# letter or digit (Rust's `char::is_alphanumeric`: a token is a run of them), " " anything else. The class
# string is reversed so that the pattern starts with a literal "0", which the regex engine scans for quickly:
# a number that is a whole token, the separators before it and the token before those (not consumed, so
# that "covid 19 20" gives "19 20" too). Its spans are those of the text, reversed.
_PAIR = re.compile(rb"0(?<![a0].)0*(?= +([a0]+))")
_CLASSES = bytes(48 if chr(c).isdigit() else 97 if chr(c).isalnum() else 32 for c in range(128)) + b" " * 128


class _NonAscii(dict[str, str]):
    """The class of each character outside ASCII, as tantivy's own tokenizer finds it (its idea of a
    letter, Unicode's Alphabetic, is not Python's): asked once per character."""

    def __missing__(self, char: str) -> str:
        self[char] = found = "a" if _tokens().analyze(char) else " "
        return found


_NON_ASCII = _NonAscii()


def _non_ascii_classes(exc: UnicodeError) -> tuple[str, int]:
    """An encoding error handler: the classes of a run of characters outside ASCII, one for each."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(map(_NON_ASCII.__getitem__, exc.object[exc.start : exc.end])), exc.end


codecs.register_error("indexer.joined.classes", _non_ascii_classes)


def pairs(text: str) -> list[str]:
    """Each "word number" two tokens of en_stem make of the text next to each other: the terms a phrase
    query "word number" over this text would find ("IL-2" and "il 2" make "il 2").

    By one pattern over the text's character classes (one C call for ASCII text, nearly all registry text):
    splitting it into tokens cost 5x, and by_tokens (the reference) does. Only the words before a number
    are stemmed (cached): stemming the whole text cost 3x."""
    return _pairs(text, _classes(text))[::-1]  # in the text's order


def _classes(text: str) -> bytes:
    return text.encode("ascii", "indexer.joined.classes").translate(_CLASSES)


def _pairs(text: str, classes: bytes) -> list[str]:
    """The pairs of `text` whose character classes are `classes` (one for each character), last first."""
    classes = classes[::-1]
    ascii = text.isascii()
    end = len(text)
    found = []
    for match in _PAIR.finditer(classes):
        (digits, stop), (begin, after) = match.regs
        word = text[end - after : end - begin]
        # A word en_stem drops leaves its place empty: the number after it follows no word.
        if stop - digits < _LONG and after - begin < _LONG and (ascii or len(word.encode()) < _LONG):
            found.append(f"{_stem(word)} {text[end - stop : end - digits]}")
    return found


def by_tokens(text: str) -> list[str]:
    """`pairs` of any text, from the tokens tantivy's tokenizer splits it into."""
    split = _tokens().analyze(text)
    # Only the tokens str.isdigit finds (in C, by compress) are looked at.
    return [
        f"{_stem(split[i - 1])} {split[i]}"
        for i in compress(range(len(split)), map(str.isdigit, split))
        if i and _number(split[i]) and _kept(split[i - 1])
    ]


def joined_terms(texts: Iterable[str]) -> list[str]:
    """The `joined` field of a trial: the pairs of all its text fields, each once, sorted."""
    texts = list(texts)
    # Read as one text, a call for the trial, not one a field: between two fields a character of a class of
    # its own ("|"), which is neither a separator nor part of a token, so no pair spans two fields.
    return sorted(set(_pairs("|".join(texts), b"|".join(map(_classes, texts)))))


def as_joined(word: str) -> str | None:
    """A word of a query (as quote_text quotes it) that is one pair, as a query of the `joined` field, or
    None: the phrase "word number" in any text field is then this one term, where tantivy would walk the
    postings of a number that nearly every trial has, in each field."""
    split = _tokens().analyze(word)
    if len(split) != 2 or not (_number(split[1]) and _kept(split[0])):
        return None
    return f'{JOINED_FIELD}:"{_stem(split[0])} {split[1]}"'
