"""Synonyms, similar trials, patient matching and evaluation on the real records."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from indexer.catalog import Catalog
from indexer.config import load
from indexer.discover import matching
from indexer.discover.evaluate import load_qrels, ndcg
from indexer.discover.synonyms import Synonyms
from indexer.ingest.files import ingest_paths
from tests.conftest import ROOT, Trials, shared

TREC = "trec2021-dev"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every real study in ctgov/v2, xml and xml_2021 (2,742 trials), in one data dir."""
    data = tmp_path_factory.mktemp("corpus")
    with Catalog(load(data)) as c:
        ingest_paths(c, [shared("ctgov", f) for f in ("v2", "xml", "xml_2021")])
    return data


@pytest.fixture(scope="module")
def trec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 1,520 trials the TREC development set is judged over."""
    data = tmp_path_factory.mktemp("trec")
    with Catalog(load(data)) as c:
        ingest_paths(c, [shared("ctgov", "xml_2021"), shared("ctgov", "xml")])
    return data


@pytest.mark.slow
def test_sle_and_il2_find_the_low_dose_il2_lupus_trials(corpus: Path) -> None:
    t = Trials(corpus)
    ids = {r["nct_id"] for r in t.json("search", "--condition", "SLE", "--drug", "IL-2")}
    assert {"NCT04077684", "NCT02084238"} <= ids
    ids = {r["nct_id"] for r in t.json("search", "--condition", "lupus", "--drug", "aldesleukin")}
    assert {"NCT04077684", "NCT02084238"} <= ids
    [first] = t.json("search", "--condition", "SLE", "--drug", "Proleukin", "--explain", "--limit", "1")
    assert any("(as " in label for label in first["explain"]["conditions"])
    assert any("Proleukin (as " in label for label in first["explain"]["interventions"])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lay", "term"), [("chemo", "chemotherapy"), ("rehab", "rehabilitation"), ("hep C", "hepatitis C")]
)
def test_what_patients_write_finds_what_registries_write(corpus: Path, lay: str, term: str) -> None:
    # Before the curated groups, "chemo" found the 20 trials that write "chemo", "chemotherapy" 610.
    t = Trials(corpus)
    by_lay = {r["nct_id"] for r in t.json("search", lay, "--limit", "1000")}
    by_term = {r["nct_id"] for r in t.json("search", term, "--limit", "1000")}
    assert by_lay == by_term and len(by_term) >= 50


def test_abbreviations_only_in_capitals() -> None:
    syn = Synonyms([["acute lymphoblastic leukemia", "ALL"], ["interleukin-2", "IL-2", "aldesleukin"]])
    assert syn.find_in_text("all patients with ALL") == [("ALL", ["acute lymphoblastic leukemia"])]
    assert syn.expand("il 2") == ["interleukin-2", "aldesleukin"]  # spelling-insensitive
    assert syn.find_in_text("low dose IL2 therapy")[0][0] == "IL2"
    assert Synonyms([["United States", "US"]]).find_in_text("in the U S") == []


def test_user_synonyms_file_extends_the_curated_one(trials: Trials) -> None:
    trials("--quiet", "ingest", str(shared("ctgov", "xml", "NCT04077684.xml")))
    assert trials.json("search", "--drug", "lowdoseil2") == []
    trials.data_dir.joinpath("synonyms.txt").write_text("# mine\nlowdoseil2; Human recombinant IL-2\n")
    assert [r["nct_id"] for r in trials.json("search", "--drug", "lowdoseil2")] == ["NCT04077684"]


@pytest.mark.slow
def test_similar_trials_for_the_seed_trial(corpus: Path) -> None:
    rows = Trials(corpus).json("similar", "NCT04077684", "--limit", "10")
    ids = [r["nct_id"] for r in rows]
    assert "NCT04077684" not in ids
    assert ids[:2] == ["NCT02084238", "NCT03556007"]  # same sponsor's low-dose IL-2 SLE trial, then NKTR-358
    assert {"condition", "intervention", "sponsor"} <= set(rows[0]["shares"])
    assert "IL-2" in rows[1]["shares"]["mentions"]
    completed = Trials(corpus).json("similar", "NCT04077684", "--status", "recruiting")
    assert all(r["overall_status"] == "RECRUITING" for r in completed)


@pytest.mark.slow
def test_similar_trials_share_the_disease_or_the_treatment(corpus: Path) -> None:
    """Few open trials share the seed trial's disease: the list is shorter rather than padded with
    trials that share only its sponsor, phase or purpose (a spine-surgery trial for a lupus patient)."""
    t = Trials(corpus)
    source = t.json("show", "NCT04077684")

    def terms(r: dict) -> set[str]:  # type: ignore[type-arg]
        return {x.casefold() for x in (*r["conditions"], *r["condition_mesh"], *r["condition_mesh_ancestors"])}

    def drugs(r: dict) -> set[str]:  # type: ignore[type-arg]
        return {n.casefold() for i in r["interventions"] for n in (i["name"], *i["other_names"])}

    def text(r: dict) -> str:  # type: ignore[type-arg]
        return " ".join(str(r.get(k) or "") for k in ("brief_title", "official_title", "brief_summary")).casefold()

    for status in ("recruiting", "not_yet_recruiting", "completed"):
        rows = t.json("similar", "NCT04077684", "--status", status, "--limit", "10")
        for row in rows:
            other = t.json("show", row["nct_id"])
            # The oracle reads the two records: a MeSH concept or condition in common, or a drug of the
            # source given or named in the other trial.
            related = terms(source) & terms(other) or drugs(source) & drugs(other)
            named = any(d in text(other) for d in drugs(source) if len(d) > 3)
            assert related or named, (status, row["nct_id"], row["shares"])
    assert len(t.json("similar", "NCT04077684", "--status", "recruiting", "--limit", "10")) < 10


def test_matching_respects_age_and_sex(trec: Path) -> None:
    t = Trials(trec)
    for text in (
        "A 70-year-old woman with breast cancer and hypertension",
        "70 year old female, type 2 diabetes, obese, on metformin",
    ):
        rows = t.json("match", "--text", text, "--limit", "50")
        assert rows
        for r in rows:
            e = r["eligibility"]
            assert e["max_age_years"] is None or e["max_age_years"] >= 70
            assert e["min_age_years"] is None or e["min_age_years"] <= 70
            assert e["sex"] in (None, "ALL", "FEMALE")
    young = t.json("match", "--text", "chronic pain", "--age", "8", "--limit", "50")
    assert all((r["eligibility"]["min_age_years"] or 0) <= 8 for r in young)


def test_batch_matching_output(trec: Path, tmp_path: Path) -> None:
    topics = tmp_path / "two.jsonl"
    topics.write_text("\n".join(shared("bench", TREC, "topics.jsonl").read_text().splitlines()[:2]) + "\n")
    out = Trials(trec)("match", "--batch", str(topics), "--ndjson", "-n", "5").stdout
    lines = [json.loads(x) for x in out.splitlines()]
    assert [(x["query_id"], x["rank"]) for x in lines] == [(q, r) for q in ("1", "3") for r in range(1, 6)]
    assert all(set(x) == {"query_id", "rank", "nct_id", "score"} for x in lines)
    assert Trials(trec)("match", ok=False).exit_code == 2


def test_eval_reproduces_the_documented_figures(trec: Path) -> None:
    doc = (ROOT / "docs" / "benchmarks.md").read_text()
    m = re.search(r"<!-- trials eval: ndcg@10=([\d.]+) P@10=([\d.]+) recall@100=([\d.]+) -->", doc)
    assert m, "docs/benchmarks.md must record the figures trials eval gives"
    result = Trials(trec).json(
        "eval",
        "--topics",
        str(shared("bench", TREC, "topics.jsonl")),
        "--qrels",
        str(shared("bench", TREC, "qrels.txt")),
        "--no-embeddings",  # the documented figure is the one every install gives
    )
    assert result["topics"] == 38
    for got, documented in zip((result["ndcg@10"], result["P@10"], result["recall@100"]), m.groups(), strict=True):
        assert got == pytest.approx(float(documented), abs=0.0006)
    assert result["ndcg@10"] >= 0.75  # issue 6's goal was 0.72; feedback (issue 16) brought it past 0.75


def test_ndcg_definition() -> None:
    grades = {"a": 2, "b": 1, "c": 0, "d": 2}
    assert ndcg(["a", "d", "b"], grades) == pytest.approx(1.0)
    assert ndcg(["c", "x"], grades) == 0.0
    assert 0 < ndcg(["b", "a"], grades) < 1
    qrels = load_qrels(shared("bench", TREC, "qrels.txt"))
    assert len(qrels) == 38 and qrels["1"]["NCT00002814"] == 2


JOINABLE = {"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE"}


def test_match_shows_trials_a_patient_can_join_unless_asked(trec: Path) -> None:
    t = Trials(trec)
    rows = t.json("match", "--text", "34-year-old woman with lupus")
    assert rows and {r["overall_status"] for r in rows} <= JOINABLE
    every = t.json("match", "--text", "34-year-old woman with lupus", "--status", "any")
    assert {r["overall_status"] for r in every} - JOINABLE  # completed and other trials come back
    done = t.json("match", "--text", "34-year-old woman with lupus", "--status", "completed")
    assert done and {r["overall_status"] for r in done} == {"COMPLETED"}


@pytest.mark.parametrize("sex", ["F", "f", "FEMALE", "female"])
def test_match_sex_spellings(trec: Path, sex: str) -> None:
    rows = Trials(trec).json("match", "--text", "breast cancer", "--sex", sex, "--age", "45", "--status", "any")
    assert rows and all(r["eligibility"]["sex"] in (None, "ALL", "FEMALE") for r in rows)


def test_match_explain_says_which_criteria_are_met_and_why(trec: Path) -> None:
    t = Trials(trec)
    result = t("match", "--text", "45F with systemic lupus erythematosus", "--explain", "--json")
    rows = json.loads(result.stdout)
    assert "age 45.0 (text), sex F (text)" in result.stderr
    seed = next(r for r in rows if r["nct_id"] == "NCT04077684")
    # Her age fits, but the item asks a weight too: partly known, not met.
    partly = {c["text"]: c["reason"] for c in seed["explain"]["partly"]}
    assert partly["age:18 to 75 years, weight 45-80Kg"] == "you are 45; the rest of it is not known"
    assert "age:18 to 75 years, weight 45-80Kg" not in {c["text"] for c in seed["explain"]["meets"]}
    assert "lupus" in seed["explain"]["matched_terms"]["title"]
    assert seed["explain"]["unknown"] > 0
    table = t("match", "--text", "45F with systemic lupus erythematosus", "--explain").stdout
    assert "partly known (inclusion, you are 45; the rest of it is not known): age:18 to 75 years" in table


def test_match_does_not_pad_with_trials_sharing_only_common_words(trec: Path) -> None:
    result = Trials(trec)("match", "--text", "I feel tired and have had pain for two years", "--json")
    rows = json.loads(result.stdout)
    assert 0 < len(rows) < 10
    assert "share nothing but common words" in result.stderr
    assert all("pain" in json.dumps(r).lower() for r in rows)


def test_embeddings_asked_for_without_the_extra_is_a_clear_error(trec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matching, "embedder", lambda: None)
    result = Trials(trec)("match", "--text", "lupus", "--embeddings", ok=False)
    assert result.exit_code == 1
    assert "pip install 'trialscout[embeddings]'" in result.output
    assert Trials(trec).json("match", "--text", "lupus")  # without the flag: ranks without them


def test_embeddings_when_installed(trec: Path) -> None:
    pytest.importorskip("wordllama", reason="the optional `embeddings` extra is not installed")
    t = Trials(trec)
    ask = ("match", "--text", "45F with lupus nephritis", "--status", "any")
    with_them = {r["nct_id"]: r["score"] for r in t.json(*ask, "--embeddings")}
    without = {r["nct_id"]: r["score"] for r in t.json(*ask, "--no-embeddings", "-n", "50")}
    assert len(with_them) == 10
    assert set(with_them) <= set(without)  # they reorder the best candidates; they bring in no other
    assert any(with_them[n] != pytest.approx(without[n]) for n in with_them)


def test_inclusion_overlap_is_the_idf_share_of_the_patient_s_words_the_inclusion_criteria_use() -> None:
    from indexer.discover.overlap import inclusion_overlap, word_weights
    from indexer.parsers.ctgov_xml import parse_document

    [record] = parse_document((ROOT / "tests" / "fixtures" / "ctgov_xml" / "NCT04077684.xml").read_bytes())
    lines = [c.text for c in record.eligibility.inclusion] + [
        ch.text for c in record.eligibility.inclusion for ch in c.children
    ]
    inclusion = " ".join(lines).lower()
    text = "Woman of 34 with SLE, an inadequate response to standard treatment, and a broken wrist"
    rare = {"wrist": 1, "sle": 3}  # a made-up corpus of 10 trials: the rarer a word, the more it weighs
    weights = word_weights(text, lambda w: rare.get(w, 8), 10)
    words = {"woman", "with", "sle", "inadequate", "response", "standard", "treatment", "and", "broken", "wrist"}
    assert set(weights) == words
    found = {w for w in weights if re.search(rf"\b{w}\b", inclusion)}
    assert {"sle", "inadequate", "treatment"} <= found and "wrist" not in found
    expected = sum(weights[w] for w in found) / sum(weights.values())
    assert inclusion_overlap(weights, lines) == pytest.approx(expected)
    assert weights["wrist"] > weights["sle"] > weights["woman"]
    assert inclusion_overlap({}, lines) == 0.0


@pytest.mark.slow  # the whole corpus
@pytest.mark.parametrize(
    ("text", "chatter"),
    [
        ("my son is 8 and has asthma, we live in London", {"london", "live", "son"}),  # was acromegaly, on London
        ("60 year old man with prostate cancer, I live in Houston, TX", {"live", "houston"}),  # was on "live"
        ("my doctor said try IL2", {"try"}),  # was an erectile dysfunction trial, on "try"
    ],
)
def test_a_patient_s_place_and_chatter_do_not_rank_trials(corpus: Path, text: str, chatter: set[str]) -> None:
    found = Trials(corpus).json("match", "--text", text, "--explain", "-n", "5")
    for trial in found:
        matched = {w.lower() for words in trial["explain"]["matched_terms"].values() for w in words}
        assert not matched & chatter, (trial["nct_id"], matched)


@pytest.mark.parametrize(
    "text",
    [
        # No trial about the condition near the place: those there shared only the "disease" of it
        # (NCT00449865, Parkinson's disease, near 02115; COPD trials in London).
        "I'm 19, I have Crohn's disease, tried infliximab. Near 02115.",
        "My mother is 80 and has Alzheimer's disease. She lives in London.",
    ],
)
def test_match_shows_no_trial_sharing_only_the_word_disease(trec: Path, text: str) -> None:
    result = Trials(trec)("match", "--text", text, "--status", "any", "--json")
    assert json.loads(result.stdout) == []
    # What was not tried yet: farther from the place; `--status any` was given.
    assert "share nothing but common words" in result.stderr and "look farther (--within" in result.stderr
    assert "--status any" not in result.stderr
