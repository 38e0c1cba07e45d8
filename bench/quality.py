"""Patient-matching quality on the TREC 2021 development set, each signal cross-validated; SIGIR 2016 as a check."""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import SHARED, report
from bench.sigir import sigir_scores
from indexer.catalog import Catalog
from indexer.config import load
from indexer.discover import matching
from indexer.discover.embed import embedder
from indexer.discover.evaluate import Scores, Topic, cross_validate, evaluate, load_qrels, load_topics
from indexer.discover.matching import Match, MatchSettings
from indexer.discover.prf import Feedback
from indexer.index.document import Hit
from indexer.ingest.files import ingest_paths

BENCH = SHARED / "bench" / "trec2021-dev"
# The baseline the data's README describes: plain BM25 over these fields, all weighted 1.
BASELINE_FIELDS = (("title", 1.0), ("conditions", 1.0), ("summary", 1.0), ("description", 1.0), ("criteria", 1.0))
BASELINE = MatchSettings(
    weights=BASELINE_FIELDS,
    limits=False,
    clean=False,
    synonyms=False,
    feedback=None,
    exclusion_penalty=0.0,
    concept_boost=0.0,
    inclusion_weight=0.0,
    overlap_weight=0.0,
    condition_coverage=0.0,
)
# Each row: a signal, the setting it changes, and the values tried (the first is "off"). The rows are
# cumulative: each starts from the library's defaults for the rows above it (or "off" where a row's
# signal was dropped), so "together" is the last row.
ROWS: list[tuple[str, str, list[Any]]] = [
    (
        "field weights",
        "weights",
        [
            BASELINE_FIELDS,
            matching.MATCH_WEIGHTS,
            tuple((f, w if f != "criteria" else 1.0) for f, w in matching.MATCH_WEIGHTS),
            tuple((f, w if f != "conditions" else 3.0) for f, w in matching.MATCH_WEIGHTS),
        ],
    ),
    ("age and sex from the description, as filters", "limits", [False, True]),
    ("negated clauses and filler words dropped", "clean", [False, True]),
    ("synonyms added to the query", "synonyms", [False, True]),
    (
        "pseudo-relevance feedback (RM3)",
        "feedback",
        [
            None,
            Feedback(10, 20, 1.0, 0.5),
            Feedback(10, 20, 1.0, 1.0),
            Feedback(5, 40, 1.0, 0.6),
            Feedback(10, 30, 1.0, 0.8),
        ],
    ),
    ("share of the trial's own condition the patient names", "condition_coverage", [0.0, 0.1, 0.2, 0.3, 0.5]),
    ("exclusion items the patient fails push down", "exclusion_penalty", [0.0, 0.1, 0.2, 0.3]),
    ("trial's own conditions the patient has (concepts)", "concept_boost", [0.0, 0.05, 0.1, 0.2]),
    ("inclusion items met minus failed", "inclusion_weight", [0.0, 0.025, 0.05, 0.1]),
    ("inclusion criteria use the patient's words (idf share)", "overlap_weight", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0]),
]
if embedder() is not None:  # the optional extra
    ROWS.append(("text embeddings (WordLlama, optional extra)", "embedding_weight", [0.0, 0.3, 0.5, 1.0]))


class Runner:
    """Scores settings over the topics, reusing searches and criteria checks that two settings share."""

    def __init__(self, catalog: Catalog, topics: list[Topic], qrels: dict[str, dict[str, int]]):
        self.catalog, self.topics, self.qrels = catalog, topics, qrels
        self._checked: dict[tuple[str, MatchSettings], tuple[list[Match], list[Hit]]] = {}
        self.ms_per_topic: dict[MatchSettings, float] = {}

    def scores(self, settings: MatchSettings) -> Scores:
        search_part = dataclasses.replace(
            settings,
            exclusion_penalty=0.0,
            concept_boost=0.0,
            inclusion_weight=0.0,
            embedding_weight=1.0 if settings.embedding_weight else 0.0,  # similarities computed, weighed later
        )
        elapsed = 0.0

        def rank(topic: Topic) -> list[str]:
            nonlocal elapsed
            key = (topic.id, search_part)
            start = time.perf_counter()
            if key not in self._checked:
                patient = matching.read_patient(topic.text)
                self._checked[key] = matching.checked(self.catalog, patient, (), search_part)
            head, rest = self._checked[key]
            ranked = [m.record.nct_id for m in matching.order(head, settings)] + [h.nct_id for h in rest]
            elapsed += time.perf_counter() - start
            return ranked[:100]

        result = evaluate(self.topics, self.qrels, rank)
        self.ms_per_topic[settings] = 1000 * elapsed / max(1, result.topics)
        return result


def _row(
    runner: Runner, name: str, base: MatchSettings, field: str, values: Sequence[Any], chosen: Any
) -> dict[str, Any]:
    variants = [dataclasses.replace(base, **{field: v}) for v in values]
    scored = [runner.scores(v) for v in variants]
    cv = cross_validate({str(i): s.per_topic for i, s in enumerate(scored)})
    off, on = scored[0], scored[list(values).index(chosen)]
    return {
        "signal": name,
        "off_ndcg@10": round(off.ndcg, 4),
        "full_set_ndcg@10": round(on.ndcg, 4),
        "P@10": round(on.precision, 4),
        "recall@100": round(on.recall, 4),
        "cv_ndcg@10": round(cv.mean, 4),
        "cv_folds": [round(f, 4) for f in cv.folds],
        "cv_gain": round(cv.mean - off.ndcg, 4),
        "cv_chose": [repr(values[int(i)]) if i != "0" else "off" for i in cv.chosen],
    }


def quality(catalog: Catalog) -> dict[str, Any]:
    topics, qrels = load_topics(BENCH / "topics.jsonl"), load_qrels(BENCH / "qrels.txt")
    runner = Runner(catalog, topics, qrels)
    baseline = runner.scores(BASELINE)
    results: dict[str, Any] = {
        "trials": catalog.store.count(),
        "baseline_ndcg@10": round(baseline.ndcg, 4),
        "together": [],
        "alone": [],
    }
    # Together: cumulative, each row on top of the library's choices above it.
    final = matching.default_settings()
    settings = BASELINE
    for name, field, values in ROWS:
        chosen = getattr(final, field)
        results["together"].append(_row(runner, name, settings, field, values, chosen))
        settings = dataclasses.replace(settings, **{field: chosen})
    assert settings == final, "the rows must end at the library's default ranking"
    # Alone: each new signal on top of the ranking of issue 6 without synonyms and push-down.
    core = dataclasses.replace(matching.DEFAULT, feedback=None, exclusion_penalty=0.0, concept_boost=0.0)
    core = dataclasses.replace(core, inclusion_weight=0.0, overlap_weight=0.0, condition_coverage=0.0)
    for name, field, values in ROWS[3:]:
        results["alone"].append(_row(runner, name, core, field, values, getattr(final, field)))
    results["joint"] = _joint(runner)
    for label, chosen in (("default", matching.DEFAULT), ("default_with_extras", final)):
        scores = runner.scores(chosen)
        results[label] = {"ndcg@10": round(scores.ndcg, 4), "P@10": round(scores.precision, 4)}
        results[label]["recall@100"] = round(scores.recall, 4)
    return results


def _joint(runner: Runner) -> dict[str, Any]:
    """All new signals' values chosen together on one half, scored on the other: the honest overall figure."""
    grids = [values for _, field, values in ROWS[4:]]
    fields = [field for _, field, _ in ROWS[4:]]
    per_topic = {}
    for combo in itertools.product(*grids):
        s = dataclasses.replace(matching.DEFAULT, **dict(zip(fields, combo, strict=True)))
        per_topic[repr(combo)] = runner.scores(s).per_topic
    cv = cross_validate(per_topic)
    return {"cv_ndcg@10": round(cv.mean, 4), "cv_folds": [round(f, 4) for f in cv.folds], "cv_chose": list(cv.chosen)}


def latency(catalog: Catalog, topics: list[Topic]) -> dict[str, Any]:
    out: dict[str, Any] = {"default": _latency(catalog, topics, matching.DEFAULT)}
    if embedder() is not None:
        out["with_embeddings"] = _latency(catalog, topics, matching.default_settings(True))
    return out


def _latency(catalog: Catalog, topics: list[Topic], settings: MatchSettings) -> dict[str, float]:
    """Milliseconds per patient for `match_ids` (100 results), as `trials match --batch` ranks them.

    CPU time is given beside wall time: on a shared machine the wall clock also counts the others' work.
    """
    for topic in topics[:3]:  # warm caches
        matching.match_ids(catalog, matching.read_patient(topic.text), settings=settings)
    wall, cpu = time.perf_counter(), time.process_time()
    for topic in topics:
        matching.match_ids(catalog, matching.read_patient(topic.text), settings=settings)
    n = len(topics)
    return {
        "wall_ms": round(1000 * (time.perf_counter() - wall) / n, 1),
        "cpu_ms": round(1000 * (time.process_time() - cpu) / n, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--large", type=Path, help="a data directory of a synthesised corpus (e.g. 100k) for latency")
    args = ap.parse_args()
    results: dict[str, Any] = {}
    topics = load_topics(BENCH / "topics.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(load(Path(tmp) / "data"))
        ingest_paths(catalog, [SHARED / "ctgov" / "xml_2021", SHARED / "ctgov" / "xml"])
        results.update(quality(catalog))
        results["ms_per_patient"] = latency(catalog, topics)
        catalog.close()
    results["sigir"] = sigir_scores()
    if args.large:
        with Catalog(load(args.large)) as large:
            results[f"ms_per_patient_at_{large.store.count()}"] = latency(large, topics)
    report("quality", results)


if __name__ == "__main__":
    main()
