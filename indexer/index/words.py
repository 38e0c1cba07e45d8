"""Free search text as required words: each word, or a synonym of the phrase it is in, must match."""

from __future__ import annotations

import re

from indexer.index.document import SearchQuery
from indexer.spelling import american

# Words that say nothing of a trial: "asthma in children" asks for asthma and children, not for "in",
# which nearly every trial has. Words every trial's text has (study, patients) likewise.
_FUNCTION_WORDS = frozenset(
    """
    a an and are as at be by can do for from has have i in into is it its me my not of on or our that the
    their them there these they this to was we were what which who with will would you your
    """.split()  # noqa: SIM905 (a list literal of 47 words is 47 lines)
)
_EVERY_TRIAL = frozenset({"study", "studies", "trial", "trials", "patient", "patients", "participant", "participants"})
# A token's words as synonyms.find_in_text reads them ("IL-2" one word), to line its phrases up with tokens.
_WORD_RE = re.compile(r"[^\W_][\w'-]*")
_INNER_RE = re.compile(r"[^\W_]+")  # the words inside a token, as the index's tokenizer splits them


def _key(text: str) -> str:
    return " ".join(_WORD_RE.findall(text)).lower()


def _says_something(key: str) -> bool:
    """Whether a token's words (its `_key`) say something of a trial: not empty, no function word, not
    a word every trial has."""
    return bool(key) and key not in _FUNCTION_WORDS and key not in _EVERY_TRIAL


def _phrases(text: str) -> list[tuple[str, ...]]:
    """The text as the ranking query quotes it: each space-separated token a phrase of its words."""
    return [tuple(w.lower() for w in _INNER_RE.findall(t)) for t in text.split() if _INNER_RE.search(t)]


def _implies(a: str, b: str) -> bool:
    """Whether every trial that has all of `a` has all of `b`: each phrase of b is inside one of a's."""
    inside = _phrases(a)
    return all(any(_holds(x, y) for x in inside) for y in _phrases(b))


def _holds(phrase: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(phrase[i : i + len(part)] == part for i in range(len(phrase) - len(part) + 1))


def _narrowest(alternatives: tuple[str, ...]) -> tuple[str, ...]:
    """The alternatives without those another one implies: "recombinant interleukin-2" adds no trial to
    "interleukin-2", only the cost of its phrase over every text field (a third of a search at 500k)."""
    kept: list[str] = []
    for i, a in enumerate(alternatives):
        # a goes when another implies no more than it does (of two equal ones, the first stays)
        if not any(j != i and _implies(a, b) and (j < i or not _implies(b, a)) for j, b in enumerate(alternatives)):
            kept.append(a)
    return tuple(kept)


def _run_of(keys: list[str], wanted: str, used: set[int]) -> range | None:
    """The first run of tokens, none used yet, whose words are the phrase's."""
    for i in range(len(keys)):
        for j in range(i + 1, len(keys) + 1):
            if " ".join(keys[i:j]) == wanted and not used & set(range(i, j)):
                return range(i, j)
    return None


def content_words(text: str) -> str | None:
    """`text` without the words that say nothing of a trial ("in", "and", "trials"), or None when it has
    no other: a search for some of a text's words must not find every trial through its "and"."""
    kept = [t for t in text.split() if _says_something(_key(t))]
    return " ".join(kept) or None


def required_words(q: SearchQuery) -> list[tuple[str, ...]]:
    """For a search asking for every word: what each matching trial must have, as alternatives (all the
    words of one of them, in any text field). The text splits as the ranking query quotes it (at spaces:
    "IL-2," is the phrase "il 2"); a phrase the synonyms expand is one requirement, met by it or by a
    synonym ("IL-2" by "interleukin-2"); each other word is one, unless it says nothing of a trial."""
    if not (q.every_word and q.text):
        return []
    tokens = q.text.split()
    keys = [_key(t) for t in tokens]
    used: set[int] = set()
    out: list[tuple[int, tuple[str, ...]]] = []  # (where in the text, the requirement)
    # The synonyms are found in either spelling; respelt only when there are synonyms to line up.
    american_keys = [_key(american(t)) for t in tokens] if q.expansions else []
    for phrase, alternatives in q.expansions:
        wanted = _key(phrase)
        at = _run_of(keys, wanted, used)
        if at is None and (at := _run_of(american_keys, wanted, used)) is not None:
            alternatives = (" ".join(tokens[at.start : at.stop]), *alternatives)  # as typed: "leukaemia"
        if at is not None:
            used |= set(at)
            out.append((at.start, _narrowest(tuple(dict.fromkeys((phrase, *alternatives))))))
    for i, token in enumerate(tokens):
        if i not in used and _says_something(keys[i]):
            out.append((i, (token,)))
    return [words for _, words in sorted(out)]
