"""The words of a patient description worth searching with: negated clauses and filler words dropped."""

from __future__ import annotations

import re

from indexer import patterns

# A negation and what follows it up to the end of the clause: "denies chest pain, ..." -> gone.
NEGATED = patterns.compile(r"\b(no|denies|denied|negative for|without|not)\b[^.;,]*", re.I)
# Words every case description uses: they match every trial and say nothing about the patient.
_FILLER_WORDS = (
    "a an and are as at be been but by for from has had have he her his him i in is it its of on or she "
    "that the their them they this to was were which who with without patient patients history presents "
    "presented presenting year years old yo man woman male female boy girl day days week weeks month "
    "months time reports reported states denies showed shows found noted given started also after before "
    "since then well normal exam examination physical admitted hospital mother father family past medical "
    "recent recently currently current prior last two three one four five new left right "
    # How patients write about themselves and their visits ("I am 34; my doctor mentioned ..."): the
    # TREC notes are in the third person, so these leave its figures as they were.
    "am my me mine we our us i'm im doctor doctors mentioned told said "
    # ... and what they ask ("we live in London; my son is 8; can he try a trial near here?"): words
    # that matched any summary mentioning them ("live", "try") and ranked unrelated trials first.
    "live living lived try trying tried want wants wanted looking please son daughter husband "
    "wife kid kids trial trials participate join enroll enrol interested "
)
FILLER = frozenset(_FILLER_WORDS.split())


def query_text(text: str) -> str:
    """The description without negated clauses and filler words."""
    words = re.findall(r"[A-Za-z0-9][A-Za-z0-9'-]*", NEGATED.sub(" ", text))
    return " ".join(w for w in words if w.lower() not in FILLER)
