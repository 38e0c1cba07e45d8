"""British medical spellings as American ones ("leukaemia" -> "leukemia", "tumour" -> "tumor"), for search.

A query's British words are asked for in both spellings (`with_american`, and each backend's either-or
for words that must all match), so a UK patient's "leukaemia" finds the registry's "leukemia" trials
and still the British-spelled ones; the patient matching compares words in the American spelling on
both sides (criteria, conditions, feedback). The index keeps the records' words as written.

The rules are the regular correspondences of medical English (Oxford English Dictionary and
Merriam-Webster list both forms; the NLM's MeSH gives the American one as the heading and the British
one as an entry term): the Greek and Latin digraphs ae and oe, which American spelling reduces to e,
and the Latin -our nouns, -or in American. Each rule names the stems it applies to, so that words
where the letters are no digraph stay: "aerosol", "Michael", "Israel", "does", "shoe", "Noel",
"poem", "phytoestrogen" (phyto-estrogen), "hour", "four", "your", "contour", "Mansour".
"""

from __future__ import annotations

import functools
import re

from indexer.normalize import lazy_pattern

# Each pattern's groups: (what stays before, the letter dropped, what stays after). Case-insensitive.
_RULES = (
    # haem- before a or o (haematology, haemoglobin, haemorrhage), and -aemia, -aemic (anaemia,
    # leukaemia, ischaemic, hypoglycaemia): not the names "Haemek", "Taemin", "Graeme", "Laemmer".
    r"(h)(a)(em)(?=[ao])",
    r"([a-z])(a)(emi)(?=a|c)",
    # paed- (paediatric, orthopaedic), -paenia (cytopaenia), gynaec-, faec- (faeces, faecal), caec-
    # (caecum), caerul- (caeruloplasmin), caesar-ean, melaena, naevus, (placenta) praevia,
    # aetiology, and -aesth- after a prefix (anaesthesia, paraesthesia; a word that starts
    # "aesthetic" is spelt so in both).
    r"(p)(a)(ed|eni)",
    r"(gyn)(a)(ec)",
    r"([fc])(a)(ec)",
    r"(c)(a)(erul|esar)",
    r"(mel)(a)(en)",
    r"(n)(a)(ev)",
    r"(pr)(a)(ev)",
    r"\b()(a)(eti)",
    r"([a-z])(a)(esth)",
    # oe: -rrhoea (diarrhoea, amenorrhoea), -pnoea (dyspnoea, apnoea), foetus, coeliac, homoeo-,
    # amoeba (amoebic: amebic).
    r"(rrh)(o)(e)",
    r"(pn)(o)(e)",
    r"\b(f)(o)(et)",
    r"\b(c)(o)(eliac)",
    r"(hom)(o)(eo)",
    r"(am)(o)(eb)",
    # oesophagus, oedema, oestrogen: at the start of a word, after the o of a combining form written
    # whole ("gastro-oesophageal", "angiooedema"), or after a prefix ending in a consonant. Any other
    # letter before them is a combining form's own o: "gastroesophageal", "angioedema",
    # "phytoestrogen" are American already.
    r"(\b|o|lymph|trans|myx|lip|yl)(o)(esoph|edem|estr(?=[aiou]))",
    # The Latin -our nouns and their derivatives (tumours, antitumour, behavioural, unfavourable,
    # discoloured, humoural), -or in American.
    r"(arbo|ardo|armo|behavio|cando|clamo|colo|demeano|endeavo|favo|fervo|flavo|harbo|hono|humo|labo|"
    r"neighbo|odo|parlo|ranco|rigo|rumo|savio|savo|splendo|succo|tremo|tumo|valo|vapo|vigo)(u)(r)",
)
# Compiled at the first word with a cue (3 ms to compile: most searches have no British spelling).
_pattern = lazy_pattern("|".join(f"(?:{r})" for r in _RULES), re.IGNORECASE)
_GROUPS = [(3 * i + 1, 3 * i + 2, 3 * i + 3) for i in range(len(_RULES))]
# Every rule needs one of these letter sequences.
_CUES = ("ae", "oe", "our")


def _respell(m: re.Match[str]) -> str:
    # The one rule that matched: its (before, dropped, after) groups.
    before, dropped, after = next((m.group(a), m.group(b), m.group(c)) for a, b, c in _GROUPS if m.group(b) is not None)
    if not before and dropped.isupper():  # "Oedema" is "Edema": a capital that began the word is kept
        after = after[:1].upper() + after[1:]
    return before + after


def american_whole(text: str) -> str:
    """The definition of `american`: every rule applied over the whole text (a few ms for a page of
    criteria, as the regular expression is tried at every character)."""
    return _pattern().sub(_respell, text)


@functools.lru_cache(maxsize=65536)
def _word(word: str) -> str:
    return _pattern().sub(_respell, word)


def _in_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what \w matches


def with_american(text: str) -> str:
    """`text`, then the American spelling of each of its words that has another ("leukaemia leukemia"):
    for a search whose words are alternatives (any may match), so each spelling counts once."""
    spelled = american(text)
    if spelled == text:
        return text
    own = set(text.split())
    return " ".join([text, *dict.fromkeys(w for w in spelled.split() if w not in own)])


def american(text: str) -> str:
    """`text` with British medical spellings made American; everything else as it was.

    Equal to `american_whole(text)`, at a small part of its cost: only the words that hold a cue
    ("ae", "oe", "our"), found with str.find, go through the rules, each distinct word once.
    """
    lower = text.lower()
    if len(lower) != len(text):  # a character whose lower case is longer ("İ"): offsets would not match
        return american_whole(text)
    words: set[tuple[int, int]] = set()
    for cue in _CUES:
        at = lower.find(cue)
        while at != -1:
            start, end = at, at + len(cue)
            while start and _in_word(text[start - 1]):
                start -= 1
            while end < len(text) and _in_word(text[end]):
                end += 1
            words.add((start, end))
            at = lower.find(cue, end)
    out, done = [], 0
    for start, end in sorted(words):
        new = _word(text[start:end])
        if new != text[start:end]:
            out += [text[done:start], new]
            done = end
    return "".join(out) + text[done:] if out else text
