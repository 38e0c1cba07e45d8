"""Where an eligibility item names one of the patient's conditions: on its own, not inside a longer name."""

from __future__ import annotations

import re

from indexer import patterns
from indexer.discover.facts import norm
from indexer.spelling import american

# Words that may stand right before a condition's name without making it another condition: "Patients
# with SLE", "Confirmed systemic lupus erythematosus", "Active lupus". Any other ("Neuropsychiatric SLE",
# "drug-induced lupus", "Type 1 diabetes", "non-SLE") names something else, which the patient has not
# said they have.
_BEFORE = frozenset(
    """
    with of have has had having and or a an the to in on by from any known documented confirmed
    established definite definitive probable possible suspected diagnosed diagnosis clinical clinically
    proven biopsy-proven
    history prior previous current currently active inactive stable mild moderate severe moderately
    severely chronic newly new patients patient subjects subject participants participant adults adult men
    women children persons people individuals volunteers suffering affected living who that as per is are
    was were be been must should including such both either e.g i.e
    """.split()  # noqa: SIM905 (one word a line would be 120 lines)
)
# ... and right after it: "SLE patients", "lupus according to the ACR criteria", "HIV infection"; not
# "lupus nephritis", "lupus anticoagulant", "diabetes insipidus".
_AFTER = frozenset(
    """
    with and or of in who that which whose patients patient subjects participants according as by per
    diagnosed defined for is are was were must should at on since criteria classification diagnosis based
    meeting fulfilling satisfying having using confirmed documented established without but not the a an
    to within treated receiving requiring previously currently infection infections infected positive
    disease activity required allowed permitted e.g i.e
    """.split()  # noqa: SIM905 (one word a line would be 100 lines)
)
# "of" and "for" only after words for the condition as a whole ("diagnosis of SLE", "history of lupus",
# "criteria for SLE", "positive for HIV"), not after a part of it or an event in it ("neuropsychiatric
# manifestations of SLE", "Hospitalized for asthma within 3 months", "treatment for HIV").
_OF_AFTER = frozenset(
    """
    diagnosis diagnosed history evidence presence criteria classification case cases patients subjects
    positive seropositive
    """.split()  # noqa: SIM905
)
# A measure of the condition's activity names it whatever stands before: "Hybrid systemic lupus
# erythematosus disease activity index (hSLEDAI) >= 6".
_ACTIVITY = frozenset({"activity", "disease"})
_NO = frozenset({"no", "not", "non", "nor", "without", "free", "negative", "seronegative"})
_WORD_BEFORE = patterns.compile(r"([A-Za-z0-9][A-Za-z0-9.'-]*)[ -]+$")  # "Type 1 diabetes": a type, another condition
# The word after, past a type number ("HIV-1 infected"), and what separates them.
_WORD_AFTER = patterns.compile(r"(?:[- ]?[0-9]+(?:/[0-9]+)?)?([ -]+)([A-Za-z][A-Za-z.'-]*)")
# Earlier in its sentence, a negation: the item says the condition is absent ("Seronegative for HIV; HIV 2 Ab",
# "No collagen vascular disorders, specifically systemic lupus erythematosus", "other than lupus").
_NEGATED = patterns.compile(
    r"\b(?:no|not|non|without|negative|seronegative|free\s+of|absence\s+of|other\s+than|except(?:\s+for)?|excluding)\b"
    r"[^.:]*$",
    re.I,
)


def named(
    item: str, names: tuple[str, ...], abbreviations: tuple[str, ...] = (), *, negated: bool = False
) -> str | None:
    """The first of `names` (normalised by `norm`, longest first) the item names on its own, else the first
    of `abbreviations` it writes in capitals ("SLE"; not "sle", nor among words in capitals). With
    `negated`, only where the item says it absent ("No prior chemotherapy", "Seronegative for HIV")."""
    text, spelled = norm(item), american(item)
    for name in names:
        if f" {name} " in text and _alone(spelled, name, re.I, negated=negated, names=names):
            return name
    for abbreviation in abbreviations:
        if _alone(spelled, abbreviation, 0, capitals=True, negated=negated):
            return abbreviation
    return None


def _alone(
    item: str, name: str, flags: int, *, capitals: bool = False, negated: bool = False, names: tuple[str, ...] = ()
) -> bool:
    """Whether the item writes `name` at least once as a name of its own, not part of a longer one."""
    words = name.split()
    pattern = r"(?<![A-Za-z0-9])" + r"[\W_]+".join(map(re.escape, words)) + r"(?![A-Za-z0-9])"
    for m in re.finditer(pattern, item, flags):
        before = _WORD_BEFORE.search(item, 0, m.start())
        after = _WORD_AFTER.match(item, m.end())
        if capitals and _shouted(item, m):
            continue
        next_word = after.group(2).rstrip(".") if after else ""
        # A classification in capitals after it is no other condition: "Heart failure NYHA class II-III"
        # (but "HIV-RNA" is a measure).
        classification = after is not None and after.group(1) == " " and next_word.isupper() and len(next_word) > 1
        # A word that a longer name of the patient's puts after it: "diabetes mellitus" (of type 2 diabetes
        # mellitus); not a name itself, which was tried first ("prostate cancer selected for ...": not "prostate").
        pair = f"{name} {next_word.lower()}"
        longer = pair not in names and any(f" {pair} " in f" {n} " for n in names)
        if after is not None and next_word.lower() not in _AFTER and not classification and not longer:
            continue
        if bool(_NEGATED.search(item, 0, m.start())) != negated:
            continue
        if next_word.lower() in _ACTIVITY or before is None or _before_ok(item, before, negated):
            return True
    return False


def _before_ok(item: str, before: re.Match[str], negated: bool = False) -> bool:
    word = before.group(1).lower().rstrip(".")
    if negated and word in _NO:
        return True
    if word not in ("of", "for"):
        return word in _BEFORE
    head = re.findall(r"[A-Za-z]+", item[: before.start()])[-1:]
    return bool(head) and head[0].lower() in _OF_AFTER


def _shouted(item: str, m: re.Match[str]) -> bool:
    """Capitals among words in capitals ("ALL PATIENTS MUST ..."), which are no abbreviation."""
    before = re.findall(r"[A-Za-z]+", item[: m.start()])[-1:]
    after = re.findall(r"[A-Za-z]+", item[m.end() :])[:1]
    around = before + after
    return bool(around) and all(w.isupper() and len(w) > 1 for w in around)
