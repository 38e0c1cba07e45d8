"""The words a patient's text names a person by, written once for the readers of it (patient.py, sentence.py)."""

from __future__ import annotations

# Words that say a person's sex ("a 45 year old woman", "woman, 45").
SEXED = ("woman", "man", "female", "male", "girl", "boy", "lady")
# The writer's family, whose age and sex a text may give ("my mother is 80", "for my son, aged 7").
FAMILY = (
    "mother", "father", "mom", "mum", "dad", "wife", "husband", "son", "daughter", "sister", "brother",
    "grandmother", "grandfather", "grandma", "grandpa",
)  # fmt: skip
# Others close to the writer, whom patient.py reads as someone else too.
OTHERS = ("aunt", "uncle", "friend")
