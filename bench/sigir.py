"""A second, independent check of the text ranking: the SIGIR 2016 clinical-trial collection (never tuned on)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from bench.common import SHARED
from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.discover import matching
from indexer.discover.embed import embedder
from indexer.discover.evaluate import Topic, evaluate, load_qrels
from indexer.discover.matching import MatchSettings
from indexer.index.document import SearchQuery
from indexer.record import TrialRecord

SIGIR = SHARED / "bench" / "sigir"
# Only the summary and description of each judged trial are in the collection: no title, conditions
# or criteria. They are indexed as the summary; the other fields stay empty.
PLAIN = (("summary", 1.0),)


def load_sigir(folder: Path = SIGIR) -> tuple[list[TrialRecord], list[Topic], dict[str, dict[str, int]]]:
    corpus: dict[str, str] = json.loads((folder / "test_set.json").read_text())["corpus"]
    records = [TrialRecord(nct_id=nct, brief_summary=text, source="sigir2016") for nct, text in corpus.items()]
    queries = [json.loads(line) for line in (folder / "queries.jsonl").read_text().splitlines() if line.strip()]
    topics = [Topic(q["_id"], q["text"]) for q in queries]
    # qrels/test.tsv is "query-id corpus-id score" with a header: made TREC-shaped for load_qrels.
    rows = (folder / "qrels" / "test.tsv").read_text().splitlines()[1:]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("".join(f"{q} 0 {d} {g}\n" for q, d, g in (r.split("\t") for r in rows if r.strip())))
    try:
        qrels = load_qrels(Path(f.name))
    finally:
        Path(f.name).unlink()
    return records, topics, qrels


def sigir_scores() -> dict[str, Any]:
    records, topics, qrels = load_sigir()
    out: dict[str, Any] = {"trials": len(records)}
    with tempfile.TemporaryDirectory() as tmp, Catalog(load(Path(tmp) / "data")) as catalog:
        write_records(catalog, records)

        def bm25(topic: Topic) -> list[str]:
            result = catalog.index.search(SearchQuery(text=topic.text, limit=100, field_weights=PLAIN))
            return [h.nct_id for h in result.hits]

        plain = matching.DEFAULT
        without_feedback = MatchSettings(feedback=None, weights=plain.weights)
        runs = {
            "bm25": bm25,
            "match_without_feedback": lambda t: [
                i for i, _ in matching.match_ids(catalog, matching.read_patient(t.text), settings=without_feedback)
            ],
            "match": lambda t: [i for i, _ in matching.match_ids(catalog, matching.read_patient(t.text))],
        }
        if embedder() is not None:
            extras = matching.default_settings(True)
            runs["match_with_embeddings"] = lambda t: [
                i for i, _ in matching.match_ids(catalog, matching.read_patient(t.text), settings=extras)
            ]
        for name, rank in runs.items():
            s = evaluate(topics, qrels, rank)
            out[name] = {"topics": s.topics, "ndcg@10": round(s.ndcg, 4), "P@10": round(s.precision, 4)}
    return out


if __name__ == "__main__":
    print(json.dumps(sigir_scores(), indent=1))
