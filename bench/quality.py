"""Patient-matching quality on the TREC 2021 development set: the baseline, then each signal added in turn."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import SHARED, report
from indexer.catalog import Catalog
from indexer.config import load
from indexer.discover import matching
from indexer.discover.evaluate import Topic, evaluate, load_qrels, load_topics
from indexer.index.document import SearchQuery
from indexer.ingest.files import ingest_paths

BENCH = SHARED / "bench" / "trec2021-dev"
# The baseline the data's README describes: plain BM25 over these fields, all weighted 1.
BASELINE_FIELDS = (("title", 1.0), ("conditions", 1.0), ("summary", 1.0), ("description", 1.0), ("criteria", 1.0))


def ranker(
    catalog: Catalog,
    *,
    weights: tuple[tuple[str, float], ...],
    limits: bool,
    clean: bool,
    synonyms: bool,
    penalty: float,
) -> Callable[[Topic], list[str]]:
    def rank(topic: Topic) -> list[str]:
        if penalty or (limits and clean and synonyms and weights == matching.MATCH_WEIGHTS):
            patient = matching.read_patient(topic.text)
            return [m.record.nct_id for m in matching.match(catalog, patient, limit=100, exclusion_penalty=penalty)]
        patient = matching.read_patient(topic.text) if limits else matching.Patient(topic.text)
        text = matching.query_text(topic.text) if clean else topic.text
        q = SearchQuery(text=text, age=patient.age, sex=patient.sex, limit=100, field_weights=weights)
        result = catalog.index.search(catalog.expand(q) if synonyms else q)
        return [h.nct_id for h in result.hits]

    return rank


def main() -> None:
    topics, qrels = load_topics(BENCH / "topics.jsonl"), load_qrels(BENCH / "qrels.txt")
    steps = [
        (
            "baseline: BM25, title+conditions+summary+description+criteria",
            dict(weights=BASELINE_FIELDS, limits=False, clean=False, synonyms=False, penalty=0.0),
        ),
        (
            "+ field weights (keywords, interventions; criteria and conditions up)",
            dict(weights=matching.MATCH_WEIGHTS, limits=False, clean=False, synonyms=False, penalty=0.0),
        ),
        (
            "+ age and sex limits read from the description",
            dict(weights=matching.MATCH_WEIGHTS, limits=True, clean=False, synonyms=False, penalty=0.0),
        ),
        (
            "+ negated clauses and filler words dropped",
            dict(weights=matching.MATCH_WEIGHTS, limits=True, clean=True, synonyms=False, penalty=0.0),
        ),
        (
            "+ synonyms (curated and from the records)",
            dict(weights=matching.MATCH_WEIGHTS, limits=True, clean=True, synonyms=True, penalty=0.0),
        ),
        (
            "+ exclusion criteria the patient meets push down (= trials match)",
            dict(
                weights=matching.MATCH_WEIGHTS,
                limits=True,
                clean=True,
                synonyms=True,
                penalty=matching.EXCLUSION_PENALTY,
            ),
        ),
    ]
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(load(Path(tmp) / "data"))
        ingest_paths(catalog, [SHARED / "ctgov" / "xml_2021", SHARED / "ctgov" / "xml"])
        results["trials"] = catalog.store.count()
        for name, options in steps:
            rank = ranker(catalog, **options)  # type: ignore[arg-type]
            start = time.perf_counter()
            scores = evaluate(topics, qrels, rank)
            per_topic_ms = 1000 * (time.perf_counter() - start) / max(1, scores.topics)
            results[name] = {
                "ndcg@10": round(scores.ndcg, 4),
                "P@10": round(scores.precision, 4),
                "recall@100": round(scores.recall, 4),
                "ms_per_topic": round(per_topic_ms, 1),
            }
        catalog.close()
    report("quality", results)


if __name__ == "__main__":
    main()
