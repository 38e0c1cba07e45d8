"""The participant's age in eligibility items: upper bounds, both bounds, exclusions, and what is no age."""

from __future__ import annotations

import pytest

from indexer.discover.criteria_match import FAILS, MEETS, UNKNOWN, check_item
from indexer.discover.facts import Facts
from indexer.discover.patient import read_patient

_NONE = Facts(frozenset(), frozenset(), frozenset(), None, (), ())


def _verdict(kind: str, item: str, text: str) -> str:
    return check_item(kind, item, read_patient(text), _NONE).verdict


# Items as registered (ClinicalTrials.gov records in ../shared/data/ctgov), with the verdict at ages 10,
# 40 and 80 worked out by hand from the item's words.
@pytest.mark.parametrize(
    ("kind", "item", "at_10", "at_40", "at_80"),
    [
        # An upper bound, with or without "of age": NCT00005985, NCT00006251, NCT00342173, NCT00854815.
        ("inclusion", "Under 65 years:", MEETS, MEETS, FAILS),
        ("inclusion", "Age < 75 years", MEETS, MEETS, FAILS),
        ("inclusion", "Less than 35 years of age.", MEETS, FAILS, FAILS),  # 40 is not less than 35
        ("inclusion", "Under 18 yrs old", MEETS, FAILS, FAILS),
        ("inclusion", "<=80 years of age;", MEETS, MEETS, MEETS),  # up to 80 admits 80 (NCT00493532)
        # Both bounds sharing the unit: NCT00307307, NCT00126763, NCT06127745, NCT00651807, NCT03101111.
        ("inclusion", "Age > 18 and < 90 years", FAILS, MEETS, MEETS),
        ("inclusion", "Patient is at least 18 and no older than 75 years of age", FAILS, MEETS, FAILS),
        ("inclusion", "Participant is ≥ 22 and ≤75 years of age.", FAILS, MEETS, FAILS),
        ("inclusion", "Age at least 50 but not older than 80 years at screening", FAILS, FAILS, MEETS),
        ("inclusion", "Aged ≥21 to ≤50 years on the day of enrollment.", FAILS, MEETS, FAILS),
        (
            "inclusion",
            "Subject is >/=12 years of age and </=17 years of age at the Screening Visit.",
            FAILS,
            FAILS,
            FAILS,
        ),
        ("inclusion", "Age≥50 and <80 years old", FAILS, FAILS, FAILS),  # 80 is not below 80 (NCT00827814)
        ("inclusion", "Males or females ≥18 years of age, ≤ 80 years of age", FAILS, MEETS, MEETS),  # both hold
        ("inclusion", "Less than 21 years at the time of inclusion", MEETS, FAILS, FAILS),  # NCT05658640
        # Under the word "age", years go without saying: NCT01601353, NCT03390920, NCT00143078.
        ("inclusion", "Men aged 40 - 70", FAILS, MEETS, FAILS),
        ("inclusion", "Age 18 and over.", FAILS, MEETS, MEETS),
        ("inclusion", "Ages of 18-40", FAILS, MEETS, FAILS),
        # Either of two ages: NCT00005778.
        ("inclusion", "Age less than 18 years and over 70 years.", UNKNOWN, FAILS, UNKNOWN),
        # An exclusion of an age excludes those of it: NCT05846477, NCT05023733, NCT05679999, NCT03459976.
        ("exclusion", "Patients <18 years", FAILS, MEETS, MEETS),
        ("exclusion", "Patients over 80 years of age", MEETS, MEETS, FAILS),
        ("exclusion", "Patients under 40 years of age and over 70 years old", FAILS, MEETS, FAILS),
        ("exclusion", "Age more than 70 yr and less than 40 yr.", FAILS, MEETS, FAILS),
        # ">80" from 80, as "over 18" admits 18 (a lower bound takes its own year).
        ("exclusion", "Age<18 or >80 years", FAILS, MEETS, FAILS),
    ],
)
def test_an_age_bound_in_years(kind: str, item: str, at_10: str, at_40: str, at_80: str) -> None:
    got = [_verdict(kind, item, f"A {age}-year-old person") for age in (10, 40, 80)]
    assert got == [at_10, at_40, at_80]


@pytest.mark.parametrize(
    "item",
    [
        # A duration, not an age.
        "Lupus with disease duration under 5 years",
        "Rheumatoid arthritis diagnosed more than 2 years ago",
        "Life expectancy less than 1 year",  # NCT00006251's kind of item
        "Duration of diabetes < 5 years",
        "Relapse within 6 months of the end of treatment",
        "SLE for over 2 years",
        # The age at an event before now, which today's age does not bound from above: NCT05861427,
        # NCT01949129, NCT05064397, NCT04688775, NCT05014165.
        "Less than 50 years of age at the time of migraine onset.",
        "age at diagnosis ≤ 18 years.",
        "The participant has a medical history of onset of cluster headache at ≤50 years of age.",
        "The participant has a medical history of first symptoms of cluster headache from ≤60 years of age.",
        "≤ 25 years old at the time of original diagnosis with ALL or AML",
        # Someone else's age: NCT00003125, NCT02465060, NCT00163215.
        "Must be able to avoid close contact with children 3 years or younger, pregnant women",
        "family history of long QT syndrome or unexplained sudden death under 40 years of age",
        "Bone age < 13 years for a boy and < 11 years for a girl",
        # Who else counts, or a rule for some: NCT02856893, NCT00006056, NCT03630471, NCT00005602, NCT04714372.
        "Women under 50 years old would be consider postmenopausal if they have been amenorrheic for 12 months",
        "Patients 36 to 55 years of age must have a hematopoietic stem cell donor that is one of the following:",
        "For adolescents under 18 years of age, able to provide informed assent to participate",
        "Lansky 50-100% (10 years of age and under)",
        "Karnofsky performance status of 80-100% for 16 years and older or Lansky Play Score of 80-100 for ≥12 "
        "and < 16 years of age",
        "Performance status: Karnofsky 70-100% OR Age less than 16 years: Lansky 50-100%",
        "Provide written informed consent from at least one parent in the case of children under 18 years of age.",
        "Age: 35 and under for oral contraceptive stratum (premenopausal) 50 and over for hormone replacement "
        "therapy stratum (postmenopausal)",  # NCT00006133: the age of each stratum
        # One way among others to meet it: NCT00021255, NCT00002845.
        "at least one of the following factors: tumor size > 2 cm, histologic grade 2-3, or age < 35 years.",
        "No abnormal cardiac stress test in patients over 50 years of age or with possible cardiac disease",
    ],
)
def test_no_age_of_the_participant(item: str) -> None:
    """Neither fails nor meets an inclusion or exclusion by the patient's age."""
    for kind in ("inclusion", "exclusion"):
        for age in (10, 40, 80):
            check = check_item(kind, item, read_patient(f"A {age}-year-old person"), _NONE)
            assert check.verdict == UNKNOWN and "you are" not in check.reason, (kind, age)


def test_a_minimum_at_an_event_still_bounds_todays_age() -> None:
    """'18 or older at diagnosis' (NCT06620835): a 10-year-old cannot have been; a 40-year-old may have been."""
    item = "Age 18 years or older at diagnosis."
    assert _verdict("inclusion", item, "A 10-year-old boy") == FAILS
    check = check_item("inclusion", item, read_patient("A 40-year-old man"), _NONE)
    assert check.verdict == UNKNOWN and "at the time it names is not known" in check.reason


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("A 45-year-old man", FAILS),  # a man of those ages is excluded
        ("A 45-year-old woman", MEETS),  # the item is about men
        ("I am 45", UNKNOWN),  # the sex is not known
        ("A 55-year-old man", MEETS),
    ],
)
def test_an_exclusion_of_an_age_and_a_sex(text: str, verdict: str) -> None:
    assert _verdict("exclusion", "Men younger than 50 years of age", text) == verdict


def test_an_exclusion_that_asks_more_than_an_age_is_left_open() -> None:
    """'Partners who are < 18 years of age, who are nursing, ...' (NCT numbers vary): any of them excludes."""
    item = "Partners who are < 18 years of age, who are nursing, who are known to be pregnant"
    assert _verdict("exclusion", item, "A 40-year-old woman") == UNKNOWN


def test_a_condition_named_with_an_age_in_an_exclusion() -> None:
    """An exclusion holds only when all of it does: too old for it clears the patient."""
    facts = Facts(frozenset({"type 2 diabetes"}), frozenset(), frozenset(), None, ("type 2 diabetes",), ())
    item = "Type 2 diabetes patients under 21 years of age"
    assert (
        check_item("exclusion", item, read_patient("A 60-year-old woman with type 2 diabetes"), facts).verdict == MEETS
    )
    young = check_item("exclusion", item, read_patient("A 15-year-old girl with type 2 diabetes"), facts)
    assert young.verdict == FAILS


def test_an_age_in_a_condition_is_not_checked_as_a_threshold() -> None:
    """NCT00003187: "... Elevated WBC at presentation ... Greater than 50,000/mm3 if 10-20 years old" is the
    white count asked of those 10 to 20, not an age asked of all: a 7-year-old with ALL does not fail it."""
    leukemia = "acute lymphoblastic leukemia"
    facts = Facts(frozenset({leukemia}), frozenset(), frozenset(), None, (leukemia,), ())
    item = (
        "Pathologically confirmed acute lymphoblastic leukemia in first complete remission with elevated WBC "
        "at presentation: greater than 100,000/mm3 if 6-12 months old, greater than 50,000/mm3 if 10-20 years old"
    )
    check = check_item("inclusion", item, read_patient("My son is 7 and has ALL"), facts)
    assert check.verdict == UNKNOWN and "your age" not in check.reason


@pytest.mark.parametrize(
    ("kind", "item"),
    [
        # NCT00003187: a long item of which pregnancy is one part.
        (
            "inclusion",
            "PATIENT CHARACTERISTICS: Performance status: Karnofsky 70-100% OR Lansky 60-100% Hepatic: Bilirubin "
            "less than 2.5 mg/dL Other: Not pregnant or lactating HIV negative No uncontrolled viral, bacterial, or "
            "fungal infection",
        ),
        (
            "exclusion",
            "Pregnancy, breastfeeding, severe renal impairment, active infection, or any other condition that in the "
            "opinion of the investigator would interfere",
        ),
    ],
)
def test_a_man_is_clear_of_the_pregnancy_part_of_a_long_item_only(kind: str, item: str) -> None:
    check = check_item(kind, item, read_patient("A 40-year-old man"), _NONE)
    assert (check.verdict, check.reason) == (UNKNOWN, "you are male; the rest of it is not known")
    assert check_item(kind, "Pregnant or breastfeeding", read_patient("A 40-year-old man"), _NONE).verdict == (
        FAILS if kind == "inclusion" else MEETS
    )


def test_items_without_a_number_and_a_year_or_age_word_are_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pre-check skips an item only when no span of years could be in it: over the criteria of 300 real
    records, the same spans as when every item is scanned."""
    import re

    from indexer.discover import criteria_ages
    from indexer.parsers import parse
    from tests.conftest import shared

    items: list[str] = []
    for path in sorted(shared("ctgov", "xml").glob("NCT*.xml"))[:300]:
        for record in parse(path.read_bytes(), filename=path.name):
            e = record.eligibility
            items += [c.text for c in (*e.inclusion, *e.exclusion)] + [k.text for c in e.inclusion for k in c.children]
    assert len(items) > 3000
    kept = [criteria_ages.ages(i) for i in items]
    everything = re.compile("")  # as if every item might hold an age
    monkeypatch.setattr(criteria_ages, "_DIGIT", everything, raising=False)
    monkeypatch.setattr(criteria_ages, "_YEAR_OR_AGE", everything, raising=False)
    assert kept == [criteria_ages.ages(i) for i in items]
    assert sum(1 for spans in kept if spans) > 50
