"""Free search text as required words: each word, or a synonym of the phrase it is in, must match."""

from __future__ import annotations

import re

from indexer.index.document import SearchQuery

# Words that say nothing of a trial: "asthma in children" asks for asthma and children, not for "in",
# which nearly every trial has. Words every trial's text has (study, patients) likewise.
_FUNCTION_WORDS = frozenset(
    """
    a an and are as at be by can do for from has have i in into is it its me my not of on or our that the
    their them there these they this to was we were what which who with will would you your
    """.split()  # noqa: SIM905 (a list literal of 47 words is 47 lines)
)
_EVERY_TRIAL = frozenset({"study", "studies", "trial", "trials", "patient", "patients", "participant", "participants"})
_WORD_RE = re.compile(r"[^\W_][\w'-]*")


def _key(text: str) -> str:
    return " ".join(_WORD_RE.findall(text)).lower()


def _run_of(keys: list[str], wanted: str, used: set[int]) -> range | None:
    """The first run of tokens, none used yet, whose words are the phrase's."""
    for i in range(len(keys)):
        for j in range(i + 1, len(keys) + 1):
            if " ".join(keys[i:j]) == wanted and not used & set(range(i, j)):
                return range(i, j)
    return None


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
    for phrase, alternatives in q.expansions:
        if (at := _run_of(keys, _key(phrase), used)) is not None:
            used |= set(at)
            out.append((at.start, (phrase, *alternatives)))
    for i, token in enumerate(tokens):
        if i not in used and keys[i] and keys[i] not in _FUNCTION_WORDS and keys[i] not in _EVERY_TRIAL:
            out.append((i, (token,)))
    return [words for _, words in sorted(out)]
