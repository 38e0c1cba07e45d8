"""Search text asks for every word (a search box), not any: "asthma in children" is about asthma and
children; a sentence no trial holds in full still finds the trials with some of its words."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from indexer.config import load
from indexer.index.document import SearchQuery
from indexer.index.words import required_words
from tests.conftest import SHARED, Trials
from web.app import create_app

pytest_plugins = ("tests.webdata",)  # the web_data fixture

XML = SHARED / "ctgov" / "xml"


def _has_words(path_text: str, *words: str) -> bool:
    return all(re.search(rf"\b{w}\b", path_text, re.I) for w in words)


def test_what_a_search_requires() -> None:
    assert required_words(SearchQuery(text="asthma in children", every_word=True)) == [("asthma",), ("children",)]
    assert required_words(SearchQuery(text="asthma in children")) == []  # any word: match, similar
    # A phrase the synonyms expand is one requirement, met by it or by one of its synonyms.
    q = SearchQuery(
        text="low-dose IL-2 in lupus trials", every_word=True, expansions=(("IL-2", ("interleukin-2", "aldesleukin")),)
    )
    assert required_words(q) == [("low-dose",), ("IL-2", "interleukin-2", "aldesleukin"), ("lupus",)]
    assert required_words(SearchQuery(text="the study of patients", every_word=True)) == []
    # A synonym found in the American spelling of British words: met by it, its synonyms, or the words as typed.
    q = SearchQuery(text="acute myeloid leukaemia", every_word=True, expansions=(("acute myeloid leukemia", ("AML",)),))
    assert required_words(q) == [("acute myeloid leukemia", "acute myeloid leukaemia", "AML")]
    # Split as the ranking query quotes the text: at spaces, punctuation inside a word kept with it.
    q = SearchQuery(text="IL-2, lupus melanoma^2", every_word=True, expansions=(("IL-2", ("aldesleukin",)),))
    assert required_words(q) == [("IL-2", "aldesleukin"), ("lupus",), ("melanoma^2",)]


def test_every_result_has_every_word(trials: Trials) -> None:
    trials("--quiet", "ingest", str(XML))
    found = {r["nct_id"] for r in trials.json("search", "asthma in children", "--limit", "500")}
    raw = {p.stem: p.read_text(encoding="utf-8") for p in XML.glob("NCT*.xml")}
    # Independent oracle from the registry's files: a result has both words somewhere in its record,
    # and every trial whose title has both is a result.
    assert found and all(_has_words(raw[n], "asthma", "children") for n in found)
    titled = {
        n
        for n, text in raw.items()
        if (m := re.search(r"<brief_title>(.*?)</brief_title>", text, re.S))
        and _has_words(m.group(1), "asthma", "children")
    }
    assert titled and titled <= found
    # "in" is no requirement, and no longer a word that finds nearly every trial.
    assert len(found) < len(raw) / 10


def test_a_sentence_no_trial_holds_finds_trials_with_some_words(trials: Trials) -> None:
    trials("--quiet", "ingest", str(XML))
    said = "lupus trials with low-dose IL-2, anything that helps my sister"  # states no filter (test_sentence)
    result = trials("search", said, "--json")
    assert "NCT04077684" in {r["nct_id"] for r in json.loads(result.stdout)[:3]}
    assert "no trial has every word" in result.stderr
    # A search whose words some trial has in full says nothing of the kind.
    whole = trials("search", "low-dose IL-2 lupus", "--json")
    assert "NCT04077684" in {r["nct_id"] for r in json.loads(whole.stdout)}
    assert "every word" not in whole.stderr


def test_the_web_reads_the_search_box_as_the_cli_does(web_data: Path) -> None:
    with TestClient(create_app(load(web_data))) as client:
        api = client.get("/api/search", params={"q": "lupus in nephritis", "status": "any", "limit": "100"}).json()
        cli = Trials(web_data).json("search", "lupus in nephritis", "--limit", "100")
        assert api["some_words"] is False and api["total"] == len(cli) > 0
        assert [r["nct_id"] for r in api["results"]] == [r["nct_id"] for r in cli]
        said = "lupus trials with low-dose IL-2, anything that helps my sister"
        api = client.get("/api/search", params={"q": said, "status": "any"}).json()
        assert api["some_words"] is True and "NCT04077684" in [r["nct_id"] for r in api["results"][:3]]
        page = client.get("/search", params={"q": said, "status": "any"}).text
        assert "No trial has every word of “lupus trials with low-dose IL-2, anything that helps my sister”" in page
        assert "No trial has every word" not in client.get("/search", params={"q": "lupus", "status": "any"}).text


def test_an_alternative_another_implies_is_not_asked_for_twice() -> None:
    from indexer.index.words import _narrowest

    # Every trial with "recombinant interleukin-2" has "interleukin-2": the union is the same without it.
    assert _narrowest(("interleukin-2", "IL-2", "recombinant interleukin-2")) == ("interleukin-2", "IL-2")
    assert _narrowest(("lupus", "systemic lupus erythematosus", "Lupus Erythematosus, Systemic")) == ("lupus",)
    assert _narrowest(("IL-2", "il 2")) == ("il 2",)  # the words anywhere hold the phrase's trials too
    assert _narrowest(("a b", "A-B", "a b")) == ("a b",)  # of equals, the first


def test_trials_with_some_words_have_one_that_says_something(trials: Trials) -> None:
    trials("--quiet", "ingest", str(XML))
    result = trials("search", "diabetes in the trials of Atlantis and Lemuria", "--json", "--limit", "500")
    assert "no trial has every word" in result.stderr
    found = {r["nct_id"] for r in json.loads(result.stdout)}
    raw = {p.stem: p.read_text(encoding="utf-8") for p in XML.glob("NCT*.xml")}
    # Oracle from the registry's files: each has "diabetes" or a word of its stem ("diabetic"; no trial names
    # the two lands); a trial with only "in", "the", "of", "and" or "trials" is none of them, as it was when
    # those found every trial.
    assert found and all(re.search(r"\bdiabet", raw[n], re.I) for n in found)
