"""Reading age and sex from the ways patients and clinicians write them."""

from __future__ import annotations

import pytest

from indexer.discover.patient import normalise_sex, read_patient
from tests.conftest import Trials, shared

CASES = [  # (text, age in years, sex): at least 30 phrasings, as the patient issue asks
    ("45F with lupus", 45, "F"),
    ("45 yo M, chest pain", 45, "M"),
    ("woman, 45, lupus", 45, "F"),
    ("Female, age: 45", 45, "F"),
    ("My mother is 80 and has breast cancer", 80, "F"),
    ("34-year-old woman with lupus", 34, "F"),
    ("A 45-year-old man with anaplastic astrocytoma", 45, "M"),
    ("a 32 yo woman with headache", 32, "F"),
    ("I am 34 and have lupus", 34, None),
    ("3 month old boy with fever", 0.25, "M"),
    ("I weigh 80 kg", None, None),
    ("62M with COPD", 62, "M"),
    ("M 62, COPD", 62, "M"),
    ("F45, migraine", 45, "F"),
    ("45f, migraine", 45, "F"),
    ("55 y/o female with diabetes", 55, "F"),
    ("Male, 70, prostate cancer", 70, "M"),
    ("male 70 prostate cancer", 70, "M"),
    ("Patient is a sixty-five-year-old gentleman", 65, "M"),
    ("An eighty year old lady with dementia", 80, "F"),
    ("aged 50, he has gout", 50, "M"),
    ("Age 29. Pregnant, gestational diabetes", 29, "F"),
    ("I'm 41, diagnosed with MS last year", 41, None),
    ("my father, 72, has Parkinson's disease", 72, "M"),
    ("My dad is 68 with heart failure", 68, "M"),
    ("She is 52 and has rheumatoid arthritis", 52, "F"),
    ("he's 60; type 2 diabetes", 60, "M"),
    ("Smoked for 20 years, now has emphysema; he is 66", 66, "M"),
    ("47 years of age, woman, asthma", 47, "F"),
    ("8-week-old infant girl with jaundice", 0.15, "F"),
    ("A 45-year-old man whose mother had breast cancer", 45, "M"),
    ("Her blood pressure is 140/90; she is 58", 58, "F"),
    ("70 year old female, type 2 diabetes, obese, on metformin", 70, "F"),
    ("Woman age 33 with endometriosis", 33, "F"),
    ("my wife is 39 and has lupus", 39, "F"),
    ("12yo boy with asthma", 12, "M"),
    ("Son, 9, with autism", 9, "M"),
    ("BMI 31, HbA1c 8.2%", None, None),
    ("34 female with SLE", 34, "F"),
    ("67 man with COPD, ex-smoker", 67, "M"),
    ("2 women in my family had lupus; I have it too", None, "F"),
    ("mother of 2 children, lupus", None, "F"),
    ("mother with 1 girl, lupus", None, "F"),
    ("lupus; 52 man", 52, "M"),
    # The age in brackets or in a clause after the person; "guy" is a man.
    ("my dad (78) has COPD", 78, "M"),
    ("mother (2 children), lupus", None, "F"),
    ("My daughter, who is 9, has epilepsy", 9, "F"),
    ("I'm a 45 year old guy with gout", 45, "M"),
    # Age and sex shorthand in lower case or with a comma, a clause of its own; not a temperature.
    ("40 f with lupus", 40, "F"),
    ("f 40, lupus", 40, "F"),
    ("M, 62, COPD", 62, "M"),
    ("lupus; 40 f", 40, "F"),
    ("fever of 102 f for three days", None, None),
    # Infants, in years.
    ("newborn with jaundice", 0, None),
    ("age 0, jaundice", 0, None),
    ("3 weeks old baby with jaundice", 0.06, None),
    ("18 months old with asthma", 1.5, None),
    ("my baby is 18 months and has eczema", 1.5, None),
    ("I am 6 weeks pregnant", None, "F"),
    # Two people: the age and the sex are those of one person, the writer unless the text is about another.
    ("I'm 45 and my wife is 43; I have type 2 diabetes", 45, None),
    ("I have lupus and my husband drives me to the clinic", None, None),
    ("my son is 7 and has asthma", 7, "M"),
    ("I am looking for a trial for my mother who has breast cancer", None, "F"),
    ("I'm 50 and my daughter has asthma, she is 12", 50, None),
    ("I have lupus; my husband is 50 and I am 47", 47, None),
    ("I have a son; he is 7 and has asthma", 7, "M"),
]


@pytest.mark.parametrize(("text", "age", "sex"), CASES)
def test_reading_age_and_sex(text: str, age: float | None, sex: str | None) -> None:
    patient = read_patient(text)
    assert (patient.age, patient.sex) == (age, sex)
    assert patient.age_source == ("text" if age is not None else "unknown")


@pytest.mark.parametrize(
    ("text", "phrase", "age", "sex"),
    [
        ("I'm in my 50s with diabetes", "in my 50s", 55, None),
        ("she is in her early sixties", "in her early sixties", 62, "F"),
        ("gout, in his late 40s", "in his late 40s", 48, "M"),
    ],
)
def test_a_decade_is_read_as_its_middle_and_said(text: str, phrase: str, age: float, sex: str | None) -> None:
    patient = read_patient(text)
    assert (patient.age, patient.sex) == (age, sex)
    said = f"age {age} read from “{phrase}”; give the exact age if a trial's age limit falls in it"
    assert patient.notes == (said,)


def test_an_age_over_120_is_dropped_and_said() -> None:
    patient = read_patient("I am 130 years old with lupus")
    assert (patient.age, patient.age_source) == (None, "unknown")
    assert patient.notes == ("“130 years old”: an age over 120, not read; give the age if that is wrong",)
    assert read_patient("I am 130 years old", age=70).notes == ()  # the age given is the age


@pytest.mark.parametrize(
    ("text", "phrase", "side"),
    [
        ("I am -3 and have a coma", "I am -3", "below 0"),
        ("I am -3 years old with a coma", "I am -3", "below 0"),  # was read as 3
        ("coma, -3 years old", "-3 years old", "below 0"),
        ("age: −4, coma", "age: −4", "below 0"),
        ("I am 999999999999999999999999 years old with a coma", "I am 999999999999999999999999", "over 120"),
        ("a 10000-year-old man in a coma", "10000-year-old", "over 120"),
        ("my mother is 1000 and in a coma", "my mother is 1000", "over 120"),
    ],
)
def test_an_age_no_person_has_is_dropped_and_said_as_over_120_is(
    trials: Trials, text: str, phrase: str, side: str
) -> None:
    """Signed or of 4 digits and more, it was read as nothing without a word, while "I am 200" was said."""
    said = f"“{phrase}”: an age {side}, not read; give the age if that is wrong"
    patient = read_patient(text)
    assert (patient.age, patient.age_source, patient.notes) == (None, "unknown", (said,))
    trials("--quiet", "ingest", str(shared("ctgov", "xml_versions", "NCT02798588")))
    result = trials("match", "--text", text, "--status", "any")
    assert f"note: {said}" in result.stderr and "age unknown" in result.stderr
    assert read_patient("I am 45 years old; he is -3 and 2019 was long ago").age == 45  # a read age stays


def test_a_relatives_age_in_a_text_about_the_writer_is_not_theirs_and_said() -> None:
    patient = read_patient("I have lupus; my husband is 50")
    assert (patient.age, patient.sex) == (None, None)
    assert patient.notes == ("“my husband is 50”: the age of someone else than you, not read; give your age",)


def test_given_age_and_sex_win_over_the_text() -> None:
    patient = read_patient("45F with lupus", age=50, sex="male")
    assert (patient.age, patient.sex, patient.age_source, patient.sex_source) == (50, "M", "given", "given")


@pytest.mark.parametrize(("given", "sex"), [("F", "F"), ("f", "F"), ("FEMALE", "F"), ("Male", "M"), ("m", "M")])
def test_sex_spellings(given: str, sex: str) -> None:
    assert normalise_sex(given) == sex


def test_unknown_sex_spelling_is_refused() -> None:
    with pytest.raises(ValueError, match="use F, M, female or male"):
        normalise_sex("x")
