"""The number a patient gives for a measure: only under the measure's whole name, right after it, no age."""

from __future__ import annotations

import pytest

from indexer.discover.thresholds import given


@pytest.mark.parametrize(
    ("measure", "text", "value"),
    [
        ("SLEDAI", "my SLEDAI is 10", 10),
        ("hSLEDAI", "my SLEDAI is 10", 10),  # the hybrid SLEDAI: a leading h
        ("hSLEDAI", "34F with lupus, my hsledai: 8", 8),
        ("SLEDAI-2K", "SLEDAI-2K score of 8", 8),
        ("SLEDAI", "SLEDAI-2K score of 8", 8),  # a version suffix
        ("SLEDAI", "SLEDAI 2K score of 8", 8),  # the longest name: not the 2 of 2K
        ("SLEDAI-2K", "my hSLEDAI was 6", 6),
        ("SLEDAI", "SLEDAI = 12, 34 years old", 12),
        ("HbA1c", "HbA1c 7.5%", 7.5),
        ("HbA1c", "hba1c: 8.1", 8.1),
        ("HbA1C", "A 52 year old man, his Hb A1c level is 7.2.", 7.2),  # the age is no HbA1c
        ("HbA1c", "HbA1c at 53 mmol/mol", 53),
        ("HbA1c", "my A1c is 7.9", 7.9),  # the haemoglobin's hb left out
        ("A1C", "HbA1c: 6.8%", 6.8),
    ],
)
def test_a_value_right_after_the_name_is_given(measure: str, text: str, value: float) -> None:
    assert given(measure, text) == value


@pytest.mark.parametrize(
    ("measure", "text"),
    [
        ("hSLEDAI", "I have SLE, 34 years old"),  # SLE is no SLEDAI: a name is never part of another
        ("SLEDAI-2K", "I am 34, female, with SLE"),
        ("SLEDAI", "34F, SLE"),
        ("SLE", "SLEDAI 10"),
        ("HbA1c", "HbA1c fine, 52 year old man"),  # across a comma
        ("HbA1c", "HbA1c normal; 52"),  # a semicolon
        ("HbA1c", "HbA1c unknown. 52 now"),  # a sentence
        ("SLEDAI", "SLEDAI and 34"),  # "and"
        ("SLEDAI", "high SLEDAI for 10 weeks"),  # a word that is no "is", "of", "score" ...
        ("HbA1c", "HbA1c 52-year-old"),  # a number of years is an age
        ("HbA1c", "HbA1c 52 yrs"),
        ("HbA1c", "hba1c 52yo"),
        ("SLEDAI", "SLEDAI of 8 months old"),
        ("SLEDAI", "SLEDAIs 10"),  # another word
        ("Hb", "my HbA1c is 7"),  # haemoglobin is not its A1c
        ("A1c", "my HbA1c-SDS is 7"),  # nor is a name part of another
    ],
)
def test_no_value_from_other_words(measure: str, text: str) -> None:
    assert given(measure, text) is None
