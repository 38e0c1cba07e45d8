"""How a patient's own words are read: abbreviations typed in lower case, on real trials."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.discover.facts import english_words, read_facts
from indexer.discover.synonyms import Synonyms, curated
from indexer.discover.terms import record_links
from indexer.parsers import parse
from indexer.record import TrialRecord

FIXTURES = Path(__file__).parent / "fixtures"


def _record(path: str) -> TrialRecord:
    [record] = parse((FIXTURES / path).read_bytes(), filename=Path(path).name)
    return record


@pytest.fixture(scope="module")
def trials() -> list[TrialRecord]:
    """SLE (NCT04077684), HIV (NCT00000664), leukaemia incl. ALL (NCT00002700), COPD (NCT00000568), MS (NCT00340834)."""
    return [
        _record(p)
        for p in (
            "ctgov_xml/NCT04077684.xml",
            "naming/NCT00000664.xml",
            "naming/NCT00002700.xml",
            "naming/NCT00000568.xml",
            "naming/NCT00340834.xml",
        )
    ]


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("i have sle", "systemic lupus erythematosus"),
        ("45, female, sle since 2019", "systemic lupus erythematosus"),
        ("hiv positive for 10 years", "hiv infections"),
        ("i have copd and smoke", "chronic obstructive pulmonary disease"),
    ],
)
def test_an_abbreviation_in_lower_case_is_the_condition(trials: list[TrialRecord], text: str, condition: str) -> None:
    facts = read_facts(text, trials, Synonyms(curated()))
    assert condition in facts.present
    # ... and its abbreviation is looked for in the criteria, in capitals, as when typed so.
    assert facts.present_abbreviations == read_facts(text.upper(), trials, Synonyms(curated())).present_abbreviations


@pytest.mark.parametrize(
    ("text", "not_condition"),
    [
        # An English word ("all" in 1,167 places of the real trials' texts, in lower case) stays one.
        ("all my life I have had asthma", "precursor cell lymphoblastic leukemia lymphoma"),
        # Two letters are too ambiguous in lower case: "ms" (Ms, milliseconds), "pd", "ad".
        ("i have ms", "multiple sclerosis"),
    ],
)
def test_an_english_word_is_no_abbreviation(trials: list[TrialRecord], text: str, not_condition: str) -> None:
    facts = read_facts(text, trials, Synonyms(curated()))
    assert not_condition not in facts.present
    assert (
        not_condition in read_facts(text.replace("all", "ALL").replace("ms", "MS"), trials, Synonyms(curated())).present
    )


def test_the_english_words_are_those_trials_write_in_lower_case() -> None:
    words = english_words()
    assert {"all", "aids", "with", "cancer"} <= words  # "hearing aids": 22 times in lower case
    assert not {"sle", "hiv", "copd", "cml", "gerd"} & words  # written only in capitals


def test_a_word_missing_from_the_english_list_is_no_treatment() -> None:
    """ "tax" is not among the words trials write in lower case, and NCT00006011 gives TAX as an other name
    of paclitaxel: a patient who pays tax has not had paclitaxel (lower case is read for conditions only)."""
    trial = _record("naming/NCT00006011.xml")
    synonyms = Synonyms(curated())
    drugs, _ = record_links(
        [(i.name, i.other_names) for i in trial.interventions], trial.conditions, trial.condition_mesh
    )
    for link in drugs:
        synonyms.add_group(link)
    assert "tax" not in english_words()
    assert "paclitaxel" in read_facts("I had TAX in 2019", [trial], synonyms).drugs  # the group holds
    assert "paclitaxel" not in read_facts("I pay my tax every year", [trial], synonyms).drugs
