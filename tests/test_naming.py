"""Criteria naming the patient's condition: by abbreviation, on its own, not in a longer name or a negation."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.discover.criteria_match import FAILS, MEETS, UNKNOWN, check_criteria, check_item
from indexer.discover.facts import Facts, read_facts
from indexer.discover.patient import read_patient
from indexer.discover.synonyms import Synonyms, curated
from indexer.parsers import parse

FIXTURES = Path(__file__).parent / "fixtures" / "ctgov_xml"


def test_a_patient_who_writes_sle_has_the_sle_a_criterion_names() -> None:
    """NCT04077684 (low-dose IL-2 in SLE): its items write "SLE" only."""
    [sle] = parse((FIXTURES / "NCT04077684.xml").read_bytes(), filename="NCT04077684.xml")
    activity = "SLE disease activity index(SLEDAI) ≥ 8"

    def checks(text: str) -> dict[str, tuple[str, str]]:
        facts = read_facts(text, [sle], Synonyms(curated()))
        assert "SLE" in facts.present_abbreviations
        return {c.text: (c.verdict, c.reason) for c in check_criteria(sle, read_patient(text), facts).checks}

    for text in ("I am 34 and have SLE", "34 year old woman with lupus"):
        said = checks(text)
        # Hers is the SLE; the SLEDAI she did not give.
        assert said[activity] == (UNKNOWN, "you have SLE; not known: SLEDAI ≥ 8")
        # A manifestation of SLE is not said by having SLE.
        assert said["active severe neuropsychiatric manifestations of SLE;"][0] == UNKNOWN
    assert checks("I am 34 and have SLE, my SLEDAI is 10")[activity][0] == MEETS
    assert checks("I am 34 and have SLE, my SLEDAI is 4")[activity][0] == FAILS


_NONE = Facts(frozenset(), frozenset(), frozenset(), None, (), ())
_LUPUS = Facts(
    frozenset({"systemic lupus erythematosus"}),
    frozenset(),
    frozenset(),
    None,
    ("systemic lupus erythematosus", "lupus"),
    (),
    ("SLE",),
)


@pytest.mark.parametrize(
    ("kind", "item", "verdict", "reason"),
    [
        ("inclusion", "Patients with SLE", MEETS, "you have SLE"),
        ("inclusion", "Meets ACR criteria for SLE", MEETS, "you have SLE"),
        ("exclusion", "Patients with SLE", FAILS, "you have SLE"),
        # The score is not known unless she gives it.
        ("inclusion", "SLE with SLEDAI >= 6", UNKNOWN, "you have SLE; not known: SLEDAI >= 6"),
        # Another condition whose name holds hers: it is not said she has it.
        ("exclusion", "Neuropsychiatric SLE", UNKNOWN, ""),
        ("exclusion", "Active lupus nephritis", UNKNOWN, ""),
        ("exclusion", "Drug-induced lupus", UNKNOWN, ""),
        ("exclusion", "Positive lupus anticoagulant", UNKNOWN, ""),
        ("inclusion", "Renal biopsy within 1 year with class III or class IV active lupus nephritis", UNKNOWN, ""),
        # Said absent: NCT numbers as registered ("No collagen vascular disorders, specifically ...").
        (
            "inclusion",
            "No collagen vascular disorders, specifically systemic lupus erythematosus, scleroderma",
            UNKNOWN,
            "",
        ),
        ("inclusion", "Patients without SLE", FAILS, "you have SLE"),  # asked absent: she has it
        ("inclusion", "No SLE", FAILS, "you have SLE"),
        # "SLE" is no part of "SLEDAI", nor "sle" an abbreviation.
        ("inclusion", "SLEDAI-2K score of 6 or more", UNKNOWN, ""),
        ("inclusion", "Diagnosis of sle", UNKNOWN, ""),
    ],
)
def test_lupus_items(kind: str, item: str, verdict: str, reason: str) -> None:
    check = check_item(kind, item, read_patient("I have SLE"), _LUPUS)
    assert (check.verdict, check.reason) == (verdict, reason)


_HIV = Facts(frozenset({"hiv infections"}), frozenset(), frozenset(), None, ("hiv infections",), (), ("HIV",))


@pytest.mark.parametrize(
    ("kind", "item", "verdict"),
    [
        # Real items (ctgov v2 and legacy XML).
        ("exclusion", "Known HIV infection.", FAILS),
        ("inclusion", "Documented HIV-1 infection.", MEETS),
        ("inclusion", "HIV-infected.", MEETS),
        ("inclusion", "Seronegative for HIV-1 RNA PCR; HIV 1 and HIV 2 Ab (antibody)", FAILS),  # asked absent
        ("inclusion", "Negative ELISA for HIV-1 antibody within 8 weeks of initial immunization.", UNKNOWN),
        ("exclusion", "Treatment with an HIV-1 immunotherapeutic vaccine within 90 days of Screening.", UNKNOWN),
        ("exclusion", "Any Suspected Virologic Failure (HIV-RNA 200 c/mL)", UNKNOWN),
        # Words in capitals around it are no abbreviation's.
        ("exclusion", "PATIENTS WITH HIV ARE EXCLUDED", UNKNOWN),
    ],
)
def test_hiv_items(kind: str, item: str, verdict: str) -> None:
    assert check_item(kind, item, read_patient("I'm 45, HIV positive"), _HIV).verdict == verdict


@pytest.mark.parametrize(
    ("names", "kind", "item"),
    [
        (("breast cancer", "cancer"), "exclusion", "History of prostate cancer"),
        (("type 2 diabetes", "diabetes"), "exclusion", "Diabetes insipidus"),
        (("type 2 diabetes", "diabetes"), "exclusion", "Type 1 diabetes"),
        (("type 2 diabetes", "diabetes"), "inclusion", "Uncontrolled diabetes mellitus"),
    ],
)
def test_a_longer_name_is_another_condition(names: tuple[str, ...], kind: str, item: str) -> None:
    facts = Facts(frozenset(names[:1]), frozenset(), frozenset(), None, names, ())
    assert check_item(kind, item, read_patient("A 60-year-old woman"), facts).verdict == UNKNOWN


def test_a_keyword_that_is_a_treatment_is_no_condition() -> None:
    """NCT00340834 lists 'interferon' among its keywords and treatments: a patient on interferon beta does
    not "have interferon", and an item on tolerating it is not failed."""
    [record] = parse((FIXTURES.parent / "naming" / "NCT00340834.xml").read_bytes(), filename="NCT00340834.xml")
    text = "I am 40, female, with multiple sclerosis (relapsing remitting), on interferon beta."
    facts = read_facts(text, [record], Synonyms(curated()))
    assert "interferon" not in facts.present and "multiple sclerosis" in facts.present
    checks = {c.text: c for c in check_criteria(record, read_patient(text), facts).checks}
    assert checks["Patients who cannot tolerate treatment with an interferon"].verdict == UNKNOWN


@pytest.mark.parametrize(
    ("kind", "item", "verdict"),
    [
        # An event in the condition, not the condition (NCT00102765): not failed by having asthma.
        ("exclusion", "Hospitalized for asthma within 3 months prior to the study.", UNKNOWN),
        ("exclusion", "Receiving treatment for asthma", UNKNOWN),
        ("inclusion", "Meets the GINA criteria for asthma", MEETS),
        ("inclusion", "Patients who have a current diagnosis of asthma", MEETS),
        # More than the condition, in a long item: hers is the condition, the rest is not known (NCT04267848).
        (
            "inclusion",
            "Completely resected stage IIA, IIB IIIA or IIIB (T3-4N2) asthma (squamous or non-squamous) with "
            "negative margins (complete R0 resection). Patients will be staged according to the 8th edition",
            UNKNOWN,
        ),
        # ... not counting what it puts in brackets (NCT00603278).
        (
            "inclusion",
            "Asthma Diagnosis: Asthma as defined by the National Institutes of Health [National Institutes of "
            "Health, 2007].",
            MEETS,
        ),
    ],
)
def test_asthma_items(kind: str, item: str, verdict: str) -> None:
    facts = Facts(frozenset({"asthma"}), frozenset(), frozenset(), None, ("asthma",), ())
    check = check_item(kind, item, read_patient("12 year old girl with asthma"), facts)
    assert check.verdict == verdict
    if verdict == UNKNOWN and kind == "inclusion":
        assert check.reason == "you have asthma; the rest of it is not known"


def test_a_title_given_as_a_condition_is_no_synonym() -> None:
    """NCT05191199 gives its title as its condition and "Erectile dysfunction" among its keywords, so the two
    are one group of the store's synonyms; with NCT01738087's keyword "patients", a man with erectile
    dysfunction "had patients" and failed every exclusion starting "Patients with ..."."""
    records = [
        parse((FIXTURES.parent / "naming" / f"{nct}.json").read_bytes())[0] for nct in ("NCT05191199", "NCT01738087")
    ]
    title = "To Assess Erectile Function in Patients Complaining of Congenital Penile Curvature"
    synonyms = Synonyms([["erectile dysfunction", "ED", title]])
    text = "55 yo man with erectile dysfunction"
    facts = read_facts(text, records, synonyms)
    assert "patients" not in facts.present and "erectile dysfunction" in facts.present
    check = check_item("exclusion", "Patients with sick sinus syndrome.", read_patient(text), facts)
    assert check.verdict == UNKNOWN


@pytest.mark.parametrize(
    ("kind", "item", "verdict", "reason"),
    [
        # She said she had no chemotherapy: an inclusion asking for none is met, one asking a wait after it
        # or heading sub-items is not settled (it was failed), one asking for it is failed.
        ("inclusion", "No prior chemotherapy", MEETS, "you do not have chemotherapy"),
        ("inclusion", "At least 3 weeks since prior chemotherapy", UNKNOWN, ""),
        ("inclusion", "Chemotherapy:", UNKNOWN, ""),
        ("inclusion", "Prior chemotherapy required", FAILS, "you do not have chemotherapy"),
        ("exclusion", "Less than 5 years since prior chemotherapy", MEETS, "you do not have chemotherapy"),
    ],
)
def test_a_treatment_the_patient_did_not_have(kind: str, item: str, verdict: str, reason: str) -> None:
    facts = Facts(
        frozenset({"breast cancer"}),
        frozenset({"chemotherapy"}),
        frozenset(),
        None,
        ("breast cancer",),
        ("chemotherapy",),
    )
    patient = read_patient("68 year old woman with metastatic breast cancer. No prior chemotherapy.")
    check = check_item(kind, item, patient, facts)
    assert (check.verdict, check.reason) == (verdict, reason)


def test_a_man_is_not_clear_of_what_is_asked_of_men() -> None:
    """'Male partners of women who are pregnant' (an exclusion) was met for a man: 'you are male'."""
    man = read_patient("A 40-year-old man")
    assert check_item("exclusion", "Male partners of women who are pregnant", man, _NONE).verdict == UNKNOWN
    assert check_item("exclusion", "Pregnant or breastfeeding women", man, _NONE).verdict == MEETS


def test_a_name_the_patient_s_longer_name_holds() -> None:
    """A man with type 2 diabetes has the "diabetes mellitus" an exclusion names: "mellitus" is in his
    "type 2 diabetes mellitus"; it does not make another condition of it as "insipidus" does."""
    names = ("type 2 diabetes mellitus", "type 2 diabetes", "diabetes")
    facts = Facts(frozenset({"type 2 diabetes"}), frozenset(), frozenset(), None, names, ())
    man = read_patient("A 60-year-old man with type 2 diabetes")
    assert check_item("exclusion", "diabetes mellitus,", man, facts).verdict == FAILS
    assert check_item("exclusion", "Diabetes insipidus", man, facts).verdict == UNKNOWN


def test_a_word_inside_a_synonym_is_no_condition_of_the_patient() -> None:
    """NCT00000820 lists "HIV Infections" and the bare MeSH term "Infections": a man who says "HIV positive"
    has the first (a whole synonym of HIV), not "infections", and 'No active infections' is not failed."""
    [record] = parse((FIXTURES.parent / "naming" / "NCT00000820.xml").read_bytes(), filename="NCT00000820.xml")
    text = "I'm 45, HIV positive"
    facts = read_facts(text, [record], Synonyms([["HIV infections", "HIV", "human immunodeficiency virus"]]))
    assert "hiv infections" in facts.present and "infections" not in facts.present
    assert check_item("inclusion", "No active infections", read_patient(text), facts).verdict == UNKNOWN
    assert check_item("inclusion", "No HIV infection", read_patient(text), facts).verdict == FAILS
