"""Pure term logic shared by the store and query expansion: spelling keys, synonym groups, record links."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

from indexer import patterns
from indexer.normalize import lazy_pattern

# Intervention names too generic to link drugs through (every trial has a placebo).
GENERIC = {
    "placebo",
    "placebos",
    "saline",
    "standard of care",
    "standard care",
    "usual care",
    "control",
    "treatment",
    "therapy",
    "intervention",
    "healthy",
    "healthy volunteers",
    "biopsy",
    "sham",
    "vehicle",
    "no intervention",
    "observation",
    "chemotherapy",
    "surgery",
    "radiation",
    "radiotherapy",
    "best supportive care",
    "questionnaire",
    "survey",
    "drug",
    "other",
}
# A term linked to more partners than this is a hub (a lab code, a generic class): not a bridge.
MAX_PARTNERS = 8
# Record-derived links never grow a group past this: long chains join unrelated drugs.
MAX_DERIVED_GROUP = 16
# Other names that are not names: doses, combinations, sentences. This pattern and the three below compile
# when records are linked, on writes (lazy_pattern): 2 ms of every search's start when compiled at import.
_not_a_name = lazy_pattern(
    r"\d\s*(mg|ml|mcg|µg|g|iu|%)\b"
    r"|\b(plus|and|with|or|versus|vs|then|followed|no|group|arm|section|inhibitors?)\b"
    r"|[+/:;=]|\.$",
    re.IGNORECASE,
)


_NOT_KEY = patterns.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=1 << 16)  # called for every term of every candidate record: `similar` asks ~40,000 times
def key(term: str) -> str:
    """Spelling-insensitive key: "IL-2", "IL 2" and "il2" are one term."""
    return _NOT_KEY.sub("", term.lower())


def name_like(term: str) -> bool:
    return len(term) <= 40 and len(term.split()) <= 5 and not _not_a_name().search(term) and term.lower() not in GENERIC


def _stems(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]{4,}", text.lower())}


def same_concept(condition: str, mesh: str) -> bool:
    """A record's lone condition and lone MeSH term name one concept only if they share a word stem
    ("Prostate Cancer", "Prostatic Neoplasms") and neither is a narrower wording of the other
    ("Pain", "Chronic Pain"), nor is the MeSH term a class of diseases ("Prostatic Diseases" holds
    prostate cancer and benign hyperplasia alike). MeSH terms are assigned by an algorithm, from the
    whole record."""
    a, b = _stems(condition), _stems(mesh)
    return bool(a & b) and not (a <= b or b <= a) and not _disease_class().search(mesh)


# MeSH headings that name a class of diseases (plural), broader than any one condition of it.
_disease_class = lazy_pattern(r"\b(diseases|disorders|abnormalities|conditions|infections|syndromes)\b", re.IGNORECASE)


# What names a regimen or a class of drugs, not one substance: its "other names" are its members.
_regimen = lazy_pattern(
    r"\b(therapy|therapies|regimen|maintenance|combination|chemotherapy|treatment|induction|consolidation"
    r"|cohort|standard|blockers|agonists|antagonists|agents|drugs|medications|vaccines|supplements"
    r"|antibiotics|steroids|corticosteroids|statins|analgesics)\b",
    re.IGNORECASE,
)
# Endings of international nonproprietary names (WHO's INN stems): one substance has one INN, so two
# names with two of these endings, and different beginnings, in one list are a combination.
_inn = lazy_pattern(
    r"(mab|nib|lisib|ciclib|parib|zomib|platin|taxel|rubicin|trexed|citabine|mustine|olimus|sartan|pril"
    r"|olol|dipine|vastatin|prazole|floxacin|cycline|mycin|cillin|conazole|vir|tide|gliptin|gliflozin"
    r"|setron|tinib|degib|rafenib|metinib|lukast|semide|thiazide|osin|steride)$"
)


def intervention_link(names: Iterable[str | None]) -> list[str] | None:
    """A drug's name and other names as one link, when at least two of them are names and they read as
    one substance: not the members of a regimen or a class ("Sequential Maintenance Therapy":
    lenalidomide, prednisone, aspirin), nor of a dose written as the name, nor two INNs."""
    given = list(names)
    first = given[0] if given else None
    if not first or not name_like(first) or _regimen().search(first):
        return None
    found = [n for n in given if n and name_like(n)]
    inns = {word[:5] for n in found if (word := key(n.split()[0])) and _inn().search(word)}
    return found if len(found) > 1 and len(inns) < 2 else None


def record_links(
    interventions: Iterable[tuple[str | None, Iterable[str]]], conditions: Sequence[str], mesh: Sequence[str]
) -> tuple[list[list[str]], list[list[str]]]:
    """The links one record makes: (each drug with its other names, its lone condition with its lone
    MeSH term when the two name one concept). A name two of the record's interventions give is left
    out of both: a component they share ("Chemotherapy" and "Alflutinib plus chemotherapy" both list
    pemetrexed's brand), not an other name of either."""
    given = [[n for n in (name, *others) if n] for name, others in interventions]
    seen: dict[str, int] = defaultdict(int)
    for names in given:
        for k in {key(n) for n in names}:
            seen[k] += 1
    drugs = []
    for names in given:  # an intervention whose own name is shared links nothing
        if names and seen[key(names[0])] == 1 and (link := intervention_link([n for n in names if seen[key(n)] == 1])):
            drugs.append(link)
    lone = (
        [[conditions[0], mesh[0]]]
        if len(conditions) == 1 and len(mesh) == 1 and same_concept(conditions[0], mesh[0])
        else []
    )
    return drugs, lone


class Hubs:
    """The hub terms (linked to more than MAX_PARTNERS others) of links seen one by one: a term's partners
    are kept only until it is found a hub, at most MAX_PARTNERS + 1 keys a term however many links name it."""

    def __init__(self) -> None:
        self.found: set[str] = set()
        self._partners: dict[str, set[str]] = defaultdict(set)

    def add(self, names: Sequence[str]) -> None:
        keys = [key(n) for n in names]
        for k in keys:
            if k in self.found:
                continue
            partners = self._partners[k]
            partners.update(m for m in keys if m != k)
            if len(partners) > MAX_PARTNERS:
                self.found.add(k)
                del self._partners[k]


class Synonyms:
    """Groups of terms that mean the same; `expand` gives a term's alternatives."""

    def __init__(self, groups: Iterable[Iterable[str]] = ()):
        self._group_of: dict[str, int] = {}
        self._groups: list[list[str]] = []
        self._keys: dict[str, frozenset[str]] = {}  # key -> `keys`, dropped when its group changes
        for g in groups:
            self.add_group(g)

    def add_group(self, terms: Iterable[str], max_size: int | None = None) -> None:
        terms = [t.strip() for t in terms if t and t.strip() and key(t)]
        if len(terms) < 2:
            return
        ids = {self._group_of[key(t)] for t in terms if key(t) in self._group_of}
        if max_size is not None and sum(len(self._groups[i]) for i in ids) + len(terms) > max_size:
            return
        if ids:  # merge into the first existing group
            target = min(ids)
            for other in sorted(ids - {target}, reverse=True):
                self._groups[target].extend(self._groups[other])
                for t in self._groups[other]:
                    self._group_of[key(t)] = target
                self._groups[other] = []
        else:
            target = len(self._groups)
            self._groups.append([])
        known = {key(t) for t in self._groups[target]}
        for t in terms:
            if key(t) not in known:
                self._groups[target].append(t)
                known.add(key(t))
            self._group_of[key(t)] = target
        for t in self._groups[target]:  # the merged groups' terms and the new ones
            self._keys.pop(key(t), None)

    def expand(self, term: str) -> list[str]:
        """The term's alternatives (itself excluded), in the order they were learned."""
        gid = self._group_of.get(key(term))
        if gid is None:
            return []
        k = key(term)
        return [t for t in self._groups[gid] if key(t) != k]

    def keys(self, term: str) -> frozenset[str]:
        """The keys of the term and of its alternatives: `similar` asks for the same terms, candidate
        after candidate and call after call."""
        k = key(term)
        found = self._keys.get(k)
        if found is None:
            alternatives = self.expand(term)  # first: looking it up may change groups
            found = self._keys[k] = frozenset((k, *map(key, alternatives)))
        return found

    def groups(self) -> list[list[str]]:
        return [g for g in self._groups if g]

    def find_in_text(
        self, text: str, max_words: int = 6, english: frozenset[str] | None = None
    ) -> list[tuple[str, list[str]]]:
        """Terms of any group written in `text` (longest first), with their alternatives.

        Abbreviations count only when written in capitals, so the word "all" is not leukaemia; with
        `english` (words written in lower case), also one of 3 letters or more typed in lower case
        that is none of those words ("sle", "copd"; not "all", "aids", nor "ms").
        """
        words = re.findall(r"[A-Za-z0-9][A-Za-z0-9'-]*", text)
        keys = [key(w) for w in words]  # a phrase's key is its words' keys joined
        self._prepare("".join(keys[i : i + size]) for size in range(1, max_words + 1) for i in range(len(words)))
        found: list[tuple[str, list[str]]] = []
        used: set[int] = set()
        for size in range(max_words, 0, -1):
            for i in range(len(words) - size + 1):
                if "".join(keys[i : i + size]) not in self._group_of or used & set(range(i, i + size)):
                    continue
                phrase = " ".join(words[i : i + size])
                alternatives = self.expand(phrase)
                if not alternatives:
                    continue
                canonical = self._canonical(phrase)
                if is_abbreviation(canonical) and (
                    (phrase != phrase.upper() and not _lower_case_abbreviation(phrase, english))
                    or (" " in phrase) != (" " in canonical)
                ):
                    continue  # "all" is not ALL, "U S" is not US; "IL2" is IL-2
                found.append((phrase, alternatives))
                used |= set(range(i, i + size))
        return found

    def prepare(self, terms: Iterable[str]) -> None:
        """Make these terms' groups known in one go (one store look-up) before expanding them one by one."""
        self._prepare({key(t) for t in terms})

    def _prepare(self, keys: Iterable[str]) -> None:
        """Hook for groups looked up on demand (the store's): make these keys' groups known."""

    def _canonical(self, term: str) -> str:
        gid = self._group_of[key(term)]
        return next(t for t in self._groups[gid] if key(t) == key(term))


def _lower_case_abbreviation(phrase: str, english: frozenset[str] | None) -> bool:
    """Whether a patient's "sle" may be SLE: lower case, 3 letters or more ("ms", "pd" and "ad" are too
    ambiguous), and no word that texts write in lower case."""
    return english is not None and phrase.islower() and phrase.isalpha() and len(phrase) >= 3 and phrase not in english


def is_abbreviation(term: str) -> bool:
    return len(term) <= 6 and term.upper() == term and any(ch.isalpha() for ch in term)
