"""A conditions field written on one line ("Lupus, Lupus Nephritis, SLE") -> its conditions; MeSH headings whole."""

from __future__ import annotations

import re

# Words that modify a disease name rather than name one (MeSH's inverted qualifiers, and body parts or
# cells used as adjectives): "Leukemia, Myeloid, Acute", "Carcinoma, Non-Small-Cell Lung", "Anemia, Sickle Cell".
_MODIFIER_WORDS = frozenset(
    """
    acute chronic major minor primary secondary mild moderate severe early late advanced adult childhood
    infantile neonatal juvenile male female familial hereditary congenital unspecified nos other type stage
    grade lung breast liver kidney skin bone brain cell cells small large nerve sickle stable unstable low
    multiple premature immediate diffuse relapsing remitting ankylosing inborn human hairy plasma germ tissue
    system spine onset anterior posterior superior inferior benign
    """.split()  # noqa: SIM905 (one word a line would be 40 lines)
)
# Adjective endings (English): "Systemic", "Pulmonary", "Obstructive", "Myeloid", "Cutaneous", "Renal".
_ADJECTIVE = re.compile(r"(?:al|ic|ac|ian|ary|ory|ous|ive|oid|ar|ile|(?<!e)ed|(?<!m)ent|ant)$")
# Nouns that end like adjectives: a part ending in one names something ("Alcohol Withdrawal").
_NOUNS = frozenset(
    """
    withdrawal survival trial referral removal panic colic tic memory ovary sedative patient agent parent stent
    infant variant transplant implant pollutant physician guardian meridian
    """.split()  # noqa: SIM905 (one word a line would be 23 lines)
)
_GOES_ON = re.compile(r"(?:in|with|without|of|due|after|before|for|not|on|at|and|or)\b")
# "Type 2", "Stage IV", "Grade 3": a designator's number or roman numeral.
_DESIGNATOR = re.compile(r"^(?:\d{1,2}[a-z]?|[ivx]{1,4})$", re.I)


def _modifier(part: str) -> bool:
    """Whether a comma part only qualifies the name before it: adjectives, a designator or attributive
    nouns, not a head noun. An English noun phrase holds its head ("Lupus Nephritis", "SLE");
    MeSH's inverted headings move the head first, so what follows the comma is modifiers only."""
    words = part.split()
    if not words or len(words) > 5:
        return False
    if _GOES_ON.match(part):  # "Acute Lymphoblastic Leukemia, in Relapse": a phrase goes on
        return True
    if len(words) == 2 and _DESIGNATOR.match(words[-1]):  # "Type 2"
        return words[0].lower() in _MODIFIER_WORDS
    # Every word: "Chronic Obstructive", "Non-Small-Cell Lung"; "Disk Herniated Lumbar" names a disk.
    return all(_modifier_word(w) for w in words if w.lower() != "and") and words[0].lower() != "and"


def _modifier_word(word: str) -> bool:
    if "-" in word.strip("-"):  # "B-Cell", "Insulin-Dependent", "Non-Hodgkin"; not "COVID-19", "Alpha-Thalassemia"
        first, *_, last = word.split("-")
        return first.lower() in ("non", "post", "pre", "anti") or _modifier_word(last)
    low = word.lower()
    if not word.isalpha() or word.isupper() or low in _NOUNS:  # "SLE", "COVID"
        return False
    return low in _MODIFIER_WORDS or bool(_ADJECTIVE.search(low))


def _commas(value: str) -> list[str]:
    """The value's comma parts, outside parentheses and brackets ("Lymphoma (Hodgkin, Non-Hodgkin)")."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(value):
        depth += 1 if ch in "([" else -1 if ch in ")]" and depth else 0
        if ch == "," and depth == 0:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return [" ".join(p.split()) for p in parts]


def conditions(value: str) -> list[str]:
    """A one-line conditions value as its conditions. Semicolons and bars separate conditions whose names
    may hold commas; otherwise commas do, except before a part that only qualifies the name before it,
    which stays with it ("Carcinoma, Non-Small-Cell Lung", "Lymphoma, B-Cell")."""
    if re.search(r"[;|]", value):
        return [p.strip() for p in re.split(r"\s*[;|]\s*", value) if p.strip()]
    out: list[str] = []
    for part in _commas(value):
        if not part:
            continue
        if out and _modifier(part):
            out[-1] = f"{out[-1]}, {part}"
        else:
            out.append(part)
    return out
